"""Mail on an existing ticket: agent replies and commands, customers' replies, outsiders'
mail, bounces. Each becomes lifecycle transitions (rules/lifecycle.py) kept through the
context; nothing here changes a ticket by hand.
"""

from __future__ import annotations

from intake import classify, opening, service
from intake.context import Context, Result
from intake.parse import InboundMail
from intake.reply import KNOWN, AgentCommand, describe, new_text, parse_commands
from rules import lifecycle
from rules.entitlements import channel_decision
from rules.lifecycle import Change, Outcome, ReplyRoute
from rules.notices import BounceNotice, CommandError
from rules.plans import Severity
from rules.recipients import may_add_to
from rules.sla import deadlines
from rules.ticket import Channel, Ticket


def reply(ctx: Context, mail: InboundMail, ticket: Ticket, *, on_thread: bool) -> Result | None:
    """Handle `mail` as a reply on `ticket`; None when it must be treated as new mail."""
    sender = mail.sender
    if ctx.settings.is_agent(sender):
        return agent_reply(ctx, mail, ticket)
    contact = ctx.uow.contacts.get(sender)
    if not may_add_to(sender, account=ticket.account,
                      contact_account=contact.account if contact else None):
        if not on_thread:
            return None  # a stranger cannot reach someone's ticket by guessing [#N]
        return outsider_reply(ctx, mail, ticket)
    if lifecycle.reply_route(ticket, mail.received_at, ctx.settings.reopen_days) \
            is ReplyRoute.NEW_TICKET:
        return None  # an old ticket: the mail opens a new one
    text = new_text(mail.text) or mail.text
    before = ticket.status
    ticket = service.customer_reply(ctx.uow, ctx.writer, ticket, ctx.inbound(text),
                                    reopen_days=ctx.settings.reopen_days, now=ctx.now)
    reopened = before != ticket.status and not before.active
    return Result(Outcome.CUSTOMER_REPLY, ("reopened the ticket; " if reopened else "")
                  + f"comment from {sender}", ticket=ticket, account=ticket.account)


def outsider_reply(ctx: Context, mail: InboundMail, ticket: Ticket) -> Result:
    text = new_text(mail.text) or mail.text
    ticket = ctx.keep(lifecycle.outsider_reply(ticket, ctx.inbound(text), now=ctx.now))
    return Result(Outcome.OUTSIDER_REPLY, f"{mail.sender} may not add to ticket "
                  f"#{ticket.number}: recorded for the agents, not posted",
                  ticket=ticket, account=ticket.account)


def _desk_problems(ctx: Context, parsed, *, on_ticket: bool) -> list[str]:
    """What only the desk can tell is wrong: an assignee who is no agent (`#assign Lusi`
    for Luis), `#open` in a reply on a ticket."""
    problems = []
    for command in parsed.commands:
        if command.name == "assign" and ctx.settings.staff.address_of(command.argument) is None:
            names = ", ".join(ctx.settings.agent_name(a) for a in ctx.settings.staff.agents)
            problems.append(f"#assign {command.argument}: no agent of that name or address; "
                            f"agents: {names or 'none configured'}")
        if command.name == "open" and on_ticket:
            problems.append(f"#open {command.argument}: in a reply on a ticket it would do "
                            "nothing; send a new mail to open a ticket for a customer")
    return problems


def _refuse_commands(ctx: Context, mail: InboundMail, parsed, ticket: Ticket | None,
                     extra: list[str] = ()) -> Result:
    errors = tuple(describe(p) for p in parsed.problems) + tuple(extra)
    ctx.answer(CommandError(errors=errors, known=KNOWN, subject=mail.subject), ticket)
    return Result(Outcome.AGENT_COMMAND, f"from agent {mail.sender}: nothing done or relayed; "
                  f"errors: {'; '.join(errors)}", ticket=ticket,
                  account=ticket.account if ticket else None)


def agent_reply(ctx: Context, mail: InboundMail, ticket: Ticket) -> Result:
    # only what the agent wrote: a reply with nothing new (just a phone signature)
    # must never relay the quoted internal notice to the customer
    parsed = parse_commands(new_text(mail.text))
    problems = _desk_problems(ctx, parsed, on_ticket=True)
    if not parsed.ok or problems:
        # one mistyped command and nothing of the mail happens: a half-applied mail
        # (relayed, but not resolved) is worse than one the agent sends again
        return _refuse_commands(ctx, mail, parsed, ticket, problems)
    agent, relay = mail.sender, parsed.text.strip()
    if not relay and not parsed.commands:
        # nothing of the agent's own above the quote: say so rather than stay silent
        error = ("your reply has no text of your own (only quoted text or a signature): "
                 "nothing was sent to the customer")
        ctx.answer(CommandError(errors=(error,), known=KNOWN, subject=mail.subject), ticket)
        return Result(Outcome.AGENT_COMMAND, f"from agent {agent}: nothing to relay; told",
                      ticket=ticket, account=ticket.account)
    change = lifecycle.link(ticket, mail.message_id, now=ctx.now)
    done: list[str] = []
    if relay:
        first = ticket.first_response_at is None
        change = lifecycle.agent_reply(ticket, ctx.inbound(relay),
                                       agent_name=ctx.settings.agent_name(agent), now=ctx.now)
        done.append("relayed" + (" (first response)" if first else ""))
    for command in parsed.commands:
        change = change.then(command_change(ctx, change.ticket, command, agent,
                                            mail.received_at))
        done.append(f"#{command.name}")
    ticket = ctx.keep(change)
    outcome = Outcome.AGENT_REPLY if relay or not parsed.commands else Outcome.AGENT_COMMAND
    return Result(outcome, f"from agent {agent}: " + (", ".join(done) or "nothing to relay"),
                  ticket=ticket, account=ticket.account)


def command_change(ctx: Context, ticket: Ticket, command: AgentCommand, agent: str,
                   at) -> Change:
    """The transition one agent command asks for."""
    settings = ctx.settings
    if command.name == "note":
        return lifecycle.note(ticket, command.argument or "", at, by=agent)
    if command.name == "severity":
        severity = Severity(command.argument)
        account = ctx.uow.accounts.get(ticket.account)
        plan = ctx.policy.plan(account.plan)
        due = deadlines(plan, severity, ticket.created_at, ctx.policy.calendar(plan))
        return lifecycle.change_severity(ticket, severity, due, at,
                                         why=f"set by {settings.agent_name(agent)}", now=ctx.now)
    if command.name == "assign":
        address = settings.staff.address_of(command.argument)
        name = settings.agent_name(address) if address else command.argument
        return lifecycle.assign(ticket, name, at, by=agent, now=ctx.now)
    if command.name == "pending":
        return lifecycle.pending(ticket, at, by=agent, now=ctx.now)
    if command.name == "resolve":
        return lifecycle.resolve(ticket, at, by=agent, by_name=settings.agent_name(agent),
                                 reopen_days=settings.reopen_days, now=ctx.now)
    return Change(ticket)  # `#open` only means something in a new mail


def agent_command(ctx: Context, mail: InboundMail) -> Result:
    """A new mail (not a reply) from an agent: `#open EMAIL` opens a ticket for a contact."""
    parsed = parse_commands(new_text(mail.text) or mail.text)
    problems = _desk_problems(ctx, parsed, on_ticket=False)
    if not parsed.ok or problems:
        return _refuse_commands(ctx, mail, parsed, None, problems)
    opens = [c for c in parsed.commands if c.name == "open"]
    if not opens:
        error = (f"a new mail from an agent needs a command such as "
                 f"#open customer@example.com; known: {KNOWN}")
        ctx.answer(CommandError(errors=(error,), known=KNOWN, subject=mail.subject))
        return Result(Outcome.AGENT_COMMAND, "no usable command: " + error)
    email = opens[0].argument
    contact = ctx.uow.contacts.get(email)
    if contact is None:
        error = f"{email} is not an authorised contact of any account"
        ctx.answer(CommandError(errors=(error,), known=KNOWN, subject=mail.subject))
        return Result(Outcome.AGENT_COMMAND, f"#open {email}: not an authorised contact")
    channel = Channel(next((c.argument for c in parsed.commands if c.name == "via"), "mail"))
    force = any(c.name == "force" for c in parsed.commands)
    refused = _channel_refused(ctx, contact, channel) if not force else None
    if refused is not None:
        error = f"#open {email} #via {channel}: {refused}; add a line #force to log it anyway"
        ctx.answer(CommandError(errors=(error,), known=KNOWN, subject=mail.subject))
        return Result(Outcome.AGENT_COMMAND, f"#open {email}: not opened, {refused}",
                      account=contact.account)
    result = opening.open_ticket(ctx, mail, contact, parsed.text.strip() or mail.subject,
                                 opened_by=mail.sender, channel=channel, force=force)
    if result.ticket is not None:
        change = Change(result.ticket)
        for command in parsed.commands:
            if command.name not in ("open", "via", "force"):
                change = change.then(command_change(ctx, change.ticket, command, mail.sender,
                                                    mail.received_at))
        result.ticket = ctx.keep(change)
    return Result(Outcome.AGENT_COMMAND, f"#open {email}: {result.outcome} ({result.reason})",
                  ticket=result.ticket, account=result.account,
                  quota_remaining=result.quota_remaining)


def _channel_refused(ctx: Context, contact, channel: Channel) -> str | None:
    """Why the contact's plan does not take tickets by `channel`, or None."""
    account = ctx.uow.accounts.get(contact.account)
    if account is None or account.plan not in ctx.policy.plans:
        return None  # opening refuses it, with its own reason
    decision = channel_decision(ctx.policy.plan(account.plan), channel.value)
    return None if decision.allowed else decision.reason


def bounce(ctx: Context, mail: InboundMail) -> Result:
    """Tie a bounce to the outbound mail it returns; never answer it.

    Agents hear of a customer's mail that bounced; a bounce of mail to staff (an
    agent notice, or a bounce notice itself) is only recorded, so a dead staff
    address can never start a loop of notices.
    """
    staff = ctx.settings.staff
    for mid in classify.bounced_message_ids(mail):
        ticket = ctx.uow.tickets.by_message_id(mid)
        if ticket is None:
            continue
        row = ctx.uow.outbox.by_message_id(mid)
        if row is None:
            # not a mail we sent (a customer's own id, which anyone on their thread
            # knows, or one long archived): nothing to tell the agents about
            continue
        recipients = tuple(row.to + row.cc)
        to_staff = row.kind == "bounce_notice" or all(staff.is_staff(r) for r in recipients)
        report = None if to_staff else BounceNotice(
            recipients=recipients, original_kind=row.kind.value,
            original_subject=ticket.subject, error=_bounce_reason(mail.text),
            bounced_message_id=mid)
        ticket = ctx.keep(lifecycle.bounce(ticket, ctx.inbound(""), bounced_message_id=mid,
                                           subject=mail.subject, report=report))
        return Result(Outcome.BOUNCE, f"bounce of {mid}" + (" (mail to staff: not reported)"
                                                             if to_staff else ""),
                      ticket=ticket, account=ticket.account)
    return Result(Outcome.BOUNCE, "bounce of a message not sent by intakebot")


def _bounce_reason(text: str) -> str:
    """The lines of a bounce that say why (status codes, diagnostic), else its start."""
    wanted = [line.strip() for line in text.splitlines()
              if any(k in line.lower() for k in ("diagnostic", "status:", "550", "5.1.",
                                                  "user unknown", "does not exist",
                                                  "mailbox", "rejected"))]
    return "\n".join(wanted[:6]) or text.strip()[:1000]
