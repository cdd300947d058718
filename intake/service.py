"""Opening a ticket and adding a customer's answer to one, whatever brought them: a mail,
the support center (web/) or a call an agent logged (the CLI).

Mail intake (`intake/opening.py`, `intake/conversation.py`), the support center and
the CLI all come through here, so entitlement (the plan's channels), quota, severity
and due times are decided in one place, by the rules, and every change is a lifecycle
transition kept with `store.changes.keep`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from rules import lifecycle
from rules.entitlements import QuotaDecision, channel_decision, quota_decision
from rules.lifecycle import Change, Inbound
from rules.notices import QuotaExhausted, RefusedQuota
from rules.plans import Plan, Severity
from rules.policy import Policy
from rules.severity import infer
from rules.sla import Deadlines, deadlines
from rules.ticket import Channel, Ticket
from store.changes import keep
from store.outbox_writer import Answering, OutboxWriter
from store.quota import quota_for
from store.records import Account, Contact


@dataclass(frozen=True)
class Request:
    """A request for a new ticket, as any channel brings it."""

    contact: Contact
    subject: str
    text: str
    at: datetime  # when the desk received it: the SLA clocks start here
    channel: Channel = Channel.MAIL
    headers: Mapping[str, str] = field(default_factory=dict)  # a mail's, for severity hints
    # chosen by the customer (support center) or the agent who logs a call; else assessed
    severity: Severity | None = None
    severity_why: str = ""
    # a severity the customer asks for (a tag in the mail is found by the assessment):
    # recorded and shown to the agents, who decide; the ticket opens at the assessed level
    severity_requested: Severity | None = None
    opened_by: str | None = None  # the agent (or operator) who opens it for the customer
    force: bool = False  # open it although the plan does not include the channel


@dataclass(frozen=True)
class Assessment:
    """What the rules say of a request: plan, severity, quota and due times, or why not."""

    account: Account
    plan: Plan
    severity: Severity
    severity_reason: str
    quota: QuotaDecision
    due: Deadlines
    refused: str | None = None  # the plan does not include the channel (and no force)
    forced: str | None = None   # it did not, and the ticket was opened anyway
    severity_requested: Severity | None = None  # the customer's tag: for the agents

    @property
    def opens(self) -> bool:
        return self.refused is None and self.quota.accept


def assess(uow, policy: Policy, account: Account, request: Request) -> Assessment:
    """The decisions for `request` on `account`, changing nothing (the support center's
    new-ticket form shows them before the customer submits)."""
    plan = policy.plan(account.plan)
    requested = request.severity_requested
    if request.severity is not None:
        severity, reason = Severity(request.severity), request.severity_why or "chosen"
    else:
        guess = infer(request.subject, request.text, request.headers,
                      extra_rules=policy.severity_rules, default=policy.default_severity)
        if guess.requested is not None and request.opened_by:
            # an agent who opens it for a customer decides its level, by tag or #severity
            severity, reason = guess.requested, guess.request
        else:
            # the definitions' reading; a customer's "Severity: blocker" is asked for
            severity, reason = guess.severity, guess.reason
            requested = requested or guess.requested
    status = quota_for(uow, policy.plans, policy.tz, account, request.at)
    decision = quota_decision(status, severity,
                              on_exhausted=account.overage_policy or policy.on_exhausted,
                              blocker_always_accepted=policy.blocker_always_accepted,
                              requested=Severity(requested) if requested else None)
    due = deadlines(plan, severity, request.at, policy.calendar(plan))
    channel = channel_decision(plan, Channel(request.channel).value)
    refused = forced = None
    if not channel.allowed:
        if request.force:
            forced = f"{channel.reason}; opened anyway by {request.opened_by or 'the operator'}"
        else:
            refused = channel.reason
    return Assessment(account, plan, severity, reason, decision, due, refused, forced,
                      Severity(requested) if requested else None)


def opening_change(assessment: Assessment, request: Request, *, mail: Inbound, now: datetime,
                   cc: Sequence[str] = (), opened_by: str | None = None,
                   language: str | None = None) -> Change:
    """The lifecycle's new ticket for an assessed request that opens."""
    a, status = assessment, assessment.quota.status
    # the language and a request are passed on only when known: older lifecycles do not
    # take them
    extra = {"language": language} if language else {}
    if a.severity_requested is not None:
        extra["severity_requested"] = a.severity_requested
    return lifecycle.open_ticket(
        account=a.account.name, requester=request.contact.email, cc=cc,
        subject=request.subject, severity=a.severity, severity_reason=a.severity_reason,
        due=a.due, contract_year=status.year_start, overage=a.quota.overage,
        quota_used=status.used, quota_included=status.included, quota_extra=status.extra,
        mail=mail, now=now, opened_by=opened_by or request.opened_by,
        channel=Channel(request.channel), forced=a.forced, **extra)


@dataclass(frozen=True)
class Opened:
    """The end of a request from the support center or a logged call."""

    ticket: Ticket | None
    reason: str  # what was decided, or why nothing was opened
    assessment: Assessment | None = None
    mailed: bool = False  # a refusal was mailed to the contact as well


def open_request(uow, writer: OutboxWriter, policy: Policy, request: Request, *,
                 now: datetime, attachments: Sequence[str] = (),
                 mail_refusal: bool = False) -> Opened:
    """Open a ticket for a request that is not a mail. Over quota nothing opens; with
    `mail_refusal` the contact is told by mail and the account team hears of it, as for
    a mail of theirs."""
    account = uow.accounts.get(request.contact.account)
    if account is None or account.plan not in policy.plans:
        return Opened(None, f"the account {request.contact.account!r} has no known plan")
    a = assess(uow, policy, account, request)
    if a.refused is not None:
        return Opened(None, a.refused, a)
    if not a.quota.accept:
        # the page shows every refusal; the mail goes once a day per contact, so that
        # pressing the button again and again cannot fill his mailbox (nor ours)
        key = f"refused_quota:web:{request.contact.email.lower()}:" \
              f"{now.astimezone(UTC).date().isoformat()}"
        if mail_refusal and not uow.sent_alerts.seen(key):
            uow.sent_alerts.add(key, now)
            status = a.quota.status
            writer.write(RefusedQuota(
                subject=request.subject, account=account.name, plan=account.plan,
                included=status.included, extra=status.extra, used=status.used,
                year_start=status.year_start.isoformat(),
                year_end=status.year_end.isoformat()),
                answering=Answering(request.contact.email))
            tell_account_team(uow, writer, account, a.quota, sender=request.contact.email,
                              subject=request.subject, now=now)
            return Opened(None, a.quota.reason, a, mailed=True)
        return Opened(None, a.quota.reason, a)
    inbound = Inbound(at=request.at, sender=request.opened_by or request.contact.email,
                      text=request.text, attachments=tuple(attachments))
    ticket = keep(uow, writer, opening_change(a, request, mail=inbound, now=now))
    return Opened(ticket, a.quota.reason + (f"; {a.forced}" if a.forced else ""), a)


def tell_account_team(uow, writer: OutboxWriter, account: Account, decision: QuotaDecision, *,
                      sender: str, subject: str, now: datetime) -> bool:
    """After a quota refusal, the agents and the account's managers hear of it (they can
    add tickets; the customer may not think of asking), once a day per account so that
    a customer who keeps writing does not flood the desk. Whether they were told now.

    Kept as a sent-alert key (one indexed look-up), not by reading the outbox."""
    key = f"quota_exhausted:{account.name.lower()}:{now.astimezone(UTC).date().isoformat()}"
    if uow.sent_alerts.seen(key):
        return False
    uow.sent_alerts.add(key, now)
    status = decision.status
    writer.write(QuotaExhausted(
        account=account.name, plan=account.plan, sender=sender, subject=subject,
        included=status.included, extra=status.extra, used=status.used,
        year_end=status.year_end.isoformat()))
    return True


def requested_severity(text: str, ticket: Ticket) -> Severity | None:
    """A severity the customer asked for with an explicit tag ("Severity: blocker")."""
    # only the customer's new lines count: a reply's subject repeats the original
    # tag, and an agent's change must not be undone by "any news?"
    return infer("", text, None, default=ticket.severity).requested


def customer_reply(uow, writer: OutboxWriter, ticket: Ticket, mail: Inbound, *,
                   reopen_days: int, now: datetime) -> Ticket:
    """A contact's answer on a ticket (by mail or in the support center): comments,
    reopens a resolved ticket within the window, and notifies the agents."""
    change = lifecycle.customer_reply(ticket, mail, reopen_days=reopen_days, now=now,
                                      severity_requested=requested_severity(mail.text, ticket))
    return keep(uow, writer, change)
