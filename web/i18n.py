"""The language a support-center page is written in, and its catalog.

Pages use the gettext catalogs mail uses (`templates/locale/LANG/LC_MESSAGES/messages.mo`;
`tools/catalogs.py` extracts web/ and templates/web/ into the same catalog). A page is
in the signed-in contact's language, else in the first language of the browser's
Accept-Language that has a catalog, else in the desk's (`[support] language`).
(The notifier reads the same folder for mail; the support center may not import it.)
"""

from __future__ import annotations

import gettext
from functools import cache
from importlib.resources import files
from pathlib import Path

SOURCE = "en"  # the language the msgids are written in
DOMAIN = "messages"


def N_(message: str) -> str:
    """Marks a msgid for extraction where it is defined; it is translated where shown."""
    return message


def locale_dir() -> Path:
    return Path(str(files("templates") / "locale"))


@cache
def languages() -> tuple[str, ...]:
    """The source language and every compiled catalog."""
    found = sorted(p.parent.parent.name
                   for p in locale_dir().glob(f"*/LC_MESSAGES/{DOMAIN}.mo"))
    return (SOURCE, *[lang for lang in found if lang != SOURCE])


@cache
def translations(lang: str) -> gettext.NullTranslations:
    if lang == SOURCE or lang not in languages():
        return gettext.NullTranslations()
    with open(locale_dir() / lang / "LC_MESSAGES" / f"{DOMAIN}.mo", "rb") as fp:
        return gettext.GNUTranslations(fp)


def accepted(header: str | None) -> list[str]:
    """The languages of an Accept-Language header, most wanted first, as primary tags
    ('es-ES;q=0.8' is 'es'); ranges refused with q=0 and '*' are left out."""
    ranked = []
    for position, part in enumerate((header or "").split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        primary = tag.strip().split("-", 1)[0].lower()
        if primary and primary != "*" and primary.isalpha() and q > 0:
            ranked.append((-q, position, primary))
    return list(dict.fromkeys(primary for _, _, primary in sorted(ranked)))


def choose(personal: str | None, accept_language: str | None, default: str) -> str:
    """The page's language: the person's own, else the browser's first with a catalog,
    else the desk's. A setting whose catalog is gone falls through instead of failing."""
    known = languages()
    if personal in known:
        return personal
    for lang in accepted(accept_language):
        if lang in known:
            return lang
    return default if default in known else SOURCE
