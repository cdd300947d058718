"""Mail on an existing thread: agent replies and commands, customer comments, bounces."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from intake import classify, opening
from intake.handler import TEXT_LIMIT, Context, Result, within_reopen_window
from intake.parse import InboundMail
from intake.reply import KNOWN, AgentCommand, new_text, parse_commands
from rules.plans import Severity
from rules.severity import infer
from rules.sla import deadlines
from store.records import Ticket


def reply(ctx: Context, mail: InboundMail, ticket: Ticket) -> Result | None:
    """Handle `mail` as a reply on `ticket`; None when it must be treated as new mail."""
    sender = mail.sender
    if ctx.settings.is_agent(sender):
        return agent_reply(ctx, mail, ticket)
    contact = ctx.uow.contacts.get(sender)
    on_thread = sender == ticket.requester or sender in [c.lower() for c in ticket.cc]
    if contact is None or contact.account != ticket.account:
        if not on_thread:
            return None  # a stranger cannot comment on someone's ticket by guessing [#N]
    if ticket.status in ("resolved", "closed"):
        if not within_reopen_window(ticket, mail.received_at, ctx.settings.reopen_days):
            return None  # an old ticket: the mail opens a new one
        return customer_reply(ctx, mail, ticket, reopen=True)
    return customer_reply(ctx, mail, ticket, reopen=False)


def _link(ctx: Context, ticket: Ticket, mail: InboundMail) -> Ticket:
    if mail.message_id:
        ticket = ctx.uow.tickets.link_message_id(ticket.number, mail.message_id)
    return ticket


def customer_reply(ctx: Context, mail: InboundMail, ticket: Ticket, *, reopen: bool) -> Result:
    at = mail.received_at
    text = new_text(mail.text) or mail.text
    ticket = _link(ctx, ticket, mail)
    changes: dict = {"last_message_id": mail.message_id or ticket.last_message_id,
                     "updated_at": ctx.now}
    if mail.sender != ticket.requester and mail.sender not in ticket.cc:
        changes["cc"] = [*ticket.cc, mail.sender]
    if ticket.status == "pending-customer":
        changes["status"] = "open"
        changes["paused"] = _close_pause(ticket.paused, at)
    if reopen:
        # the time it spent resolved does not count against the resolution target
        ended = ticket.resolved_at or ticket.closed_at
        changes.update(status="open", resolved_at=None, closed_at=None,
                       paused=[*ticket.paused, (ended, at)] if ended and ended < at
                       else ticket.paused)
    ticket = ctx.uow.tickets.update(dataclasses.replace(ticket, **changes))
    stored = opening.store_message(ctx, mail, ticket.number, text)
    ctx.uow.events.append(ticket.number, "customer_reply", at, raw=mail.sha256,
                          sender=mail.sender, **stored)
    if reopen:
        ctx.uow.events.append(ticket.number, "reopened", at, by=mail.sender)
        ctx.enqueue("reopened", [ticket.requester], cc=ticket.cc, ticket=ticket,
                    to_customer=True)
    requested = _requested_severity(ctx, mail, text, ticket)
    if requested is not None:
        # a request for the agents to decide on (`#severity LEVEL` accepts it), not a
        # change: otherwise any customer could page managers by writing "Severity: blocker"
        ctx.uow.events.append(ticket.number, "note", at, by=mail.sender,
                              text=f"customer asks for severity {requested.value} "
                                   f"(now {Severity(ticket.severity).value})",
                              severity_requested=requested.value)
    assignee = ctx.settings.agent_address(ticket.assignee)
    to = [assignee] if assignee else list(ctx.settings.notify)
    if to:
        ctx.enqueue("customer_reply", to, ticket=ticket,
                    data={"text": text[:TEXT_LIMIT], "sender": mail.sender, "reopened": reopen,
                          "received_at": at,
                          "attachments": stored.get("attachments", []),
                          "severity_requested": requested.value if requested else None})
    return Result("customer_reply", ("reopened the ticket; " if reopen else "")
                  + f"comment from {mail.sender}", ticket=ctx.uow.tickets.get(ticket.number),
                  account=ticket.account)


def _requested_severity(ctx: Context, mail: InboundMail, text: str,
                        ticket: Ticket) -> Severity | None:
    """A severity the customer asked for with an explicit tag, when it differs."""
    # only the customer's new lines count: a reply's subject repeats the original
    # tag, and an agent's change must not be undone by "any news?"
    guess = infer("", text, None, default=ticket.severity)
    if guess.confidence >= 1.0 and guess.severity != ticket.severity:
        return guess.severity
    return None


def _close_pause(paused, at):
    return [(s, e if e is not None else at) for s, e in paused]


def change_severity(ctx: Context, ticket: Ticket, severity: Severity, at, why: str) -> Ticket:
    account = ctx.uow.accounts.get(ticket.account)
    plan = ctx.policy.plan(account.plan)
    due = deadlines(plan, severity, ticket.created_at, ctx.policy.calendar(plan))
    old = ticket.severity
    ticket = ctx.uow.tickets.update(dataclasses.replace(
        ticket, severity=severity, severity_reason=why, response_due=due.response_due,
        resolution_due=due.resolution_due, updated_at=ctx.now))
    ctx.uow.events.append(ticket.number, "severity_changed", at, old=Severity(old).value,
                          new=severity.value, why=why)
    return ticket


def agent_reply(ctx: Context, mail: InboundMail, ticket: Ticket) -> Result:
    at = mail.received_at
    agent = mail.sender
    commands, text = parse_commands(new_text(mail.text) or mail.text)
    ticket = _link(ctx, ticket, mail)
    done: list[str] = []
    errors = [c.argument for c in commands if c.name == "error"]
    relay = text.strip()
    if relay:
        first = ticket.first_response_at is None
        ticket = ctx.uow.tickets.update(dataclasses.replace(
            ticket, first_response_at=ticket.first_response_at or at, updated_at=ctx.now,
            assignee=ticket.assignee or ctx.settings.agent_name(agent)))
        stored = opening.store_message(ctx, mail, ticket.number, relay)
        ctx.uow.events.append(ticket.number, "agent_reply", at, raw=mail.sha256, agent=agent,
                              first_response=first, **stored)
        ctx.enqueue("agent_reply", [ticket.requester], cc=ticket.cc, ticket=ticket,
                    to_customer=True,
                    data={"text": relay[:TEXT_LIMIT], "agent": agent,
                          "agent_name": ctx.settings.agent_name(agent),
                          "attachments": stored.get("attachments", [])})
        done.append("relayed" + (" (first response)" if first else ""))
    for command in commands:
        if command.name != "error":
            ticket = apply_command(ctx, ticket, command, agent, at)
            done.append(f"#{command.name}")
    if errors:
        _tell_agent(ctx, mail, errors, ticket)
    outcome = "agent_reply" if relay or not commands else "agent_command"
    return Result(outcome, f"from agent {agent}: " + (", ".join(done) or "nothing to relay")
                  + (f"; errors: {'; '.join(errors)}" if errors else ""),
                  ticket=ctx.uow.tickets.get(ticket.number), account=ticket.account)


def apply_command(ctx: Context, ticket: Ticket, command: AgentCommand, agent: str,
                  at) -> Ticket:
    uow = ctx.uow
    if command.name == "note":
        uow.events.append(ticket.number, "note", at, agent=agent, text=command.argument)
        return ticket
    if command.name == "severity":
        return change_severity(ctx, ticket, Severity(command.argument), at,
                               f"set by {ctx.settings.agent_name(agent)}")
    if command.name == "assign":
        address = ctx.settings.agent_address(command.argument)
        name = ctx.settings.agent_name(address) if address else command.argument
        uow.events.append(ticket.number, "assigned", at, agent=agent, assignee=name)
        return uow.tickets.update(dataclasses.replace(ticket, assignee=name,
                                                      updated_at=ctx.now))
    if command.name == "pending":
        if ticket.status != "open":
            return ticket
        uow.events.append(ticket.number, "pending", at, agent=agent)
        return uow.tickets.update(dataclasses.replace(
            ticket, status="pending-customer", paused=[*ticket.paused, (at, None)],
            updated_at=ctx.now))
    if command.name == "resolve":
        return resolve(ctx, ticket, at, by=agent)
    return ticket


def resolve(ctx: Context, ticket: Ticket, at, *, by: str) -> Ticket:
    """Mark resolved and tell the requester (also used by the CLI)."""
    if ticket.status in ("resolved", "closed"):
        return ticket
    ticket = ctx.uow.tickets.update(dataclasses.replace(
        ticket, status="resolved", resolved_at=at, paused=_close_pause(ticket.paused, at),
        updated_at=ctx.now))
    ctx.uow.events.append(ticket.number, "resolved", at, by=by)
    name = ctx.settings.agent_name(by) if ctx.settings.is_agent(by) else None
    ctx.enqueue("resolved", [ticket.requester], cc=ticket.cc, ticket=ticket, to_customer=True,
                data={"reopen_days": ctx.settings.reopen_days, "resolved_by": name})
    return ticket


def close_settled(uow, reopen_days: int, now) -> list[int]:
    """Close tickets resolved longer ago than the reopen window (then they can be archived).

    A reply after that opens a new ticket anyway; closing makes it final.
    """
    closed = []
    window = timedelta(days=reopen_days)
    for ticket in uow.tickets.open():
        if ticket.status == "resolved" and ticket.resolved_at is not None \
                and now - ticket.resolved_at > window:
            at = ticket.resolved_at + window
            uow.tickets.update(dataclasses.replace(ticket, status="closed", closed_at=at,
                                                   updated_at=now))
            uow.events.append(ticket.number, "closed", at, after_days=reopen_days)
            closed.append(ticket.number)
    return closed


def _tell_agent(ctx: Context, mail: InboundMail, errors: list[str],
                ticket: Ticket | None) -> None:
    ctx.enqueue("command_error", [mail.sender], ticket=ticket, in_reply_to=mail.message_id,
                references=[mail.message_id] if mail.message_id else [],
                data={"errors": errors, "known": KNOWN, "subject": mail.subject})


def agent_command(ctx: Context, mail: InboundMail) -> Result:
    """A new mail (not a reply) from an agent: `#open EMAIL` opens a ticket for a contact."""
    commands, text = parse_commands(new_text(mail.text) or mail.text)
    opens = [c for c in commands if c.name == "open"]
    errors = [c.argument for c in commands if c.name == "error"]
    if not opens:
        errors = errors or [f"a new mail from an agent needs a command such as "
                            f"#open customer@example.com; known: {KNOWN}"]
        _tell_agent(ctx, mail, errors, None)
        return Result("agent_command", "no usable command: " + "; ".join(errors))
    email = opens[0].argument
    contact = ctx.uow.contacts.get(email)
    if contact is None:
        _tell_agent(ctx, mail, [f"{email} is not an authorised contact of any account"], None)
        return Result("agent_command", f"#open {email}: not an authorised contact")
    result = opening.open_ticket(ctx, mail, contact, text.strip() or mail.subject,
                                 opened_by=mail.sender)
    if result.ticket is not None:
        ticket = result.ticket
        for command in commands:
            if command.name not in ("open", "error"):
                ticket = apply_command(ctx, ticket, command, mail.sender, mail.received_at)
        result.ticket = ctx.uow.tickets.get(ticket.number)
    return Result("agent_command", f"#open {email}: {result.outcome} ({result.reason})",
                  ticket=result.ticket, account=result.account,
                  quota_remaining=result.quota_remaining)


def bounce(ctx: Context, mail: InboundMail) -> Result:
    """Tie a bounce to the outbound mail it returns; never answer it.

    Agents hear of a customer's mail that bounced; a bounce of mail to staff (an
    agent notice, or a bounce notice itself) is only recorded, so a dead staff
    address can never start a loop of notices.
    """
    staff = {a.lower() for a in [*ctx.settings.agents, *ctx.settings.notify]}
    for mid in classify.bounced_message_ids(mail):
        ticket = ctx.uow.tickets.by_message_id(mid)
        if ticket is None:
            continue
        row = ctx.uow.outbox.by_message_id(mid)
        recipients = (row.to + row.cc) if row else [ticket.requester]
        ctx.uow.events.append(ticket.number, "note", mail.received_at, raw=mail.sha256,
                              bounce_of=mid, text=f"delivery failed: {mail.subject}")
        to_staff = row is not None and (row.kind == "bounce_notice"
                                        or all(r.lower() in staff for r in recipients))
        if ctx.settings.notify and not to_staff:
            ctx.enqueue("bounce_notice", ctx.settings.notify, ticket=ticket,
                        data={"bounced_message_id": mid, "recipients": recipients,
                              "original_kind": row.kind if row else "mail",
                              "original_subject": ticket.subject,
                              "error": _bounce_reason(mail.text)})
        return Result("bounce", f"bounce of {mid}" + (" (mail to staff: not reported)"
                                                       if to_staff else ""),
                      ticket=ticket, account=ticket.account)
    return Result("bounce", "bounce of a message not sent by intakebot")


def _bounce_reason(text: str) -> str:
    """The lines of a bounce that say why (status codes, diagnostic), else its start."""
    wanted = [line.strip() for line in text.splitlines()
              if any(k in line.lower() for k in ("diagnostic", "status:", "550", "5.1.",
                                                  "user unknown", "does not exist",
                                                  "mailbox", "rejected"))]
    return "\n".join(wanted[:6]) or text.strip()[:1000]
