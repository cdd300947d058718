"""New mail that is not a reply: open a ticket for an authorised contact, or refuse politely.

Two limits guard what goes back: refusals per sender per day, and new tickets
(so acknowledgements) per sender per hour. A robot at a contact's address that
answers every mail with a new one gets a handful of tickets, then silence; the
agents are told once.
"""

from __future__ import annotations

from datetime import UTC, timedelta

from intake import service
from intake.context import Context, Result
from intake.parse import InboundMail
from intake.reply import new_text
from rules.language import detect
from rules.lifecycle import Outcome
from rules.notices import RateLimited, RefusedQuota, RefusedUnauthorised
from rules.ticket import Channel
from store.records import Account, Contact

_HOUR = timedelta(hours=1)
_DAY = timedelta(days=1)


def _language(mail: InboundMail, text: str | None = None) -> str | None:
    """The language the sender wrote in (subject and their own new lines), if clear."""
    return detect(f"{mail.subject}\n{new_text(mail.text) if text is None else text}")


def new_mail(ctx: Context, mail: InboundMail) -> Result:
    contact = ctx.uow.contacts.get(mail.sender)
    if contact is None:
        return refuse_unauthorised(ctx, mail, "the sender is not an authorised contact")
    return open_ticket(ctx, mail, contact, new_text(mail.text) or mail.text)


def _over_hourly_limit(ctx: Context, mail: InboundMail, contact: Contact) -> Result | None:
    limit = ctx.settings.per_sender_per_hour
    since = mail.received_at.astimezone(UTC) - _HOUR  # real time, across DST too
    opened = ctx.uow.inbound.count_since(mail.sender, since, (Outcome.NEW_TICKET,))
    if opened < limit:
        return None
    told = ctx.uow.inbound.count_since(mail.sender, since, (Outcome.RATE_LIMITED,))
    if not told:
        ctx.tell(RateLimited(sender=mail.sender, limit=limit, subject=mail.subject))
    return Result(Outcome.RATE_LIMITED, f"{mail.sender} opened {opened} tickets in the last "
                  f"hour (limit {limit}): recorded, no ticket opened, nothing sent back"
                  + ("" if told else "; agents told"), account=contact.account)


def open_ticket(ctx: Context, mail: InboundMail, contact: Contact, text: str,
                opened_by: str | None = None, channel: Channel = Channel.MAIL,
                force: bool = False) -> Result:
    """Open a ticket for `contact` from `mail` (or refuse it over quota). An agent's
    mail can log a call (`channel` phone), refused unless the plan has phone support
    or `force`."""
    uow, policy = ctx.uow, ctx.policy
    account = uow.accounts.get(contact.account)
    if account is None or account.plan not in policy.plans:
        return refuse_unauthorised(ctx, mail, f"contact's account {contact.account!r} has no "
                                   "known plan")
    if opened_by is None:  # an agent opening tickets for customers is no robot
        limited = _over_hourly_limit(ctx, mail, contact)
        if limited is not None:
            return limited
    plan = policy.plan(account.plan)
    request = service.Request(contact=contact, subject=mail.subject, text=text,
                              at=mail.received_at, channel=channel,
                              headers=_flat_headers(mail), opened_by=opened_by, force=force)
    assessment = service.assess(uow, policy, account, request)
    if assessment.refused is not None:
        return Result(Outcome.REFUSED_UNAUTHORISED, assessment.refused, account=account.name)
    status, decision = assessment.quota.status, assessment.quota
    if not decision.accept:
        return refuse_quota(ctx, mail, account, decision)
    ticket = ctx.keep(service.opening_change(
        assessment, request, cc=_others(ctx, mail, contact.email),
        mail=ctx.inbound(text), now=ctx.now, opened_by=opened_by,
        language=_language(mail, text)))
    return Result(Outcome.NEW_TICKET, f"opened for {contact.email} ({account.name}, "
                  f"{plan.name} plan)" + ("; over quota, accepted as overage"
                                          if decision.overage else ""),
                  ticket=ticket, account=account.name, quota_remaining=status.remaining - 1)


def _others(ctx: Context, mail: InboundMail, requester: str) -> list[str]:
    """The other people the customer wrote to; never an address of our own."""
    settings = ctx.settings
    ours = {a.lower() for a in settings.support_addresses} | set(settings.staff.agents)
    if mail.sender != requester:  # an agent's #open: the agent is not on the thread
        ours.add(mail.sender)
    return [a for a in dict.fromkeys([*mail.to, *mail.cc])
            if a and a not in ours and a != requester
            and a.rsplit("@", 1)[-1] != settings.support_domain]


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
        # names only: an address would tell a stranger (or a forger) whom to impersonate
        ctx.answer(RefusedUnauthorised(
            subject=mail.subject, sender_name=mail.sender_name,
            account=account.name if account else None,
            contact_names=tuple(c.name for c in contacts if c.name),
            unnamed_contacts=sum(1 for c in contacts if not c.name),
            spoof_suspected=reason.startswith("possible spoof"), language=_language(mail)))
    else:
        reason += "; refusal not sent (daily limit for this sender reached)"
    return Result(Outcome.REFUSED_UNAUTHORISED, reason,
                  account=account.name if account else None)


def refuse_quota(ctx: Context, mail: InboundMail, account: Account, decision) -> Result:
    status = decision.status
    reason = decision.reason
    if _refusal_allowed(ctx, mail.sender):
        ctx.answer(RefusedQuota(
            subject=mail.subject, account=account.name, plan=account.plan,
            included=status.included, extra=status.extra, used=status.used,
            year_start=status.year_start.isoformat(), year_end=status.year_end.isoformat(),
            language=_language(mail)))
    else:
        reason += "; refusal not sent (daily limit for this sender reached)"
    if service.tell_account_team(ctx.uow, ctx.writer, account, decision, sender=mail.sender,
                                 subject=mail.subject, now=ctx.now):
        reason += "; agents and the account's managers told"
    return Result(Outcome.REFUSED_QUOTA, reason, account=account.name, quota_remaining=0)


def _flat_headers(mail: InboundMail) -> dict[str, str]:
    return {name: ", ".join(values) for name, values in mail.headers.items()}
