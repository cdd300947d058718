"""Entitlement decisions: how many authorised contacts a plan allows, and whether the
yearly ticket quota (contract year, extra tickets, overage) lets a new ticket open."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from rules.plans import Plan, Severity

ON_EXHAUSTED = ("reject", "accept")


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def contact_decision(plan: Plan, current_contacts: int) -> Decision:
    """May the account add one more authorised contact?"""
    if current_contacts < 0:
        raise ValueError(f"current_contacts must be 0 or more, got {current_contacts}")
    allowed = current_contacts < plan.contacts
    reason = (f"the {plan.name} plan allows {_count(plan.contacts, 'authorised contact')} "
              f"and the account has {current_contacts}")
    return Decision(allowed, reason)


def channel_decision(plan: Plan, channel: str) -> Decision:
    """May a ticket reach the desk this way on this plan? Calls are logged only for plans
    with phone support; the support center is only for plans that include it."""
    if channel == "phone" and not plan.phone:
        return Decision(False, f"the {plan.name} plan has no phone support")
    if channel == "web" and not plan.support_center:
        return Decision(False, f"the {plan.name} plan has no access to the support center")
    return Decision(True, f"the {plan.name} plan includes {channel} tickets")


def _anniversary(start: date, year: int) -> date:
    # a 29 February start has its anniversary on 28 February in common years, so a
    # contract year never spills into March
    if start.month == 2 and start.day == 29:
        try:
            return date(year, 2, 29)
        except ValueError:
            return date(year, 2, 28)
    return date(year, start.month, start.day)


def contract_year(contract_start: date, on: date) -> tuple[date, date]:
    """The contract year holding `on`: (start inclusive, end exclusive).

    Before the contract starts, the answer is the first contract year: tickets opened
    early (a trial, a migration) count against it rather than against nothing.
    """
    if on < contract_start:
        return contract_start, _anniversary(contract_start, contract_start.year + 1)
    begin = _anniversary(contract_start, on.year)
    if begin > on:
        begin = _anniversary(contract_start, on.year - 1)
    return begin, _anniversary(contract_start, begin.year + 1)


@dataclass(frozen=True)
class QuotaStatus:
    year_start: date
    year_end: date  # exclusive
    included: int
    extra: int
    used: int
    remaining: int


def quota_status(plan: Plan, contract_start: date, used: int, extra: int,
                 on: date) -> QuotaStatus:
    """Where the account stands in the contract year holding `on`.

    `used` is the number of tickets already opened in that year; `extra` the tickets
    bought on top of the plan for that year.
    """
    if used < 0 or extra < 0:
        raise ValueError(f"used and extra must be 0 or more, got used={used}, extra={extra}")
    start, end = contract_year(contract_start, on)
    remaining = max(0, plan.tickets_per_year + extra - used)
    return QuotaStatus(start, end, plan.tickets_per_year, extra, used, remaining)


@dataclass(frozen=True)
class QuotaDecision:
    accept: bool
    overage: bool
    reason: str
    status: QuotaStatus


def _allowance(status: QuotaStatus) -> str:
    text = _count(status.included, "ticket") + " included"
    if status.extra:
        text += f" plus {status.extra} extra"
    return text


def _year(status: QuotaStatus) -> str:
    last = date.fromordinal(status.year_end.toordinal() - 1)
    return f"the contract year {status.year_start.isoformat()} to {last.isoformat()}"


def quota_decision(status: QuotaStatus, severity: Severity, on_exhausted: str = "reject",
                   blocker_always_accepted: bool = True,
                   requested: Severity | None = None) -> QuotaDecision:
    """Open the ticket within the quota, as overage, or refuse it. `requested` is a level
    the customer asked for ("Severity: blocker"): the refusal tells them that a blocker is
    always accepted, so a blocker asked for is accepted too, at the level the ticket has
    (the agents decide on the request)."""
    if on_exhausted not in ON_EXHAUSTED:
        raise ValueError(f"on_exhausted must be one of {', '.join(ON_EXHAUSTED)}, "
                         f"got {on_exhausted!r}")
    severity = Severity(severity)
    if status.remaining > 0:
        reason = (f"ticket {status.used + 1} of {_allowance(status)} for {_year(status)}; "
                  f"{status.remaining - 1} left after it")
        return QuotaDecision(True, False, reason, status)
    spent = (f"the yearly quota of {_allowance(status)} for {_year(status)} is used up "
             f"({status.used} opened)")
    if severity is Severity.BLOCKER and blocker_always_accepted:
        return QuotaDecision(True, True, f"accepted as overage: blocker tickets are always "
                                         f"accepted, although {spent}", status)
    if requested is Severity.BLOCKER and blocker_always_accepted:
        return QuotaDecision(True, True, f"accepted as overage: the customer asks for blocker "
                                         f"and blocker incidents are always accepted, although "
                                         f"{spent}", status)
    if on_exhausted == "accept":
        return QuotaDecision(True, True, f"accepted as overage: {spent}", status)
    return QuotaDecision(False, False, f"not opened: {spent}; more tickets can be added to "
                                       f"the account at any time", status)
