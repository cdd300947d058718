"""SLA deadlines and clock states of a ticket: when the first response and the resolution
are due under its plan, and whether each clock is ok, at risk, breached or met.

Reading of the policy (coverage-policy.md):
- "N hours" is N business hours; "N days" is N x the plan's daily window length
  (`calendar.day_length`), counted in the plan's business calendar from creation.
- A clock is `met` when its event (first response / resolution) happened at or before
  the due instant. It is `breached` once `now` is past due with no event, and it stays
  `breached` when the event came late: a late answer does not undo the breach.
- `at_risk` when the elapsed business fraction of the target reaches `warn_at`.
- A best-effort target ("> N days") gets states like any other; `best_effort=True`
  tells the escalation code not to treat its breach as a managers' matter.
- Waiting-on-customer intervals stop the resolution clock (its due moves later by the
  paused business time spent before the deadline was reached); the response clock
  never stops.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Literal

from rules.calendar import BusinessCalendar
from rules.plans import Plan, Severity, Target

_ZERO = timedelta(0)

Clock = Literal["response", "resolution"]


@dataclass(frozen=True)
class Deadlines:
    response_due: datetime | None
    resolution_due: datetime | None
    response_best_effort: bool


class SlaState(StrEnum):
    OK = "ok"
    AT_RISK = "at_risk"
    BREACHED = "breached"
    MET = "met"
    NO_TARGET = "no_target"


@dataclass(frozen=True)
class ClockStatus:
    clock: Clock
    due: datetime | None
    allowed: timedelta   # the target in business time; zero when there is none
    elapsed: timedelta   # business time counted so far (pauses excluded), up to the event
    fraction: float      # elapsed / allowed; 0.0 when there is no target
    state: SlaState
    best_effort: bool


def _check(calendar: BusinessCalendar, plan: Plan) -> None:
    # Business time is the plan's window: a calendar of another window would silently
    # measure the wrong hours.
    if calendar.window != plan.window:
        raise ValueError(f"calendar window {calendar.window} is not plan {plan.name!r}'s "
                         f"window {plan.window}")


def _aware(value: datetime | None, what: str) -> None:
    if value is not None and (value.tzinfo is None or value.utcoffset() is None):
        raise ValueError(f"{what} is a naive datetime ({value}); pass a timezone-aware one")


def _due(target: Target | None, created_at: datetime,
         calendar: BusinessCalendar) -> datetime | None:
    if target is None:
        return None
    return calendar.add(created_at, target.duration(calendar.day_length))


def deadlines(plan: Plan, severity: Severity, created_at: datetime,
              calendar: BusinessCalendar) -> Deadlines:
    """Both due instants of a new ticket (no pauses yet), in the calendar's zone."""
    _check(calendar, plan)
    _aware(created_at, "created_at")
    response = plan.response_target(severity)
    return Deadlines(
        response_due=_due(response, created_at, calendar),
        resolution_due=_due(plan.resolution_target(severity), created_at, calendar),
        response_best_effort=bool(response and response.best_effort),
    )


def _merged(paused: Sequence[tuple[datetime, datetime | None]], created_at: datetime,
            stop: datetime) -> list[tuple[datetime, datetime]]:
    """Pause intervals clipped to [created_at, stop], open ones ending at stop, overlaps
    joined, in order."""
    spans = []
    for start, end in paused:
        _aware(start, "paused start")
        _aware(end, "paused end")
        s = max(start, created_at)
        e = min(end if end is not None else stop, stop)
        if e > s:
            spans.append((s, e))
    spans.sort()
    merged: list[tuple[datetime, datetime]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            if e > merged[-1][1]:
                merged[-1] = (merged[-1][0], e)
        else:
            merged.append((s, e))
    return merged


def _clock(clock: Clock, target: Target | None, created_at: datetime,
           event_at: datetime | None, now: datetime, pauses: list[tuple[datetime, datetime]],
           calendar: BusinessCalendar, warn_at: float) -> ClockStatus:
    stop = event_at if event_at is not None else now
    paused_time = sum((calendar.elapsed(s, e) for s, e in pauses), _ZERO)
    elapsed = calendar.elapsed(created_at, stop) - paused_time
    if target is None:
        return ClockStatus(clock, None, _ZERO, elapsed, 0.0, SlaState.NO_TARGET, False)
    allowed = target.duration(calendar.day_length)
    due = calendar.add(created_at, allowed)
    extension = _ZERO
    for s, e in pauses:
        # A pause that starts once the deadline has passed cannot rescue it.
        if s >= due:
            break
        extension += calendar.elapsed(s, e)
        if extension > _ZERO:
            due = calendar.add(created_at, allowed + extension)
    fraction = elapsed / allowed
    if event_at is not None:
        state = SlaState.MET if event_at <= due else SlaState.BREACHED
    elif now > due:
        state = SlaState.BREACHED
    elif fraction >= warn_at:
        state = SlaState.AT_RISK
    else:
        state = SlaState.OK
    return ClockStatus(clock, due, allowed, elapsed, fraction, state, target.best_effort)


def status(plan: Plan, severity: Severity, created_at: datetime,
           first_response_at: datetime | None, resolved_at: datetime | None,
           paused: Sequence[tuple[datetime, datetime | None]], now: datetime,
           calendar: BusinessCalendar,
           warn_at: float = 0.75) -> tuple[ClockStatus, ClockStatus]:
    """The response and resolution clocks of one ticket as of `now`."""
    _check(calendar, plan)
    for value, what in ((created_at, "created_at"), (first_response_at, "first_response_at"),
                        (resolved_at, "resolved_at"), (now, "now")):
        _aware(value, what)
    if not 0 < warn_at <= 1:
        raise ValueError(f"warn_at must be above 0 and at most 1, got {warn_at}")
    response = _clock("response", plan.response_target(severity), created_at,
                      first_response_at, now, [], calendar, warn_at)
    stop = resolved_at if resolved_at is not None else now
    resolution = _clock("resolution", plan.resolution_target(severity), created_at,
                        resolved_at, now, _merged(paused, created_at, stop), calendar, warn_at)
    return response, resolution


def compliance_verdict(clock: ClockStatus) -> bool | None:
    """How a clock counts for compliance: True met, False breached, None not counted
    (still running, no target, or a best-effort target, which is tracked but never
    held against the desk). Digest and report both count with this."""
    if clock.best_effort or clock.state not in (SlaState.MET, SlaState.BREACHED):
        return None
    return clock.state is SlaState.MET


def compliance_percent(met: int, total: int) -> int | None:
    """Targets met as a whole percentage, rounded down so a breach never reads as 100%
    (2 of 3 is 66%); None when nothing was due. Digest and report both show this."""
    return None if total == 0 else met * 100 // total
