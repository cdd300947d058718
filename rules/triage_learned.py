"""A second, learned reading of a mail's severity, beside the definitions' (rules/triage.py).

A multinomial logistic regression over the words and word pairs of the sender's own text:
the same tokens the definitions' reading makes (rules/triage_text.tokens), tf-idf with
sublinear counts, scaled to unit length. It is trained by `tools/train_severity.py` on the
tuning part of the labelled corpora (tests/data/severity/parts.toml) and shipped as
rules/severity_model.tsv; nothing is trained or downloaded at run time.

It is explainable the way a linear model is: a level's score is its bias plus the weights
of the words and pairs the mail contains, so the words that pushed a mail towards its level
(`Learned.cues`) are the reason. It reads phrasing the definitions' vocabulary has no entry
for; the definitions' reading still says what is affected, for whom and what still works
(rules/severity.py weighs the two).

The model file: comment lines ("#") at the top, a `levels` line, a `bias` line, a `corpus`
line (the digest of the features it was trained on, which the unit tests compare with the
corpus as it is now), then one line per feature: the word or pair, its idf squared (for
the length) and, per level, idf times the level's weight.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from itertools import compress, filterfalse
from pathlib import Path

from rules.plans import Severity

MODEL = Path(__file__).with_name("severity_model.tsv")
_RANK = {level: level.rank for level in Severity}
# clause marks say nothing the words do not; "?" does (a question)
_MARKS = frozenset({".", ",", "(", ")", '"'})
_NOT_A_CUE = frozenset({"?", "#", "urlsite", "mailaddress"})
# words that weigh in the model but explain nothing to an agent alone ("can you", "de la")
_FUNCTION_WORDS = frozenset("""a an the and or but of to in on at for from with by as is are
    was were be been it its this that these those we i you he she they our my your their me
    us them there here so if do does did have has had can could will would should just
    also please since then than very all any some
    de del la el lo los las un una unos unas y o u e pero que en con por para es son era
    fue ser esta este estos estas ese esa eso se su sus nos nuestro nuestra mi mis me le
    les al como si ya muy hay desde hasta tambien favor""".split())


def words(tokens: Iterable[str]) -> list[str]:
    """The words of `tokens`: clause marks left out."""
    return list(filterfalse(_MARKS.__contains__, tokens))


def grams(words: list[str]) -> Counter[str]:
    """The words and word pairs of `words`, with their counts: what the model reads."""
    found = Counter(words)
    found.update(map(" ".join, zip(words, words[1:], strict=False)))
    return found


def features(tokens: Iterable[str]) -> Counter[str]:
    """`grams(words(tokens))`."""
    return grams(words(tokens))


def digest(examples: Iterable[tuple[str, Counter[str]]]) -> str:
    """What a model was trained on: the labels and features of its examples, in order."""
    h = hashlib.sha256()
    for label, grams in examples:
        h.update(label.encode())
        for gram, n in sorted(grams.items()):
            h.update(f"\t{gram}\t{n}".encode())
        h.update(b"\n")
    return h.hexdigest()[:16]


@dataclass(frozen=True)
class Model:
    levels: tuple[Severity, ...]
    bias: tuple[float, ...]
    rows: dict[str, tuple[float, ...]]  # gram -> (idf², idf·w per level)
    corpus: str
    packed: dict[str, tuple[complex, complex]]  # the same, for predict (see _packed)
    quiet: frozenset[str]  # what weighs but explains nothing to an agent (see cues)

    @classmethod
    def read(cls, path: Path = MODEL) -> Model:
        levels = bias = corpus = None
        rows: dict[str, tuple[float, ...]] = {}
        try:
            with path.open(encoding="utf-8") as fh:
                for line in fh:
                    if levels is None and line.startswith("#"):
                        continue  # the header; after it "#" is a word (a number, folded)
                    key, _, rest = line.rstrip("\n").partition("\t")
                    if key == "levels":
                        levels = tuple(Severity(v) for v in rest.split("\t"))
                    elif key == "bias":
                        bias = tuple(map(float, rest.split("\t")))
                    elif key == "corpus":
                        corpus = rest
                    else:
                        rows[key] = tuple(map(float, rest.split("\t")))
        except (OSError, ValueError) as exc:
            raise RuntimeError(f"the severity model {path} cannot be read ({exc}); "
                               "reinstall intakebot or run tools/train_severity.py") from None
        if levels is None or bias is None or corpus is None or not rows:
            raise RuntimeError(f"the severity model {path} is incomplete; reinstall "
                               "intakebot or run tools/train_severity.py")
        if levels != tuple(Severity):
            raise RuntimeError(f"the severity model {path} names the levels {levels}; "
                               "this intakebot knows blocker, critical, major, trivial")
        quiet = frozenset(g for g in rows if g in _NOT_A_CUE
                          or _FUNCTION_WORDS.issuperset(g.split(" ")))
        return cls(levels, bias, rows, corpus, _packed(rows), quiet)

    def predict(self, grams: Counter[str]) -> Learned | None:
        """The level the words point to, with each level's probability; None when the mail
        has none of the model's words (an empty or foreign text): nothing to go on."""
        get = self.packed.get
        # the mail's words and pairs as if each were said once, summed in C...
        rows = list(filter(None, map(get, grams)))
        if not rows:
            return None
        firsts, seconds = zip(*rows, strict=True)
        first, second = sum(firsts), sum(seconds)
        # ...then what saying one n times adds (sublinear counts: 1 + ln n)
        for gram in compress(grams, map((1).__lt__, grams.values())):
            row = get(gram)
            if row is not None:
                f = 1.0 + math.log(grams[gram])
                first += complex((f * f - 1.0) * row[0].real, (f - 1.0) * row[0].imag)
                second += (f - 1.0) * row[1]
        scale = 1.0 / math.sqrt(first.real)
        b = self.bias
        scores = (b[0] + first.imag * scale, b[1] + second.real * scale,
                  b[2] + second.imag * scale, b[3])
        top = max(scores)
        exps = [math.exp(s - top) for s in scores]
        total = sum(exps)
        probs = {level: e / total for level, e in zip(self.levels, exps, strict=True)}
        return Learned(probs, grams, self)


def _packed(rows: dict[str, tuple[float, ...]]) -> dict[str, tuple[complex, complex]]:
    """The rows packed for summing: (idf² + i·(w_b - w_t), (w_c - w_t) + i·(w_m - w_t)).
    Taking the trivial weight from the others shifts every level's score alike, which the
    softmax does not see; a row is then two numbers that `sum` adds in C, not five."""
    return {gram: (complex(r[0], r[1] - r[4]), complex(r[2] - r[4], r[3] - r[4]))
            for gram, r in rows.items()}


@dataclass(frozen=True)
class Learned:
    probs: dict[Severity, float]
    _grams: Counter[str]
    _model: Model

    def best(self, leaning: Severity | None = None, lean: float = 0.0,
             blocker: float = 0.0) -> Severity:
        """The most probable level. `lean` is added to `leaning`'s probability first (the
        definitions' reading, when there is one), `blocker` to the blocker's (a missed
        outage costs more than a false alarm). Ties go to the more severe level."""
        def key(level: Severity) -> tuple[float, int]:
            extra = (lean if level is leaning else 0.0) + \
                (blocker if level is Severity.BLOCKER else 0.0)
            return (self.probs[level] + extra, -_RANK[level])
        return max(self.probs, key=key)

    def cues(self, level: Severity, n: int = 3) -> list[str]:
        """The words and pairs of the mail that pushed it most towards `level`."""
        i = 1 + self._model.levels.index(level)
        rows, quiet = self._model.rows, self._model.quiet
        pushed = [(r[i] * (1.0 if c == 1 else 1.0 + math.log(c)), g)
                  for g, c in self._grams.items() if (r := rows.get(g)) is not None
                  and r[i] > 0 and g not in quiet]
        pushed.sort(reverse=True)
        chosen: list[str] = []
        for _, gram in pushed:
            # a pair says more than its own words: "no carga" rather than "carga" too
            if any(gram in c.split() or c in gram.split() for c in chosen):
                continue
            chosen.append(gram)
            if len(chosen) == n:
                break
        return chosen


@lru_cache(maxsize=1)
def model() -> Model:
    """The shipped model, read once (about 12,000 lines) on first use."""
    return Model.read()
