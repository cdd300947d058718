"""The support center's routes: thin handlers that parse the request, call the store, the
rules and the intake service in one unit of work, and render a page.

Every handler runs in a worker thread (the store's unit of work blocks); the async
shell only reads the form. Sign-in lives here; the contact pages are
`web/pages.py`, the staff overview `web/staff.py`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import anyio
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from web import auth, i18n, pages, staff
from web.auth import SESSION_COOKIE
from web.deps import Deps
from web.i18n import N_
from web.site import Site

Handler = Callable[[Site, Request, FormData | None], Response]

# Handlers hold the store's lock for most of their work (CPU under the GIL), so a few
# threads serve as many pages as forty would, and the mail pipeline, which waits for the
# same lock, queues behind a few pages instead of behind every client's.
WORKERS = 8


def _limiter(site: Site) -> anyio.CapacityLimiter:
    if site.limiter is None:  # made in the server's event loop, on the first request
        site.limiter = anyio.CapacityLimiter(WORKERS)
    return site.limiter


def _route(site: Site, path: str, handler: Handler, methods=("GET",)) -> Route:
    async def endpoint(request: Request) -> Response:
        form = None
        if request.method == "POST":
            size = request.headers.get("content-length", "")
            if size.isdigit() and int(size) > site.deps.settings.max_upload_bytes:
                return site.error(request, 413)
            form = await request.form(max_files=20, max_fields=50)
        try:
            return await anyio.to_thread.run_sync(
                functools.partial(handler, site, request, form), limiter=_limiter(site))
        finally:
            if form is not None:
                await form.close()
    return Route(path, endpoint, methods=list(methods))


# -- sign-in


def home(site: Site, request: Request, form) -> Response:
    with site.deps.store.unit_of_work() as uow:
        who = site.identity(uow, request)
    if who is not None:
        return RedirectResponse("/staff" if who.staff else "/tickets", status_code=303)
    if request.query_params.get("lang") in i18n.languages():
        site.reader_reads(request, request.query_params["lang"])  # just signed out
    # the plans that include the center, as the configuration says, in the reader's words
    from babel.lists import format_list

    lang = site.language(request)
    with_center = sorted(name for name, plan in site.deps.policy.plans.items()
                         if plan.support_center)
    return site.render(request, "sign_in.html", None,
                       next=auth.local_path(request.query_params.get("next")),
                       signed_out=request.query_params.get("signed_out") == "1",
                       center_plans=format_list(with_center, locale=lang) if with_center
                       else "", center_plan_count=len(with_center))


def login(site: Site, request: Request, form: FormData) -> Response:
    if not site.form_ok(request, form, None):
        return site.error(request, 403, N_("This form has expired: reload the page and try "
                                           "again."))
    email = str(form.get("email") or "").strip()
    ip = site.client_address(request)
    with site.deps.store.unit_of_work() as uow:
        outcome = auth.request_link(uow, site.deps, site.keys, email, ip, site.now(),
                                    str(form.get("next") or ""))
        if outcome == "ip_limited":
            return site.error(request, 429, N_("Too many sign-in requests from your network. "
                                               "Please try again in an hour."))
        uow.commit()
    site.deps.queued()
    # the same page whatever the address: nobody learns who is a customer
    return site.render(request, "link_sent.html", None, email=email,
                       minutes=site.deps.settings.link_minutes)


def link(site: Site, request: Request, form: FormData | None) -> Response:
    token = request.path_params["token"]
    with site.deps.store.unit_of_work() as uow:
        found = auth.link_request(uow, site.keys, site.deps, token, site.now())
        if isinstance(found, str):
            return site.render(request, "link_invalid.html", None, 400,
                               reason=site.words(request)._(found))
        contact = uow.contacts.get(found.email)
        site.reader_reads(request, contact.language if contact else None)
        if form is None:
            # a page with a button, not a sign-in on GET: mail scanners that open links
            # would otherwise spend them before the customer clicks
            return site.render(request, "link_confirm.html", None, email=found.email,
                               token=token)
        if not site.form_ok(request, form, None):
            return site.error(request, 403, N_("This form has expired: open the link again."))
        session = auth.open_session(uow, site.deps, found, site.now())
        uow.commit()
    target = found.next or ("/staff" if session.staff else "/tickets")
    response = RedirectResponse(target, status_code=303)
    s = site.deps.settings
    response.set_cookie(SESSION_COOKIE, auth.session_cookie(site.keys, session),
                        max_age=s.session_hours * 3600, httponly=True, samesite="lax",
                        secure=s.secure, path="/")
    return response


def logout(site: Site, request: Request, form: FormData) -> Response:
    language = None
    with site.deps.store.unit_of_work() as uow:
        who = site.identity(uow, request)
        if who is not None:
            if not site.form_ok(request, form, who):
                return site.error(request, 403)
            uow.sessions.end(who.session.id, site.now())
            uow.commit()
            language = who.contact.language if who.contact else None
    # the page that says so is in the language of the one who left
    lang = f"&lang={language}" if language in i18n.languages() else ""
    response = RedirectResponse(f"/?signed_out=1{lang}", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def create_app(deps: Deps) -> Starlette:
    site = Site(deps)
    routes = [
        _route(site, "/", home),
        _route(site, "/login", login, ("POST",)),
        _route(site, "/login/{token}", link, ("GET", "POST")),
        _route(site, "/logout", logout, ("POST",)),
        _route(site, "/tickets", pages.tickets),
        _route(site, "/tickets/new", pages.new_ticket, ("GET", "POST")),
        _route(site, "/tickets/{number:int}", pages.ticket),
        _route(site, "/tickets/{number:int}/reply", pages.reply, ("POST",)),
        _route(site, "/tickets/{number:int}/files/{seq:int}/{index:int}", pages.attachment),
        _route(site, "/staff", staff.overview),
        _route(site, "/staff/tickets/{number:int}", staff.ticket),
        _route(site, "/staff/tickets/{number:int}/files/{seq:int}/{index:int}",
               staff.attachment),
    ]

    async def http_error(request: Request, exc: HTTPException) -> Response:
        return await run_in_threadpool(site.error, request, exc.status_code)

    return Starlette(routes=routes, exception_handlers={HTTPException: http_error})
