"""The languages mail is written in and their gettext catalogs.

The templates and formatting.py are written in English (the msgids); every other
language is a catalog `templates/locale/LANG/LC_MESSAGES/messages.po`, compiled to
`messages.mo` beside it (`python3 tools/catalogs.py compile`). Adding a language is
adding a catalog: nothing here lists them.
"""

from __future__ import annotations

import gettext
from functools import cache
from importlib.resources import files
from pathlib import Path

SOURCE = "en"  # the language the msgids are written in
DOMAIN = "messages"


class UnknownLanguage(ValueError):
    """A language without a catalog."""


def locale_dir() -> Path:
    return Path(str(files("templates") / "locale"))


@cache
def languages() -> tuple[str, ...]:
    """Every language mail can be written in: the source one and each compiled catalog."""
    found = sorted(p.parent.parent.name
                   for p in locale_dir().glob(f"*/LC_MESSAGES/{DOMAIN}.mo"))
    return (SOURCE, *[lang for lang in found if lang != SOURCE])


def check(lang: str) -> str:
    """`lang` when mail can be written in it; UnknownLanguage names those that can."""
    if lang not in languages():
        raise UnknownLanguage(f"{lang!r} is not a language mail can be written in: one of "
                              f"{', '.join(languages())}")
    return lang


@cache
def translations(lang: str) -> gettext.NullTranslations:
    """The catalog of `lang` (for the source language, the msgids themselves). The
    standard library reads compiled catalogs; Babel is needed only to format dates
    and to extract and compile catalogs."""
    if check(lang) == SOURCE:
        return gettext.NullTranslations()
    with open(locale_dir() / lang / "LC_MESSAGES" / f"{DOMAIN}.mo", "rb") as fp:
        return gettext.GNUTranslations(fp)


def pick(*candidates: str | None, default: str) -> str:
    """The first candidate mail can be written in, else `default`; a contact's language
    set to one whose catalog was removed since falls through instead of failing."""
    known = languages()
    return next((c for c in candidates if c and c in known), default)
