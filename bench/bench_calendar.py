"""Timings of the business calendar's add() and elapsed(): `python bench/bench_calendar.py`."""

from __future__ import annotations

import random
import sys
import time as clock
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rules.calendar import BusinessCalendar, ClosedDays  # noqa: E402
from rules.plans import build_catalogue  # noqa: E402

CALLS = 20_000


def make_calendar() -> BusinessCalendar:
    plus = build_catalogue()["plus"]
    return BusinessCalendar(plus.window, ZoneInfo("Europe/Madrid"), ClosedDays("ES", None, []))


def starts(n: int) -> list[datetime]:
    rng = random.Random(7)
    base = datetime(2026, 1, 1, tzinfo=UTC)
    return [base + timedelta(seconds=rng.randrange(365 * 24 * 3600)) for _ in range(n)]


def per_call(fn, args: list) -> float:
    t0 = clock.perf_counter()
    for a in args:
        fn(a)
    return (clock.perf_counter() - t0) / len(args) * 1e6


def main() -> None:
    cal = make_calendar()
    t0 = clock.perf_counter()
    cal.add(datetime(2026, 6, 1, 12, tzinfo=UTC), timedelta(hours=4))
    cold = (clock.perf_counter() - t0) * 1e3
    print(f"first call (builds the 2026 index and holiday table): {cold:.2f} ms")

    day = cal.day_length
    points = starts(CALLS)
    cases = [
        ("add 4 hours", timedelta(hours=4)),
        ("add 2 days", 2 * day),
        ("add 30 business days", 30 * day),
        ("add 1 year of business days (260)", 260 * day),
    ]
    for year in (2026, 2027, 2028):  # warm every year the cases reach
        cal.add(datetime(year, 1, 1, tzinfo=UTC), timedelta(hours=1))
    for label, duration in cases:
        us = per_call(lambda s, d=duration: cal.add(s, d), points)
        print(f"{label:<38} {us:8.2f} us/call  ({CALLS} calls)")
    year_pairs = [(s, s + timedelta(days=365)) for s in points]
    us = per_call(lambda p: cal.elapsed(*p), year_pairs)
    print(f"{'elapsed over a year':<38} {us:8.2f} us/call  ({CALLS} calls)")


if __name__ == "__main__":
    main()
