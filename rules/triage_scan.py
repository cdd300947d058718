"""One pass over a mail's tokens: the vocabulary's phrases (rules/triage_words.py), cut
into clauses, each with the things it names and what it says is broken or works.

"nobody can open a document" is one clause: DOC, and OPEN in `bad` (negated by
"nobody", which also says ALL); "the folder list loads" has LOAD in `good`. A "not"
turns the first state or action within a few words after it ("stopped" and "sin" are
nots too: "stopped loading"); "nobody", "neither" and "don't think" turn everything to
the clause's end, over words in parentheses ("nobody (we are 25) can open it"); "can"
passes a "not" on; "nothing" right after a state turns it ("we can open nothing"). A
quoted message says what failed, but the clause's own words say what is affected; "from
search results" says where from, not what fails.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import compress

from rules.triage_text import fold, tokens
from rules.triage_words import COMPOSED, GENDERED, PHRASES

PREDICATES = ("DOWN", "UNAVAIL", "FAIL", "WORKS", "LOAD", "SHOWS", "HANGS", "SLOW", "LAG",
              "EXAGG")
ACTIONS = ("CREATE", "READ", "OPEN", "SEE", "FIND", "REACH", "ACCESS")
_ORDERED = ("SVC", "LOGINPAGE", "PAGE", "DOC", "ROUTE", "EVERYTHING", "ACCESS")
# what "nothing" right after it turns: "loads nothing", "we can open nothing"; not a
# fault ("no llega ningún aviso" is still a fault) nor a phrase that says "not" itself
_TURNABLE = frozenset(("WORKS", "LOAD", "SHOWS") + ACTIONS)
_NOTS = frozenset({"no", "not", "never", "nunca", "ni", "nor", "n't"})
_MARKS = frozenset({".", "?", ",", "(", ")", '"'})
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
    states: bool             # says a state or action to take down (`said`, not "can")
    nothing: bool            # "nothing", "no documents": turns a state just said
    subject: bool            # names who ("the rest of the staff"): "and" before it splits
    turnable: bool           # a positive state or action "nothing" can turn ("open")
    noun: str                # "doc" for a document noun alone, "head" for what one can
    #                          qualify ("the documents website"), else ""
    particle: bool           # "down" alone: after a slowness word only its particle
    # for the scan (clauses), worked out once here rather than for every token:
    size: int                # its number of words
    tail: list[str]          # its words after the second, to compare with a slice
    plain: bool              # it only adds its tags: none of the flags above is set
    # what `said` adds to (bad, good), by [negated][able] (_said)
    adds: tuple[tuple[tuple[tuple[str, ...], tuple[str, ...]], ...], ...]


def _said(said: tuple[str, ...], negated: bool, able: bool
          ) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """What saying the states and actions `said` adds to a clause's `bad` and `good`."""
    bad: list[str] = []
    good: list[str] = []
    for tag in said:
        if tag == "HANGS":  # "keeps loading": of a page, it never loads
            if not negated:
                bad.append("HANG")
        elif tag in ("WORKS", "LOAD", "SHOWS"):
            if negated:
                bad.append("NOTWORK" if tag == "WORKS" else "NOLOAD")
            else:  # "the login page comes up"; "an error appears" is a clause with a fault
                good.append(tag)
        elif tag in PREDICATES:
            (good if negated else bad).append(tag)
        elif negated:
            bad.append(tag)
        elif able:
            good.append(tag)
    return tuple(bad), tuple(good)


def _entry(words: tuple[str, ...], tags: frozenset[str]) -> _Entry:
    feature = next((t[2:] for t in tags if t.startswith("F:")), "")
    ordered = tuple(t for t in _ORDERED if t in tags) + (("F",) if feature else ())
    said = tuple(t for t in PREDICATES + ACTIONS if t in tags)
    neg, able = bool(tags & {"NEG", "NOTABLE"}), "ABLE" in tags
    flags = (neg, "NEGLONG" in tags or ({"NEG", "ALL"} <= tags), able,
             bool(said) and not able, neg and "TOTAL" in tags,
             not tags.isdisjoint({"OTHERS", "REST", "ALL", "SOME", "ONE"}),
             bool(said) and set(said) <= _TURNABLE and _NOTS.isdisjoint(words),
             "doc" if tags == {"DOC"} else "head" if tags & {"SVC", "BROWSE"} else "",
             "PARTICLE" in tags)
    # `able` and `turnable` matter only with `states`, and `said` only gives `states`
    neg_, neg_all, _, states, nothing, subject, _, noun, particle = flags
    plain = not (ordered or neg_ or neg_all or states or nothing or subject or noun
                 or particle)
    adds = tuple(tuple(_said(said, negated, able_) for able_ in (False, True))
                 for negated in (False, True))
    return _Entry(list(words[1:]), tags, feature, ordered, said, *flags, len(words),
                  list(words[2:]), plain, adds)


def _phrases() -> list[tuple[str, tuple[str, ...], bool]]:
    """(key, folded words, listed) for every phrase: those listed first, then the composed
    ones and the other genders of Spanish states (triage_words.COMPOSED, GENDERED), which
    give way to a listed phrase."""
    out = []
    for key, text in PHRASES.items():
        for phrase in text.split("|"):
            words = tuple(fold(phrase).split())
            if words:
                out.append((key, words, True))
    for key, heads, tails in COMPOSED:
        for head in heads.split("|"):
            for tail in tails.split("|"):
                out.append((key, tuple(fold(f"{head} {tail}").split()), False))
    for key, text in PHRASES.items():
        if key not in GENDERED:
            continue
        for phrase in text.split("|"):
            word = fold(phrase).strip()
            if " " not in word and len(word) >= 4 and word.endswith("o"):
                out += [(key, (word[:-1] + end,), False) for end in ("a", "os", "as")]
    return out


def _table() -> dict[str, tuple[_Entry | None, dict[str, list[_Entry]]]]:
    """first word -> (its one-word entry, second word -> longer phrases, longest first)."""
    single: dict[str, _Entry] = {}
    longer: dict[str, dict[str, list[_Entry]]] = {}
    seen: dict[tuple[str, ...], str] = {}
    for key, words, listed in _phrases():
        if words in seen:
            if listed:
                raise ValueError(f"phrase {' '.join(words)!r} is both {seen[words]} and {key}")
            continue
        seen[words] = key
        tags = frozenset(() if key == "-" else [key] if key.startswith("F:") else key.split())
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


def _match(toks: list[str], i: int, n: int) -> tuple[_Entry | None, int]:
    """The longest phrase that starts at token `i`, and its length."""
    node = TABLE.get(toks[i]) if i < n else None
    if node is None:
        return None, 1
    entry, by_next = node
    if by_next and i + 1 < n and toks[i + 1] in by_next:
        for e in by_next[toks[i + 1]]:
            if len(e.rest) == 1 or toks[i + 2:i + 1 + len(e.rest)] == e.rest[1:]:
                return e, 1 + len(e.rest)
    return entry, 1


class Clause:
    """What one clause names (`tags`, `order`: the things in the order written) and says:
    `bad` what is broken (DOWN, FAIL, OPEN...), `good` what works (WORKS, LOAD, CREATE...)."""

    __slots__ = ("tags", "order", "bad", "good", "sentence", "feature", "start", "end",
                 "quoted", "host")

    def __init__(self, sentence: int = 0, start: int = 0, host: Clause | None = None) -> None:
        self.tags: set[str] = set()
        self.order: list[str] = []
        self.bad: list[str] = []
        self.good: list[str] = []
        self.sentence, self.feature = sentence, ""
        self.start = self.end = start  # its tokens, for showing it
        self.quoted: list[Clause] = []  # messages it quotes ("Upload failed"), see _settle
        self.host = host  # for words in parentheses, the clause around them


# What a quoted message names, as against what it says (see _settle).
_ACTIONS = frozenset(ACTIONS + ("SIGNING",))
_SUBJECTS = frozenset({"OTHERS", "REST", "ALL", "SOME", "ONE"})
_AND = frozenset({"and", "y", "e"})
QUOTE_REACH = 16  # tokens after which an opening quote with no closing one is let go
_STOPS = frozenset({".", "?"})
_PLACES = frozenset({"SVC", "BROWSE", "PARTIAL"})  # "from the web app", "desde una carpeta"
_FROM = frozenset({"from", "desde"})
_CODES = frozenset({"403", "404", "500", "502", "503", "504"})  # HTTP statuses kept as words
_COUNTED = frozenset({"DOC", "BROWSE"})  # "500 documents" (but "a 404 page", "500 server error")
_ARTICLES = frozenset({"the", "a", "our", "el", "la", "los", "las", "un", "una", "nuestro",
                       "nuestra"})


def _merge(into: Clause, quote: Clause, actions: bool) -> None:
    """`quote` read as part of `into`, what it names after what `into` names; with
    `actions` False, an action it only mentions ("creation error") is left out."""
    tags = quote.tags
    if not actions:
        tags = {t for t in tags if t not in _ACTIONS or t in quote.bad}
    into.tags |= tags
    into.order.extend(quote.order)
    into.feature = into.feature or quote.feature
    into.bad.extend(quote.bad)
    into.good.extend(s for s in quote.good if actions or s not in _ACTIONS)


def _settle(c: Clause) -> Clause:
    """A quoted message says what failed, and what it names comes after what the clause
    names itself. An action it only mentions counts where the clause names nothing but
    the documents it was done to: 'e-signature requests fail ("Envelope creation error")'
    is about e-signature, not creating documents; 'everyone gets "Login failed"' is about
    signing in, 'everyone gets "Upload failed" on every file' about uploading; 'it says
    "can't reach this page"' does say that the page cannot be reached."""
    if c.quoted:
        names = bool(c.feature or not c.tags.isdisjoint(_ACTIONS)
                     or any(t != "DOC" for t in c.order))
        for q in c.quoted:
            _merge(c, q, actions=not names)
        c.quoted = []
    return c


# TABLE's nodes for the scan: (one-word entry, second word -> longer phrases, special), where
# `special` says the word needs a look of its own before it is read as a phrase (see
# clauses): "from", an HTTP status, a word that splits a clause, "si".
_NODES = {w: (entry, by_next, w in _FROM or w in _CODES or w in _SPLIT or w == "si")
          for w, (entry, by_next) in TABLE.items()}


def clauses(text: str) -> tuple[list[Clause], set[int], list[str]]:
    """The clauses of `text`, the sentences that are questions, and the tokens. A comma
    ends a clause only once it has said something (a list of things is one subject);
    words in parentheses are a clause of their own, and "and" before a new subject
    ("... and the rest of the staff gets in") starts one. Words in quotes are read apart:
    a quote that says a state is a message kept with its clause (_settle), any other
    (a button's name) is read as the clause's own words."""
    toks = tokens(text)
    out: list[Clause] = []
    cur, outer = Clause(), None
    quote: Clause | None = None
    quote_at = paren_quotes = 0
    questions: set[int] = set()
    sentence, neg_until, neg_all = 0, -1, False
    held = (-1, False)  # the "not" said before the parentheses now open
    last: tuple | None = None  # the last states said (their entry), for "open nothing"
    head = modifier = None  # the last service or list noun; the last document noun
    n, skip_to = len(toks), 0
    nodes, split, wanted, articles, from_, codes = _NODES, _SPLIT, _WANTED, _ARTICLES, _FROM, \
        _CODES
    for i in compress(range(n), map(wanted.__contains__, toks)):
        if i < skip_to:
            continue  # inside a phrase already read
        tok = toks[i]
        if quote is not None and (tok == '"' or i - quote_at > QUOTE_REACH):
            if quote.bad or quote.good:
                cur.quoted.append(quote)
            else:
                _merge(cur, quote, actions=True)
            quote, neg_until, neg_all = None, -1, False
            if tok == '"':
                if toks[i - 1] not in _STOPS:
                    continue
                tok = "."  # '... a grey page with "Error 503. Service unavailable." Can you'
        node = nodes.get(tok)
        entry = None
        if node is not None:  # the longest phrase that starts here (_match, inlined)
            entry, by_next, special = node
            length = 1
            if special and tok in from_:
                # "opening a document from search results", "rejected from the web app and
                # through the API": where from, not what fails
                j = i + 2 if i + 1 < n and toks[i + 1] in articles else i + 1
                at, span = _match(toks, j, n)
                if at is not None and (at.feature or at.tags <= _PLACES):
                    skip_to = j + span
                    continue
            if special and tok in codes and i + 1 < n:
                count, _ = _match(toks, i + 1, n)
                if count is not None and (count.subject or not count.tags.isdisjoint(_COUNTED)):
                    continue  # "~500 documents", "502 folders": a count, not a status
            if by_next and i + 1 < n:
                longer = by_next.get(toks[i + 1])
                if longer:
                    for e in longer:
                        if e.size == 2 or toks[i + 2:i + e.size] == e.tail:
                            entry, length = e, e.size
                            break
            if special and length == 1 and tok in split:
                entry = None  # "but", "mientras" alone: a clause mark
            elif entry is None or (special and length == 1 and tok == "si"
                                   and i != cur.start):
                # no phrase here; "sí" (yes), unless it opens the clause ("si..." if) or
                # says "si no"
                continue
        if entry is None:  # a clause mark
            if quote is not None:
                continue  # a message's own stops and commas
            if tok == '"':
                quote, quote_at, neg_until, neg_all = Clause(), i, -1, False
                continue
            if tok == "(" and i + 1 < n and toks[i + 1] == '"':
                paren_quotes += 1  # ("Error 500"): the message of the clause around it
                continue
            if tok == ")" and paren_quotes:
                paren_quotes -= 1
                continue
            if tok == "?":
                questions.add(sentence)
            if tok == "." or tok == "?":
                sentence += 1
            if tok == "(" and outer is None:
                outer, cur = cur, Clause(sentence, i + 1, cur)
                held = neg_until, neg_all
            elif tok == ")" and outer is not None:
                out.append(_settle(cur))
                cur, outer = outer, None
                # "nobody (there are 25 of us) can open it": the "not" goes on after them
                neg_until, neg_all = held
                continue
            elif (cur.tags or cur.quoted) and (tok != "," or cur.bad or cur.good or cur.quoted):
                out.append(_settle(cur))
                cur = Clause(sentence, i + 1, outer)  # still inside the parentheses, if any
            elif not (cur.tags or cur.quoted):
                cur.sentence, cur.start = sentence, i + 1
            elif i + 1 < n and toks[i + 1] not in wanted:
                # a comma in a list of names: "none of our staff in Bristol, Cardiff or
                # Swindon can load a page" is still said by "none"
                continue
            neg_until, neg_all = -1, False
            continue
        if entry.plain:  # a phrase that only names or says something: the common case
            skip_to = cur.end = i + length
            (cur if quote is None else quote).tags |= entry.tags
            continue
        tags = entry.tags
        if (entry.subject or entry.ordered) and quote is None and cur.tags and (
                toks[i - 1] in _AND and (entry.subject or cur.bad or cur.good)
                or (entry.ordered and toks[i - 1] in articles and toks[i - 2] in _AND
                    and (cur.bad or cur.good or cur.quoted))):
            # "... and the rest of the staff gets in", "sale un error y la app dice ..."
            out.append(_settle(cur))
            cur = Clause(sentence, i, outer)
            neg_until, neg_all = -1, False
        into = cur if quote is None else quote
        skip_to = cur.end = i + length
        if entry.particle and "SLOW" in into.bad:
            continue  # "it's slowing the whole team down": still the slowness
        # a document noun before or after "de" another thing only says which one it is:
        # "the documents website", "document metadata", "el portal de documentos"
        noun = entry.noun
        if noun == "doc":
            j = i - 1 - (toks[i - 1] in articles)
            if head is not None and head[0] is into and head[1] == j and toks[j] == "de":
                continue
            modifier = (into, skip_to, "DOC" not in into.tags)
        elif noun:
            if modifier is not None and modifier[0] is into and modifier[1] == i \
                    and modifier[2]:
                into.tags.discard("DOC")
                into.order.pop()  # the noun just before this one
            head, modifier = (into, skip_to), None
        if entry.nothing and last is not None and last[0] is into and i - last[1] <= 1:
            # "we can open nothing", "finds nothing": the state said just before
            _, _, bad, good, said, able = last
            del into.bad[bad:], into.good[good:]
            bad, good = said.adds[True][able]
            into.bad.extend(bad)
            into.good.extend(good)
            last = None
        into.tags |= tags
        if entry.ordered:
            into.order.extend(entry.ordered)
            into.feature = into.feature or entry.feature
        neg_all = neg_all or entry.neg_all
        if entry.states:
            # a "not" turns what follows it, not its own phrase ("stopped loading")
            negated = neg_all or i <= neg_until
            able = "ABLE" in into.tags or "NOTABLE" in into.tags
            last = None if negated or not entry.turnable else (
                into, skip_to, len(into.bad), len(into.good), entry, able)
            bad, good = entry.adds[negated][able]
            if bad:
                into.bad.extend(bad)
            if good:
                into.good.extend(good)
            if entry.neg:
                neg_until = skip_to - 1 + NEG_REACH
            else:
                neg_until = skip_to + 2 if negated and skip_to < n and toks[skip_to] in _OR \
                    else -1
        elif entry.neg:
            neg_until = skip_to - 1 + NEG_REACH
    if quote is not None:  # never closed
        if quote.bad or quote.good:
            cur.quoted.append(quote)
        else:
            _merge(cur, quote, actions=True)
    out.append(_settle(cur))
    if outer is not None:
        out.append(_settle(outer))
    return [c for c in out if c.tags], questions, toks

