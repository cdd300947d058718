"""The severity's reasons (rules/triage_reason.py) in a reader's language, piece by piece:
what is affected, for whom, what still works, and what the learned reading went by.

Pure: it is handed the reader's gettext (`_(msgid, **values)`), so mail (notifier/) and
the support center's pages (web/) word reasons alike; tools/catalogs.py extracts the
msgids from this file too.
"""

from __future__ import annotations

from collections.abc import Callable

from rules import triage_reason
from rules.plans import Severity


class ReasonWords:
    def __init__(self, gettext: Callable[..., str]) -> None:
        self._ = gettext

    def level(self, severity: str) -> str:
        """A severity level's name: 'blocker' (Spanish 'bloqueante')."""
        return {"blocker": self._("blocker"), "critical": self._("critical"),
                "major": self._("major"), "trivial": self._("trivial")}[Severity(severity)]

    def for_customer(self, reason: str) -> str | None:
        """A reason of the two readings in the customer's terms and language: 'your mail
        says creating documents fails for every user, and that the rest of the service
        works'. None for any other reason, or one with a piece there are no words for (the
        caller then says less rather than mix languages)."""
        if triage_reason.learned_parts(reason) is not None:
            return self._("your mail reads like the mails of that level we have handled")
        p = triage_reason.parts(reason)
        if p is None:
            return None
        if p["level"] == "trivial" and p["what"] in triage_reason.TRIVIAL.values():
            return self._("your mail reports no fault that stops work")
        scope = self._scopes().get(p["scope"], "") if p["scope"] else ""
        if p["scope"] and not scope:
            return None
        if p["what"].endswith(triage_reason.UNNAMED):
            return (self._("your mail reports a fault %(scope)s but not what it affects",
                           scope=scope) if scope
                    else self._("your mail reports a fault but not what it affects"))
        what = self._what(p["what"])
        still = self._still().get(p["still"]) if p["still"] else ""
        if what is None or still is None:
            return None
        if scope:
            what = self._("%(what)s %(scope)s", what=what, scope=scope)
        if still:
            return self._("your mail says %(what)s, and that %(still)s", what=what, still=still)
        return self._("your mail says %(what)s", what=what)

    def for_agents(self, reason: str) -> str:
        """A reason of the two readings as agents read it, piece by piece ("crítica: la
        creación de documentos falla para todos los usuarios; el resto del servicio
        funciona"). A line worded some other way (a configured rule, a tag, the default)
        stays as intake wrote it."""
        learned = triage_reason.learned_parts(reason)
        if learned is not None:
            level = self.level(learned["level"])
            said = (self._("%(level)s (learned from labelled mails: %(cues)s)", level=level,
                           cues=learned["cues"]) if learned["cues"]
                    else self._("%(level)s (learned from labelled mails)", level=level))
            if learned["reading"]:
                said = self._("%(learned)s; the definitions' reading alone: %(reading)s",
                              learned=said, reading=self.for_agents(learned["reading"]))
            return said
        p = triage_reason.parts(reason)
        if p is None:
            return reason
        level = self.level(p["level"])
        if p["level"] == "trivial":
            kinds = self._trivial_kinds()
            said = kinds.get(p["what"])
            return self._("%(level)s: %(what)s", level=level, what=said) if said else reason
        scope = self._scopes().get(p["scope"], "") if p["scope"] else ""
        still = self._still().get(p["still"]) if p["still"] else ""
        if p["what"].endswith(triage_reason.UNNAMED):
            what = (self._("a fault is reported %(scope)s, not what it affects", scope=scope)
                    if scope else self._("a fault is reported, not what it affects"))
        else:
            what = self._what(p["what"])
            if what is not None and scope:
                what = self._("%(what)s %(scope)s", what=what, scope=scope)
            elif what is not None and reason.find(" (for whom is not said)") > 0:
                what = self._("%(what)s (for whom is not said)", what=what)
        if what is None or still is None or (p["scope"] and not scope):
            return reason
        if still:
            return self._("%(level)s: %(what)s; %(still)s", level=level, what=what, still=still)
        return self._("%(level)s: %(what)s", level=level, what=what)

    def _trivial_kinds(self) -> dict[str, str]:
        t = triage_reason.TRIVIAL
        return {t["cosmetic"]: self._("a low-impact (cosmetic) issue, nothing stops work"),
                t["no fault"]: self._("the mail says nothing is broken"),
                t["resolved"]: self._("no current fault; the problem it mentions is over"),
                t["suggestion"]: self._("a suggestion, no fault reported"),
                t["question"]: self._("a question, no fault reported"),
                t["request"]: self._("a request, no fault reported"),
                t["thanks"]: self._("thanks, no fault reported")}

    def _what(self, what: str) -> str | None:
        """'creating documents fails', 'search is slow', 'the service is unavailable'."""
        fixed = {"the service is unavailable": self._("the service is unavailable"),
                 "the service drops out from time to time":
                     self._("the service drops out from time to time")}
        if what in fixed:
            return fixed[what]
        names = self._names()
        for ending in (" fails", " fail", " is slow", " are slow"):
            if what.endswith(ending) and what[:-len(ending)] in names:
                name = names[what[:-len(ending)]]
                # each msgid written out: the catalog's extractor reads literals only
                if ending == " fails":
                    return self._("%(name)s fails", name=name)
                if ending == " fail":
                    return self._("%(name)s fail", name=name)
                if ending == " is slow":
                    return self._("%(name)s is slow", name=name)
                return self._("%(name)s are slow", name=name)
        return None

    def _names(self) -> dict[str, str]:
        """What the reading can name as affected (rules/triage_reason.AFFECTED and the
        non-critical features of rules/triage_words.py)."""
        return {
            "the service": self._("the service"), "signing in": self._("signing in"),
            "creating documents": self._("creating documents"),
            "signing documents": self._("signing documents"),
            "opening documents": self._("opening documents"),
            "search": self._("search"), "OCR": self._("OCR"), "previews": self._("previews"),
            "notifications": self._("notifications"), "exports": self._("exports"),
            "reports": self._("reports"), "workflows": self._("workflows"),
            "e-signature": self._("e-signature"), "the audit log": self._("the audit log"),
            "the mobile app": self._("the mobile app"), "a page": self._("a page"),
            "a page or panel": self._("a page or panel"), "printing": self._("printing"),
            "an integration": self._("an integration"),
        }

    def _scopes(self) -> dict[str, str]:
        return {"all": self._("for every user"), "some": self._("for some users"),
                "one": self._("for one user"),
                "part": self._("only in part (some documents, folders, sizes or one route)")}

    def _still(self) -> dict[str, str]:
        m = triage_reason.MITIGATIONS
        return {m["rest"]: self._("the rest of the service works"),
                m["up"]: self._("the service itself is up"),
                m["others"]: self._("the other users are not affected"),
                m["part"]: self._("the rest of it works"),
                m["another"]: self._("it still works another way (the web, another app or "
                                     "route)"),
                m["between"]: self._("it works between the drops")}
