"""Template contexts for outbox rows, read from the store at delivery time.

An outbox row names its kind, its ticket and the few facts that were true only
when it was queued (the relayed text, quota figures); everything else comes
from the ticket, account and plan as they are now. compose.py documents the
keys each kind needs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from rules.entitlements import contract_year
from rules.policy import Policy
from rules.sla import status
from rules.staff import agent_name, find_agent
from store.quota import quota_for
from store.records import OutboxRow, Ticket


@dataclass(frozen=True)
class Staff:
    """Who works the desk: for names and where internal notices go."""

    agents: tuple[str, ...] = ()
    agent_names: tuple[tuple[str, str], ...] = ()
    notify: tuple[str, ...] = ()
    managers: tuple[str, ...] = ()

    def name_of(self, address: str) -> str:
        return agent_name(address, dict(self.agent_names))

    def address_of(self, name: str | None) -> str | None:
        return find_agent(name, self.agents, dict(self.agent_names))


_RULE_LABEL = re.compile(r"\s*\((?:blocker|critical|major|trivial): [^)]*\)")


def customer_reason(reason: str) -> str:
    """The severity's reason in the customer's terms: what in their mail pointed to it,
    without the rule names and the cues it outweighed (those are for agents)."""
    text = _RULE_LABEL.sub("", reason.split("; outweighing", 1)[0])
    if text.startswith("matched "):
        return "your mail mentions " + text[len("matched "):]
    if text.startswith("no severity cue"):
        return "nothing in your mail pointed to another level, so we used our default"
    return text


def _parse(value):
    return datetime.fromisoformat(value) if isinstance(value, str) else value


class ContextBuilder:
    def __init__(self, policy: Policy, staff: Staff):
        self.policy = policy
        self.staff = staff

    def _people_tz(self, uow, ticket: Ticket | None, account_name: str | None = None) -> str:
        name = ticket.account if ticket else account_name
        account = uow.accounts.get(name) if name else None
        return (account.timezone if account and account.timezone else self.policy.tz.key)

    def _requester_name(self, uow, email: str) -> str:
        contact = uow.contacts.get(email)
        return contact.name if contact and contact.name else email.split("@")[0]

    def build(self, uow, row: OutboxRow) -> dict:
        ticket = uow.tickets.get(row.ticket) if row.ticket is not None else None
        method = getattr(self, f"_{row.kind}")
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
        d = row.data
        return {
            "tz": self._people_tz(uow, ticket), "subject": ticket.subject,
            "requester_name": self._requester_name(uow, ticket.requester),
            "severity": str(ticket.severity),
            "severity_reason": customer_reason(ticket.severity_reason),
            "created_at": ticket.created_at, "response_due": ticket.response_due,
            "response_business": response.duration(day) if response else None,
            "response_best_effort": bool(response and response.best_effort),
            "resolution_due": ticket.resolution_due,
            "resolution_business": resolution.duration(day) if resolution else None,
            "day_length": day, "plan": plan.name, "support_hours": str(plan.window),
            "support_tz": self.policy.tz.key,
            "quota": {"used": d.get("quota_used", 0), "included": d.get("quota_included", 0),
                      "extra": d.get("quota_extra", 0),
                      "remaining": d.get("quota_remaining", 0), "year_end": year_end},
            "overage": bool(d.get("overage")),
        }

    def _agent_reply(self, uow, row, ticket):
        return {"tz": self._people_tz(uow, ticket), "agent_name": row.data["agent_name"],
                "requester_name": self._requester_name(uow, ticket.requester),
                "subject": ticket.subject, "body": row.data["text"],
                "waiting_on_customer": ticket.status == "pending-customer"}

    def _resolved(self, uow, row, ticket):
        at = ticket.resolved_at or row.created_at
        days = int(row.data.get("reopen_days", 7))
        return {"tz": self._people_tz(uow, ticket), "subject": ticket.subject,
                "requester_name": self._requester_name(uow, ticket.requester),
                "resolved_at": at, "resolved_by": row.data.get("resolved_by"),
                "resolution": None,
                "reopen_days": days, "reopen_until": at + timedelta(days=days)}

    def _reopened(self, uow, row, ticket):
        return {"tz": self._people_tz(uow, ticket), "subject": ticket.subject,
                "requester_name": self._requester_name(uow, ticket.requester),
                "reopened_at": row.created_at}

    def _refused_unauthorised(self, uow, row, ticket):
        d = row.data
        return {"sender_name": d.get("sender_name") or "", "sender_email": d["sender"],
                "subject": d.get("subject") or "(no subject)", "account": d.get("account"),
                "contacts": list(d.get("contacts") or [])}

    def _refused_quota(self, uow, row, ticket):
        d = row.data
        return {"requester_name": self._requester_name(uow, row.to[0]),
                "subject": d.get("subject") or "(no subject)", "account": d["account"],
                "plan": d["plan"],
                "quota": {"used": d["used"], "included": d["included"], "extra": d["extra"],
                          "remaining": 0,
                          "year_end": date.fromisoformat(d["year_end"])}}

    # -- internal mail

    def _agent_new(self, uow, row, ticket):
        account, plan = self._plan_of(uow, ticket)
        response = plan.response_target(ticket.severity)
        return {"tz": self.policy.tz.key, "account": account.name, "plan": plan.name,
                "requester_name": self._requester_name(uow, ticket.requester),
                "requester_email": ticket.requester, "cc": list(ticket.cc),
                "subject": ticket.subject, "body": row.data.get("text", ""),
                "severity": str(ticket.severity), "severity_reason": ticket.severity_reason,
                "created_at": ticket.created_at, "response_due": ticket.response_due,
                "response_best_effort": bool(response and response.best_effort),
                "resolution_due": ticket.resolution_due,
                "attachments": [a.rsplit("/", 1)[-1] for a in row.data.get("attachments", [])],
                "overage": ticket.overage}

    def _customer_reply(self, uow, row, ticket):
        sender = row.data["sender"]
        return {"tz": self.policy.tz.key, "account": ticket.account,
                "author_name": self._requester_name(uow, sender), "author_email": sender,
                "subject": ticket.subject, "body": row.data.get("text", ""),
                "severity": str(ticket.severity), "assignee": ticket.assignee,
                "received_at": _parse(row.data.get("received_at")) or row.created_at,
                "reopened": bool(row.data.get("reopened")),
                "severity_requested": row.data.get("severity_requested")}

    def _sla(self, uow, row, ticket):
        account, plan = self._plan_of(uow, ticket)
        d = row.data
        return {"tz": self.policy.tz.key, "account": account.name, "plan": plan.name,
                "severity": str(ticket.severity), "subject": ticket.subject,
                "clock": d["clock"], "due": _parse(d["due"]),
                "left": timedelta(seconds=d["left_seconds"]), "fraction": d["fraction"],
                "day_length": plan.window.length, "best_effort": bool(d["best_effort"]),
                "assignee": ticket.assignee}

    _sla_warning = _sla
    _sla_breach = _sla

    def _bounce_notice(self, uow, row, ticket):
        d = row.data
        return {"tz": self.policy.tz.key, "failed_at": row.created_at,
                "recipients": list(d.get("recipients") or
                                   ([ticket.requester] if ticket else [])),
                "original_kind": d.get("original_kind", "mail"),
                "original_subject": d.get("original_subject") or d.get("subject", ""),
                "error": (d.get("error") or d.get("text") or "").strip()[:2000]}

    def _command_error(self, uow, row, ticket):
        return {"tz": self.policy.tz.key, "errors": list(row.data.get("errors", [])),
                "known": row.data.get("known", ""), "subject": row.data.get("subject", "")}

    def _digest(self, uow, row, ticket):
        since = _parse(row.data.get("since"))
        return digest_context(uow, self.policy, row.created_at, since)


def digest_context(uow, policy: Policy, now: datetime, since: datetime | None) -> dict:
    """The manager digest as of `now`: what needs attention and how the month went."""
    tz: ZoneInfo = policy.tz
    breached, at_risk, opened, resolved = [], [], [], []
    month_start = now.astimezone(tz).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    compliance: dict[str, list[int]] = {}
    accounts = {a.name: a for a in uow.accounts.all()}
    for ticket in uow.tickets.all():
        account = accounts.get(ticket.account)
        if account is None or account.plan not in policy.plans:
            continue
        plan = policy.plan(account.plan)
        cal = policy.calendar(plan)
        clocks = status(plan, ticket.severity, ticket.created_at, ticket.first_response_at,
                        ticket.resolved_at, ticket.paused, now, cal, policy.warn_at)
        done = {"number": ticket.number, "subject": ticket.subject, "account": ticket.account,
                "severity": str(ticket.severity)}
        # the first digest (no `since`) covers everything so far
        if since is None or ticket.created_at >= since:
            opened.append({**done, "at": ticket.created_at})
        if ticket.resolved_at and (since is None or ticket.resolved_at >= since):
            resolved.append({**done, "at": ticket.resolved_at})
        if ticket.status in ("open", "pending-customer"):
            for clock in clocks:
                if clock.due is None or clock.state.value not in ("breached", "at_risk"):
                    continue
                row = {**done, "clock": clock.clock, "due": clock.due,
                       "left": clock.allowed - clock.elapsed, "day_length": plan.window.length,
                       "assignee": ticket.assignee}
                (breached if clock.state.value == "breached" else at_risk).append(row)
        response = clocks[0]
        if ticket.created_at >= month_start and response.due is not None \
                and not response.best_effort \
                and (ticket.first_response_at is not None or response.due <= now):
            tally = compliance.setdefault(plan.name, [0, 0])
            tally[1] += 1
            tally[0] += response.state.value == "met"
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
            "compliance": [{"plan": p, "met": m, "total": t}
                           for p, (m, t) in sorted(compliance.items())],
            "quota_alerts": quota_alerts}
