"""Business time: the days the support team is closed and the clock that runs only inside
a plan's daily window, in the team's time zone.

How the window is read (the rules every caller can rely on):

- The window is a wall-clock span in the calendar's zone. On each open day the clock runs
  from the first instant the local clock shows `opens` to the first instant it shows
  `closes` (half-open: open at 10:00, closed at 17:00). Business time is real elapsed time
  inside those spans.
- So a day whose clock skips an hour inside the window (spring forward) is that much
  shorter in real time, and a day whose clock repeats an hour inside it (fall back) is
  that much longer. A window edge that falls in the skipped hour opens or closes at the
  switch itself; an edge that falls in the repeated hour uses its first occurrence.
- `day_length` is the nominal window length (`window.length`); "N days" targets are
  N x day_length of business time.
- A deadline that uses up a day exactly ends at that day's closing instant (17:00),
  not at the next day's opening.
- `add(t, 0)` is `next_open(t)`: a clock that starts outside hours starts counting at
  the next opening.

Internally each local calendar year is turned once into its list of open spans with
running totals, so `add` and `elapsed` are binary searches over whole days (a
30-business-day or one-year target costs the same as a 4-hour one).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from rules.plans import Window

# `holidays` is imported where a country's days are first looked up: importing it costs
# every command ~25 ms of start-up, and its country_holidays() loads every country.

_ZERO = timedelta(0)
# Years without any open time are skipped; past this many the configuration is broken.
_MAX_EMPTY_YEARS = 50
EXTRA_CLOSED_NAME = "closed (configured)"


class ClosedDays:
    """Public holidays of a country (and optionally one of its subdivisions) plus extra
    closed dates. `country=None` means no public holidays.

    `public` holds the country's holidays of some years as the library gave them
    earlier (a caller keeps them between processes): those years, and the country's
    validity, are not asked of the library again."""

    def __init__(self, country: str | None, subdivision: str | None = None,
                 extra: Iterable[date] = (),
                 public: Mapping[int, Mapping[date, str]] | None = None):
        if country is None and subdivision is not None:
            raise ValueError(f"holidays subdivision {subdivision!r} needs a country")
        self.country = country
        self.subdivision = subdivision
        self.extra = frozenset(extra)
        self._years: dict[int, dict[date, str]] = {}
        self._public = {year: dict(days) for year, days in (public or {}).items()}
        if country is not None and not self._public:
            import holidays

            # Fail at construction, not on the first lookup deep inside an SLA sweep.
            try:
                holidays.country_holidays(country, subdiv=subdivision)
            except NotImplementedError as exc:
                raise ValueError(f"unknown holidays country/subdivision: {exc}") from None

    def public_holidays(self, year: int) -> dict[date, str]:
        """The country's public holidays in `year` (without the configured extra dates)."""
        found = self._public.get(year)
        if found is None:
            found = {}
            if self.country is not None:
                import holidays

                found.update(holidays.country_holidays(
                    self.country, subdiv=self.subdivision, years=year).items())
            self._public[year] = found
        return found

    def _year(self, year: int) -> dict[date, str]:
        found = self._years.get(year)
        if found is None:
            found = dict(self.public_holidays(year))
            for d in self.extra:
                if d.year == year:
                    found.setdefault(d, EXTRA_CLOSED_NAME)
            self._years[year] = found
        return found

    def __contains__(self, day: object) -> bool:
        if isinstance(day, datetime):
            # A datetime's date depends on its zone: the caller must pick the local date.
            raise TypeError("ClosedDays holds dates; pass a date, not a datetime")
        if not isinstance(day, date):
            return False
        return day in self._year(day.year)

    def name(self, day: date) -> str | None:
        """The holiday's name, `EXTRA_CLOSED_NAME` for a configured date, None when open."""
        return self._year(day.year).get(day)

    def __repr__(self) -> str:
        return (f"ClosedDays({self.country!r}, {self.subdivision!r}, "
                f"{sorted(self.extra)!r})")


@dataclass(frozen=True)
class _Year:
    """The open spans (UTC) of one local calendar year, with business time before each."""

    starts: list[datetime]
    ends: list[datetime]
    before: list[timedelta]  # business time in this year before span i starts
    upto: list[timedelta]    # business time in this year up to the end of span i
    total: timedelta

    def offset(self, t: datetime) -> timedelta:
        """Business time in this year before instant t."""
        i = bisect_right(self.starts, t) - 1
        if i < 0:
            return _ZERO
        return self.before[i] + min(t, self.ends[i]) - self.starts[i]


def _aware(t: datetime, what: str) -> datetime:
    if not isinstance(t, datetime):
        raise TypeError(f"{what} must be a datetime, not {type(t).__name__}")
    if t.tzinfo is None or t.utcoffset() is None:
        raise ValueError(f"{what} is a naive datetime ({t}); pass a timezone-aware one")
    return t.astimezone(UTC)


class BusinessCalendar:
    """The SLA clock of one support window, in one time zone, with its closed days."""

    def __init__(self, window: Window, tz: ZoneInfo, closed: ClosedDays):
        if not window.days:
            raise ValueError("a support window needs at least one weekday")
        self.window = window
        self.tz = tz
        self.closed = closed
        self._years: dict[int, _Year] = {}

    @property
    def day_length(self) -> timedelta:
        return self.window.length

    def __repr__(self) -> str:
        return f"BusinessCalendar({self.window}, {self.tz.key}, {self.closed!r})"

    # -- the local-time edge cases live here -------------------------------------------

    def _instant(self, day: date, at: time) -> datetime:
        """The first UTC instant at which the local clock shows `day at`."""
        wall = datetime.combine(day, at)
        first = wall.replace(tzinfo=self.tz)  # fold=0: first occurrence of a repeated time
        utc = first.astimezone(UTC)
        if utc.astimezone(self.tz).replace(tzinfo=None) == wall:
            return utc
        # `at` falls in a skipped hour: it is reached at the switch, the first instant
        # whose wall time is past it. fold=1 reads it with the later offset (an instant
        # before the switch), fold=0 with the earlier one (after it); bisect the seconds.
        lo = int(wall.replace(tzinfo=self.tz, fold=1).timestamp())
        hi = int(utc.timestamp())
        while hi - lo > 1:  # zone switches happen on whole seconds
            mid = (lo + hi) // 2
            if datetime.fromtimestamp(mid, self.tz).replace(tzinfo=None) >= wall:
                hi = mid
            else:
                lo = mid
        return datetime.fromtimestamp(hi, UTC)

    def _year(self, year: int) -> _Year:
        found = self._years.get(year)
        if found is not None:
            return found
        starts: list[datetime] = []
        ends: list[datetime] = []
        before: list[timedelta] = []
        upto: list[timedelta] = []
        total = _ZERO
        day = date(year, 1, 1)
        one = timedelta(days=1)
        while day.year == year:
            if day.weekday() in self.window.days and day not in self.closed:
                start = self._instant(day, self.window.opens)
                end = self._instant(day, self.window.closes)
                if end > start:  # a window wholly inside a skipped hour has no time
                    starts.append(start)
                    ends.append(end)
                    before.append(total)
                    total += end - start
                    upto.append(total)
            day += one
        found = _Year(starts, ends, before, upto, total)
        self._years[year] = found
        return found

    def _local_year(self, t_utc: datetime) -> int:
        return t_utc.astimezone(self.tz).year

    # -- the public clock --------------------------------------------------------------

    def is_open(self, t: datetime) -> bool:
        u = _aware(t, "t")
        y = self._year(self._local_year(u))
        i = bisect_right(y.starts, u) - 1
        return i >= 0 and u < y.ends[i]

    def next_open(self, t: datetime) -> datetime:
        """t itself (in the calendar's zone) when open, else the next opening."""
        u = _aware(t, "t")
        year = self._local_year(u)
        y = self._year(year)
        i = bisect_right(y.starts, u) - 1
        if i >= 0 and u < y.ends[i]:
            return u.astimezone(self.tz)
        if i + 1 < len(y.starts):
            return y.starts[i + 1].astimezone(self.tz)
        for later in range(year + 1, year + 1 + _MAX_EMPTY_YEARS):
            y = self._year(later)
            if y.starts:
                return y.starts[0].astimezone(self.tz)
        raise ValueError(f"{self!r} has no open time within {_MAX_EMPTY_YEARS} years of {t}")

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The instant at which `duration` of business time counted from `start` is used up."""
        u = _aware(start, "start")
        if duration < _ZERO:
            raise ValueError(f"duration must not be negative, got {duration}")
        if duration == _ZERO:
            return self.next_open(u)
        year = self._local_year(u)
        y = self._year(year)
        remaining = y.offset(u) + duration
        empty = 0
        while remaining > y.total:
            remaining -= y.total
            empty = empty + 1 if not y.starts else 0
            if empty > _MAX_EMPTY_YEARS:
                raise ValueError(f"{self!r} has no open time for {_MAX_EMPTY_YEARS} years")
            year += 1
            y = self._year(year)
        # The first span whose running total reaches the target; landing exactly on a
        # total means the closing instant of that span, not the next opening.
        i = bisect_left(y.upto, remaining)
        return (y.starts[i] + (remaining - y.before[i])).astimezone(self.tz)

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        """Business time between two instants; zero when end is not after start."""
        s = _aware(start, "start")
        e = _aware(end, "end")
        if e <= s:
            return _ZERO
        ys, ye = self._local_year(s), self._local_year(e)
        if ys == ye:
            y = self._year(ys)
            return y.offset(e) - y.offset(s)
        first = self._year(ys)
        total = first.total - first.offset(s)
        for year in range(ys + 1, ye):
            total += self._year(year).total
        return total + self._year(ye).offset(e)
