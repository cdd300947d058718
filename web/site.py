"""What every support-center handler shares: the parts, the signing keys, the signed-in
identity, CSRF tokens, the page's language, and rendering a page (or an error page) with
the cookies it needs."""

from __future__ import annotations

import secrets
from urllib.parse import quote

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from web import auth, i18n, proxies
from web.auth import NONCE_COOKIE, SESSION_COOKIE, Identity, Keys
from web.deps import Deps
from web.i18n import N_
from web.render import page
from web.words import Words, words

_ERRORS = {400: N_("This request cannot be handled."), 403: N_("This form has expired."),
           404: N_("There is nothing here."), 405: N_("This page cannot be used that way."),
           413: N_("That is more than the support center accepts at once."),
           429: N_("Too many requests.")}


class Site:
    """What every handler needs: the parts, the keys, and the request's identity."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self.keys = Keys(deps.secret)
        self.proxies = proxies.networks(deps.settings.trusted_proxies)
        self.limiter = None  # the worker threads' limit (web/app.py)

    def now(self):
        return self.deps.clock()

    def identity(self, uow, request: Request) -> Identity | None:
        """Who is signed in (checked against the store now); the request remembers it, so
        that every page of the answer, error pages too, is in that person's language."""
        who = auth.current(uow, self.deps, self.keys, request.cookies.get(SESSION_COOKIE),
                           self.now())
        request.state.who = who
        return who

    def language(self, request: Request) -> str:
        """The contact's language, else the browser's (Accept-Language) among those with a
        catalog, else the desk's. Staff have no language of their own in the
        configuration: their browser's, else the desk's."""
        who = getattr(request.state, "who", None)
        personal = who.contact.language if who is not None and who.contact \
            else getattr(request.state, "reader_language", None)
        return i18n.choose(personal, request.headers.get("accept-language"),
                           self.deps.settings.language)

    def reader_reads(self, request: Request, language: str | None) -> None:
        """The reader's own language when a page knows who reads it without a session
        (a sign-in link names its contact; signing out names the one who left)."""
        request.state.reader_language = language

    def words(self, request: Request) -> Words:
        return words(self.language(request))

    def client_address(self, request: Request) -> str:
        """Whose per-client limit the request counts against (web/proxies.py)."""
        return proxies.client_address(request.client.host if request.client else None,
                                      request.headers.getlist("x-forwarded-for"),
                                      self.proxies)

    def nonce(self, request: Request) -> str:
        """The visitor's random cookie that anonymous forms are signed with."""
        found = request.cookies.get(NONCE_COOKIE)
        if found:
            return found
        if getattr(request.state, "new_nonce", None) is None:
            request.state.new_nonce = secrets.token_urlsafe(24)
        return request.state.new_nonce

    def csrf(self, request: Request, who: Identity | None) -> str:
        holder = f"session:{who.session.csrf}" if who else f"anon:{self.nonce(request)}"
        return self.keys.form_token(holder)

    def form_ok(self, request: Request, form: FormData, who: Identity | None) -> bool:
        if who is not None:
            return self.keys.form_ok(f"session:{who.session.csrf}", form.get("csrf"))
        nonce = request.cookies.get(NONCE_COOKIE)
        return self.keys.form_ok(f"anon:{nonce}" if nonce else None, form.get("csrf"))

    def render(self, request: Request, name: str, who: Identity | None, status: int = 200,
               **context) -> Response:
        s = self.deps.settings
        response = page(name, status, self.language(request), support_name=s.support_name,
                        who=who, csrf=self.csrf(request, who), **context)
        new = getattr(request.state, "new_nonce", None)
        if new and not request.cookies.get(NONCE_COOKIE):
            response.set_cookie(NONCE_COOKIE, new, httponly=True, samesite="lax",
                                secure=s.secure, path="/")
        return response

    def error(self, request: Request, status: int, message: str | None = None) -> Response:
        """An error page; `message` is a msgid (marked with N_), shown in the reader's
        language."""
        text = message or _ERRORS.get(status) or N_("Something went wrong.")
        return self.render(request, "error.html", None, status, status_code=status,
                           message=self.words(request)._(text))

    def download(self, path: str) -> Response:
        """A stored file, always as a download, never rendered here: a file's HTML must
        not run on our origin. Read whole: attachments are capped by the mail size
        limit, and the PostgreSQL backend keeps them in the database, not in a file."""
        data = self.deps.store.files.read(path)
        return Response(data, media_type="application/octet-stream", headers={
            "Content-Disposition": content_disposition(path.rsplit("/", 1)[-1]),
            "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"})

    def to_sign_in(self, request: Request) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/?next={target}", status_code=303)


def content_disposition(filename: str) -> str:
    """`attachment` with the name, percent-encoded (RFC 6266's filename*) when not plain
    ASCII, so a name can never break out of the header."""
    quoted = quote(filename)
    if quoted == filename:
        return f'attachment; filename="{filename}"'
    return f"attachment; filename*=utf-8''{quoted}"
