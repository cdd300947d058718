"""A contact's pages: the account's tickets, one ticket's conversation and reply form, its
files, and the new-ticket form with what it will cost.

Every read goes through `store.portal.AccountView` (scoped to the contact's account in
the query itself: another account's ticket or file is a 404); every change goes
through the intake service the mail path uses, so a reply here is the same
customer-reply transition as a mail, and a new ticket takes the same opening path.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from intake import service
from rules.lifecycle import Inbound, ReplyRoute, reply_route
from rules.plans import Severity
from rules.text import TEXT_LIMIT, clean_text, one_line
from rules.ticket import Channel
from store.outbox_writer import OutboxWriter
from store.portal import AccountView
from store.quota import quota_for
from web import views
from web.i18n import N_
from web.site import Site


def _signed_in(site: Site, uow, request: Request):
    """(identity, view) of a signed-in contact, or the response that sends others away."""
    who = site.identity(uow, request)
    if who is None:
        return None, site.to_sign_in(request)
    if who.staff:
        return None, RedirectResponse("/staff", status_code=303)
    return who, AccountView(uow, who.contact.account)


def _own_ticket(site: Site, uow, request: Request):
    """(identity, view, ticket) of a signed-in contact's own account's ticket, or
    (None, None, the response): a sign-in page, or 404 for anyone else's number."""
    who, view = _signed_in(site, uow, request)
    if who is None:
        return None, None, view
    t = view.ticket(request.path_params["number"])
    if t is None:
        return None, None, site.error(request, 404)
    return who, view, t


PER_PAGE = 50


def tickets(site: Site, request: Request, form) -> Response:
    policy, now = site.deps.policy, site.now()
    show_all = request.query_params.get("status") == "all"
    number = request.query_params.get("page", "1")
    page = int(number) if number.isdigit() and 0 < int(number) < 100_000 else 1
    with site.deps.store.unit_of_work(read_only=True) as uow:
        who, view = _signed_in(site, uow, request)
        if who is None:
            return view
        account = view.account()
        tz = views.zone(policy, who.contact, account)
        # open first, newest first; the clocks only of the page shown
        total, shown = view.page(show_all, (page - 1) * PER_PAGE, PER_PAGE)
        w = site.words(request)
        rows = [views.ticket_row(t, policy.clocks(t, account.plan, now), tz, w)
                for t in shown]
        quota = quota_for(uow, policy.plans, policy.tz, account, now)
    pages = max(1, -(-total // PER_PAGE))
    return site.render(request, "tickets.html", who, rows=rows, show_all=show_all,
                       account=account.name, plan=account.plan, tz=tz.key, total=total,
                       page=page, pages=pages, quota=views.quota_line(quota, w),
                       phone=_phone(policy, account.plan, w))


def _phone(policy, plan: str, w) -> tuple[str, str] | None:
    """(number, when it is staffed) for plans with phone support: the operator's own
    words for the hours as written, else the plan's window in the reader's language."""
    line = policy.phone_line(plan)
    if line is None or policy.phone_hours:
        return line
    return line[0], w.window(policy.plans[plan].window, policy.tz)


def ticket(site: Site, request: Request, form, *, problem: str | None = None,
           status: int = 200) -> Response:
    policy, now = site.deps.policy, site.now()
    number = request.path_params["number"]
    with site.deps.store.unit_of_work(read_only=True) as uow:
        who, view, t = _own_ticket(site, uow, request)
        if who is None:
            return t
        account = view.account()
        tz = views.zone(policy, who.contact, account)
        w = site.words(request)
        names = {c.email: c.name for c in uow.contacts.for_account(account.name) if c.name}
        items = views.conversation(t, view.timeline(number), site.deps.staff, tz, names, w)
        row = views.ticket_row(t, policy.clocks(t, account.plan, now), tz, w)
        open_to_reply = reply_route(t, now, site.deps.settings.reopen_days) \
            is not ReplyRoute.NEW_TICKET
    return site.render(request, "ticket.html", who, status, ticket=row, items=items,
                       tz=tz.key, can_reply=open_to_reply, problem=problem,
                       opened=request.query_params.get("new") == "1")


def _uploads(site: Site, request: Request,
             form: FormData) -> tuple[tuple[str, ...], str | None]:
    """(the form's files kept like a mail's attachments, under a fresh owner key; what is
    wrong with them). Together they may be as large as a mail may be."""
    limit = site.deps.settings.max_upload_bytes
    files, total = [], 0
    for item in form.getlist("files"):
        if not isinstance(item, UploadFile) or not item.filename:
            continue  # a file field left empty
        data = item.file.read(limit + 1 - total)
        total += len(data)
        if total > limit:
            return (), site.words(request)._("The files are larger than %(mb)s MB altogether.",
                                             mb=limit // (1024 * 1024))
        if data:
            files.append((item.filename, data))
    owner = f"web-{secrets.token_hex(8)}"
    return tuple(site.deps.store.files.put_attachment(owner, name, data)
                 for name, data in files), None


def reply(site: Site, request: Request, form: FormData) -> Response:
    now, number = site.now(), request.path_params["number"]
    with site.deps.store.unit_of_work() as uow:
        who, view, t = _own_ticket(site, uow, request)
        if who is None:
            return t
        if not site.form_ok(request, form, who):
            return site.error(request, 403, N_("This form has expired: reload the page."))
        w = site.words(request)
        text = clean_text(str(form.get("text") or "")).strip()[:TEXT_LIMIT]
        files, problem = (), None
        if reply_route(t, now, site.deps.settings.reopen_days) is ReplyRoute.NEW_TICKET:
            problem = w._("This ticket is closed: please open a new one.")
        else:
            files, problem = _uploads(site, request, form)
            if problem is None and not text and not files:
                problem = w._("Write something before sending.")
        if problem is None:
            inbound = Inbound(at=now, sender=who.email, text=text or "(files attached)",
                              attachments=files)
            service.customer_reply(uow, OutboxWriter(uow, site.deps.addressing, now), t,
                                   inbound, reopen_days=site.deps.settings.reopen_days,
                                   now=now)
            uow.commit()
    if problem is not None:
        return ticket(site, request, None, problem=problem, status=400)
    site.deps.queued()
    return RedirectResponse(f"/tickets/{number}#latest", status_code=303)


def attachment(site: Site, request: Request, form) -> Response:
    p = request.path_params
    with site.deps.store.unit_of_work(read_only=True) as uow:
        who, view = _signed_in(site, uow, request)
        if who is None:
            return view
        path = view.attachment(p["number"], p["seq"], p["index"])
    if path is None:
        return site.error(request, 404)
    return site.download(path)


def _preview(uow, site: Site, contact, account, now, tz, w) -> dict:
    """What a ticket sent now would cost and bring, from the same rules that open it."""
    lines, last = [], None
    for severity in Severity:
        a = service.assess(uow, site.deps.policy, account, service.Request(
            contact=contact, subject="", text="", at=now, channel=Channel.WEB,
            severity=severity))
        due = a.due.response_due
        lines.append({"level": w.level(severity), "accept": a.quota.accept,
                      "overage": a.quota.overage, "best_effort": a.due.response_best_effort,
                      "due": w.short(due, tz) if due else None})
        last = a
    status = last.quota.status
    return {"remaining": status.remaining, "quota": views.quota_line(status, w),
            "lines": lines}


def _refusal(opened: service.Opened, w) -> str:
    """Why nothing was opened, in the reader's words (the service's reason is the desk's)."""
    a = opened.assessment
    if a is None:
        return w._("your account has no plan we know of")
    if a.refused is not None:
        return w._("your plan does not include opening tickets here")
    status = a.quota.status
    return w.ngettext(
        "the yearly quota of your account is used up (%(used)s of %(num)d ticket, until "
        "%(date)s)",
        "the yearly quota of your account is used up (%(used)s of %(num)d tickets, until "
        "%(date)s)",
        status.included + status.extra, used=status.used,
        date=w.day(status.year_end - timedelta(days=1)))


def new_ticket(site: Site, request: Request, form: FormData | None) -> Response:
    policy, now, s = site.deps.policy, site.now(), site.deps.settings
    fields = {"subject": "", "description": "", "severity": ""}
    refusal = problem = None
    quota_refused = refusal_mailed = False
    with site.deps.store.unit_of_work() as uow:
        who, view = _signed_in(site, uow, request)
        if who is None:
            return view
        account = view.account()
        tz = views.zone(policy, who.contact, account)
        w = site.words(request)
        if form is not None:
            if not site.form_ok(request, form, who):
                return site.error(request, 403, N_("This form has expired: reload the page."))
            fields = {"subject": one_line(str(form.get("subject") or ""))[:250],
                      "description": clean_text(str(form.get("description") or "")).strip(),
                      "severity": str(form.get("severity") or "")}
            chosen = fields["severity"] if fields["severity"] in set(Severity) else None
            if not fields["subject"]:
                problem = w._("Please give your request a subject.")
            elif view.opened_by_since(who.email, now - timedelta(hours=1)) \
                    >= s.per_contact_per_hour:
                problem = w.ngettext(
                    "You have opened %(num)d ticket here within the hour; please add to it, "
                    "or try again later.",
                    "You have opened %(num)d tickets here within the hour; please add to one "
                    "of them, or try again later.", s.per_contact_per_hour)
            else:
                files, problem = _uploads(site, request, form)
            if problem is None:
                request_ = service.Request(
                    contact=who.contact, subject=fields["subject"],
                    text=fields["description"][:TEXT_LIMIT] or fields["subject"], at=now,
                    # the customer's choice is a request for the agents, as a
                    # "Severity:" line in a mail is: the definitions set the level
                    channel=Channel.WEB,
                    severity_requested=Severity(chosen) if chosen else None)
                opened = service.open_request(
                    uow, OutboxWriter(uow, site.deps.addressing, now), policy, request_,
                    now=now, attachments=files, mail_refusal=True)
                uow.commit()
                site.deps.queued()
                if opened.ticket is not None:
                    return RedirectResponse(f"/tickets/{opened.ticket.number}?new=1",
                                            status_code=303)
                refusal = _refusal(opened, w)
                # the intake service told the account team, as for a refused mail, and
                # mailed the refusal (the first one of the day)
                quota_refused = opened.assessment is not None and \
                    opened.assessment.refused is None and not opened.assessment.quota.accept
                refusal_mailed = opened.mailed
        preview = _preview(uow, site, who.contact, account, now, tz, w)
    meanings = [{"value": sev.value, "level": w.level(sev), "meaning": w.meaning(sev)}
                for sev in Severity]
    return site.render(request, "new.html", who, 400 if problem else 200, fields=fields,
                       preview=preview, meanings=meanings, tz=tz.key, problem=problem,
                       refusal=refusal, quota_refused=quota_refused,
                       refusal_mailed=refusal_mailed, plan=account.plan)
