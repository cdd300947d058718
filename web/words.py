"""The support center's words in one language: dates in the reader's zone (Babel), severity
levels and what they mean, ticket states, clock states and channels.

The English text is the msgid a translator sees in the catalog. Where mail already
says the same thing in the same role (a severity level, what it means, a channel)
the page uses the same msgid, so it is translated once.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from rules.plans import Severity, Window
from rules.reason_words import ReasonWords
from web import i18n


class Words:
    def __init__(self, lang: str = i18n.SOURCE) -> None:
        self.lang = lang
        self.catalog = i18n.translations(lang)

    # the names Babel's extractor looks for (`_`, `ngettext`, `pgettext`)
    def _(self, message: str, **values: Any) -> str:
        text = self.catalog.gettext(message)
        return text % values if values else text

    def ngettext(self, singular: str, plural: str, n: int, **values: Any) -> str:
        return self.catalog.ngettext(singular, plural, n) % {"num": n, **values}

    def pgettext(self, context: str, message: str) -> str:
        """For the date patterns: the English is mail's, the translation is shorter
        (tables), so they carry the context "support center"."""
        return self.catalog.pgettext(context, message)

    # -- times, always in the reader's zone

    def _format(self, value: datetime, tz: ZoneInfo, pattern: str) -> str:
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: every time must carry its zone")
        compiled, locale = _compiled(pattern, self.lang)
        return compiled.apply(value.astimezone(tz), locale)

    def when(self, value: datetime | None, tz: ZoneInfo) -> str:
        """'Tue 3 Mar 2026, 10:00' (Spanish 'mar, 3 mar 2026, 10:00')."""
        if value is None:
            return "-"
        # TRANSLATORS: a date and time on the support center's pages, shorter than in
        # mail, as a Babel (CLDR) pattern: EEE weekday, d day, MMM month, y year
        return self._format(value, tz, self.pgettext("support center", "EEE d MMM y, HH:mm"))

    def short(self, value: datetime | None, tz: ZoneInfo) -> str:
        """'Tue 3 Mar 10:00': the new-ticket form's promises (within the next days)."""
        if value is None:
            return "-"
        # TRANSLATORS: a date and time in the coming days, as a Babel (CLDR) pattern
        return self._format(value, tz, self.pgettext("support center", "EEE d MMM HH:mm"))

    def day(self, value: date) -> str:
        """'31 Dec 2026' (the same words as in mail)."""
        from babel.dates import format_date

        return format_date(value, self._("d MMM y"), locale=self.lang)

    def week(self, value: date) -> str:
        """'2 Mar': a week on the compliance chart's axis."""
        from babel.dates import format_date

        # TRANSLATORS: a day and month, as a Babel (CLDR) pattern
        return format_date(value, self.pgettext("support center", "d MMM"), locale=self.lang)

    def window(self, window: Window, tz: ZoneInfo) -> str:
        """A plan's support window where the desk is: 'Mon-Fri 09:00-20:00 (Madrid time)'
        (the words mail uses for it)."""
        from babel.dates import get_timezone_location

        names = (self._("Mon"), self._("Tue"), self._("Wed"), self._("Thu"), self._("Fri"),
                 self._("Sat"), self._("Sun"))
        days = sorted(window.days)
        if len(days) > 2 and days == list(range(days[0], days[-1] + 1)):
            shown = self._("%(first)s-%(last)s", first=names[days[0]], last=names[days[-1]])
        else:
            shown = ", ".join(names[d] for d in days)
        opens, closes = f"{window.opens:%H:%M}", f"{window.closes:%H:%M}"
        span = self._("%(opens)s-%(closes)s", opens=opens, closes=closes)
        city = get_timezone_location(tz, locale=self.lang, return_city=True) \
            if "/" in tz.key else tz.key
        return self._("%(days)s %(span)s (%(city)s time)", days=shown, span=span, city=city)

    # -- the desk's words

    def level(self, severity: str) -> str:
        return ReasonWords(self._).level(severity)

    def reason_for_staff(self, reason: str) -> str:
        """Why the ticket has its severity, as agents read it in the page's language."""
        return reason if self.lang == i18n.SOURCE else ReasonWords(self._).for_agents(reason)

    def meaning(self, severity: str) -> str:
        """What a level means, in the vendor's words (rules/plans.py SEVERITY_MEANINGS,
        which a test keeps equal to these msgids; mail uses the same ones)."""
        return {
            "blocker": self._("the service is currently unavailable"),
            "critical": self._("the service is available but critical features (such as "
                               "creating or reading documents) are unavailable"),
            "major": self._("moderate impact: intermittent downtime, a high increase of "
                            "latency, or loss of features that are not critical for users "
                            "to work with the system"),
            "trivial": self._("low impact on the user's work; also questions and "
                              "suggestions"),
        }[Severity(severity)]

    def status(self, status: str, staff: bool = False) -> str:
        """A ticket's state as its reader says it: a customer is the one waited for."""
        if status == "pending-customer":
            return self._("waiting for the customer") if staff else self._("waiting for you")
        return {"open": self._("open"), "resolved": self._("resolved"),
                "closed": self._("closed")}[status]

    def channel(self, channel: str) -> str:
        return {"mail": self._("mail"), "web": self._("support center"),
                "phone": self._("phone")}.get(channel, channel)

    def clock_name(self, clock: str) -> str:
        return self._("response") if clock == "response" else self._("resolution")

    def mail_kind(self, kind: str) -> str:
        """What a mail about a ticket was, for the staff page's timeline."""
        return {
            "ack": self._("acknowledgement to the customer"),
            "agent_new": self._("new-ticket notice to the agents"),
            "agent_reply": self._("the agent's answer, to the customer"),
            "customer_reply": self._("notice of the customer's reply, to the agents"),
            "resolved": self._("resolution notice to the customer"),
            "reopened": self._("reopening notice to the customer"),
            "sla_warning": self._("SLA warning to the agents"),
            "sla_breach": self._("SLA breach notice"),
            "bounce_notice": self._("notice of an undeliverable mail"),
            "command_error": self._("notice of commands that could not be carried out"),
        }.get(kind, kind)

    def mail_status(self, status: str) -> str:
        return {"pending": self._("queued"), "sent": self._("sent"),
                "failed": self._("failed")}.get(status, status)

    def clock_state(self, css: str, best_effort: bool) -> str:
        label = {"ok": self._("on time"), "risk": self._("at risk"), "late": self._("overdue"),
                 "met": self._("met"), "none": self._("no target")}[css]
        if best_effort and css in ("ok", "risk", "late"):
            label = " ".join((label, self._("(best effort)")))
        return label


@cache
def _compiled(pattern: str, lang: str):
    """A Babel pattern parsed once, with its locale: a list page formats 150 times, and
    format_datetime would parse the locale and zone again each time (4x slower)."""
    from babel import Locale
    from babel.dates import parse_pattern

    return parse_pattern(pattern), Locale.parse(lang)


@cache
def words(lang: str) -> Words:
    """One Words per language for the process (the catalogs do not change while it runs)."""
    return Words(lang)
