"""The pages' Jinja2 environments: templates/web/, autoescaped, strict about missing names,
one per language with its gettext catalog (`{% trans %}`, `_()`, as the mail templates)."""

from __future__ import annotations

from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.responses import HTMLResponse

from web import i18n


@cache
def environment(lang: str = i18n.SOURCE) -> Environment:
    env = Environment(loader=PackageLoader("templates", "web"),
                      autoescape=select_autoescape(["html"]), undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True, extensions=["jinja2.ext.i18n"])
    # {% trans %} blocks are one line each in the catalog, however the template wraps
    # them (tools/catalogs.py extracts with the same setting)
    env.policies["ext.i18n.trimmed"] = True
    env.install_gettext_translations(i18n.translations(lang), newstyle=True)
    return env


def page(name: str, status: int = 200, lang: str = i18n.SOURCE, **context) -> HTMLResponse:
    html = environment(lang).get_template(name).render(lang=lang, **context)
    response = HTMLResponse(html, status_code=status)
    # pages are per person: never cached by a proxy, never framed by another site
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Language"] = lang
    # the same address reads differently per browser language and per person
    response.headers["Vary"] = "Accept-Language, Cookie"
    return response
