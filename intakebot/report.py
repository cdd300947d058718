"""The monthly SLA report: compliance per account and plan, response and resolution, quota use."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from rules.policy import Policy
from rules.sla import ClockStatus, SlaState, compliance_percent, compliance_verdict
from rules.ticket import Channel
from store.quota import quota_for


def month_bounds(year: int, month: int, policy: Policy) -> tuple[datetime, datetime]:
    start = datetime.combine(datetime(year, month, 1).date(), time(), policy.tz)
    nxt = datetime(year + (month == 12), month % 12 + 1, 1)
    return start, datetime.combine(nxt.date(), time(), policy.tz)


def _channels() -> dict:
    """Tickets per channel: how they reached the desk."""
    return {c.value: 0 for c in Channel}


def _tally() -> dict:
    return {"met": 0, "breached": 0, "open": 0, "no_target": 0, "best_effort": 0}


def _count(tally: dict, clock: ClockStatus) -> None:
    verdict = compliance_verdict(clock)
    if verdict is not None:
        tally["met" if verdict else "breached"] += 1
    elif clock.best_effort:
        tally["best_effort"] += 1
    elif clock.state == SlaState.NO_TARGET:
        tally["no_target"] += 1
    else:
        tally["open"] += 1


def monthly_report(uow, policy: Policy, year: int, month: int, now: datetime) -> dict:
    """Tickets opened in the month, by account: how many met or breached each clock."""
    start, end = month_bounds(year, month, policy)
    accounts = {a.name: a for a in uow.accounts.all()}
    rows: dict[str, dict] = {}
    for ticket in uow.tickets.all(include_archived=True):
        if not start <= ticket.created_at < end or ticket.account not in accounts:
            continue
        account = accounts[ticket.account]
        clocks = policy.clocks(ticket, account.plan, now)
        if clocks is None:
            continue
        response, resolution = clocks
        row = rows.setdefault(account.name, {
            "account": account.name, "plan": account.plan, "tickets": 0,
            "response": _tally(), "resolution": _tally()})
        row["tickets"] += 1
        channels = row.setdefault("channels", _channels())
        channels[str(ticket.channel)] += 1
        _count(row["response"], response)
        _count(row["resolution"], resolution)
    for name, account in accounts.items():
        if account.plan not in policy.plans:
            continue
        row = rows.setdefault(name, {"account": name, "plan": account.plan, "tickets": 0,
                                     "response": _tally(), "resolution": _tally()})
        # the month's last instant: `end` itself may already be in the next contract year
        q = quota_for(uow, policy.plans, policy.tz, account,
                      min(now, end - timedelta(microseconds=1)))
        row["quota"] = {"used": q.used, "included": q.included, "extra": q.extra,
                        "remaining": q.remaining, "year_start": q.year_start.isoformat(),
                        "year_end": q.year_end.isoformat()}
    for row in rows.values():
        for clock in ("response", "resolution"):
            t = row[clock]
            decided = t["met"] + t["breached"]
            t["compliance"] = round(t["met"] / decided, 3) if decided else None
            t["percent"] = compliance_percent(t["met"], decided)
    by_plan: dict[str, dict] = {}
    for row in rows.values():
        p = by_plan.setdefault(row["plan"], {"plan": row["plan"], "tickets": 0,
                                             "response": _tally(), "resolution": _tally()})
        p["tickets"] += row["tickets"]
        row.setdefault("channels", _channels())
        for channel, n in row["channels"].items():
            p.setdefault("channels", _channels())[channel] += n
        for clock in ("response", "resolution"):
            for k in ("met", "breached", "open", "no_target", "best_effort"):
                p[clock][k] += row[clock][k]
    for p in by_plan.values():
        for clock in ("response", "resolution"):
            t = p[clock]
            decided = t["met"] + t["breached"]
            t["compliance"] = round(t["met"] / decided, 3) if decided else None
            t["percent"] = compliance_percent(t["met"], decided)
    channels = _channels()
    for p in by_plan.values():
        for channel, n in p.setdefault("channels", _channels()).items():
            channels[channel] += n
    return {"month": f"{year:04d}-{month:02d}", "channels": channels,
            "accounts": sorted(rows.values(), key=lambda r: r["account"]),
            "plans": sorted(by_plan.values(), key=lambda r: r["plan"])}
