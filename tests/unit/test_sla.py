"""SLA deadlines for every cell of the policy tables, and the clock states of a ticket."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from rules.calendar import BusinessCalendar, ClosedDays
from rules.plans import Severity, build_catalogue
from rules.sla import ClockStatus, SlaState, deadlines, status

MADRID = ZoneInfo("Europe/Madrid")
SPAIN = ClosedDays("ES", None, [])
PLANS = build_catalogue()
CALENDARS = {name: BusinessCalendar(plan.window, MADRID, SPAIN) for name, plan in PLANS.items()}

B, C, M, T = Severity.BLOCKER, Severity.CRITICAL, Severity.MAJOR, Severity.TRIVIAL


def at(y, mo, d, h=0, mi=0, tz=MADRID):
    return datetime(y, mo, d, h, mi, tzinfo=tz)


# Windows: basic and plus Mon-Fri 10-17 (a day = 7 h), standard Mon-Fri 09-20 (11 h).
# Spanish national holidays used: 2025-12-31 no, 2026-01-01 Thu, 2026-01-06 Tue,
# 2026-04-03 Fri (Good Friday), 2026-05-01 Fri, 2026-10-12 Mon, 2026-12-08 Tue,
# 2026-12-25 Fri. Madrid switches to summer time on Sun 2026-03-29.
RESPONSE = [
    # basic blocker 8 h: Mon 03-02 14:00, Mon 14-17 = 3 h, Tue 10:00 + 5 h -> Tue 15:00
    ("basic", B, at(2026, 3, 2, 14), at(2026, 3, 3, 15)),
    # basic critical 3 days: Fri 03-06 11:00, skip Sat/Sun -> Mon(1) Tue(2) Wed(3) 11:00
    ("basic", C, at(2026, 3, 6, 11), at(2026, 3, 11, 11)),
    # basic major 4 days = 28 h: Mon 01-05 12:00, Mon 5 h, Tue 01-06 Epiphany closed,
    # Wed 7 + Thu 7 + Fri 7 = 26 h, weekend, Mon 01-12 10:00 + 2 h -> 12:00
    ("basic", M, at(2026, 1, 5, 12), at(2026, 1, 12, 12)),
    # basic trivial > 5 days: Sat 03-07 09:00 starts Mon 10:00; 5 full days use up
    # Mon..Fri exactly -> ends at Fri 03-13 17:00 (closing time, not next opening)
    ("basic", T, at(2026, 3, 7, 9), at(2026, 3, 13, 17)),
    # plus blocker 6 h: Mon 03-02 16:00, Mon 1 h, Tue 10:00 + 5 h -> Tue 15:00
    ("plus", B, at(2026, 3, 2, 16), at(2026, 3, 3, 15)),
    # plus critical 2 days: the policy's own example, Mon 16:00 -> Wed 16:00
    ("plus", C, at(2026, 3, 2, 16), at(2026, 3, 4, 16)),
    # plus major 3 days = 21 h: Wed 04-29 15:00, Wed 2 h, Thu 7 h, Fri 05-01 Labour Day
    # closed, weekend, Mon 7 h (16 h), Tue 05-05 10:00 + 5 h -> 15:00
    ("plus", M, at(2026, 4, 29, 15), at(2026, 5, 5, 15)),
    # plus trivial > 4 days: Tue 03-10 10:30, same time 4 business days later across
    # the weekend: Wed(1) Thu(2) Fri(3) Mon(4) -> Mon 03-16 10:30
    ("plus", T, at(2026, 3, 10, 10, 30), at(2026, 3, 16, 10, 30)),
    # standard blocker 4 h: Fri 03-06 18:00, Fri 18-20 = 2 h, weekend, Mon 09:00 + 2 h
    ("standard", B, at(2026, 3, 6, 18), at(2026, 3, 9, 11)),
    # standard critical 8 h: Mon 03-02 08:00 is before opening, 09:00 + 8 h -> 17:00
    ("standard", C, at(2026, 3, 2, 8), at(2026, 3, 2, 17)),
    # standard major 2 days = 22 h: Thu 10-08 19:00, Thu 1 h, Fri 11 h, weekend,
    # Mon 10-12 National Day closed, Tue 09:00 + 10 h -> Tue 10-13 19:00
    ("standard", M, at(2026, 10, 8, 19), at(2026, 10, 13, 19)),
    # standard trivial > 3 days = 33 h: Wed 12-23 12:00, Wed 8 h, Thu 12-24 11 h (open),
    # Fri 12-25 Christmas closed, weekend, Mon 11 h (30 h), Tue 12-29 09:00 + 3 h -> 12:00
    ("standard", T, at(2026, 12, 23, 12), at(2026, 12, 29, 12)),
]

RESOLUTION = [
    # basic states no resolution target for any severity
    ("basic", B, at(2026, 3, 2, 10), None),
    ("basic", C, at(2026, 3, 2, 10), None),
    ("basic", M, at(2026, 3, 2, 10), None),
    ("basic", T, at(2026, 3, 2, 10), None),
    # plus blocker 10 h: Wed 2025-12-31 15:00, Wed 2 h, Thu 01-01 New Year closed,
    # Fri 01-02 7 h (9 h), weekend, Mon 01-05 10:00 + 1 h -> 11:00
    ("plus", B, at(2025, 12, 31, 15), at(2026, 1, 5, 11)),
    # plus critical 5 days = 35 h: Mon 03-02 10:00 uses Mon..Fri whole -> Fri 17:00
    ("plus", C, at(2026, 3, 2, 10), at(2026, 3, 6, 17)),
    # plus major 10 days: Mon 03-02 13:00, same time 10 business days later, two
    # weekends, no national holiday in March -> Mon 03-16 13:00
    ("plus", M, at(2026, 3, 2, 13), at(2026, 3, 16, 13)),
    # plus trivial < 30 days: Fri 03-27 14:00 (CET), same time 30 business days later:
    # Mar 30, 31, Apr 1, 2 (4), Good Friday 04-03 closed, Apr 6-10 (9), 13-17 (14),
    # 20-24 (19), 27-30 (23), Labour Day 05-01 closed, May 4-8 (28), 11 (29), 12 (30)
    # -> Tue 05-12 14:00 (CEST: the summer-time switch does not move the wall time)
    ("plus", T, at(2026, 3, 27, 14), at(2026, 5, 12, 14)),
    # standard blocker 7 h: Mon 01-05 17:00, Mon 3 h, Tue 01-06 Epiphany closed,
    # Wed 09:00 + 4 h -> Wed 01-07 13:00
    ("standard", B, at(2026, 1, 5, 17), at(2026, 1, 7, 13)),
    # standard critical 2 days = 22 h: Sat 03-07 starts Mon 09:00, Mon + Tue whole
    # -> Tue 03-10 20:00 (closing)
    ("standard", C, at(2026, 3, 7, 15), at(2026, 3, 10, 20)),
    # standard major 5 days: Wed 03-04 14:00, same time 5 business days later -> Wed 03-11
    ("standard", M, at(2026, 3, 4, 14), at(2026, 3, 11, 14)),
    # standard trivial < 15 days: Mon 11-30 09:00 uses 15 whole days: Nov 30 (1),
    # Dec 1-4 (5), 7 (6), Tue 12-08 Immaculate Conception closed, 9-11 (9), 14-18 (14),
    # 21 (15) -> Mon 12-21 20:00
    ("standard", T, at(2026, 11, 30, 9), at(2026, 12, 21, 20)),
]


def _ids(rows):
    return [f"{plan}-{severity.value}" for plan, severity, *_ in rows]


@pytest.mark.parametrize("plan, severity, created, expected", RESPONSE, ids=_ids(RESPONSE))
def test_response_due_for_every_cell(plan, severity, created, expected):
    due = deadlines(PLANS[plan], severity, created, CALENDARS[plan])
    assert due.response_due == expected
    assert due.response_due.tzinfo is MADRID
    assert due.response_best_effort is (severity is T)


@pytest.mark.parametrize("plan, severity, created, expected", RESOLUTION, ids=_ids(RESOLUTION))
def test_resolution_due_for_every_cell(plan, severity, created, expected):
    due = deadlines(PLANS[plan], severity, created, CALENDARS[plan])
    assert due.resolution_due == expected


def test_tables_cover_every_cell():
    cells = {(p, s) for p in PLANS for s in Severity}
    assert {(r[0], r[1]) for r in RESPONSE} == cells
    assert {(r[0], r[1]) for r in RESOLUTION} == cells


def test_created_in_another_zone_gives_due_in_the_team_zone():
    # Mon 2026-03-02 15:00 UTC is 16:00 in Madrid: the policy example again
    due = deadlines(PLANS["plus"], C, datetime(2026, 3, 2, 15, tzinfo=ZoneInfo("UTC")),
                    CALENDARS["plus"])
    assert due.response_due == at(2026, 3, 4, 16)
    assert due.response_due.hour == 16


# --- the clocks of one ticket --------------------------------------------------------
# plus critical opened Mon 2026-03-02 16:00: response (14 h) due Wed 03-04 16:00;
# resolution 5 days = 35 h: Mon 1 + Tue..Fri 28 + Mon 03-09 6 h -> Mon 03-09 16:00.

PLUS = PLANS["plus"]
OPENED = at(2026, 3, 2, 16)


def clocks(now, first_response_at=None, resolved_at=None, paused=(), warn_at=0.75,
           plan="plus", severity=C, created=OPENED):
    return status(PLANS[plan], severity, created, first_response_at, resolved_at,
                  list(paused), now, CALENDARS[plan], warn_at=warn_at)


def test_fresh_ticket_is_ok_with_business_time_counted():
    response, resolution = clocks(at(2026, 3, 3, 12))
    # Mon 16-17 + Tue 10-12 = 3 h
    assert response == ClockStatus("response", at(2026, 3, 4, 16), timedelta(hours=14),
                                   timedelta(hours=3), 3 / 14, SlaState.OK, False)
    assert resolution.due == at(2026, 3, 9, 16)
    assert resolution.elapsed == timedelta(hours=3)
    assert resolution.state is SlaState.OK


def test_at_risk_from_the_warning_fraction():
    # Wed 12:00: 1 + 7 + 2 = 10 h of 14 (0.71); Wed 12:30: 10.5 h = 0.75 exactly
    assert clocks(at(2026, 3, 4, 12))[0].state is SlaState.OK
    assert clocks(at(2026, 3, 4, 12, 30))[0].state is SlaState.AT_RISK
    assert clocks(at(2026, 3, 4, 12), warn_at=0.5)[0].state is SlaState.AT_RISK


def test_breached_only_once_past_due():
    assert clocks(at(2026, 3, 4, 16))[0].state is SlaState.AT_RISK
    late = clocks(at(2026, 3, 4, 16, 1))[0]
    assert late.state is SlaState.BREACHED
    assert late.fraction > 1


def test_due_at_closing_is_breached_after_hours_without_more_business_time():
    # plus critical resolution opened Mon 03-02 10:00 is due Fri 03-06 17:00 (closing);
    # at 18:00 no business time has passed since, but the deadline has
    _, resolution = clocks(at(2026, 3, 6, 18), created=at(2026, 3, 2, 10))
    assert resolution.elapsed == timedelta(hours=35)
    assert resolution.state is SlaState.BREACHED


def test_met_when_answered_in_time_whatever_now_is():
    for answered in (at(2026, 3, 4, 15, 59), at(2026, 3, 4, 16)):
        response, _ = clocks(at(2026, 3, 20, 12), first_response_at=answered)
        assert response.state is SlaState.MET


def test_late_answer_stays_breached():
    response, _ = clocks(at(2026, 3, 20, 12), first_response_at=at(2026, 3, 5, 10, 30))
    assert response.state is SlaState.BREACHED
    # counted up to the answer, not to now: 14 h to the due, Wed 16-17, Thu 10-10:30
    assert response.elapsed == timedelta(hours=15, minutes=30)


def test_resolution_met_and_breached():
    assert clocks(at(2026, 3, 20), resolved_at=at(2026, 3, 9, 15))[1].state is SlaState.MET
    assert clocks(at(2026, 3, 20), resolved_at=at(2026, 3, 9, 17))[1].state \
        is SlaState.BREACHED


def test_pause_moves_only_the_resolution_due():
    # waiting on the customer Tue 03-03 10:00 -> Wed 03-04 10:00 = 7 business hours
    paused = [(at(2026, 3, 3, 10), at(2026, 3, 4, 10))]
    response, resolution = clocks(at(2026, 3, 4, 12), paused=paused)
    assert response.due == at(2026, 3, 4, 16)
    assert response.elapsed == timedelta(hours=10)  # Mon 1 + Tue 7 + Wed 2
    # Mon 03-09 16:00 + 7 h: Mon 1 h, Tue 10:00 + 6 h -> Tue 03-10 16:00
    assert resolution.due == at(2026, 3, 10, 16)
    assert resolution.elapsed == timedelta(hours=3)


def test_response_clock_never_pauses():
    paused = [(at(2026, 3, 2, 16, 30), at(2026, 3, 5, 17))]
    response, _ = clocks(at(2026, 3, 4, 16, 30), paused=paused)
    assert response.state is SlaState.BREACHED


def test_ongoing_pause_holds_the_clock():
    # paused since Tue 03-03 10:00 and still waiting on Thu 03-12 12:00: only Mon's
    # 1 h has run, so the 5-day target is not breached although Mon 03-09 has passed.
    # Resuming now, 34 h remain: Thu 5, Fri 7, Mon 7, Tue 7, Wed 7 (33), Thu 03-19 11:00
    _, resolution = clocks(at(2026, 3, 12, 12), paused=[(at(2026, 3, 3, 10), None)])
    assert resolution.elapsed == timedelta(hours=1)
    assert resolution.state is SlaState.OK
    assert resolution.due == at(2026, 3, 19, 11)


def test_pause_after_the_deadline_does_not_rescue_it():
    paused = [(at(2026, 3, 10, 10), None)]
    _, resolution = clocks(at(2026, 3, 11, 12), paused=paused)
    assert resolution.due == at(2026, 3, 9, 16)
    assert resolution.state is SlaState.BREACHED


def test_overlapping_pauses_count_once():
    # Tue 10-17 and Tue 12:00-Wed 10:00 together cover Tue 10:00-Wed 10:00 = 7 h
    paused = [(at(2026, 3, 3, 10), at(2026, 3, 3, 17)), (at(2026, 3, 3, 12), at(2026, 3, 4, 10))]
    _, resolution = clocks(at(2026, 3, 4, 12), paused=paused)
    assert resolution.due == at(2026, 3, 10, 16)


def test_basic_has_no_resolution_target_and_best_effort_trivial_response():
    response, resolution = clocks(at(2026, 3, 3, 12), plan="basic", severity=T)
    assert resolution.state is SlaState.NO_TARGET
    assert resolution.due is None
    assert response.best_effort is True
    # > 5 days = 35 h from Mon 16:00 -> Mon 03-09 16:00
    assert response.due == at(2026, 3, 9, 16)
    assert response.state is SlaState.OK


def test_best_effort_target_still_reports_its_breach():
    response, _ = clocks(at(2026, 3, 9, 16, 30), plan="basic", severity=T)
    assert response.state is SlaState.BREACHED
    assert response.best_effort is True


def test_override_changes_the_due():
    plans = build_catalogue({"plus": {"response": {"blocker": "5 hours"}}})
    due = deadlines(plans["plus"], B, at(2026, 3, 2, 16), CALENDARS["plus"])
    assert due.response_due == at(2026, 3, 3, 14)  # Mon 1 h + Tue 10:00 + 4 h


def test_calendar_of_another_window_is_refused():
    with pytest.raises(ValueError, match="window"):
        deadlines(PLUS, C, OPENED, CALENDARS["standard"])


def test_naive_times_are_refused():
    with pytest.raises(ValueError, match="naive"):
        deadlines(PLUS, C, datetime(2026, 3, 2, 16), CALENDARS["plus"])
    with pytest.raises(ValueError, match="naive"):
        clocks(datetime(2026, 3, 3, 12))
    with pytest.raises(ValueError, match="naive"):
        clocks(at(2026, 3, 3, 12), first_response_at=datetime(2026, 3, 3, 11))
