"""The staff overview: open tickets of every account, nearest due first, with at-risk and
overdue marked, and the weekly SLA compliance chart per plan. Agents and managers of
the configuration only; to anyone else it does not exist (404)."""

from __future__ import annotations

from datetime import datetime

from starlette.requests import Request
from starlette.responses import Response

from rules.sla import SlaState
from web import chart, views
from web.site import Site

_RANK = {SlaState.BREACHED: 0, SlaState.AT_RISK: 1, SlaState.OK: 2}


def overview(site: Site, request: Request, form) -> Response:
    policy, now = site.deps.policy, site.now()
    with site.deps.store.unit_of_work() as uow:
        who = site.identity(uow, request)
        if who is None:
            return site.to_sign_in(request)
        if not who.staff:
            return site.error(request, 404)
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
