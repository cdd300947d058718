"""The desk's own words in the reader's language: severity levels and what they mean, why a
severity was chosen, the support window seen from the reader's zone, whose holidays
close the desk, and what a mail was. `Wording(lang).filters()` are the templates'
filters.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from notifier import i18n
from notifier.formatting import Words, by_account_severity, fill, hanging, share
from rules.plans import Severity, Window
from rules.reason_words import ReasonWords

_CUE = re.compile(r'"(?P<cue>[^"]*)"(?: \([^)]*\))? in the (?P<where>subject|body)')
_TAG = re.compile(r'explicit tag "(?P<tag>.*)" in the (?P<where>subject|body)')


class Wording(Words):
    # -- severity

    def level(self, severity: str) -> str:
        """A severity level's name: 'blocker' (Spanish 'bloqueante')."""
        return ReasonWords(self._).level(severity)

    def clock(self, clock: str) -> str:
        """An SLA clock's name: 'response' or 'resolution'."""
        return self._("response") if clock == "response" else self._("resolution")

    def meaning(self, severity: str) -> str:
        """What a severity level means, in the vendor's own words (rules/plans.py
        SEVERITY_MEANINGS, which a unit test keeps equal to these msgids)."""
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

    def reason(self, reason: str) -> str:
        """Why the severity was chosen, in the customer's terms: what in their mail
        pointed to it, without the rule names and the cues it outweighed (those are
        for agents)."""
        text = reason.split("; outweighing", 1)[0]
        if text.startswith("matched "):
            cues = [self._('"%(cue)s" in the subject', cue=m["cue"]) if m["where"] == "subject"
                    else self._('"%(cue)s" in the body', cue=m["cue"])
                    for m in _CUE.finditer(text)]
            if cues:
                return self._("your mail mentions %(cues)s", cues="; ".join(cues))
        if text.startswith("no severity cue"):
            if "moved it from" in text:
                return self._("the priority your mail program gave the message")
            return self._("nothing in your mail pointed to another level, so we used our "
                          "default")
        tag = _TAG.fullmatch(text)
        if tag:
            return (self._('explicit tag "%(tag)s" in the subject', tag=tag["tag"])
                    if tag["where"] == "subject"
                    else self._('explicit tag "%(tag)s" in the body', tag=tag["tag"]))
        if text.startswith("set by "):
            return self._("set by %(name)s", name=text[len("set by "):])
        said = ReasonWords(self._).for_customer(text)
        if said is not None:
            return said
        if self.lang != i18n.SOURCE:
            # a reason worded some other way is English: rather say less than mix languages
            return self._("what your mail describes")
        return text

    def for_agents(self, reason: str) -> str:
        """The severity's reason as agents read it, in the desk's language."""
        return reason if self.lang == i18n.SOURCE else ReasonWords(self._).for_agents(reason)

    # -- the support window, from the reader's zone

    def _weekday(self, day: int) -> str:
        # TRANSLATORS: weekdays in a support window ("Mon-Fri 09:00-20:00")
        return (self._("Mon"), self._("Tue"), self._("Wed"), self._("Thu"), self._("Fri"),
                self._("Sat"), self._("Sun"))[day % 7]

    def weekdays(self, days: frozenset[int] | set[int]) -> str:
        """'Mon-Fri', 'Sun-Thu' (a run that wraps the week), else 'Mon, Wed, Fri'."""
        wanted = {d % 7 for d in days}
        for start in sorted(wanted):
            run = [(start + i) % 7 for i in range(len(wanted))]
            if set(run) == wanted and (start - 1) % 7 not in wanted and len(run) > 2:
                return self._("%(first)s-%(last)s", first=self._weekday(run[0]),
                              last=self._weekday(run[-1]))
        return ", ".join(self._weekday(d) for d in sorted(wanted))

    def city(self, zone: str) -> str:
        """The place a zone is named after, in this language ('Nueva York')."""
        from babel.dates import get_timezone_location

        if "/" not in zone:
            return zone
        return get_timezone_location(ZoneInfo(zone), locale=self.lang, return_city=True)

    def _hours_span(self, opens: datetime, closes: datetime) -> str:
        first, last = f"{opens:%H:%M}", f"{closes:%H:%M}"
        if closes.date() > opens.date():
            return self._("%(opens)s-%(closes)s the next day", opens=first, closes=last)
        return self._("%(opens)s-%(closes)s", opens=first, closes=last)

    def support_hours(self, hours: dict[str, Any], tz_name: str, at: datetime) -> str:
        """The support window in the reader's zone, the support zone named once:
        'Mon-Fri 03:00-14:00 your time (09:00-20:00 in Madrid)'. Offsets are those of
        the day of `at` (they differ for a few weeks a year where DST starts apart)."""
        window: Window = hours["window"]
        zone, reader = ZoneInfo(hours["zone"]), ZoneInfo(tz_name)
        ref = at.astimezone(zone).date()
        opens = datetime.combine(ref, window.opens, zone)
        closes = opens + window.length
        theirs = self._hours_span(opens, closes)
        days = self.weekdays(window.days)
        city = self.city(hours["zone"])
        if opens.utcoffset() == opens.astimezone(reader).utcoffset() \
                and closes.utcoffset() == closes.astimezone(reader).utcoffset():
            text = self._("%(days)s %(span)s (%(city)s time)", days=days, span=theirs,
                          city=city)
        else:
            local_open, local_close = opens.astimezone(reader), closes.astimezone(reader)
            shift = (local_open.date() - ref).days
            mine = self._hours_span(local_open, local_close)
            local_days = self.weekdays({d + shift for d in window.days})
            if shift:
                text = self._("%(days)s %(span)s your time (%(their_days)s %(their_span)s in "
                              "%(city)s)", days=local_days, span=mine, their_days=days,
                              their_span=theirs, city=city)
            else:
                text = self._("%(days)s %(span)s your time (%(their_span)s in %(city)s)",
                              days=days, span=mine, their_span=theirs, city=city)
        closed = self.closed_days(hours.get("country"), hours.get("subdivision"),
                                  bool(hours.get("extra")))
        return f"{text}, {closed}" if closed else text

    def country(self, code: str) -> str:
        """A country's name in this language (CLDR via Babel), else the holidays
        library's English name, else the code."""
        from babel import Locale

        name = Locale.parse(self.lang).territories.get(code.upper())
        if name:
            return name
        from holidays import registry

        return next((entry[0] for entry in registry.COUNTRIES.values()
                     if code.upper() in entry[1:]), code)

    def closed_days(self, country: str | None, subdivision: str | None = None,
                    extra: bool = False) -> str:
        """'excluding public holidays in Spain' (whose holidays, said once)."""
        if country is None:
            return self._("excluding our own closing days") if extra else ""
        place = self.country(country)
        if subdivision:
            import holidays

            aliases = getattr(type(holidays.country_holidays(country)),
                              "subdivisions_aliases", {})
            region = next((name for name, code in aliases.items() if code == subdivision),
                          subdivision)
            place = self._("%(region)s (%(country)s)", region=region, country=place)
        if extra:
            return self._("excluding public holidays in %(place)s and our own closing days",
                          place=place)
        return self._("excluding public holidays in %(place)s", place=place)

    # -- what a mail was (bounce notices)

    def mail_kind(self, kind: str, ticket: int | None = None) -> str:
        """'the acknowledgement of ticket #12': what a mail was, never our kind names."""
        if ticket is not None:
            about = {
                "ack": self._("the acknowledgement of ticket #%(ticket)s", ticket=ticket),
                "agent_reply": self._("an agent's answer on ticket #%(ticket)s", ticket=ticket),
                "resolved": self._("the notice that ticket #%(ticket)s was resolved",
                                   ticket=ticket),
                "reopened": self._("the notice that ticket #%(ticket)s was reopened",
                                   ticket=ticket),
                "agent_new": self._("the new-ticket notice of ticket #%(ticket)s",
                                    ticket=ticket),
                "customer_reply": self._("the notice of a customer's reply on ticket "
                                         "#%(ticket)s", ticket=ticket),
                "sla_warning": self._("an SLA warning about ticket #%(ticket)s", ticket=ticket),
                "sla_breach": self._("an SLA breach notice about ticket #%(ticket)s",
                                     ticket=ticket),
            }.get(kind)
            if about:
                return about
        return {
            "refused_unauthorised": self._("our answer to a sender who is not an authorised "
                                           "contact"),
            "refused_quota": self._("our answer to a customer who has no tickets left"),
            "quota_exhausted": self._("the notice that an account has no tickets left"),
            "digest": self._("the manager digest"),
            "command_error": self._("the notice of commands that could not be carried out"),
            "rate_limited": self._("the notice of a sender over the hourly limit"),
        }.get(kind, self._("a mail about ticket #%(ticket)s", ticket=ticket)
              if ticket is not None else self._("a mail from the support desk"))

    def and_list(self, items) -> str:
        """'standard and plus' (Spanish 'standard y plus'), from CLDR via Babel."""
        from babel.lists import format_list

        return format_list([str(i) for i in items], locale=self.lang)

    def filters(self) -> dict[str, Any]:
        return {"when": self.when, "day": self.day, "month": self.month,
                "business": self.business, "left_or_late": self.left_or_late,
                "percent": self.percent, "level": self.level, "clock": self.clock,
                "meaning": self.meaning,
                "reason": self.reason, "for_agents": self.for_agents,
                "support_hours": self.support_hours,
                "mail_kind": self.mail_kind, "fill": fill, "hanging": hanging,
                "and_list": self.and_list,
                "by_account_severity": by_account_severity}


GLOBALS = {"share": share}
