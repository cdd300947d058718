"""Jinja filters that turn times, durations and fractions into the words our mails use.

Every time is shown in the recipient's zone with the zone named; durations say
whether they are business time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from rules.plans import SEVERITY_MEANINGS, Severity


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def when(dt: datetime, tz_name: str) -> str:
    """'Wed 4 Mar 2026, 16:00 CET (Europe/Madrid)' in the zone tz_name."""
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError(f"naive datetime {dt!r}: every time must carry its zone")
    local = dt.astimezone(ZoneInfo(tz_name))
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M %Z} ({tz_name})"


def day(d: date | datetime, tz_name: str | None = None) -> str:
    """'4 Mar 2026'; a datetime is first moved into tz_name when given."""
    if isinstance(d, datetime) and tz_name is not None:
        d = d.astimezone(ZoneInfo(tz_name))
    return f"{d.day} {d:%b %Y}"


def month(dt: datetime, tz_name: str) -> str:
    """'March 2026' for the month dt falls in, seen from tz_name."""
    return f"{dt.astimezone(ZoneInfo(tz_name)):%B %Y}"


def _minutes(delta: timedelta) -> int:
    return int(abs(delta).total_seconds() // 60)


def business(delta: timedelta, day_length: timedelta) -> str:
    """A business duration as the plans word it: '2 business days', '10 business hours';
    past two days, '3 business days 6 hours'."""
    total = _minutes(delta)
    per_day = _minutes(day_length)
    days, rest = divmod(total, per_day) if per_day else (0, total)
    if days and not rest:
        return _plural(days, "business day")
    if days >= 2:
        hours, mins = divmod(rest, 60)
        parts = [_plural(days, "business day")]
        if hours:
            parts.append(_plural(hours, "hour"))
    else:
        hours, mins = divmod(total, 60)
        if not hours:
            return _plural(mins, "business minute")
        parts = [_plural(hours, "business hour")]
    if mins:
        parts.append(f"{mins} min")
    return " ".join(parts)


def left_or_late(delta: timedelta, day_length: timedelta | None = None) -> str:
    """'3 h 20 min left' for a positive delta, '1 day 2 h late' for a negative one.

    With day_length the days are business days of that length ('1 business day
    2 h late'); without it they are calendar days of 24 hours. Minutes are
    dropped once the delta reaches a day: nobody acts on them at that scale.
    """
    suffix = "left" if delta >= timedelta(0) else "late"
    total = _minutes(delta)
    if total == 0:
        return "due now" if suffix == "left" else "less than 1 min late"
    per_day = _minutes(day_length) if day_length else 24 * 60
    days, rest = divmod(total, per_day)
    hours, mins = divmod(rest, 60)
    parts = []
    if days:
        parts.append(_plural(days, "business day" if day_length else "day"))
    if hours:
        parts.append(f"{hours} h")
    if mins and not days:
        parts.append(f"{mins} min")
    return " ".join(parts) + f" {suffix}"


def percent(fraction: float) -> str:
    """0.834 -> '83%' (rounded down, so 79.6% never reads as 80%)."""
    return f"{int(fraction * 100 + 1e-9)}%"


def share(part: int, whole: int) -> float:
    """part / whole, 0.0 when whole is 0."""
    return part / whole if whole else 0.0


def meaning(severity: str) -> str:
    """What a severity level means, in the vendor's own words."""
    return SEVERITY_MEANINGS[Severity(severity)]


def _field(item: Any, name: str) -> Any:
    return item[name] if isinstance(item, Mapping) else getattr(item, name)


def by_account_severity(items: Iterable[Any]) -> list[tuple[str, list]]:
    """Group digest rows: [(account, [(severity, [rows...]), ...]), ...].

    Accounts sort by name; severities from the most severe; rows by number.
    """
    grouped: dict[str, dict[str, list]] = {}
    for item in items:
        account, severity = _field(item, "account"), str(_field(item, "severity"))
        grouped.setdefault(account, {}).setdefault(severity, []).append(item)
    out = []
    for account in sorted(grouped):
        levels = sorted(grouped[account].items(), key=lambda kv: Severity(kv[0]).rank)
        out.append((account, [(sev, sorted(rows, key=lambda r: _field(r, "number")))
                              for sev, rows in levels]))
    return out


FILTERS = {
    "when": when,
    "day": day,
    "month": month,
    "business": business,
    "left_or_late": left_or_late,
    "percent": percent,
    "meaning": meaning,
    "by_account_severity": by_account_severity,
}
GLOBALS = {"share": share}
