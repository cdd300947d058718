"""The one line that tells agents why a mail got its severity ("critical: creating documents
fails for every user; the rest of the service works").

The line is built from a closed set of phrases, so `parts()` can read it back and the
customer's wording, in their language, can be given piece by piece (rules/reason_words.py).
"""

from __future__ import annotations

import re

from rules.triage import Reading

AFFECTED = {"service": "the service", "access": "signing in", "create": "creating documents",
            "sign": "signing documents", "read": "opening documents"}
SCOPES = {"all": "for every user", "some": "for some users", "one": "for one user",
          "part": "only in part (some documents, folders, sizes or one route)"}
MITIGATIONS = {"rest": "the rest of the service works", "up": "the service itself is up",
               "others": "the other users are not affected", "part": "the rest of it works",
               "another": "it still works another way (the web, another app or route)",
               "between": "it works between the drops"}
TRIVIAL = {"cosmetic": "a low-impact (cosmetic) issue, nothing stops work",
           "no fault": "the mail says nothing is broken",
           "resolved": "no current fault; the problem it mentions is over",
           "suggestion": "a suggestion, no fault reported",
           "question": "a question, no fault reported",
           "request": "a request, no fault reported",
           "thanks": "thanks, no fault reported"}


def what(reading: Reading) -> str:
    """'creating documents fails', 'the service is unavailable', 'search is slow'."""
    affected = reading.affected
    if reading.kind == "outage" or affected == "service":  # for all, or from one place
        return "the service is unavailable"
    if affected.startswith("slow"):
        name = affected[5:] or "the service"
        return f"{name} {'are' if name in _PLURAL else 'is'} slow"
    if affected == "drops":
        return "the service drops out from time to time"
    if affected == "fault":
        return "a fault is reported"  # agent_line adds for whom, then "not what it affects"
    return f"{AFFECTED.get(affected, affected)} {'fail' if affected in _PLURAL else 'fails'}"


_PLURAL = frozenset({"previews", "notifications", "exports", "reports", "workflows"})
# "a fault is reported for every user, not what it affects"
UNNAMED = ", not what it affects"


def agent_line(reading: Reading) -> str:
    """One line: the level, what is affected, for whom, and what still works."""
    assert reading.severity is not None
    if reading.kind in TRIVIAL:
        return f"{reading.severity}: {TRIVIAL[reading.kind]}"
    head = what(reading)
    if reading.scope in SCOPES:
        head += " " + SCOPES[reading.scope]
    elif reading.affected in ("fault", "drops") or reading.affected.startswith("slow"):
        pass
    else:
        head += " (for whom is not said)"
    if reading.affected == "fault":
        head += UNNAMED
    if reading.mitigation in MITIGATIONS:
        head += "; " + MITIGATIONS[reading.mitigation]
    return f"{reading.severity}: {head}"


_LINE = re.compile(r"(?P<level>blocker|critical|major|trivial): (?P<text>[^;]+?)"
                   r"(?: \((?:for whom is not said)\))?(?:; (?P<still>.+))?")


def parts(reason: str) -> dict[str, str] | None:
    """The pieces of an `agent_line` (level, what, scope, still works); None for any
    other reason (a tag, an agent's change, the default)."""
    m = _LINE.fullmatch(reason)
    if not m:
        return None
    text, scope = m["text"], ""
    unnamed = text.endswith(UNNAMED)
    if unnamed:
        text = text[:-len(UNNAMED)]
    for key, phrase in SCOPES.items():
        if text.endswith(" " + phrase):
            text, scope = text[:-len(phrase) - 1], key
    if unnamed:
        text += UNNAMED
    return {"level": m["level"], "what": text, "scope": scope, "still": m["still"] or ""}


def learned_line(level: str, cues: list[str], reading: str = "") -> str:
    """The line for a level the learned reading gave where the definitions' differs (or
    says nothing): 'blocker (learned from labelled mails: "no carga", "nadie");
    the definitions' reading alone: critical: signing in fails for every user'."""
    said = ", ".join(f'"{c}"' for c in cues)
    line = f"{level} (learned from labelled mails: {said})" if said else \
        f"{level} (learned from labelled mails)"
    return f"{line}; the definitions' reading alone: {reading}" if reading else line


_LEARNED = re.compile(r"(?P<level>blocker|critical|major|trivial) \(learned from labelled "
                      r"mails(?:: (?P<cues>.*?))?\)(?:; the definitions' reading alone: "
                      r"(?P<reading>.+))?")


def learned_parts(reason: str) -> dict[str, str] | None:
    """The pieces of a `learned_line` (level, cues as written, the reading's line); None
    for any other reason."""
    m = _LEARNED.fullmatch(reason)
    if not m:
        return None
    return {"level": m["level"], "cues": m["cues"] or "", "reading": m["reading"] or ""}
