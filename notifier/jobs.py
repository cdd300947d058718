"""The notifier's jobs: deliver the outbox, sweep SLA clocks, queue the manager digest.

Delivery is at-least-once: a row is marked sent only after the server took
it, so a crash in between sends it again with the same Message-ID. The store
lock is not held while talking to the mail server.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from notifier.compose import Composer
from notifier.contexts import ContextBuilder
from notifier.mailer import PermanentFailure, TemporaryFailure
from rules import lifecycle
from rules.backoff import backoff
from rules.notices import BounceNotice, Digest, MailKind
from rules.policy import Policy
from rules.sla import SlaState
from rules.ticket import TicketStatus
from store.changes import keep
from store.outbox_writer import Addressing, OutboxWriter
from store.records import OutboxRow

log = logging.getLogger("intakebot.notifier")

RETRY_FIRST = timedelta(seconds=30)
RETRY_CAP = timedelta(hours=1)
# sent mails are recorded in groups this size (each record is one store commit)
RECORD_EVERY = 10
# a mail still deferred this long after it was queued is given up and reported to
# agents (like an MTA's queue lifetime); an outage shorter than this loses nothing
GIVE_UP_AFTER = timedelta(days=5)
# how long a deliverer holds the rows it took; one that died is replaced after it
CLAIM_FOR = timedelta(minutes=2)



@dataclass(frozen=True)
class Delivery:
    row_id: str
    kind: str
    to: tuple[str, ...]
    result: str  # sent, retry, failed
    error: str | None = None
    # sent, but these recipients were refused: [(address, "550 why")]
    refused: tuple[tuple[str, str], ...] = ()


def retry_delay(attempts: int) -> timedelta:
    return backoff(attempts, RETRY_FIRST, RETRY_CAP)


def deliver_due(store, mailer, composer: Composer, builder: ContextBuilder, now: datetime,
                limit: int = 100) -> list[Delivery]:
    """Send the due outbox rows (at most `limit`); record each result.

    Only one deliverer works at a time (the running bot, a cron `run --once`,
    `digest --send`): another finds the lock taken and leaves the rows to it.
    """
    with store.job_lock("deliver") as mine:
        if not mine:
            log.info("another delivery is running; leaving the outbox to it")
            return []
        return _deliver(store, mailer, composer, builder, now, limit)


def _deliver(store, mailer, composer: Composer, builder: ContextBuilder, now: datetime,
             limit: int) -> list[Delivery]:
    with store.unit_of_work() as uow:
        # claimed and committed before sending: no other instance takes these rows
        # until they are marked, or until the claim runs out after a crash
        rows = uow.outbox.claim_due(now, limit, now + CLAIM_FOR)
        uow.commit()
    if not rows:
        return []
    # composing only reads: it holds no one up while the templates render
    with store.unit_of_work(read_only=True) as uow:
        prepared: list[tuple[OutboxRow, object]] = []
        for row in rows:
            try:
                ctx = builder.build(uow, row)
                msg = composer.compose(row.kind, row.to, ctx, message_id=row.message_id,
                                       date=row.created_at, in_reply_to=row.in_reply_to,
                                       references=row.references, cc=row.cc,
                                       ticket=row.ticket)
                prepared.append((row, msg))
            except Exception as exc:  # one row that cannot be built must not block the rest
                log.exception("cannot compose %s %s", row.kind, row.id)
                prepared.append((row, exc))
    if not prepared:
        return []
    recorded: list[Delivery] = []
    pending: list[Delivery] = []
    try:
        with mailer:
            for row, msg in prepared:
                pending.append(_send(mailer, row, msg))
                if len(pending) >= RECORD_EVERY:
                    # a crash resends at most the mails sent since the last record
                    recorded += _record(store, pending, rows, builder.addressing, now)
                    pending = []
    except TemporaryFailure as exc:
        # opening the connection failed: every row not yet tried waits for its next attempt
        tried = {d.row_id for d in recorded + pending}
        pending += [Delivery(row.id, row.kind, tuple(row.to), "retry", str(exc))
                    for row, _ in prepared if row.id not in tried]
    if pending:
        recorded += _record(store, pending, rows, builder.addressing, now)
    return recorded


def _send(mailer, row: OutboxRow, msg) -> Delivery:
    if isinstance(msg, Exception):
        return Delivery(row.id, row.kind, tuple(row.to), "failed", f"cannot compose: {msg}")
    try:
        refused = mailer.send(msg) or {}
        return Delivery(row.id, row.kind, tuple(row.to), "sent",
                        refused=tuple((a, f"{code} {why}") for a, (code, why) in refused.items()))
    except PermanentFailure as exc:
        return Delivery(row.id, row.kind, tuple(row.to), "failed", str(exc))
    except TemporaryFailure as exc:
        return Delivery(row.id, row.kind, tuple(row.to), "retry", str(exc))


def _record(store, results, rows, addressing: Addressing, now: datetime) -> list[Delivery]:
    """Mark each row; a row out of retries fails. Returns the results as recorded."""
    by_id = {r.id: r for r in rows}
    recorded: list[Delivery] = []
    with store.unit_of_work() as uow:
        writer = OutboxWriter(uow, addressing, now)
        for d in results:
            row = by_id[d.row_id]
            if d.result == "sent":
                uow.outbox.mark_sent(row.id, now)
                log.info("sent %s to %s%s", row.kind, ", ".join(row.to),
                         f" (ticket #{row.ticket})" if row.ticket else "")
                recorded.append(d)
                if d.refused and row.kind is not MailKind.BOUNCE_NOTICE:
                    # the others got it; the agents hear who did not, as for a bounce
                    ticket = uow.tickets.get(row.ticket) if row.ticket is not None else None
                    writer.write(BounceNotice(
                        recipients=tuple(a for a, _ in d.refused), original_kind=row.kind.value,
                        original_subject=ticket.subject if ticket else "",
                        error="; ".join(f"{a}: {why}" for a, why in d.refused),
                        bounced_message_id=row.message_id), ticket=ticket)
                continue
            if d.result == "retry" and now - row.created_at < GIVE_UP_AFTER:
                uow.outbox.mark_retry(row.id, now, d.error or "",
                                      now + retry_delay(row.attempts))
                log.warning("%s to %s deferred: %s", row.kind, ", ".join(row.to), d.error)
                recorded.append(d)
                continue
            d = Delivery(d.row_id, d.kind, d.to, "failed", d.error)
            recorded.append(d)
            uow.outbox.mark_failed(row.id, now, d.error or "")
            log.error("%s to %s failed for good: %s", row.kind, ", ".join(row.to), d.error)
            if row.kind is not MailKind.BOUNCE_NOTICE:
                ticket = uow.tickets.get(row.ticket) if row.ticket is not None else None
                subject = getattr(row.payload, "subject", "") or (ticket.subject if ticket else "")
                writer.write(BounceNotice(recipients=tuple(row.to + row.cc),
                                          original_kind=row.kind.value, original_subject=subject,
                                          error=d.error or "", bounced_message_id=row.message_id),
                             ticket=ticket)
        uow.commit()
    return recorded


def close_settled(store, addressing: Addressing, reopen_days: int, now: datetime) -> list[int]:
    """Close tickets resolved longer ago than the reopen window (then they can be archived).

    A reply after that opens a new ticket anyway; closing makes it final.
    """
    closed = []
    with store.unit_of_work() as uow:
        writer = OutboxWriter(uow, addressing, now)
        for ticket in uow.tickets.open():
            change = lifecycle.close_if_settled(ticket, now, reopen_days)
            if change is not None:
                keep(uow, writer, change)
                closed.append(ticket.number)
        uow.commit()
    return closed


def sweep_sla(store, policy: Policy, addressing: Addressing, now: datetime) -> list[str]:
    """Queue each due SLA warning or breach mail once per ticket, clock, level and due time.

    After downtime past both thresholds only the breach goes out: one mail that
    names the current state, never a warning and a breach in one burst.
    """
    sent: list[str] = []
    with store.unit_of_work() as uow:
        writer = OutboxWriter(uow, addressing, now)
        accounts = {a.name: a for a in uow.accounts.all()}
        for ticket in uow.tickets.open():
            if not ticket.status.active:
                continue
            account = accounts.get(ticket.account)
            clocks = policy.clocks(ticket, account.plan if account else None, now)
            if clocks is None:
                continue
            for clock in clocks:
                if clock.state not in (SlaState.AT_RISK, SlaState.BREACHED):
                    continue
                stopped = ticket.first_response_at if clock.clock == "response" \
                    else ticket.resolved_at
                if stopped is not None:
                    continue  # answered (late or not): nothing left to escalate
                if clock.clock == "resolution" and ticket.status is TicketStatus.PENDING:
                    continue  # the resolution clock is paused
                # once per ticket, clock, severity and level: a due that moves (a pause)
                # does not warn again; a new severity is a new target
                base = f"{ticket.number}:{clock.clock}:{ticket.severity}"
                level = "breach" if clock.state == SlaState.BREACHED else "warn"
                if uow.sent_alerts.seen(f"{base}:{level}"):
                    continue
                if level == "breach":
                    uow.sent_alerts.add(f"{base}:warn", now)
                uow.sent_alerts.add(f"{base}:{level}", now)
                change = lifecycle.escalate(ticket, clock, now=now)
                keep(uow, writer, change)
                sent += [f"{n.kind} #{ticket.number} {clock.clock}" for n in change.notices]
        uow.commit()
    for line in sent:
        log.info("queued %s", line)
    return sent


def queue_digest(store, addressing: Addressing, now: datetime,
                 due: Callable[[datetime | None], bool] | None = None) -> OutboxRow | None:
    """Queue the manager digest covering the time since the previous one.

    With `due` (the schedule: is a digest due after the last one, or ever?) the check
    and the queueing are one unit of work, so instances firing at the same time
    queue one digest between them.
    """
    if not addressing.staff.managers:
        return None
    with store.unit_of_work() as uow:
        previous = [r for r in uow.outbox.all()
                    if r.kind is MailKind.DIGEST and r.created_at <= now]
        since = max((r.created_at for r in previous), default=None)
        if due is not None and not due(since):
            return None
        row = OutboxWriter(uow, addressing, now).write(Digest(since=since))
        uow.commit()
    return row
