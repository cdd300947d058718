"""The pages' Jinja2 environment: templates/web/, autoescaped, strict about missing names."""

from __future__ import annotations

from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.responses import HTMLResponse


@cache
def environment() -> Environment:
    return Environment(loader=PackageLoader("templates", "web"),
                       autoescape=select_autoescape(["html"]), undefined=StrictUndefined,
                       trim_blocks=True, lstrip_blocks=True)


def page(name: str, status: int = 200, **context) -> HTMLResponse:
    html = environment().get_template(name).render(**context)
    response = HTMLResponse(html, status_code=status)
    # pages are per person: never cached by a proxy, never framed by another site
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
