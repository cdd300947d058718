"""The business calendar: closed days, the clock inside the window, DST, and its laws."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rules.calendar import EXTRA_CLOSED_NAME, BusinessCalendar, ClosedDays
from rules.plans import Window

MADRID = ZoneInfo("Europe/Madrid")
NEW_YORK = ZoneInfo("America/New_York")
WEEKDAYS = frozenset(range(5))
EVERY_DAY = frozenset(range(7))
PLUS_WINDOW = Window(WEEKDAYS, time(10), time(17))
STANDARD_WINDOW = Window(WEEKDAYS, time(9), time(20))
SPAIN = ClosedDays("ES", None, [])
USA = ClosedDays("US", None, [])
NONE = ClosedDays(None, None, [])

PLUS = BusinessCalendar(PLUS_WINDOW, MADRID, SPAIN)
H = timedelta(hours=1)


def at(y, mo, d, h=0, mi=0, tz=MADRID):
    return datetime(y, mo, d, h, mi, tzinfo=tz)


# --- closed days ---------------------------------------------------------------------

def test_national_holidays_and_their_names():
    assert date(2026, 1, 6) in SPAIN
    assert SPAIN.name(date(2026, 1, 6)) == "Epiphany"
    assert date(2026, 1, 7) not in SPAIN
    assert SPAIN.name(date(2026, 1, 7)) is None
    # other years come from the same object
    assert date(2025, 12, 25) in SPAIN and date(2027, 10, 12) in SPAIN


def test_subdivision_adds_regional_holidays():
    catalonia = ClosedDays("ES", "CT", [])
    assert date(2026, 9, 11) in catalonia  # Diada, Catalonia only
    assert date(2026, 9, 11) not in SPAIN
    assert date(2026, 1, 6) in catalonia


def test_extra_dates_close_the_office_even_without_a_country():
    closed = ClosedDays(None, None, [date(2026, 3, 3)])
    assert date(2026, 3, 3) in closed
    assert closed.name(date(2026, 3, 3)) == EXTRA_CLOSED_NAME
    assert date(2026, 1, 1) not in closed  # no public holidays without a country
    both = ClosedDays("ES", None, [date(2026, 1, 6), date(2026, 8, 14)])
    assert both.name(date(2026, 1, 6)) == "Epiphany"
    assert both.name(date(2026, 8, 14)) == EXTRA_CLOSED_NAME


def test_bad_closed_days_arguments():
    with pytest.raises(ValueError, match="XX"):
        ClosedDays("XX", None, [])
    with pytest.raises(ValueError, match="ZZ"):
        ClosedDays("ES", "ZZ", [])
    with pytest.raises(ValueError, match="needs a country"):
        ClosedDays(None, "CT", [])
    with pytest.raises(TypeError):
        datetime(2026, 1, 6, 12, tzinfo=MADRID) in SPAIN  # noqa: B015


# --- the clock -----------------------------------------------------------------------

def test_open_is_half_open_window_on_working_days():
    assert PLUS.is_open(at(2026, 3, 2, 10))
    assert PLUS.is_open(at(2026, 3, 2, 16, 59))
    assert not PLUS.is_open(at(2026, 3, 2, 9, 59))
    assert not PLUS.is_open(at(2026, 3, 2, 17))
    assert not PLUS.is_open(at(2026, 3, 7, 12))  # Saturday
    assert not PLUS.is_open(at(2026, 1, 6, 12))  # Epiphany
    assert PLUS.day_length == timedelta(hours=7)


def test_next_open():
    assert PLUS.next_open(at(2026, 3, 2, 12)) == at(2026, 3, 2, 12)
    assert PLUS.next_open(at(2026, 3, 2, 17)) == at(2026, 3, 3, 10)
    assert PLUS.next_open(at(2026, 3, 6, 18)) == at(2026, 3, 9, 10)  # Fri -> Mon
    assert PLUS.next_open(at(2026, 1, 5, 20)) == at(2026, 1, 7, 10)  # over Epiphany
    assert PLUS.next_open(at(2026, 12, 31, 17)) == at(2027, 1, 4, 10)  # New Year, weekend


def test_inputs_in_any_zone_outputs_in_the_calendar_zone():
    # 2026-03-02 15:00 UTC = 16:00 Madrid; + 2 h = 1 h Mon + 1 h Tue -> Tue 11:00
    due = PLUS.add(datetime(2026, 3, 2, 15, tzinfo=UTC), 2 * H)
    assert due == at(2026, 3, 3, 11)
    assert due.tzinfo is MADRID and due.hour == 11
    ny = datetime(2026, 3, 2, 10, tzinfo=NEW_YORK)  # = 16:00 Madrid
    assert PLUS.elapsed(ny, at(2026, 3, 2, 17)) == H


def test_start_outside_hours_counts_from_the_next_opening():
    assert PLUS.add(at(2026, 3, 7, 9), 2 * H) == at(2026, 3, 9, 12)  # Saturday
    assert PLUS.add(at(2026, 3, 2, 6), 2 * H) == at(2026, 3, 2, 12)  # early Monday
    assert PLUS.add(at(2026, 3, 2, 21), 2 * H) == at(2026, 3, 3, 12)  # evening
    assert PLUS.add(at(2026, 3, 7, 9), timedelta(0)) == at(2026, 3, 9, 10)


def test_using_up_a_day_exactly_ends_at_closing_time():
    assert PLUS.add(at(2026, 3, 2, 10), 7 * H) == at(2026, 3, 2, 17)
    assert PLUS.add(at(2026, 3, 2, 16), H) == at(2026, 3, 2, 17)
    assert PLUS.add(at(2026, 3, 2, 16), H + timedelta(seconds=1)) == \
        at(2026, 3, 3, 10) + timedelta(seconds=1)


def test_holidays_and_extra_days_are_skipped():
    # Mon 01-05 16:00 + 2 h: Mon 1 h, Tue 01-06 closed, Wed 10:00 + 1 h
    assert PLUS.add(at(2026, 1, 5, 16), 2 * H) == at(2026, 1, 7, 11)
    extra = BusinessCalendar(PLUS_WINDOW, MADRID, ClosedDays("ES", None, [date(2026, 3, 3)]))
    # Mon 03-02 16:00 + 2 days (14 h): Mon 1, Tue closed, Wed 7, Thu 10:00 + 6 -> 16:00
    assert extra.add(at(2026, 3, 2, 16), 14 * H) == at(2026, 3, 5, 16)
    open_all_year = BusinessCalendar(PLUS_WINDOW, MADRID, NONE)
    assert open_all_year.add(at(2026, 1, 5, 16), 2 * H) == at(2026, 1, 6, 11)


def test_across_the_new_year():
    # Wed 2026-12-30 10:00 + 5 days: Dec 30, 31, Fri 2027-01-01 closed, Jan 4, 5,
    # Wed 01-06 Epiphany closed, Thu 01-07 -> 17:00
    assert PLUS.add(at(2026, 12, 30, 10), 35 * H) == at(2027, 1, 7, 17)
    assert PLUS.elapsed(at(2026, 12, 31, 16), at(2027, 1, 4, 11)) == 2 * H


def test_elapsed():
    assert PLUS.elapsed(at(2026, 3, 2, 12), at(2026, 3, 2, 11)) == timedelta(0)
    assert PLUS.elapsed(at(2026, 3, 2, 12), at(2026, 3, 2, 12)) == timedelta(0)
    assert PLUS.elapsed(at(2026, 3, 6, 16), at(2026, 3, 9, 11)) == 2 * H  # weekend
    assert PLUS.elapsed(at(2026, 3, 7, 0), at(2026, 3, 8, 23)) == timedelta(0)


def test_a_whole_year():
    # 2026 has 261 weekdays; 7 national holidays fall on them (Jan 1, Jan 6, Apr 3,
    # May 1, Oct 12, Dec 8, Dec 25; Aug 15 is a Saturday): 254 days x 7 h
    year = PLUS.elapsed(at(2026, 1, 1), at(2027, 1, 1))
    assert year == 254 * 7 * H
    # the last business day of 2026 is Thu 12-31, so a year of it ends at its closing
    assert PLUS.add(at(2026, 1, 1), year) == at(2026, 12, 31, 17)


def test_naive_and_negative_inputs_are_refused():
    naive = datetime(2026, 3, 2, 12)
    for call in (lambda: PLUS.is_open(naive), lambda: PLUS.next_open(naive),
                 lambda: PLUS.add(naive, H), lambda: PLUS.elapsed(naive, at(2026, 3, 3)),
                 lambda: PLUS.elapsed(at(2026, 3, 1), naive)):
        with pytest.raises(ValueError, match="naive"):
            call()
    with pytest.raises(ValueError, match="negative"):
        PLUS.add(at(2026, 3, 2, 12), -H)


# --- daylight saving time ------------------------------------------------------------

def test_madrid_weekend_switches_keep_wall_clock_hours():
    # spring forward Sun 2026-03-29: Fri 16:00 (+01:00) + 2 h -> Mon 11:00 (+02:00)
    due = PLUS.add(at(2026, 3, 27, 16), 2 * H)
    assert (due.hour, due.utcoffset()) == (11, 2 * H)
    assert due.astimezone(UTC) == datetime(2026, 3, 30, 9, tzinfo=UTC)
    # fall back Sun 2026-10-25: Fri 16:00 (+02:00) + 2 h -> Mon 11:00 (+01:00)
    due = PLUS.add(at(2026, 10, 23, 16), 2 * H)
    assert (due.hour, due.utcoffset()) == (11, H)
    assert PLUS.elapsed(at(2026, 10, 23, 16), at(2026, 10, 26, 11)) == 2 * H


def test_new_york_weekend_switches_keep_wall_clock_hours():
    standard = BusinessCalendar(STANDARD_WINDOW, NEW_YORK, USA)
    # Sun 2026-03-08: Fri 19:00 EST + 3 h = 1 h Fri, Mon 09:00 EDT + 2 h
    due = standard.add(at(2026, 3, 6, 19, tz=NEW_YORK), 3 * H)
    assert due.astimezone(UTC) == datetime(2026, 3, 9, 15, tzinfo=UTC)  # 11:00 EDT
    # Sun 2026-11-01: Fri 19:00 EDT + 3 h -> Mon 11:00 EST
    due = standard.add(at(2026, 10, 30, 19, tz=NEW_YORK), 3 * H)
    assert due.astimezone(UTC) == datetime(2026, 11, 2, 16, tzinfo=UTC)


NIGHT = Window(EVERY_DAY, time(1), time(5))


@pytest.mark.parametrize("tz, spring, autumn", [
    (MADRID, date(2026, 3, 29), date(2026, 10, 25)),
    (NEW_YORK, date(2026, 3, 8), date(2026, 11, 1)),
])
def test_window_spanning_the_switch_is_its_wall_clock_span(tz, spring, autumn):
    # A window is read on the wall clock: on the day the clock skips an hour inside
    # 01:00-05:00 the day holds 3 real hours, on the day it repeats one it holds 5.
    night = BusinessCalendar(NIGHT, tz, NONE)
    day = timedelta(days=1)

    def midnight(d):
        return datetime.combine(d, time(0), tzinfo=tz)

    assert night.elapsed(midnight(spring), midnight(spring) + day) == 3 * H
    assert night.elapsed(midnight(autumn), midnight(autumn) + day) == 5 * H
    assert night.elapsed(midnight(spring - day), midnight(spring)) == 4 * H
    assert night.day_length == 4 * H
    # an hour after 01:00 on the spring day is wall 03:00: the skipped hour holds nothing
    due = night.add(midnight(spring), 2 * H)
    assert (due.hour, due.minute) == (4, 0)
    # 4 real hours after 01:00 on the autumn day the wall clock shows 04:00
    due = night.add(midnight(autumn), 4 * H)
    assert (due.hour, due.fold) == (4, 0)
    assert due.astimezone(UTC) - midnight(autumn).replace(hour=1).astimezone(UTC) == 4 * H
    # the day still ends at 05:00 wall time
    assert night.add(midnight(autumn), 5 * H).hour == 5


def test_window_edge_inside_the_skipped_hour_opens_at_the_switch():
    # Madrid skips 02:00-03:00 on 2026-03-29: a 02:30 opening happens at 03:00
    late_night = BusinessCalendar(Window(EVERY_DAY, time(2, 30), time(5)), MADRID, NONE)
    assert late_night.next_open(at(2026, 3, 29)) == at(2026, 3, 29, 3)
    assert late_night.elapsed(at(2026, 3, 29), at(2026, 3, 30)) == 2 * H
    # a window wholly inside the skipped hour has no time that day
    gone = BusinessCalendar(Window(EVERY_DAY, time(2, 10), time(2, 50)), MADRID, NONE)
    assert gone.elapsed(at(2026, 3, 29), at(2026, 3, 30)) == timedelta(0)
    assert gone.next_open(at(2026, 3, 29)) == at(2026, 3, 30, 2, 10)


def test_window_edge_inside_the_repeated_hour_uses_its_first_occurrence():
    # New York repeats 01:00-02:00 on 2026-11-01: a 01:30 opening is the EDT one
    cal = BusinessCalendar(Window(EVERY_DAY, time(1, 30), time(5)), NEW_YORK, NONE)
    opening = cal.next_open(at(2026, 11, 1, tz=NEW_YORK))
    assert opening.astimezone(UTC) == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)
    assert cal.elapsed(at(2026, 11, 1, tz=NEW_YORK), at(2026, 11, 2, tz=NEW_YORK)) \
        == timedelta(hours=4, minutes=30)


def test_midnight_edges():
    early = BusinessCalendar(Window(EVERY_DAY, time(0), time(8)), MADRID, NONE)
    assert early.is_open(at(2026, 3, 3, 0))
    assert early.add(at(2026, 3, 2, 7), 2 * H) == at(2026, 3, 3, 1)
    late = BusinessCalendar(Window(EVERY_DAY, time(16), time(23, 59)), MADRID, NONE)
    assert late.add(at(2026, 3, 2, 23, 30), H) == at(2026, 3, 3, 16, 31)
    assert late.elapsed(at(2026, 3, 2, 23), at(2026, 3, 3, 17)) == \
        timedelta(minutes=59) + H


# --- laws, checked on many random cases ----------------------------------------------

CALENDARS = {
    "plus-madrid": PLUS,
    "standard-newyork": BusinessCalendar(STANDARD_WINDOW, NEW_YORK, USA),
    "night-madrid": BusinessCalendar(NIGHT, MADRID, NONE),
    "gap-edge-newyork": BusinessCalendar(Window(frozenset({0, 2, 6}), time(2, 30), time(4)),
                                         NEW_YORK, ClosedDays(None, None, [date(2026, 3, 9)])),
}
EPOCH = datetime(2025, 1, 1, tzinfo=UTC)
instants = st.integers(0, 4 * 366 * 24 * 3600).map(lambda s: EPOCH + timedelta(seconds=s))
durations = st.timedeltas(timedelta(microseconds=1), timedelta(days=120))
calendars = st.sampled_from(sorted(CALENDARS))
law = settings(max_examples=150, deadline=None)


@law
@given(calendars, instants, durations)
def test_elapsed_undoes_add(name, start, duration):
    cal = CALENDARS[name]
    assert cal.elapsed(start, cal.add(start, duration)) == duration


@law
@given(calendars, instants, durations, durations)
def test_add_is_monotonic_and_additive(name, start, a, b):
    cal = CALENDARS[name]
    small, large = sorted((a, b))
    assert cal.add(start, small) <= cal.add(start, large)
    assert cal.add(cal.add(start, a), b) == cal.add(start, a + b)


@law
@given(calendars, instants, durations)
def test_deadline_is_inside_open_time_or_at_a_closing(name, start, duration):
    cal = CALENDARS[name]
    due = cal.add(start, duration)
    assert due.tzinfo is cal.tz
    if not cal.is_open(due):
        assert cal.is_open(due - timedelta(microseconds=1))
        assert due.time() == cal.window.closes


@law
@given(calendars, instants, instants, instants)
def test_elapsed_adds_up_over_consecutive_spans(name, a, b, c):
    cal = CALENDARS[name]
    a, b, c = sorted((a, b, c))
    assert cal.elapsed(a, c) == cal.elapsed(a, b) + cal.elapsed(b, c)


@law
@given(calendars, instants)
def test_next_open_is_open_and_skips_no_business_time(name, t):
    cal = CALENDARS[name]
    opening = cal.next_open(t)
    assert opening >= t
    assert cal.is_open(opening)
    assert cal.elapsed(t, opening) == timedelta(0)


QUARTER = timedelta(minutes=15)


def _by_wall_clock(start, end):
    """An independent count, quarter hour by quarter hour, of the plus window in Madrid."""
    total, t = timedelta(0), start
    while t < end:
        local = t.astimezone(MADRID)
        if (local.weekday() < 5 and local.date() not in SPAIN
                and time(10) <= local.time() < time(17)):
            total += QUARTER
        t += QUARTER
    return total


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 4 * 366 * 24 * 4), st.integers(0, 6 * 24 * 4))
def test_elapsed_matches_a_quarter_hour_count(start_q, length_q):
    start = EPOCH + start_q * QUARTER
    end = start + length_q * QUARTER
    assert PLUS.elapsed(start, end) == _by_wall_clock(start, end)
