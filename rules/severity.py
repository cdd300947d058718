"""Severity inference for a new support mail.

Two readings of the sender's own words decide: the coverage page's definitions (what is
affected, for whom and what still works: rules/triage.py) and a model learned from the
labelled corpora (rules/triage_learned.py), which reads phrasing the definitions'
vocabulary lacks. The learned probabilities decide, with the definitions' level leaned
towards (LEAN); the reason names what is affected, for whom and what still works, and
where the two disagree, the words that decided and the definitions' reading beside them.
Rules from `[severity] rules` in the configuration add weight to a level; priority
headers only tip a mail that says nothing. A customer's explicit tag ("[critical]",
"Severity: blocker") is a request for the agents (`requested`, `request`), never the
level: otherwise anyone could page managers by writing "Severity: blocker".
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from rules import triage, triage_learned, triage_reason
from rules.plans import Severity
from rules.triage_text import REPLY_SUBJECT, fold, fold_in_place, is_forward, own_text

B, C, M, T = Severity.BLOCKER, Severity.CRITICAL, Severity.MAJOR, Severity.TRIVIAL
_RANK = {B: 0, C: 1, M: 2, T: 3}  # ties go to the more severe level

# What the definitions' reading weighs against operator rules: a configured rule of
# weight 3 or more outweighs a clear reading, of more than 1 an unclear one.
CLEAR_WEIGHT, UNCLEAR_WEIGHT = 3.0, 1.0
# What the definitions' level adds to its learned probability (chosen on the blind files'
# first scores, tools/train_severity.py --folds: 0.1 to 0.15 did best, 0.3 lost a blocker).
LEAN = 0.1
# What a blocker's learned probability gets on top: a missed outage waits days, a false
# alarm costs an agent a look (the same files: 0.02 to 0.05 caught the one outage missed
# without losing a mail elsewhere; 0.1 and more began to).
BLOCKER_BIAS = 0.05
# Below this learned probability, a mail the definitions find nothing in keeps the default.
UNSURE = 0.5
# A mail of fewer words gives the learned model too little to weigh ("Platform down.
# Nobody can log in."): the definitions' reading decides alone, and where it finds nothing
# the default stays. (On the blind files' folds this changed no mail.)
SHORT = 20
SUBJECT_FACTOR = 2.0  # a configured cue in the subject (the sender's own summary)


@dataclass(frozen=True)
class Inference:
    severity: Severity
    reason: str
    confidence: float
    # what the text reads as, by both readings (None: nothing to go on, the default)
    assessed: Severity | None = None
    requested: Severity | None = None  # the customer's explicit tag: a request, not the level
    definitions: Severity | None = None  # the definitions' reading alone
    learned: Severity | None = None  # the learned reading alone (None: not consulted)
    request: str = ""  # where it was said: 'explicit tag "Severity: blocker" in the body'
    affected: str = ""
    scope: str = ""
    mitigation: str = ""


@dataclass(frozen=True)
class SeverityRule:
    """An operator's cue: a case-insensitive regex; accents are ignored on both sides."""

    severity: Severity
    pattern: str
    weight: float = 1.0
    label: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "severity", Severity(self.severity))
        if not self.weight > 0:
            raise ValueError(f"severity rule weight must be positive, got {self.weight!r}")
        try:
            object.__setattr__(self, "regex", re.compile(fold(self.pattern), re.I | re.M))
        except re.error as exc:
            raise ValueError(f"severity rule pattern {self.pattern!r} is not a valid "
                             f"regular expression: {exc}") from None


# --- explicit tags --------------------------------------------------------------------

_TAG_WORDS = {
    B: ("blocker", "blocking", "bloqueante", "bloqueador"),
    C: ("critical", "critico", "critica"),
    M: ("major", "mayor", "moderate", "moderado", "moderada", "media"),
    T: ("trivial", "minor", "menor", "leve", "low", "baja"),
}
_TAG_OF = {w: sev for sev, words in _TAG_WORDS.items() for w in words}
_TAG_WORD = "(" + "|".join(sorted(_TAG_OF, key=len, reverse=True)) + ")"
_TAG_KEY = r"(?:severity|priority|severidad|gravedad|prioridad|impact|impacto)"
_SUBJECT_TAG = re.compile(rf"[\[(]\s*{_TAG_WORD}\s*[\])]|\b{_TAG_KEY}\s*[:=]\s*{_TAG_WORD}\b",
                          re.I)
_BODY_TAG = re.compile(rf"^[ \t*]*{_TAG_KEY}[ \t*]*[:=][ \t*]*{_TAG_WORD}\b", re.I | re.M)


def _hinted(lowered: str, brackets: bool) -> bool:
    """Can `lowered` hold a tag? Looked at first: most mails carry none, folding them costs
    more, and substring tests are cheaper than a regex alternation."""
    return ("severi" in lowered or "priori" in lowered or "graved" in lowered
            or "impact" in lowered or (brackets and ("[" in lowered or "(" in lowered)))


def _explicit(subject: str, body: str) -> tuple[Severity, str] | None:
    for text, tag_re, where in ((subject, _SUBJECT_TAG, "subject"), (body, _BODY_TAG, "body")):
        if not _hinted(text.lower(), where == "subject"):
            continue
        m = tag_re.search(fold_in_place(text))
        if m:
            word = (m.group(1) or m.group(2)).lower()
            shown = unicodedata.normalize("NFC", text)[m.start():m.end()].strip()
            return _TAG_OF[word], f'explicit tag "{shown}" in the {where}'
    return None


# --- operator rules -------------------------------------------------------------------

def _as_rule(rule: Any) -> SeverityRule:
    if isinstance(rule, SeverityRule):
        return rule
    if isinstance(rule, Mapping):
        return SeverityRule(**rule)
    return SeverityRule(rule.severity, rule.pattern, rule.weight, rule.label)


@lru_cache(maxsize=64)
def _combined(rules: tuple[SeverityRule, ...]) -> re.Pattern[str] | None:
    """One alternation with a group per rule, so the text is searched once; None when a
    pattern cannot share one (back-references, inline flags)."""
    try:
        return re.compile("|".join(f"(?P<r{i}>{fold(r.pattern)})" for i, r in enumerate(rules)),
                          re.I | re.M)
    except re.error:
        return None


def _rule_hits(rules: tuple[SeverityRule, ...], text: str, where: str
               ) -> list[tuple[SeverityRule, str, str]]:
    folded = fold(text)
    combined = _combined(rules)
    found: dict[int, str] = {}
    if combined is not None:
        for m in combined.finditer(folded):
            found.setdefault(int(m.lastgroup[1:]), m.group(0))
    else:
        for i, rule in enumerate(rules):
            m = rule.regex.search(folded)
            if m:
                found[i] = m.group(0)
    return [(rules[i], " ".join(cue.split()), where) for i, cue in sorted(found.items())]


# --- headers --------------------------------------------------------------------------

def _header_hint(headers: Mapping[str, Any] | None) -> tuple[int, str] | None:
    """(-1 more severe | +1 less severe, what said so) from priority headers."""
    for key, raw in (headers or {}).items():
        name = key.lower()
        for value in raw if isinstance(raw, list | tuple) else [raw]:
            v = str(value).strip().lower()
            high = ((name == "x-priority" and v[:1] in ("1", "2")) or
                    (name in ("importance", "x-msmail-priority") and v.startswith("high")) or
                    (name == "priority" and v.startswith("urgent")))
            low = ((name == "x-priority" and v[:1] in ("4", "5")) or
                   (name in ("importance", "x-msmail-priority") and v.startswith("low")) or
                   (name == "priority" and v.startswith("non-urgent")))
            if high or low:
                return (-1 if high else 1), f"{key}: {value}"
    return None


# --- inference ------------------------------------------------------------------------

def read_mail(subject: str, body: str) -> tuple[triage.Reading, list[str], str, bool]:
    """The definitions' reading of a mail, the tokens it was read from (the learned model's
    input), the sender's own text and whether the subject is a reply's."""
    text = own_text(body or "", forwarded=is_forward(subject))
    reply = bool(REPLY_SUBJECT.match(subject))
    reading, tokens = triage.read_with_tokens(subject, text, reply=reply)
    return reading, tokens, text, reply


def infer(subject: str, body: str, headers: Mapping[str, Any] | None = None, *,
          extra_rules: Iterable[Any] = (), default: Severity = Severity.MAJOR,
          learned: bool = True) -> Inference:
    """The severity of a new mail, why (one line for agents), how sure (0..1), and the
    severity the customer asked for, if they did. `learned=False`: the definitions'
    reading alone (the bench's comparison)."""
    subject, default = subject or "", Severity(default)
    reading, tokens, text, reply = read_mail(subject, body)
    guess = None
    if learned and len(words := triage_learned.words(tokens)) >= SHORT:
        guess = triage_learned.model().predict(triage_learned.grams(words))
    result = _assessed(reading, guess, subject, text, headers, reply, extra_rules, default)
    tagged = _explicit(subject, text)
    if tagged is None:
        return result
    requested, said = tagged
    return dataclasses.replace(result, requested=requested, request=said)


def _weighed(reading: triage.Reading, guess: triage_learned.Learned | None
             ) -> tuple[Severity | None, str, bool]:
    """The level both readings give, its reason line, and whether it is clear."""
    line = triage_reason.agent_line(reading) if reading.severity else ""
    if guess is None:
        return reading.severity, line, reading.clear
    level = guess.best(reading.severity, LEAN, BLOCKER_BIAS)
    sure = guess.probs[level] >= UNSURE
    if level is reading.severity:
        return level, line, reading.clear or sure
    if reading.severity is None and not sure:
        return None, "", False
    return level, triage_reason.learned_line(level, guess.cues(level), line), sure


def _assessed(reading: triage.Reading, guess: triage_learned.Learned | None, subject: str,
              text: str, headers: Mapping[str, Any] | None, reply: bool,
              extra_rules: Iterable[Any], default: Severity) -> Inference:
    level, line, clear = _weighed(reading, guess)
    parts = {"assessed": level, "affected": reading.affected, "scope": reading.scope,
             "mitigation": reading.mitigation, "definitions": reading.severity,
             "learned": guess.best() if guess is not None else None}
    scores: dict[Severity, float] = {}
    if level:
        scores[level] = CLEAR_WEIGHT if clear else UNCLEAR_WEIGHT
    rules = tuple(map(_as_rule, extra_rules))
    hits = []
    if rules:
        hits = ([] if reply else _rule_hits(rules, subject, "subject")) + \
            _rule_hits(rules, text, "body")
        for rule, _, where in hits:
            factor = SUBJECT_FACTOR if where == "subject" else 1.0
            scores[rule.severity] = scores.get(rule.severity, 0.0) + rule.weight * factor
    if scores:
        # (the definitions' level alone, the usual case, needs no comparing)
        best = level if len(scores) == 1 and level else min(
            scores, key=lambda s: (-scores[s], _RANK[s]))
        if best is level:
            return Inference(best, line, 0.8 if clear else 0.6, **parts)
        rule, cue, where = max((h for h in hits if h[0].severity is best),
                               key=lambda h: h[0].weight)
        why = f'{best}: {rule.label or "a configured rule"} ("{cue}" in the {where})'
        if line:
            why += f"; the mail itself reads as {line}"
        return Inference(best, why, 0.7, **parts)

    reason = f"no severity cue in the subject or body; using the default ({default})"
    hint = _header_hint(headers)
    if hint:
        step, said = hint
        target = list(Severity)[min(3, max(0, _RANK[default] + step))]
        if target is not default:
            return Inference(target, f"{reason}; {said} moved it from {default} to {target}",
                             0.2, **parts)
    return Inference(default, reason, 0.1, **parts)
