"""One pass over a mail's tokens: the vocabulary's phrases (rules/triage_words.py), cut
into clauses, each with the things it names and what it says is broken or works.

"nobody can open a document" is one clause: DOC, and OPEN in `bad` (negated by
"nobody", which also says ALL); "the folder list loads" has LOAD in `good`. A "not"
turns the first state or action within a few words after it; "nobody", "neither" and
"don't think" turn everything to the clause's end; "can" passes a "not" on.
"""

from __future__ import annotations

from dataclasses import dataclass

from rules.triage_text import fold, tokens
from rules.triage_words import PHRASES

PREDICATES = ("DOWN", "UNAVAIL", "FAIL", "WORKS", "LOAD", "SHOWS", "HANGS", "SLOW", "LAG",
              "EXAGG")
ACTIONS = ("CREATE", "READ", "OPEN", "SEE", "FIND", "REACH", "ACCESS")
_ORDERED = ("SVC", "LOGINPAGE", "PAGE", "DOC", "ROUTE", "EVERYTHING", "ACCESS")
_MARKS = frozenset({".", "?", ",", "(", ")"})
_SPLIT = frozenset({"but", "pero", "however", "although", "though", "aunque", "except",
                    "excepto", "salvo", "whereas", "while", "mientras", "embargo"})
_OR = frozenset({"or", "nor", "ni", "o", "either", "neither"})
NEG_REACH = 5  # words after a "not" that it can still turn


@dataclass(frozen=True)
class _Entry:
    rest: list[str]          # the phrase's words after the first
    tags: frozenset[str]
    feature: str             # the non-critical feature it names, or ""
    ordered: tuple[str, ...]  # the things it names, kept in the order written
    said: tuple[str, ...]    # the states and actions it says
    neg: bool                # a "not"
    neg_all: bool            # "nobody": to the clause's end, and everyone
    able: bool               # "can"


def _entry(words: tuple[str, ...], tags: frozenset[str]) -> _Entry:
    feature = next((t[2:] for t in tags if t.startswith("F:")), "")
    ordered = tuple(t for t in _ORDERED if t in tags) + (("F",) if feature else ())
    return _Entry(list(words[1:]), tags, feature, ordered,
                  tuple(t for t in PREDICATES + ACTIONS if t in tags),
                  bool(tags & {"NEG", "NOTABLE"}), "NEGLONG" in tags or
                  ({"NEG", "ALL"} <= tags), "ABLE" in tags)


def _table() -> dict[str, tuple[_Entry | None, dict[str, list[_Entry]]]]:
    """first word -> (its one-word entry, second word -> longer phrases, longest first)."""
    single: dict[str, _Entry] = {}
    longer: dict[str, dict[str, list[_Entry]]] = {}
    seen: dict[tuple[str, ...], str] = {}
    for key, text in PHRASES.items():
        tags = frozenset(() if key == "-" else [key] if key.startswith("F:") else key.split())
        for phrase in text.split("|"):
            words = tuple(fold(phrase).split())
            if not words:
                continue
            if words in seen:
                raise ValueError(f"phrase {' '.join(words)!r} is both {seen[words]} and {key}")
            seen[words] = key
            if len(words) == 1:
                single[words[0]] = _entry(words, tags)
            else:
                longer.setdefault(words[0], {}).setdefault(words[1], []).append(
                    _entry(words, tags))
    for by_next in longer.values():
        for entries in by_next.values():
            entries.sort(key=lambda e: -len(e.rest))
    return {w: (single.get(w), longer.get(w, {})) for w in set(single) | set(longer)}


TABLE = _table()
_WANTED = frozenset(TABLE) | _MARKS | _SPLIT  # a token that starts a phrase or ends a clause


class Clause:
    """What one clause names (`tags`, `order`: the things in the order written) and says:
    `bad` what is broken (DOWN, FAIL, OPEN...), `good` what works (WORKS, LOAD, CREATE...)."""

    __slots__ = ("tags", "order", "bad", "good", "sentence", "feature", "start", "end")

    def __init__(self, sentence: int = 0, start: int = 0) -> None:
        self.tags: set[str] = set()
        self.order: list[str] = []
        self.bad: list[str] = []
        self.good: list[str] = []
        self.sentence, self.feature = sentence, ""
        self.start = self.end = start  # its tokens, for showing it


def clauses(text: str) -> tuple[list[Clause], set[int], list[str]]:
    """The clauses of `text`, the sentences that are questions, and the tokens. A comma
    ends a clause only once it has said something (a list of things is one subject);
    words in parentheses are a clause of their own."""
    toks = tokens(text)
    out: list[Clause] = []
    cur, outer = Clause(), None
    questions: set[int] = set()
    sentence, neg_until, neg_all = 0, -1, False
    n, skip_to = len(toks), 0
    table, marks, split, wanted = TABLE, _MARKS, _SPLIT, _WANTED
    for i in [i for i, t in enumerate(toks) if t in wanted]:
        if i < skip_to:
            continue  # inside a phrase already read
        tok = toks[i]
        entry, length = None, 1
        node = table.get(tok)
        if node is not None:
            entry, by_next = node
            if by_next and i + 1 < n and toks[i + 1] in by_next:
                for e in by_next[toks[i + 1]]:
                    if len(e.rest) == 1 or toks[i + 2:i + 1 + len(e.rest)] == e.rest[1:]:
                        entry, length = e, 1 + len(e.rest)
                        break
        if length == 1 and (tok in marks or tok in split):
            if tok == "?":
                questions.add(sentence)
            if tok == "." or tok == "?":
                sentence += 1
            if tok == "(" and outer is None:
                outer, cur = cur, Clause(sentence=sentence, start=i + 1)
            elif tok == ")" and outer is not None:
                out.append(cur)
                cur, outer = outer, None
            elif cur.tags and (tok != "," or cur.bad or cur.good):
                out.append(cur)
                cur = Clause(sentence=sentence, start=i + 1)
            elif not cur.tags:
                cur.sentence, cur.start = sentence, i + 1
            neg_until, neg_all = -1, False
            continue
        if entry is None or (tok == "si" and i != cur.start):
            continue  # "sí" (yes), unless it opens the clause: "si..." (if)
        skip_to = cur.end = i + length
        cur.tags |= entry.tags
        if entry.ordered:
            cur.order.extend(entry.ordered)
            cur.feature = cur.feature or entry.feature
        if entry.neg:
            neg_until = skip_to - 1 + NEG_REACH
        neg_all = neg_all or entry.neg_all
        if not entry.said or entry.able:
            continue
        negated = neg_all or i <= neg_until
        able = "ABLE" in cur.tags or "NOTABLE" in cur.tags
        for tag in entry.said:
            _state(cur, tag, negated, able)
        neg_until = skip_to + 2 if negated and skip_to < n and toks[skip_to] in _OR else -1
    out.append(cur)
    if outer is not None:
        out.append(outer)
    return [c for c in out if c.tags], questions, toks


def _state(cur: Clause, tag: str, negated: bool, able: bool) -> None:
    if tag == "HANGS":  # "keeps loading": of a page, it never loads
        if not negated:
            cur.bad.append("HANG")
    elif tag in ("WORKS", "LOAD", "SHOWS"):
        if negated:
            cur.bad.append("NOTWORK" if tag == "WORKS" else "NOLOAD")
        elif tag != "SHOWS":  # "an error appears" says nothing; "never appears" does
            cur.good.append(tag)
    elif tag in PREDICATES:
        (cur.good if negated else cur.bad).append(tag)
    elif negated:
        cur.bad.append(tag)
    elif able:
        cur.good.append(tag)
