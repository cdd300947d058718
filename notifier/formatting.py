"""The words our mails use for times, durations and numbers, in the reader's language.

Every time is shown in the reader's zone with the zone named; durations say
whether they are business time. `Words(lang)` holds one language's catalog; the
module-level functions are the English ones. The English text here is the msgid
a translator sees in `templates/locale/LANG/LC_MESSAGES/messages.po`.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from notifier import i18n
from rules.plans import Severity


def _minutes(delta: timedelta) -> int:
    return int(abs(delta).total_seconds() // 60)


class Words:
    """Times, durations and numbers in one language (Babel for the calendar's names)."""

    def __init__(self, lang: str = i18n.SOURCE):
        self.lang = i18n.check(lang)
        self.catalog = i18n.translations(lang)

    # the two names Babel's extractor looks for (`_`, `ngettext`)
    def _(self, message: str, **values: Any) -> str:
        text = self.catalog.gettext(message)
        return text % values if values else text

    def ngettext(self, singular: str, plural: str, n: int, **values: Any) -> str:
        return self.catalog.ngettext(singular, plural, n) % {"num": n, **values}

    def join(self, parts: list[str]) -> str:
        """Parts of one duration: '3 business days 6 hours' (in Spanish, with 'y')."""
        if len(parts) == 1:
            return parts[0]
        if len(parts) == 2:
            return self._("%(first)s %(second)s", first=parts[0], second=parts[1])
        return self._("%(first)s %(second)s %(third)s", first=parts[0], second=parts[1],
                      third=parts[2])

    # -- times

    def when(self, dt: datetime, tz_name: str) -> str:
        """'Wed 4 Mar 2026, 16:00 CET (Europe/Madrid)' in the zone tz_name."""
        from babel.dates import format_datetime

        if dt.tzinfo is None or dt.utcoffset() is None:
            raise ValueError(f"naive datetime {dt!r}: every time must carry its zone")
        local = dt.astimezone(ZoneInfo(tz_name))
        # TRANSLATORS: a date and time as a Babel (CLDR) pattern: EEE weekday, d day,
        # MMM month, y year, HH:mm time; text in quotes is kept as it is ('de').
        pattern = self._("EEE d MMM y, HH:mm")
        shown = format_datetime(local, pattern, tzinfo=local.tzinfo, locale=self.lang)
        return f"{shown} {local:%Z} ({tz_name})"

    def day(self, d: date | datetime, tz_name: str | None = None) -> str:
        """'4 Mar 2026'; a datetime is first moved into tz_name when given."""
        from babel.dates import format_date

        if isinstance(d, datetime) and tz_name is not None:
            d = d.astimezone(ZoneInfo(tz_name))
        # TRANSLATORS: a date as a Babel (CLDR) pattern, e.g. "d 'de' MMMM 'de' y"
        return format_date(d, self._("d MMM y"), locale=self.lang)

    def month(self, dt: datetime, tz_name: str) -> str:
        """'March 2026' for the month dt falls in, seen from tz_name."""
        from babel.dates import format_date

        # TRANSLATORS: a month and year as a Babel (CLDR) pattern, e.g. "LLLL 'de' y"
        return format_date(dt.astimezone(ZoneInfo(tz_name)), self._("LLLL y"), locale=self.lang)

    # -- durations

    def _span(self, minutes: int, per_day: int | None, business: bool,
              days_from: int) -> str:
        days, rest = divmod(minutes, per_day) if per_day else (0, minutes)
        if days < days_from and rest:
            days, rest = 0, minutes
        hours, mins = divmod(rest, 60)
        if days:
            parts = [self.ngettext("%(num)d business day", "%(num)d business days", days)
                     if business else self.ngettext("%(num)d day", "%(num)d days", days)]
            if hours:
                parts.append(self.ngettext("%(num)d hour", "%(num)d hours", hours))
            if mins and days_from > 1:  # a target is exact; a lateness of days needs no minutes
                parts.append(self._("%(num)d min", num=mins))
        elif hours:
            parts = [self.ngettext("%(num)d business hour", "%(num)d business hours", hours)
                     if business else self.ngettext("%(num)d hour", "%(num)d hours", hours)]
            if mins:
                parts.append(self._("%(num)d min", num=mins))
        else:
            parts = [self.ngettext("%(num)d business minute", "%(num)d business minutes", mins)
                     if business else self.ngettext("%(num)d minute", "%(num)d minutes", mins)]
        return self.join(parts)

    def business(self, delta: timedelta, day_length: timedelta) -> str:
        """A business duration as the plans word it: '2 business days', '10 business hours';
        past two days, '3 business days 6 hours'."""
        return self._span(_minutes(delta), _minutes(day_length), True, days_from=2)

    def left_or_late(self, delta: timedelta, day_length: timedelta | None = None,
                     overdue: bool | None = None) -> str:
        """'3 business hours 20 min left' for a positive delta, 'overdue by 1 business day
        2 hours' for a negative one.

        With day_length the time is business time and its days are business days of
        that length; without it, calendar time. Minutes are dropped once the delta
        reaches a day: nobody acts on them at that scale. `overdue=True` (a breached
        clock) reads as overdue also when no business minute has passed since it was
        due (a target due at closing time, read the next morning).
        """
        total = _minutes(delta)
        late = delta < timedelta(0) if overdue is None else overdue
        if total == 0:
            return self._("overdue") if late else self._("due now")
        span = self._span(total, _minutes(day_length) if day_length else 24 * 60,
                          day_length is not None, days_from=1)
        return self._("overdue by %(duration)s", duration=span) if late \
            else self._("%(duration)s left", duration=span)

    # -- numbers and text

    def percent(self, fraction: float) -> str:
        """0.834 -> '83%' (rounded down, so 79.6% never reads as 80%)."""
        # TRANSLATORS: a percentage; %% is the percent sign (Spanish writes "83 %")
        return self._("%(percent)d%%", percent=int(fraction * 100 + 1e-9))

    def number(self, n: int) -> str:
        from babel.numbers import format_decimal

        return format_decimal(n, locale=self.lang)


def share(part: int, whole: int) -> float:
    """part / whole, 0.0 when whole is 0."""
    return part / whole if whole else 0.0


def fill(text: str, width: int = 76) -> str:
    """Plain-text paragraphs wrapped at `width`: each longer line is wrapped on its own,
    its continuation lines indented like it. A translated sentence has its own length,
    so the text templates do not wrap by hand."""
    out = []
    for line in text.split("\n"):
        if len(line) <= width:
            out.append(line)
            continue
        indent = line[:len(line) - len(line.lstrip())]
        out.append(textwrap.fill(line, width, subsequent_indent=indent,
                                 break_long_words=False, break_on_hyphens=False))
    return "\n".join(out)


def hanging(text: str, prefix: str, width: int = 76) -> str:
    """`prefix` then `text`, wrapped so the continuation lines align under the text
    (a row of a plain-text table: '  #note             the rest of ...')."""
    return textwrap.fill(text, width, initial_indent=prefix, subsequent_indent=" " * len(prefix),
                         break_long_words=False, break_on_hyphens=False)


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


_ENGLISH = Words()
when = _ENGLISH.when
day = _ENGLISH.day
month = _ENGLISH.month
business = _ENGLISH.business
left_or_late = _ENGLISH.left_or_late
percent = _ENGLISH.percent
