"""A ticket's life, in one place: each transition takes a ticket and an input and returns
the new ticket with the events it records and the mails (notices) it causes.

Pure: no store, no clock. Intake, the scheduler jobs and the CLI call these
functions and hand the `Change` to the store (`store/changes.py`), which keeps
the ticket and events and gives the notices to the outbox writer. It passes ~300
lines on purpose: one short function per transition, all in one place to read.

    open ──#pending──> pending-customer ──customer reply──> open
    open|pending ──#resolve──> resolved ──reply within reopen_days──> open
    resolved ──reopen_days pass──> closed (final: a reply opens a new ticket)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any

from rules.addresses import valid_message_id
from rules.notices import (
    Ack,
    AgentNew,
    AgentReply,
    BounceNotice,
    CustomerReply,
    Notice,
    Reopened,
    Resolved,
    SlaAlert,
    SlaBreach,
    SlaBreachBestEffort,
)
from rules.plans import Severity
from rules.sla import ClockStatus, Deadlines
from rules.ticket import Channel, Ticket, TicketStatus

ZERO = timedelta(0)


class Outcome(StrEnum):
    """What became of one inbound message; every message ends in exactly one."""

    NEW_TICKET = "new_ticket"
    CUSTOMER_REPLY = "customer_reply"
    OUTSIDER_REPLY = "outsider_reply"  # on a ticket, from someone who may not add to it
    AGENT_REPLY = "agent_reply"
    AGENT_COMMAND = "agent_command"
    REFUSED_UNAUTHORISED = "refused_unauthorised"
    REFUSED_QUOTA = "refused_quota"
    RATE_LIMITED = "rate_limited"      # over the per-sender hourly limit: recorded, unanswered
    AUTO_REPLY = "auto_reply"
    BOUNCE = "bounce"
    DUPLICATE = "duplicate"
    OWN_MAIL = "own_mail"
    QUARANTINE = "quarantine"

    @property
    def refused(self) -> bool:
        return self in (Outcome.REFUSED_UNAUTHORISED, Outcome.REFUSED_QUOTA)


class EventKind(StrEnum):
    RECEIVED = "received"
    ACKNOWLEDGED = "acknowledged"
    AGENT_REPLY = "agent_reply"
    CUSTOMER_REPLY = "customer_reply"
    OUTSIDER_REPLY = "outsider_reply"
    SEVERITY_CHANGED = "severity_changed"
    ESCALATED = "escalated"
    RESOLVED = "resolved"
    REOPENED = "reopened"
    NOTE = "note"
    ASSIGNED = "assigned"
    PENDING = "pending"
    CLOSED = "closed"


class ReplyRoute(StrEnum):
    """What a reply from someone entitled to add to a ticket does to it."""

    COMMENT = "comment"
    REOPEN = "reopen"
    NEW_TICKET = "new_ticket"  # closed, or resolved longer ago than the reopen window


@dataclass(frozen=True)
class TicketEvent:
    kind: EventKind
    at: datetime
    data: dict[str, Any] = field(default_factory=dict)
    raw: str | None = None  # the archived message behind it


@dataclass(frozen=True)
class Change:
    ticket: Ticket
    events: tuple[TicketEvent, ...] = ()
    notices: tuple[Notice, ...] = ()

    def then(self, other: Change) -> Change:
        """This change followed by `other` (which was computed from this one's ticket)."""
        return Change(other.ticket, self.events + other.events, self.notices + other.notices)


class LifecycleError(ValueError):
    """An input the ticket's state does not allow (a caller's bug, not a user's mistake)."""


@dataclass(frozen=True)
class Inbound:
    """The facts of the mail behind a transition."""

    at: datetime                  # when the mailbox received it
    sender: str
    text: str
    message_id: str | None = None
    raw: str | None = None
    attachments: tuple[str, ...] = ()


def _real_time(start: datetime, end: datetime) -> timedelta:
    """Time that really passed. Python subtracts two datetimes of the same zone object
    as wall-clock times, so across a DST change a Madrid-zoned pair would be an hour
    off from the same instants in UTC."""
    return end.astimezone(UTC) - start.astimezone(UTC)


def _changed(ticket: Ticket, now: datetime, **changes: Any) -> Ticket:
    return dataclasses.replace(ticket, updated_at=now, **changes)


def _closed_pauses(paused, at: datetime) -> list[tuple[datetime, datetime | None]]:
    return [(s, e if e is not None else at) for s, e in paused]


def _linked(ticket: Ticket, mid: str | None, *, customer: bool) -> dict[str, list[str]]:
    """The thread lists with `mid` added: always findable, on the customer's thread only
    when the customer sent or received it and it is a valid id we may write."""
    if not mid:
        return {}
    out: dict[str, list[str]] = {}
    if mid not in ticket.message_ids:
        out["message_ids"] = [*ticket.message_ids, mid]
    if customer and valid_message_id(mid) and mid not in ticket.customer_thread:
        out["customer_thread"] = [*ticket.customer_thread, mid]
    return out


def open_ticket(*, account: str, requester: str, cc: Sequence[str], subject: str,
                severity: Severity, severity_reason: str, due: Deadlines,
                contract_year: date, overage: bool, quota_used: int, quota_included: int,
                quota_extra: int, mail: Inbound, now: datetime,
                channel: Channel = Channel.MAIL, forced: str | None = None,
                opened_by: str | None = None, language: str | None = None,
                severity_requested: Severity | None = None) -> Change:
    """A new ticket for an authorised contact (number 0 until the store adds it).

    `channel` is how the request came (mail, the support center, a logged call);
    `forced` says which entitlement it was opened without, and who decided so;
    `severity_requested` is a level the customer asked for ("Severity: blocker"): it is
    noted and shown to the agents, who decide (`#severity LEVEL`), as on a reply.
    """
    # opened by an agent: the customer never saw the agent's mail, so it stays off
    # the customer's thread (it still finds the ticket for the agent's own replies)
    ticket = Ticket(
        account=account, requester=requester, cc=list(dict.fromkeys(cc)),
        subject=subject or "(no subject)", severity=severity, severity_reason=severity_reason,
        created_at=mail.at, response_due=due.response_due, resolution_due=due.resolution_due,
        channel=channel,
        contract_year=contract_year, overage=overage, opened_by=opened_by, language=language,
        updated_at=now)
    ticket = dataclasses.replace(ticket, **_linked(ticket, mail.message_id,
                                                   customer=opened_by is None))
    received = TicketEvent(EventKind.RECEIVED, mail.at, {
        "sender": mail.sender, "subject": subject, "opened_by": opened_by,
        "severity": severity.value, "severity_reason": severity_reason,
        "overage": overage, "attachments": list(mail.attachments), "channel": channel.value,
        "forced": forced, "text": mail.text}, raw=mail.raw)
    total = quota_included + quota_extra
    ack = Ack(quota_used=quota_used + 1, quota_included=quota_included,
              quota_extra=quota_extra, quota_remaining=max(total - quota_used - 1, 0),
              overage=overage, opened_by=opened_by)
    events = [received, TicketEvent(EventKind.ACKNOWLEDGED, mail.at, {"to": requester})]
    if severity_requested is not None and severity_requested != severity:
        events.append(_severity_request(mail, severity_requested, severity))
    else:
        severity_requested = None
    notice = AgentNew(text=mail.text, attachments=mail.attachments, opened_by=opened_by,
                      severity_requested=severity_requested.value if severity_requested
                      else None)
    return Change(ticket, tuple(events), (ack, notice))


def _severity_request(mail: Inbound, wanted: Severity, now: Severity) -> TicketEvent:
    # a request for the agents to decide on (`#severity LEVEL` accepts it), not a
    # change: otherwise any customer could page managers by writing "Severity: blocker"
    return TicketEvent(EventKind.NOTE, mail.at, {
        "by": mail.sender, "severity_requested": wanted.value,
        "text": f"customer asks for severity {wanted.value} (now {now.value})"})


def reply_route(ticket: Ticket, at: datetime, reopen_days: int) -> ReplyRoute:
    """Whether a reply comments on the ticket, reopens it, or must open a new one."""
    if ticket.status.active:
        return ReplyRoute.COMMENT
    if ticket.status is TicketStatus.RESOLVED and ticket.resolved_at is not None \
            and _real_time(ticket.resolved_at, at) <= timedelta(days=reopen_days):
        return ReplyRoute.REOPEN
    return ReplyRoute.NEW_TICKET


def customer_reply(ticket: Ticket, mail: Inbound, *, reopen_days: int, now: datetime,
                   severity_requested: Severity | None = None) -> Change:
    """A reply from the requester or another contact of the account."""
    route = reply_route(ticket, mail.at, reopen_days)
    if route is ReplyRoute.NEW_TICKET:
        raise LifecycleError(f"ticket {ticket.ref} is {ticket.status}: a reply opens a new one")
    changes: dict[str, Any] = _linked(ticket, mail.message_id, customer=True)
    if mail.sender != ticket.requester and mail.sender not in ticket.cc:
        changes["cc"] = [*ticket.cc, mail.sender]
    # the text is kept on the timeline: the support center shows the conversation from it
    events = [TicketEvent(EventKind.CUSTOMER_REPLY, mail.at, {
        "sender": mail.sender, "attachments": list(mail.attachments), "text": mail.text},
        raw=mail.raw)]
    notices: list[Notice] = []
    if ticket.status is TicketStatus.PENDING:
        changes.update(status=TicketStatus.OPEN, paused=_closed_pauses(ticket.paused, mail.at))
    if route is ReplyRoute.REOPEN:
        # the time it spent resolved does not count against the resolution target
        ended = ticket.resolved_at
        paused = [*ticket.paused, (ended, mail.at)] if ended and _real_time(ended, mail.at) > ZERO \
            else list(ticket.paused)
        changes.update(status=TicketStatus.OPEN, resolved_at=None, closed_at=None,
                       paused=paused)
        events.append(TicketEvent(EventKind.REOPENED, mail.at, {"by": mail.sender}))
        notices.append(Reopened())
    if severity_requested is not None and severity_requested != ticket.severity:
        events.append(_severity_request(mail, severity_requested, ticket.severity))
    else:
        severity_requested = None
    notices.append(CustomerReply(
        text=mail.text, sender=mail.sender, received_at=mail.at,
        reopened=route is ReplyRoute.REOPEN, attachments=mail.attachments,
        severity_requested=severity_requested.value if severity_requested else None))
    return Change(_changed(ticket, now, **changes), tuple(events), tuple(notices))


def outsider_reply(ticket: Ticket, mail: Inbound, *, now: datetime) -> Change:
    """Mail on the ticket's thread from someone who may not add to it: the agents see
    it; it changes nothing and is never posted as the customer's."""
    changes = _linked(ticket, mail.message_id, customer=False)
    event = TicketEvent(EventKind.OUTSIDER_REPLY, mail.at, {"sender": mail.sender},
                        raw=mail.raw)
    notice = CustomerReply(text=mail.text, sender=mail.sender, received_at=mail.at,
                           outsider=True)
    return Change(_changed(ticket, now, **changes), (event,), (notice,))


def agent_reply(ticket: Ticket, mail: Inbound, *, agent_name: str, now: datetime) -> Change:
    """An agent's answer, relayed to the customer; the first one stops the response clock."""
    first = ticket.first_response_at is None
    changes = _linked(ticket, mail.message_id, customer=False)
    changes.update(first_response_at=ticket.first_response_at or mail.at,
                   assignee=ticket.assignee or agent_name)
    event = TicketEvent(EventKind.AGENT_REPLY, mail.at, {
        "agent": mail.sender, "first_response": first,
        "attachments": list(mail.attachments), "text": mail.text}, raw=mail.raw)
    notice = AgentReply(text=mail.text, agent=mail.sender, agent_name=agent_name,
                        attachments=mail.attachments)
    return Change(_changed(ticket, now, **changes), (event,), (notice,))


def link(ticket: Ticket, mid: str | None, *, now: datetime) -> Change:
    """Remember a staff mail's id so replies to it find the ticket (a command-only mail)."""
    changes = _linked(ticket, mid, customer=False)
    return Change(_changed(ticket, now, **changes) if changes else ticket)


def pending(ticket: Ticket, at: datetime, *, by: str, now: datetime) -> Change:
    """Waiting on the customer: the resolution clock pauses until they reply."""
    if ticket.status is not TicketStatus.OPEN:
        return Change(ticket)
    return Change(
        _changed(ticket, now, status=TicketStatus.PENDING, paused=[*ticket.paused, (at, None)]),
        (TicketEvent(EventKind.PENDING, at, {"agent": by}),))


def resolve(ticket: Ticket, at: datetime, *, by: str, by_name: str | None, reopen_days: int,
            now: datetime) -> Change:
    """Resolved: the customer is told and can reopen by replying within `reopen_days`.

    The resolution mail is the desk answering the customer, so a ticket resolved
    before any other answer has its first response then: its response clock stops
    instead of running on into a breach that no one could still avoid."""
    if not ticket.status.active:
        return Change(ticket)
    return Change(
        _changed(ticket, now, status=TicketStatus.RESOLVED, resolved_at=at,
                 first_response_at=ticket.first_response_at or at,
                 paused=_closed_pauses(ticket.paused, at)),
        (TicketEvent(EventKind.RESOLVED, at, {"by": by}),),
        (Resolved(reopen_days=reopen_days, resolved_by=by_name),))


def close_if_settled(ticket: Ticket, now: datetime, reopen_days: int) -> Change | None:
    """Closed once the reopen window has passed without a reply (then it can be archived)."""
    if ticket.status is not TicketStatus.RESOLVED or ticket.resolved_at is None:
        return None
    window = timedelta(days=reopen_days)
    if _real_time(ticket.resolved_at, now) <= window:
        return None
    at = (ticket.resolved_at.astimezone(UTC) + window).astimezone(ticket.resolved_at.tzinfo)
    return Change(_changed(ticket, now, status=TicketStatus.CLOSED, closed_at=at),
                  (TicketEvent(EventKind.CLOSED, at, {"after_days": reopen_days}),))


def change_severity(ticket: Ticket, severity: Severity, due: Deadlines, at: datetime, *,
                    why: str, now: datetime) -> Change:
    """A new severity, with the due times it brings (computed from the creation time)."""
    if severity == ticket.severity:
        return Change(ticket)
    return Change(
        _changed(ticket, now, severity=severity, severity_reason=why,
                 response_due=due.response_due, resolution_due=due.resolution_due),
        (TicketEvent(EventKind.SEVERITY_CHANGED, at, {
            "old": ticket.severity.value, "new": severity.value, "why": why}),))


def assign(ticket: Ticket, assignee: str, at: datetime, *, by: str, now: datetime) -> Change:
    return Change(_changed(ticket, now, assignee=assignee),
                  (TicketEvent(EventKind.ASSIGNED, at, {"agent": by, "assignee": assignee}),))


def note(ticket: Ticket, text: str, at: datetime, *, by: str) -> Change:
    """An internal note: on the timeline, never sent to anyone."""
    return Change(ticket, (TicketEvent(EventKind.NOTE, at, {"agent": by, "text": text}),))


def escalate(ticket: Ticket, clock: ClockStatus, *, now: datetime) -> Change:
    """A warning (at risk) or a breach report of one clock. Best-effort targets' breaches
    go to the agents only; firm ones to the managers too."""
    if clock.due is None:
        raise LifecycleError(f"the {clock.clock} clock of {ticket.ref} has no target")
    breach = clock.state.value == "breached"
    cls = SlaAlert if not breach else SlaBreachBestEffort if clock.best_effort else SlaBreach
    notice = cls(clock=clock.clock, due=clock.due,
                 left_seconds=(clock.allowed - clock.elapsed).total_seconds(),
                 fraction=round(clock.fraction, 3), best_effort=clock.best_effort)
    event = TicketEvent(EventKind.ESCALATED, now, {
        "clock": clock.clock, "level": "breach" if breach else "warn",
        "best_effort": clock.best_effort})
    return Change(ticket, (event,), (notice,))


def bounce(ticket: Ticket, mail: Inbound, *, bounced_message_id: str, subject: str,
           report: BounceNotice | None) -> Change:
    """A delivery failure of a mail about this ticket; `report` tells the agents, when due."""
    event = TicketEvent(EventKind.NOTE, mail.at, {
        "bounce_of": bounced_message_id, "text": f"delivery failed: {subject}"}, raw=mail.raw)
    return Change(ticket, (event,), (report,) if report is not None else ())
