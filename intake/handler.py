"""The handling of one inbound message: classify it, route it, and record its one outcome.

The order of the questions is the policy: our own mail, duplicates, bounces,
robots, authentication, the per-sender limit, then the ticket it belongs to (a
reply) or a new ticket. Replies are handled in `intake/conversation.py`, new
mail in `intake/opening.py`; both return a `Result` here, which records it.
The caller owns the unit of work: it commits, and only then removes the
message from the mailbox.
"""

from __future__ import annotations

from datetime import datetime

from intake import classify, conversation, opening
from intake.authentication import verdict
from intake.context import Context, IntakeSettings, Quarantine, Result
from intake.parse import InboundMail
from rules.lifecycle import Outcome
from rules.policy import Policy
from rules.ticket import Ticket
from store.outbox_writer import minted_here
from store.records import InboundOutcome

__all__ = ["IntakeSettings", "Quarantine", "Result", "handle_inbound", "quarantine_outcome"]


def handle_inbound(mail: InboundMail, uow, policy: Policy, settings: IntakeSettings,
                   now: datetime, *, source: str = "", files=None) -> Result:
    """Decide what `mail` is and record it, with its ticket changes and outbox rows, in `uow`."""
    known = uow.inbound.by_sha(mail.sha256)
    if known is not None:
        # The same bytes again (a redelivery, or a restart before the mailbox move):
        # the first outcome stands and nothing is recorded twice.
        return Result(Outcome.DUPLICATE, f"already handled as {known.outcome}",
                      ticket=uow.tickets.get(known.ticket) if known.ticket else None)
    ctx = Context(uow, policy, settings, now, mail, files)
    result = _decide(ctx, mail)
    result.outbox = ctx.writer.written
    uow.inbound.record(InboundOutcome(
        sha256=mail.sha256, message_id=mail.message_id, outcome=result.outcome,
        ticket=result.ticket.number if result.ticket else None, received_at=mail.received_at,
        recorded_at=now, sender=mail.sender or None, reason=result.reason, source=source,
        answered=any(mail.sender and mail.sender in row.to for row in ctx.writer.written),
    ))
    return result


def _decide(ctx: Context, mail: InboundMail) -> Result:
    uow, settings = ctx.uow, ctx.settings
    if classify.is_own_mail(mail, settings.support_addresses) \
            or minted_here(mail.message_id, settings.support_domain):
        # also our own mail come back through a list that rewrote From and headers
        return Result(Outcome.OWN_MAIL, "sent by intakebot itself")
    first = _same_mail_before(uow, mail)
    if first is not None:
        return Result(Outcome.DUPLICATE, f"Message-ID {mail.message_id} from {mail.sender} "
                      f"already handled as {first.outcome}",
                      ticket=uow.tickets.get(first.ticket) if first.ticket else None)
    if classify.is_bounce(mail):
        return conversation.bounce(ctx, mail)
    auto = classify.auto_reply_reason(mail)
    if auto is not None:
        ticket = find_ticket(ctx, mail)
        return Result(Outcome.AUTO_REPLY, auto, ticket=ticket,
                      account=ticket.account if ticket else None)
    if not mail.sender:
        raise Quarantine("the message has no usable From address")
    authenticated = _authenticated(ctx, mail)
    if settings.is_agent(mail.sender) and authenticated is not None and not authenticated:
        # an agent's mail can resolve tickets and speak to customers: a forged one must not
        return Result(Outcome.REFUSED_UNAUTHORISED,
                      f"possible spoof of the agent address {mail.sender}: {ctx.auth_reason}")
    ticket, by_thread = find_ticket(ctx, mail), _on_thread(ctx, mail)
    if ticket is not None and authenticated is not None and not authenticated:
        # a forged requester could reopen a ticket or ask for a higher severity
        return Result(Outcome.REFUSED_UNAUTHORISED, f"possible spoof of {mail.sender} on "
                      f"ticket #{ticket.number}: {ctx.auth_reason}")
    if ticket is not None:
        reply = conversation.reply(ctx, mail, ticket, on_thread=by_thread)
        if reply is not None:
            return reply
    if settings.is_agent(mail.sender):
        return conversation.agent_command(ctx, mail)
    if authenticated is not None and not authenticated and uow.contacts.get(mail.sender):
        return opening.refuse_unauthorised(
            ctx, mail, f"possible spoof: sender authentication failed ({ctx.auth_reason})")
    return opening.new_mail(ctx, mail)


def _authenticated(ctx: Context, mail: InboundMail) -> bool | None:
    """Whether our MX vouched for the sender; None when `authserv_id` is not set."""
    if not ctx.settings.authserv_id:
        return None
    found = verdict(mail.headers.get("authentication-results", ()), mail.from_addresses,
                    mail.from_headers, ctx.settings.authserv_id)
    ctx.auth_reason = found.reason
    return found.passed


def _same_mail_before(uow, mail: InboundMail) -> InboundOutcome | None:
    """The first outcome of this Message-ID from this sender. The same id from someone
    else is new mail: a refused mail resent from the right address must not be lost."""
    if not mail.message_id:
        return None
    for outcome in uow.inbound.by_message_id(mail.message_id):
        if (outcome.sender or "") == mail.sender:
            return outcome
    return None


def find_ticket(ctx: Context, mail: InboundMail) -> Ticket | None:
    """The ticket a message belongs to: by its thread ids, else by its [#N] subject token."""
    for mid in classify.thread_ids(mail):
        ticket = ctx.uow.tickets.by_message_id(mid)
        if ticket is not None:
            return ticket
    number = classify.ticket_token(mail.subject)
    return ctx.uow.tickets.get(number) if number is not None else None


def _on_thread(ctx: Context, mail: InboundMail) -> bool:
    """Whether the mail answers a message of a ticket's threads (not just names [#N])."""
    return any(ctx.uow.tickets.by_message_id(mid) is not None
               for mid in classify.thread_ids(mail))


def quarantine_outcome(uow, *, sha256: str, message_id: str | None, sender: str | None,
                       received_at: datetime, now: datetime, reason: str,
                       source: str = "", size: int | None = None) -> InboundOutcome:
    """Record that a message went to quarantine (it could not be parsed or handled)."""
    outcome = InboundOutcome(sha256=sha256, message_id=message_id, outcome=Outcome.QUARANTINE,
                             ticket=None, received_at=received_at, recorded_at=now,
                             sender=sender, reason=reason[:500], source=source, size=size)
    uow.inbound.record(outcome)
    return outcome
