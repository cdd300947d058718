"""SLA compliance per week and plan, counted with the report's own definition, drawn as a
server-rendered SVG bar chart (no JavaScript, no chart library).

A week holds the tickets opened in it (as the report and digest count by month);
each of a ticket's two clocks counts once it is decided (`compliance_verdict`:
met or breached; best-effort targets and running clocks are not counted).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from xml.sax.saxutils import escape

from markupsafe import Markup

from rules.policy import Policy
from rules.sla import compliance_percent, compliance_verdict
from store.records import Account, Ticket
from web.words import Words

COLOURS = ("#1f4e79", "#2e8b57", "#c0762c", "#7b4ea3", "#a33b3b", "#3b8ea3")


def week_start(at: datetime, policy: Policy) -> date:
    local = at.astimezone(policy.tz).date()
    return local - timedelta(days=local.weekday())


def weekly(tickets: Iterable[Ticket], accounts: Mapping[str, Account], policy: Policy,
           now: datetime, weeks: int = 8) -> tuple[list[date], dict[str, dict[date, list[int]]]]:
    """(the weeks, oldest first; plan -> week -> [met, counted])."""
    this = week_start(now, policy)
    days = [this - timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]
    tally: dict[str, dict[date, list[int]]] = {}
    for ticket in tickets:
        account = accounts.get(ticket.account)
        if account is None or account.plan not in policy.plans:
            continue
        week = week_start(ticket.created_at, policy)
        if week < days[0]:
            continue
        cell = tally.setdefault(account.plan, {}).setdefault(week, [0, 0])
        for clock in policy.clocks(ticket, account.plan, now) or ():
            verdict = compliance_verdict(clock)
            if verdict is not None:
                cell[0] += verdict
                cell[1] += 1
    return days, tally


def svg(days: list[date], tally: dict[str, dict[date, list[int]]], w: Words) -> Markup:
    """Grouped bars: one group per week, one bar per plan, its height the share of decided
    targets met; a week without decided targets has no bar for that plan. Its words are
    in the reader's language."""
    plans = sorted(tally)
    width, height, left, top, bottom = 760, 280, 44, 36, 48
    inner_w, inner_h = width - left - 16, height - top - bottom
    group = inner_w / max(len(days), 1)
    bar = min(26.0, (group - 10) / max(len(plans), 1))
    title = w._("SLA targets met per week and plan")
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
           f'width="100%" role="img" aria-labelledby="chart-title">',
           f'<title id="chart-title">{escape(title)}</title>',
           '<style>text{font:12px Arial,Helvetica,sans-serif;fill:#374151}</style>']
    for pct in (0, 25, 50, 75, 100):
        y = top + inner_h * (1 - pct / 100)
        out.append(f'<line x1="{left}" x2="{width - 16}" y1="{y:.1f}" y2="{y:.1f}" '
                   f'stroke="#e5e7eb"/><text x="{left - 6}" y="{y + 4:.1f}" '
                   f'text-anchor="end">{pct}%</text>')
    for i, week in enumerate(days):
        x0 = left + i * group + (group - bar * len(plans)) / 2
        for j, plan in enumerate(plans):
            met, counted = tally[plan].get(week, [0, 0])
            pct = compliance_percent(met, counted)
            if pct is None:
                continue
            h = inner_h * pct / 100
            x = x0 + j * bar
            label = escape(w._("%(plan)s, week of %(week)s: %(percent)s%% (%(met)s of "
                               "%(counted)s met)", plan=plan, week=w.week(week), percent=pct,
                               met=met, counted=counted))
            out.append(f'<rect x="{x:.1f}" y="{top + inner_h - h:.1f}" width="{bar - 3:.1f}" '
                       f'height="{max(h, 1):.1f}" fill="{COLOURS[j % len(COLOURS)]}">'
                       f'<title>{label}</title></rect>')
            out.append(f'<text x="{x + (bar - 3) / 2:.1f}" y="{top + inner_h - h - 4:.1f}" '
                       f'text-anchor="middle">{pct}</text>')
        out.append(f'<text x="{left + i * group + group / 2:.1f}" y="{height - bottom + 18}" '
                   f'text-anchor="middle">{escape(w.week(week))}</text>')
    x = left
    for j, plan in enumerate(plans):
        out.append(f'<rect x="{x}" y="10" width="12" height="12" '
                   f'fill="{COLOURS[j % len(COLOURS)]}"/><text x="{x + 16}" y="20">'
                   f'{escape(plan)}</text>')
        x += 24 + 8 * len(plan)
    if not plans:
        empty = w._("No target decided in these weeks yet.")
        out.append(f'<text x="{left + 8}" y="{top + inner_h / 2}">{escape(empty)}</text>')
    note = w._("week beginning (tickets opened that week; both clocks; best-effort targets "
               "not counted)")
    out.append(f'<text x="{width - 16}" y="{height - 8}" text-anchor="end">{escape(note)}'
               '</text>')
    out.append("</svg>")
    return Markup("".join(out))
