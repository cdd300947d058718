"""The policy in force: the plan catalogue with its calendars and the configurable decisions.

Built once from configuration by the composition root and passed to intake
and notifier; holds no clock and does no IO.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from rules.calendar import BusinessCalendar, ClosedDays
from rules.plans import Plan, Severity, build_catalogue
from rules.sla import ClockStatus, status
from rules.ticket import Ticket

if TYPE_CHECKING:  # importing it compiles every severity rule (~25 ms of each command)
    from rules.severity import SeverityRule


@dataclass(frozen=True)
class Policy:
    plans: Mapping[str, Plan]
    tz: ZoneInfo
    closed: ClosedDays
    warn_at: float = 0.75
    on_exhausted: str = "reject"
    blocker_always_accepted: bool = True
    severity_rules: Sequence[SeverityRule] = ()
    default_severity: Severity = Severity.MAJOR
    # the support line ([support] phone, phone_hours); only plans with phone support see it
    phone: str | None = None
    phone_hours: str | None = None
    _calendars: dict[str, BusinessCalendar] = field(default_factory=dict, compare=False,
                                                    repr=False)

    def plan(self, name: str) -> Plan:
        return self.plans[name]

    def calendar(self, plan: str | Plan) -> BusinessCalendar:
        plan = self.plans[plan] if isinstance(plan, str) else plan
        cal = self._calendars.get(plan.name)
        if cal is None:
            cal = BusinessCalendar(plan.window, self.tz, self.closed)
            self._calendars[plan.name] = cal
        return cal


    def phone_line(self, plan: str | Plan) -> tuple[str, str] | None:
        """(number, hours it is staffed) for a plan with phone support; None for every
        other plan (its contacts never see the number) or when no number is set."""
        plan = self.plans[plan] if isinstance(plan, str) else plan
        if not plan.phone or not self.phone:
            return None
        return self.phone, self.phone_hours or f"{plan.window} ({self.tz.key})"

    def clocks(self, ticket: Ticket, plan: str | None,
               now: datetime) -> tuple[ClockStatus, ClockStatus] | None:
        """A ticket's response and resolution clocks as of `now` under its account's plan;
        None when the plan is not in the catalogue. The one place sweep, digest, report
        and CLI get them from."""
        if plan is None or plan not in self.plans:
            return None
        p = self.plans[plan]
        return status(p, ticket.severity, ticket.created_at, ticket.first_response_at,
                      ticket.resolved_at, ticket.paused, now, self.calendar(p), self.warn_at)


def default_policy(tz: str = "Europe/Madrid", country: str | None = "ES") -> Policy:
    """The policy with every default; for tests and the demo."""
    return Policy(plans=build_catalogue(), tz=ZoneInfo(tz), closed=ClosedDays(country, None, ()))
