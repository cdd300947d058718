"""The handling of one inbound message: decide what it is and write the outcome into a unit of work.

Every message ends in exactly one recorded outcome (see OUTCOMES). The caller
owns the unit of work: it commits (possibly many messages in one write, each
inside a savepoint) and only then removes the message from the mailbox.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from intake import classify
from intake.parse import InboundMail
from rules.policy import Policy
from rules.staff import agent_name, find_agent
from store.records import InboundOutcome, OutboxRow, Ticket, new_message_id

OUTCOMES = (
    "new_ticket", "customer_reply", "agent_reply", "agent_command", "refused_unauthorised",
    "refused_quota", "auto_reply", "bounce", "duplicate", "own_mail", "quarantine",
)

# Relayed and quoted texts kept in outbox rows are capped; the full text is in the archive.
TEXT_LIMIT = 100_000


class Quarantine(Exception):
    """The message cannot be handled as mail; it goes to the quarantine folder with this reason."""


@dataclass(frozen=True)
class IntakeSettings:
    support_addresses: tuple[str, ...]
    support_domain: str
    agents: tuple[str, ...] = ()
    agent_names: Mapping[str, str] = field(default_factory=dict)
    notify: tuple[str, ...] = ()
    reopen_days: int = 7
    refusals_per_sender_per_day: int = 3
    authserv_id: str | None = None

    def is_agent(self, address: str) -> bool:
        return address.lower() in {a.lower() for a in self.agents}

    def agent_name(self, address: str) -> str:
        return agent_name(address, self.agent_names)

    def agent_address(self, name_or_address: str | None) -> str | None:
        """The address of an assignee given by name or address, when it is an agent's."""
        return find_agent(name_or_address, self.agents, self.agent_names)


@dataclass
class Result:
    outcome: str
    reason: str
    ticket: Ticket | None = None
    account: str | None = None
    quota_remaining: int | None = None
    outbox: list[OutboxRow] = field(default_factory=list)


class Context:
    """What one message's handling works with: the unit of work, policy, settings and time."""

    def __init__(self, uow, policy: Policy, settings: IntakeSettings, now: datetime,
                 files=None):
        self.uow = uow
        self.policy = policy
        self.settings = settings
        self.now = now
        self.files = files
        self.queued: list[OutboxRow] = []

    def message_id(self, kind: str, ticket: int | None) -> str:
        return new_message_id(kind, ticket, self.settings.support_domain)

    def enqueue(self, kind: str, to: Iterable[str], *, ticket: Ticket | None = None,
                data: Mapping | None = None, cc: Iterable[str] = (),
                in_reply_to: str | None = None, references: Iterable[str] = (),
                to_customer: bool = False) -> OutboxRow:
        """Queue a mail in this unit of work; mails to the customer join the ticket's thread."""
        number = ticket.number if ticket is not None else None
        mid = self.message_id(kind, number)
        refs = list(references)
        if ticket is not None and to_customer:
            in_reply_to = in_reply_to or ticket.last_message_id
            refs = thread_references(ticket, in_reply_to)
        elif ticket is not None and ticket.notice_message_id and not in_reply_to:
            # agents' notices about a ticket thread under its first notice
            in_reply_to = ticket.notice_message_id
            refs = [ticket.notice_message_id]
        row = OutboxRow(kind=kind, to=sorted(set(to)), cc=sorted(set(cc) - set(to)),
                        ticket=number, message_id=mid, in_reply_to=in_reply_to,
                        references=refs, data=dict(data or {}), next_attempt_at=self.now,
                        created_at=self.now)
        self.uow.outbox.enqueue(row)
        if ticket is not None:
            linked = self.uow.tickets.link_message_id(ticket.number, mid)
            if kind == "agent_new" and not linked.notice_message_id:
                self.uow.tickets.update(dataclasses.replace(linked, notice_message_id=mid))
        self.queued.append(row)
        return row


def thread_references(ticket: Ticket, parent: str | None) -> list[str]:
    """References for a mail on the ticket's thread: its root, the latest messages
    (ours and the customer's), and last the parent, at most ten in all."""
    ids = [m if m.startswith("<") else f"<{m}>" for m in ticket.message_ids]
    if parent:
        parent = parent if parent.startswith("<") else f"<{parent}>"
    if not ids:
        return [parent] if parent else []
    recent = [m for m in ids[1:][-8:] if m != parent]
    refs = list(dict.fromkeys([ids[0], *recent, *([parent] if parent else [])]))
    return refs[-10:] if len(refs) > 10 else refs


def handle_inbound(mail: InboundMail, uow, policy: Policy, settings: IntakeSettings,
                   now: datetime, *, source: str = "", files=None) -> Result:
    """Decide what `mail` is and record it, with its ticket changes and outbox rows, in `uow`."""
    from intake import conversation, opening

    known = uow.inbound.by_sha(mail.sha256)
    if known is not None:
        # The same bytes again (a redelivery, or a restart before the mailbox move):
        # the first outcome stands and nothing is recorded twice.
        return Result("duplicate", f"already handled as {known.outcome}",
                      ticket=uow.tickets.get(known.ticket) if known.ticket else None)
    ctx = Context(uow, policy, settings, now, files)
    result = _decide(ctx, mail, conversation, opening)
    result.outbox = ctx.queued
    uow.inbound.record(InboundOutcome(
        sha256=mail.sha256, message_id=mail.message_id, outcome=result.outcome,
        ticket=result.ticket.number if result.ticket else None, received_at=mail.received_at,
        recorded_at=now, sender=mail.sender or None, reason=result.reason, source=source,
        answered=any(mail.sender and mail.sender in row.to for row in ctx.queued),
    ))
    return result


def _decide(ctx: Context, mail: InboundMail, conversation, opening) -> Result:
    uow, settings = ctx.uow, ctx.settings
    if classify.is_own_mail(mail, settings.support_addresses):
        return Result("own_mail", "sent by intakebot itself")
    if mail.message_id and uow.inbound.by_message_id(mail.message_id) is not None:
        first = uow.inbound.by_message_id(mail.message_id)
        return Result("duplicate", f"Message-ID {mail.message_id} already handled as "
                      f"{first.outcome}",
                      ticket=uow.tickets.get(first.ticket) if first.ticket else None)
    if classify.is_bounce(mail):
        return conversation.bounce(ctx, mail)
    auto = classify.auto_reply_reason(mail)
    if auto is not None:
        ticket = find_ticket(ctx, mail)
        return Result("auto_reply", auto, ticket=ticket,
                      account=ticket.account if ticket else None)
    if not mail.sender:
        raise Quarantine("the message has no usable From address")
    if settings.authserv_id and settings.is_agent(mail.sender):
        # an agent's mail can resolve tickets and speak to customers: a forged one must not
        passed, why = classify.authentication_verdict(mail, settings.authserv_id)
        if not passed:
            return Result("refused_unauthorised",
                          f"possible spoof of the agent address {mail.sender}: {why}")
    ticket = find_ticket(ctx, mail)
    if ticket is not None and settings.authserv_id and not settings.is_agent(mail.sender):
        # a forged requester could reopen a ticket or ask for a higher severity
        passed, why = classify.authentication_verdict(mail, settings.authserv_id)
        if not passed:
            return Result("refused_unauthorised",
                          f"possible spoof of {mail.sender} on ticket #{ticket.number}: {why}")
    if ticket is not None:
        reply = conversation.reply(ctx, mail, ticket)
        if reply is not None:
            return reply
    if settings.is_agent(mail.sender):
        return conversation.agent_command(ctx, mail)
    return opening.new_mail(ctx, mail)


def find_ticket(ctx: Context, mail: InboundMail) -> Ticket | None:
    """The ticket a message belongs to: by its [#N] subject token, else by its thread ids."""
    number = classify.ticket_token(mail.subject)
    if number is not None:
        ticket = ctx.uow.tickets.get(number)
        if ticket is not None:
            return ticket
    for mid in classify.thread_ids(mail):
        ticket = ctx.uow.tickets.by_message_id(mid)
        if ticket is not None:
            return ticket
    return None


def within_reopen_window(ticket: Ticket, at: datetime, reopen_days: int) -> bool:
    ended = ticket.resolved_at or ticket.closed_at
    return ended is not None and at - ended <= timedelta(days=reopen_days)


def quarantine_outcome(uow, *, sha256: str, message_id: str | None, sender: str | None,
                       received_at: datetime, now: datetime, reason: str,
                       source: str = "") -> InboundOutcome:
    """Record that a message went to quarantine (it could not be parsed or handled)."""
    outcome = InboundOutcome(sha256=sha256, message_id=message_id, outcome="quarantine",
                             ticket=None, received_at=received_at, recorded_at=now,
                             sender=sender, reason=reason[:500], source=source)
    uow.inbound.record(outcome)
    return outcome
