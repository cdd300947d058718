"""Template contexts for outbox rows, read from the store at delivery time.

An outbox row names its kind, its ticket and the few facts that were true only
when it was queued (the relayed text, quota figures); everything else comes
from the ticket, account and plan as they are now. compose.py documents the
keys each kind needs.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from notifier import i18n
from notifier.wording import Wording
from rules.entitlements import contract_year
from rules.policy import Policy
from rules.sla import compliance_percent, compliance_verdict
from rules.ticket import Channel, Ticket
from store.outbox_writer import Addressing, copy_decisions
from store.quota import quota_for
from store.records import OutboxRow


def customer_reason(reason: str) -> str:
    """The severity's reason in the customer's terms (English); the templates word it in
    the reader's language with the `reason` filter."""
    return Wording().reason(reason)


class ContextBuilder:
    """A template context per outbox row. `language` is the desk's (`[support] language`):
    mail to staff is written in it, and mail to a customer whose language is unknown."""

    def __init__(self, policy: Policy, addressing: Addressing, language: str = i18n.SOURCE):
        self.policy = policy
        self.addressing = addressing
        self.staff = addressing.staff
        self.language = language

    def _reader(self, uow, ticket: Ticket | None, email: str | None,
                guessed: str | None = None, account_name: str | None = None) -> dict:
        """The customer's language and zone: their contact's, else the ticket's language
        (that of the mail that opened it) or the one `guessed` from the mail answered,
        and the account's zone; else the desk's."""
        contact = uow.contacts.get(email) if email else None
        name = ticket.account if ticket else (contact.account if contact else account_name)
        account = uow.accounts.get(name) if name else None
        lang = i18n.pick(contact.language if contact else None,
                         ticket.language if ticket else None, guessed, default=self.language)
        tz = (contact.timezone if contact and contact.timezone else None) \
            or (account.timezone if account and account.timezone else None) \
            or self.policy.tz.key
        return {"lang": lang, "tz": tz}

    def _requester_name(self, uow, email: str) -> str:
        contact = uow.contacts.get(email)
        return contact.name if contact and contact.name else email.split("@")[0]

    def _greeting_name(self, uow, email: str) -> str:
        """The contact's name, or "" (a mail then greets without one, not with an address)."""
        contact = uow.contacts.get(email)
        return contact.name if contact and contact.name else ""

    def _phone(self, plan) -> tuple[str, str | None] | None:
        line = self.policy.phone_line(plan)
        return (line[0], self.policy.phone_hours) if line else None

    def _hours(self, plan) -> dict:
        closed = self.policy.closed
        return {"window": plan.window, "zone": self.policy.tz.key, "country": closed.country,
                "subdivision": closed.subdivision, "extra": bool(closed.extra)}

    def build(self, uow, row: OutboxRow) -> dict:
        ticket = uow.tickets.get(row.ticket) if row.ticket is not None else None
        method = getattr(self, f"_{row.kind.value}")
        return method(uow, row, ticket)

    # -- customer mail

    def _plan_of(self, uow, ticket: Ticket):
        account = uow.accounts.get(ticket.account)
        return account, self.policy.plan(account.plan)

    def _ack(self, uow, row, ticket):
        account, plan = self._plan_of(uow, ticket)
        day = plan.window.length
        response = plan.response_target(ticket.severity)
        resolution = plan.resolution_target(ticket.severity)
        local = ticket.created_at.astimezone(self.policy.tz).date()
        _, year_end = contract_year(account.contract_start, local)
        d = row.payload
        return {
            **self._reader(uow, ticket, ticket.requester), "subject": ticket.subject,
            "requester_name": self._greeting_name(uow, ticket.requester),
            "severity": str(ticket.severity),
            # raw: the `reason` filter words it for the customer, in their language
            "severity_reason": ticket.severity_reason,
            "created_at": ticket.created_at, "response_due": ticket.response_due,
            "response_business": response.duration(day) if response else None,
            "response_best_effort": bool(response and response.best_effort),
            "resolution_due": ticket.resolution_due,
            "resolution_business": resolution.duration(day) if resolution else None,
            "day_length": day, "plan": plan.name, "hours": self._hours(plan),
            "quota": {"used": d.quota_used, "included": d.quota_included,
                      "extra": d.quota_extra, "remaining": d.quota_remaining,
                      "year_end": year_end},
            "overage": d.overage,
            # (number, hours) for plans with phone support; the others never see it.
            # Hours None: the plan's window, which the template shows in the reader's zone
            "phone": self._phone(plan),
            "opened_by": self.staff.name_of(d.opened_by) if d.opened_by else None,
            "center_link": self._center(uow, ticket),
        }

    center_url: str | None = None  # the support center's address, when it is served

    def _center(self, uow, ticket: Ticket) -> str | None:
        """The ticket's page in the support center, for plans that include it. A plain
        link, not a sign-in: a forwarded mail must not let its reader in; signing in
        from it comes back to this page."""
        account = uow.accounts.get(ticket.account)
        if not self.center_url or account is None or account.plan not in self.policy.plans \
                or not self.policy.plan(account.plan).support_center:
            return None
        return f"{self.center_url}tickets/{ticket.number}"

    def _agent_reply(self, uow, row, ticket):
        return {**self._reader(uow, ticket, ticket.requester),
                "agent_name": row.payload.agent_name,
                "requester_name": self._greeting_name(uow, ticket.requester),
                "subject": ticket.subject, "body": row.payload.text,
                "waiting_on_customer": ticket.status == "pending-customer",
                "center_link": self._center(uow, ticket)}

    def _resolved(self, uow, row, ticket):
        at = ticket.resolved_at or row.created_at
        days = row.payload.reopen_days
        return {**self._reader(uow, ticket, ticket.requester), "subject": ticket.subject,
                "requester_name": self._greeting_name(uow, ticket.requester),
                "resolved_at": at, "resolved_by": row.payload.resolved_by,
                "resolution": None,
                "reopen_days": days, "reopen_until": at + timedelta(days=days),
                "center_link": self._center(uow, ticket)}

    def _reopened(self, uow, row, ticket):
        return {**self._reader(uow, ticket, ticket.requester), "subject": ticket.subject,
                "requester_name": self._greeting_name(uow, ticket.requester),
                "reopened_at": row.created_at}

    def _refused_unauthorised(self, uow, row, ticket):
        d = row.payload
        return {**self._reader(uow, None, row.to[0], d.language, d.account),
                "sender_name": d.sender_name or "", "sender_email": row.to[0],
                "subject": d.subject or "", "account": d.account,
                "contacts": list(d.contact_names), "unnamed_contacts": d.unnamed_contacts}

    def _refused_quota(self, uow, row, ticket):
        d = row.payload
        return {**self._reader(uow, None, row.to[0], d.language, d.account),
                "requester_name": self._greeting_name(uow, row.to[0]),
                "subject": d.subject or "", "account": d.account,
                "plan": d.plan,
                "quota": {"used": d.used, "included": d.included, "extra": d.extra,
                          "remaining": 0, "year_end": date.fromisoformat(d.year_end)}}

    # -- internal mail

    def _agent_new(self, uow, row, ticket):
        account, plan = self._plan_of(uow, ticket)
        response = plan.response_target(ticket.severity)
        copied, left_out = copy_decisions(uow, ticket, self.addressing.cc_policy)
        return {"tz": self.policy.tz.key, "account": account.name, "plan": plan.name,
                "requester_name": self._requester_name(uow, ticket.requester),
                "requester_email": ticket.requester, "cc": copied,
                "not_copied": [f"{a} ({why})" for a, why in left_out],
                "subject": ticket.subject, "body": row.payload.text,
                "severity": str(ticket.severity), "severity_reason": ticket.severity_reason,
                "created_at": ticket.created_at, "response_due": ticket.response_due,
                "response_best_effort": bool(response and response.best_effort),
                "resolution_due": ticket.resolution_due,
                "attachments": [a.rsplit("/", 1)[-1] for a in row.payload.attachments],
                "overage": ticket.overage,
                # a row written before the field has none
                "severity_requested": getattr(row.payload, "severity_requested", None)}

    def _customer_reply(self, uow, row, ticket):
        d = row.payload
        return {"tz": self.policy.tz.key, "account": ticket.account,
                "author_name": self._requester_name(uow, d.sender), "author_email": d.sender,
                "subject": ticket.subject, "body": d.text,
                "severity": str(ticket.severity), "assignee": ticket.assignee,
                "received_at": d.received_at, "reopened": d.reopened,
                "severity_requested": d.severity_requested, "outsider": d.outsider}

    def _sla(self, uow, row, ticket):
        account, plan = self._plan_of(uow, ticket)
        d = row.payload
        return {"tz": self.policy.tz.key, "account": account.name, "plan": plan.name,
                "severity": str(ticket.severity), "subject": ticket.subject,
                "clock": d.clock, "due": d.due,
                "left": timedelta(seconds=d.left_seconds), "fraction": d.fraction,
                "day_length": plan.window.length, "best_effort": d.best_effort,
                "assignee": ticket.assignee}

    _sla_warning = _sla
    _sla_breach = _sla

    def _bounce_notice(self, uow, row, ticket):
        d = row.payload
        return {"tz": self.policy.tz.key, "failed_at": row.created_at,
                "recipients": list(d.recipients or ([ticket.requester] if ticket else [])),
                "original_kind": d.original_kind, "original_subject": d.original_subject,
                "error": d.error.strip()[:2000]}

    def _command_error(self, uow, row, ticket):
        d = row.payload
        return {"tz": self.policy.tz.key, "errors": list(d.errors), "known": d.known,
                "subject": d.subject}

    def _sign_in(self, uow, row, ticket):
        d = row.payload
        return {**self._reader(uow, None, row.to[0]), "link": d.link,
                "expires_at": d.expires_at, "staff": d.staff,
                "name": self._greeting_name(uow, row.to[0])}

    def _sign_in_refused(self, uow, row, ticket):
        d = row.payload
        return {**self._reader(uow, None, row.to[0], account_name=d.account),
                "name": self._greeting_name(uow, row.to[0]),
                "account": d.account, "plan": d.plan, "plans_with_it": list(d.plans_with_it)}

    def _rate_limited(self, uow, row, ticket):
        d = row.payload
        return {"tz": self.policy.tz.key, "sender": d.sender, "limit": d.limit,
                "subject": d.subject, "at": row.created_at}

    def _quota_exhausted(self, uow, row, ticket):
        d = row.payload
        return {"tz": self.policy.tz.key, "account": d.account, "plan": d.plan,
                "sender_name": self._requester_name(uow, d.sender), "sender": d.sender,
                "subject": d.subject, "used": d.used, "included": d.included,
                "extra": d.extra, "year_end": date.fromisoformat(d.year_end),
                "at": row.created_at}

    def _digest(self, uow, row, ticket):
        return digest_context(uow, self.policy, row.created_at, row.payload.since)


def digest_context(uow, policy: Policy, now: datetime, since: datetime | None) -> dict:
    """The manager digest as of `now`: what needs attention and how the month went."""
    tz: ZoneInfo = policy.tz
    breached, at_risk, opened, resolved = [], [], [], []
    month_start = now.astimezone(tz).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    # plan -> clock -> [met, counted]
    compliance: dict[str, dict[str, list[int]]] = {}
    accounts = {a.name: a for a in uow.accounts.all()}
    for ticket in uow.tickets.all():
        account = accounts.get(ticket.account)
        if account is None or account.plan not in policy.plans:
            continue
        plan = policy.plan(account.plan)
        clocks = policy.clocks(ticket, account.plan, now)
        done = {"number": ticket.number, "subject": ticket.subject, "account": ticket.account,
                "severity": str(ticket.severity)}
        # the first digest (no `since`) covers everything so far
        if since is None or ticket.created_at >= since:
            opened.append({**done, "at": ticket.created_at, "channel": str(ticket.channel)})
        if ticket.resolved_at and (since is None or ticket.resolved_at >= since):
            resolved.append({**done, "at": ticket.resolved_at})
        if ticket.status.active:
            for clock in clocks:
                if clock.due is None or clock.state.value not in ("breached", "at_risk"):
                    continue
                row = {**done, "clock": clock.clock, "due": clock.due,
                       "left": clock.allowed - clock.elapsed, "day_length": plan.window.length,
                       "assignee": ticket.assignee}
                (breached if clock.state.value == "breached" else at_risk).append(row)
        if ticket.created_at >= month_start:
            tallies = compliance.setdefault(plan.name, {"response": [0, 0],
                                                         "resolution": [0, 0]})
            for clock in clocks:
                verdict = compliance_verdict(clock)
                if verdict is not None:
                    tallies[clock.clock][0] += verdict
                    tallies[clock.clock][1] += 1
    quota_alerts = []
    for account in accounts.values():
        if account.plan not in policy.plans:
            continue
        q = quota_for(uow, policy.plans, tz, account, now)
        total = q.included + q.extra
        if total and q.used / total >= 0.8:
            quota_alerts.append({"account": account.name, "plan": account.plan,
                                 "used": q.used, "included": q.included, "extra": q.extra})
    return {"tz": tz.key, "generated_at": now, "since": since, "breached": breached,
            "at_risk": at_risk, "opened": opened, "resolved": resolved,
            "compliance": [{"plan": p, **{clock: {"met": m, "total": t,
                                                  "percent": compliance_percent(m, t)}
                                          for clock, (m, t) in tallies.items()}}
                           for p, tallies in sorted(compliance.items())],
            "quota_alerts": quota_alerts,
            # how the opened tickets came: mail, the support center (web), calls (phone)
            "channels": {c.value: sum(1 for t in opened if t["channel"] == c.value)
                         for c in Channel}}
