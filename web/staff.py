"""The staff pages: the overview (open tickets of every account, nearest due first, with
at-risk and overdue marked, and the weekly SLA compliance chart per plan) and one
ticket's page (its whole timeline with internal notes, commands, the mail it caused
and real addresses; its clocks, requester and channel). Agents and managers of the
configuration only; to anyone else they do not exist (404)."""

from __future__ import annotations

from datetime import datetime

from starlette.requests import Request
from starlette.responses import Response

from rules.sla import SlaState
from web import chart, timeline, views
from web.site import Site

_RANK = {SlaState.BREACHED: 0, SlaState.AT_RISK: 1, SlaState.OK: 2}


def _staff(site: Site, uow, request: Request):
    """(identity, None) of a signed-in agent or manager; else (None, the response): the
    sign-in page, or 404 for a contact (the staff pages do not exist for him)."""
    who = site.identity(uow, request)
    if who is None:
        return None, site.to_sign_in(request)
    if not who.staff:
        return None, site.error(request, 404)
    return who, None


def overview(site: Site, request: Request, form) -> Response:
    policy, now = site.deps.policy, site.now()
    with site.deps.store.unit_of_work(read_only=True) as uow:
        who, away = _staff(site, uow, request)
        if who is None:
            return away
        w = site.words(request)
        accounts = {a.name: a for a in uow.accounts.all()}
        rows = []
        for t in uow.tickets.open():
            account = accounts.get(t.account)
            if not t.status.active or account is None:
                continue
            clocks = policy.clocks(t, account.plan, now)
            running = [c for c in clocks or () if c.due is not None and c.state in _RANK]
            nearest = min((c.due for c in running), default=None)
            worst = min((_RANK[c.state] for c in running), default=3)
            row = views.ticket_row(t, clocks, policy.tz, w, staff=True)
            row.update(account=t.account, plan=account.plan, requester=t.requester,
                       assignee=t.assignee or w._("unassigned"),
                       flag={0: "overdue", 1: "at-risk"}.get(worst, ""),
                       nearest=nearest, nearest_text=w.when(nearest, policy.tz))
            rows.append(row)
        days, tally = chart.weekly(uow.tickets.all(include_archived=True), accounts, policy,
                                   now)
    rows.sort(key=lambda r: (r["nearest"] is None, r["nearest"] or datetime.max.replace(
        tzinfo=policy.tz)))
    counts = {"overdue": sum(r["flag"] == "overdue" for r in rows),
              "at_risk": sum(r["flag"] == "at-risk" for r in rows)}
    return site.render(request, "staff.html", who, rows=rows, counts=counts,
                       chart=chart.svg(days, tally, w), tz=policy.tz.key,
                       manager=who.email in site.deps.staff.managers)


def ticket(site: Site, request: Request, form) -> Response:
    policy, now, number = site.deps.policy, site.now(), request.path_params["number"]
    with site.deps.store.unit_of_work(read_only=True) as uow:
        who, away = _staff(site, uow, request)
        if who is None:
            return away
        t = uow.tickets.get(number)
        if t is None:
            return site.error(request, 404)
        w, tz, staff = site.words(request), policy.tz, site.deps.staff
        account = uow.accounts.get(t.account)
        plan = account.plan if account else None
        contacts = uow.contacts.for_account(t.account)
        names = {c.email: c.name for c in contacts if c.name}
        clocks = policy.clocks(t, plan, now)
        row = views.ticket_row(t, clocks, tz, w, staff=True)
        # a scan of the hot outbox: this page is opened now and then by the desk, and
        # delivered rows move to the yearly archive (store/history.py)
        mails = [r for r in uow.outbox.all() if r.ticket == number]
        items = timeline.staff_timeline(t, uow.events.for_ticket(number), mails, staff, names,
                                        tz, w)
        requester = uow.contacts.get(t.requester)
    done = (t.first_response_at, t.resolved_at)
    for clock, at, status in zip(("response", "resolution"), done, clocks or (None, None),
                                 strict=True):
        row[clock]["done"] = w.when(at, tz) if at else None
        row[clock]["used"] = round(status.fraction * 100) if status and status.due else None
    return site.render(
        request, "staff_ticket.html", who, ticket=row, items=items, tz=tz.key,
        account=t.account, plan=plan or "-",
        requester=timeline.person(t.requester, staff, names),
        requester_known=requester is not None and requester.account.lower() == t.account.lower(),
        cc=[timeline.person(a, staff, names) for a in t.cc],
        opened_by=timeline.person(t.opened_by, staff, names) if t.opened_by else None,
        assignee=t.assignee or w._("unassigned"), reason=w.reason_for_staff(t.severity_reason),
        overage=t.overage, language=t.language)


def attachment(site: Site, request: Request, form) -> Response:
    """Any file of the ticket's timeline, the agents' too (the staff see everything)."""
    p = request.path_params
    with site.deps.store.unit_of_work(read_only=True) as uow:
        who, away = _staff(site, uow, request)
        if who is None:
            return away
        event = next((e for e in uow.events.for_ticket(p["number"]) if e.seq == p["seq"]), None)
    files = (event.data.get("attachments") or []) if event is not None else []
    if not 0 <= p["index"] < len(files):
        return site.error(request, 404)
    return site.download(files[p["index"]])
