"""The language a customer wrote in, guessed from common words: English or Spanish, or None.

Pure and small on purpose: a mail to a support desk is short and written in one
of the languages the desk answers in, so counting each language's most common
words is enough; anything unclear returns None and the caller falls back to the
desk's language.
"""

from __future__ import annotations

import re
import unicodedata

# Frequent words that are not also frequent in the other language ("a", "no", "me",
# "he", "es" and "son" appear in both and are left out).
_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset("""
        the and to of in is it you that for on with this we are be have not can
        our my i from at as was but please thanks thank hello hi there what when
        does doesn't don't cannot can't will would could any all an or if do so
        they been has had which about since after before still again
        working works issue problem help regards best dear us your get
        """.split()),
    "es": frozenset("""
        de la que el en los del se las por un para con una su al lo como mas pero
        sus le ya o este si porque esta entre cuando muy sin sobre tambien hasta hay
        donde desde todo nos durante todos uno les ni otros ese eso ante ellos esto
        antes algunos unos yo otro otra tanto esa estos mucho nada muchos cual
        poco ella estar estas algo nosotros hola gracias buenos buenas dias saludos
        funciona podemos puedo estamos tenemos hemos han ha problema ayuda
        usted ustedes atentamente cordialmente saludo
        """.split()),
}
LANGUAGES = tuple(_WORDS)

# at least this many hits, and the winner at least twice the runner-up
MIN_HITS = 3
MARGIN = 2.0
_WORD = re.compile(r"[a-z']+")
_QUOTED = re.compile(r"^\s*>.*$", re.MULTILINE)


def _fold(text: str) -> str:
    """Lower case without accents, so 'también' and 'tambien' count alike."""
    decomposed = unicodedata.normalize("NFD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def detect(text: str, limit: int = 5000) -> str | None:
    """'en' or 'es' when the text is clearly in one of them, else None. Quoted lines
    ('> ...') are someone else's words and are skipped."""
    words = _WORD.findall(_fold(_QUOTED.sub("", text[:limit])))
    hits = {lang: sum(1 for w in words if w in vocabulary)
            for lang, vocabulary in _WORDS.items()}
    ranked = sorted(hits.items(), key=lambda kv: -kv[1])
    (best, top), (_, second) = ranked[0], ranked[1]
    if top < MIN_HITS or top < MARGIN * second:
        return None
    return best
