"""New mail that is not a reply: open a ticket for an authorised contact, or refuse politely."""

from __future__ import annotations

from datetime import timedelta

from intake import classify
from intake.handler import Context, Result
from intake.parse import InboundMail
from intake.reply import new_text
from rules.entitlements import quota_decision
from rules.severity import infer
from rules.sla import deadlines
from store.quota import quota_for
from store.records import Account, Contact, Ticket


def new_mail(ctx: Context, mail: InboundMail) -> Result:
    contact = ctx.uow.contacts.get(mail.sender)
    if contact is None:
        return refuse_unauthorised(ctx, mail, "the sender is not an authorised contact")
    if ctx.settings.authserv_id:
        passed, why = classify.authentication_verdict(mail, ctx.settings.authserv_id)
        if not passed:
            return refuse_unauthorised(
                ctx, mail, f"possible spoof: sender authentication failed ({why})")
    return open_ticket(ctx, mail, contact, new_text(mail.text) or mail.text)


def open_ticket(ctx: Context, mail: InboundMail, contact: Contact, text: str,
                opened_by: str | None = None) -> Result:
    """Open a ticket for `contact` from `mail` (or refuse it over quota)."""
    uow, policy = ctx.uow, ctx.policy
    account = uow.accounts.get(contact.account)
    if account is None or account.plan not in policy.plans:
        return refuse_unauthorised(ctx, mail, f"contact's account {contact.account!r} has no "
                                   "known plan")
    plan = policy.plan(account.plan)
    at = mail.received_at
    guess = infer(mail.subject, text, _flat_headers(mail), extra_rules=policy.severity_rules,
                  default=policy.default_severity)
    status = quota_for(uow, policy.plans, policy.tz, account, at)
    decision = quota_decision(status, guess.severity,
                              on_exhausted=account.overage_policy or policy.on_exhausted,
                              blocker_always_accepted=policy.blocker_always_accepted)
    if not decision.accept:
        return refuse_quota(ctx, mail, account, decision)
    due = deadlines(plan, guess.severity, at, policy.calendar(plan))
    requester = contact.email
    ours = set(ctx.settings.support_addresses) | {a.lower() for a in ctx.settings.agents}
    # other people the customer wrote to stay on the thread; addresses of our own
    # domain (an alias missing from the configuration, say) never do
    cc = [a for a in dict.fromkeys([*mail.to, *mail.cc])
          if a and a.lower() not in ours and a.lower() != requester
          and a.lower().rsplit("@", 1)[-1] != ctx.settings.support_domain]
    ticket = uow.tickets.add(Ticket(
        account=account.name, requester=requester, cc=cc, subject=mail.subject or "(no subject)",
        severity=guess.severity, severity_reason=guess.reason, status="open",
        created_at=at, response_due=due.response_due, resolution_due=due.resolution_due,
        contract_year=status.year_start, overage=decision.overage,
        last_message_id=None if opened_by else mail.message_id, updated_at=ctx.now,
    ))
    if mail.message_id and not opened_by:
        ticket = uow.tickets.link_message_id(ticket.number, mail.message_id)
    stored = store_message(ctx, mail, ticket.number, text)
    uow.events.append(ticket.number, "received", at, raw=mail.sha256,
                      sender=mail.sender, subject=mail.subject, opened_by=opened_by,
                      severity=guess.severity.value, severity_reason=guess.reason,
                      confidence=round(guess.confidence, 2), overage=decision.overage,
                      **stored)
    remaining = status.remaining - 1
    # opened for a customer by an agent: the customer never saw the agent's mail, so
    # the acknowledgement starts the thread instead of answering it
    ack = ctx.enqueue("ack", [requester], ticket=ticket, cc=cc, to_customer=True,
                      in_reply_to=None if opened_by else mail.message_id,
                      data={"quota_used": status.used + 1, "quota_included": status.included,
                            "quota_extra": status.extra, "quota_remaining": max(remaining, 0),
                            "overage": decision.overage, "opened_by": opened_by})
    if mail.message_id and opened_by:  # the agent's own thread still finds the ticket
        uow.tickets.link_message_id(ticket.number, mail.message_id)
    uow.events.append(ticket.number, "acknowledged", at, message_id=ack.message_id)
    if ctx.settings.notify:
        ctx.enqueue("agent_new", ctx.settings.notify, ticket=ticket,
                    data={"text": text[:200_000], "attachments": stored.get("attachments", []),
                          "opened_by": opened_by})
    return Result("new_ticket", f"opened for {requester} ({account.name}, {plan.name} plan)"
                  + ("; over quota, accepted as overage" if decision.overage else ""),
                  ticket=uow.tickets.get(ticket.number), account=account.name,
                  quota_remaining=remaining)


def store_message(ctx: Context, mail: InboundMail, number: int, text: str) -> dict:
    """Keep the message's attachments as files; the event refers to them.

    The text itself is not copied: the event's `raw` names the archived message,
    from which the text is read again whenever it is needed.
    """
    if ctx.files is None or not mail.attachments:  # explain writes nothing
        return {}
    return {"attachments": [ctx.files.put_attachment(number, a.filename, a.payload)
                            for a in mail.attachments]}


def _refusal_allowed(ctx: Context, sender: str) -> bool:
    since = ctx.now - timedelta(days=1)
    return ctx.uow.inbound.refusals_since(sender, since) < \
        ctx.settings.refusals_per_sender_per_day


def _account_for_domain(ctx: Context, sender: str) -> Account | None:
    domain = sender.rsplit("@", 1)[-1].lower()
    for account in ctx.uow.accounts.all():
        if domain in [d.lower() for d in account.domains]:
            return account
    return None


def refuse_unauthorised(ctx: Context, mail: InboundMail, reason: str) -> Result:
    account = _account_for_domain(ctx, mail.sender)
    if _refusal_allowed(ctx, mail.sender):
        contacts = ctx.uow.contacts.for_account(account.name) if account else []
        ctx.enqueue("refused_unauthorised", [mail.sender], in_reply_to=mail.message_id,
                    references=[mail.message_id] if mail.message_id else [],
                    data={"subject": mail.subject, "sender": mail.sender,
                          "sender_name": mail.sender_name,
                          "account": account.name if account else None,
                          "contacts": [c.name or c.email for c in contacts],
                          "spoof_suspected": reason.startswith("possible spoof")})
    else:
        reason += "; refusal not sent (daily limit for this sender reached)"
    return Result("refused_unauthorised", reason, account=account.name if account else None)


def refuse_quota(ctx: Context, mail: InboundMail, account: Account, decision) -> Result:
    status = decision.status
    reason = decision.reason
    if _refusal_allowed(ctx, mail.sender):
        ctx.enqueue("refused_quota", [mail.sender], in_reply_to=mail.message_id,
                    references=[mail.message_id] if mail.message_id else [],
                    data={"subject": mail.subject, "account": account.name,
                          "plan": account.plan, "included": status.included,
                          "extra": status.extra, "used": status.used,
                          "year_start": status.year_start.isoformat(),
                          "year_end": status.year_end.isoformat()})
    else:
        reason += "; refusal not sent (daily limit for this sender reached)"
    return Result("refused_quota", reason, account=account.name, quota_remaining=0)


def _flat_headers(mail: InboundMail) -> dict[str, str]:
    return {name: ", ".join(values) for name, values in mail.headers.items()}
