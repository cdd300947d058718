"""Ticket commands for the operator: list, show with timeline, resolve."""

from __future__ import annotations

import json

import click

from intakebot.cli_context import Context, Failure, pass_ctx
from intakebot.commands_bot import build_app


class TicketNumber(click.ParamType):
    """A ticket number as mails write it (#1042) or bare (1042)."""

    name = "N"

    def convert(self, value, param, ctx):
        text = str(value).strip().lstrip("#")
        if not text.isdigit() or int(text) < 1:
            self.fail(f"{value!r} is not a ticket number such as 1042 or #1042", param, ctx)
        return int(text)


def _plain(value) -> str:
    """An event detail as a person reads it: lists joined, yes for true."""
    if isinstance(value, list | tuple):
        return ", ".join(_plain(v) for v in value)
    if value is True:
        return "yes"
    return " ".join(str(value).split())


def _iso(value):
    return value.isoformat() if value is not None else None


def ticket_json(ticket, clocks=None) -> dict:
    out = {
        "number": ticket.number, "account": ticket.account, "requester": ticket.requester,
        "subject": ticket.subject, "severity": str(ticket.severity),
        "severity_reason": ticket.severity_reason, "status": ticket.status,
        "created_at": _iso(ticket.created_at), "response_due": _iso(ticket.response_due),
        "resolution_due": _iso(ticket.resolution_due),
        "first_response_at": _iso(ticket.first_response_at),
        "resolved_at": _iso(ticket.resolved_at), "overage": ticket.overage,
        "assignee": ticket.assignee, "cc": list(ticket.cc), "channel": str(ticket.channel),
    }
    if clocks is not None:
        # the clocks' dues include pauses (waiting on the customer, time resolved)
        out["response_due"] = _iso(clocks[0].due)
        out["resolution_due"] = _iso(clocks[1].due)
        out["response_state"] = clocks[0].state.value
        out["resolution_state"] = clocks[1].state.value
    return out


def _clocks(app, uow, ticket, now):
    account = uow.accounts.get(ticket.account)
    return app.policy.clocks(ticket, account.plan if account else None, now)


@click.command()
@click.option("--all", "show_all", is_flag=True, help="Include resolved, closed and archived.")
@click.option("--account", default=None, metavar="A", help="Only this account's tickets.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@click.option("--now", metavar="ISO8601", default=None, help="SLA states as of this instant.")
@pass_ctx
def tickets(ctx: Context, show_all: bool, account: str | None, as_json: bool,
            now: str | None) -> None:
    """List tickets (open ones unless --all) with their SLA state."""
    app = build_app(ctx, now)
    at = app.clock()
    with app.store.unit_of_work() as uow:
        if account is not None:
            stored = uow.accounts.get(account)
            if stored is None:
                raise Failure(f"no account named {account!r}; see `intakebot account list`")
            account = stored.name
        found = uow.tickets.all(include_archived=True) if show_all else [
            t for t in uow.tickets.open() if t.status in ("open", "pending-customer")]
        found = [t for t in found if (account is None or t.account == account)
                 and (now is None or t.created_at <= at)]  # --now: not yet opened then
        rows = [ticket_json(t, _clocks(app, uow, t, at)) for t in found]
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if not rows:
        click.echo("No tickets." if show_all else "No open tickets.")
        return
    tz = app.policy.tz
    click.echo(f"Times in {tz.key}.")
    click.echo(f"{'#':>6} {'STATUS':16} {'SEVERITY':9} {'ACCOUNT':14} "
               f"{'RESPONSE DUE':16} {'':9} {'RESOLUTION DUE':16} {'':9} SUBJECT")
    for r in rows:
        clocks = "".join(f"{_due(r[f'{clock}_due'], tz):16} {r.get(f'{clock}_state', ''):9} "
                         for clock in ("response", "resolution"))
        click.echo(f"{r['number']:>6} {r['status']:16} {r['severity']:9} "
                   f"{r['account'][:14]:14} {clocks}{r['subject'][:50]}")


def _due(iso: str | None, tz) -> str:
    from datetime import datetime

    return datetime.fromisoformat(iso).astimezone(tz).strftime("%a %d %b %H:%M") \
        if iso else "no target"


@click.group()
def ticket() -> None:
    """One ticket: open one (a call), show it with its timeline, or resolve it."""


@ticket.command("show")
@click.argument("number", type=TicketNumber(), metavar="N")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON object.")
@click.option("--now", metavar="ISO8601", default=None, help="SLA states as of this instant.")
@pass_ctx
def ticket_show(ctx: Context, number: int, as_json: bool, now: str | None) -> None:
    """Show ticket N with its event timeline."""
    app = build_app(ctx, now)
    with app.store.unit_of_work() as uow:
        t = uow.tickets.get(number)
        if t is None:
            raise Failure(f"no ticket #{number}")
        data = ticket_json(t, _clocks(app, uow, t, app.clock()))
        events = uow.events.for_ticket(number)
    data["events"] = [{"at": e.at.isoformat(), "kind": e.kind.value,
                       "data": {k: v for k, v in e.data.items() if k != "text"}}
                      for e in events]
    if as_json:
        click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))
        return
    tz = app.policy.tz
    fmt = "%a %d %b %Y %H:%M %Z"
    from datetime import datetime

    def local(v):
        return datetime.fromisoformat(v).astimezone(tz).strftime(fmt) if v else "-"

    click.echo(f"Ticket #{t.number}: {t.subject}")
    click.echo(f"  account {t.account}, requester {t.requester}, status {t.status}"
               + (", overage" if t.overage else ""))
    click.echo(f"  channel     {t.channel}"
               + (f" (opened by {t.opened_by})" if t.opened_by else ""))
    click.echo(f"  severity {t.severity} ({t.severity_reason})")
    click.echo(f"  assignee    {t.assignee or 'nobody yet'}")
    click.echo(f"  created     {local(data['created_at'])}")
    first = local(data["first_response_at"]) if data["first_response_at"] else "none yet"
    solved = local(data["resolved_at"]) if data["resolved_at"] else "not yet"
    click.echo(f"  response    due {local(data['response_due'])}, first reply: {first} "
               f"[{data.get('response_state', '')}]")
    click.echo(f"  resolution  due {local(data['resolution_due'])}, resolved: {solved} "
               f"[{data.get('resolution_state', '')}]")
    click.echo("Timeline:")
    for e in data["events"]:
        detail = "; ".join(f"{k.replace('_', ' ')}: {_plain(v)}" for k, v in e["data"].items()
                           if v not in (None, "", [], {}, False) and k not in ("body", "raw"))
        click.echo(f"  {local(e['at'])}  {e['kind']:16} {detail}")


@ticket.command("resolve")
@click.argument("number", type=TicketNumber(), metavar="N")
@pass_ctx
def ticket_resolve(ctx: Context, number: int) -> None:
    """Mark ticket N resolved and tell the requester."""
    from rules import lifecycle
    from store.changes import keep
    from store.outbox_writer import OutboxWriter

    app = build_app(ctx)
    now = app.clock()
    with app.store.unit_of_work() as uow:
        t = uow.tickets.get(number)
        if t is None:
            raise Failure(f"no ticket #{number}")
        if not t.status.active:
            raise Failure(f"ticket #{number} is already {t.status}")
        change = lifecycle.resolve(t, now, by="operator", by_name=None,
                                   reopen_days=app.config.intake.reopen_days, now=now)
        keep(uow, OutboxWriter(uow, app.settings.addressing, now), change)
        uow.commit()
    click.echo(f"Ticket #{number} resolved; the requester will be told.")


COMMANDS = [tickets, ticket]


@click.command()
@click.option("--month", metavar="YYYY-MM", default=None,
              help="The month of ticket creation to report on (default: this month).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON object.")
@click.option("--now", metavar="ISO8601", default=None, help="Clock states as of this instant.")
@pass_ctx
def report(ctx: Context, month: str | None, as_json: bool, now: str | None) -> None:
    """SLA compliance per account and plan (response and resolution) and quota use."""
    import re

    from intakebot.cli_context import UsageProblem
    from intakebot.report import monthly_report

    app = build_app(ctx, now)
    at = app.clock()
    if month is None:
        local = at.astimezone(app.policy.tz)
        year, mon = local.year, local.month
    else:
        m = re.fullmatch(r"(\d{4})-(\d{2})", month)
        if not m or not 1 <= int(m.group(2)) <= 12:
            raise UsageProblem(f"--month {month!r} is not a month: use YYYY-MM, e.g. 2026-03")
        year, mon = int(m.group(1)), int(m.group(2))
    with app.store.unit_of_work() as uow:
        data = monthly_report(uow, app.policy, year, mon, at)
    if as_json:
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return

    def pct(t):  # the digest's rounding: down, so a breach never shows as 100%
        return "-" if t["percent"] is None else f"{t['percent']}%"

    click.echo(f"SLA report for tickets opened in {data['month']}")
    click.echo(f"{'ACCOUNT':20} {'PLAN':10} {'TICKETS':>7}  {'RESPONSE met/late':>18}  "
               f"{'RESOLUTION met/late':>20}  QUOTA used/incl+extra")
    for r in data["accounts"]:
        q = r.get("quota", {})
        click.echo(f"{r['account'][:20]:20} {r['plan']:10} {r['tickets']:>7}  "
                   f"{r['response']['met']:>5}/{r['response']['breached']:<4} "
                   f"{pct(r['response']):>6}  {r['resolution']['met']:>6}/"
                   f"{r['resolution']['breached']:<4} {pct(r['resolution']):>7}  "
                   f"{q.get('used', 0)}/{q.get('included', 0)}+{q.get('extra', 0)}")
    for p in data["plans"]:
        count = f"{p['tickets']} ticket" + ("" if p["tickets"] == 1 else "s")
        click.echo(f"plan {p['plan']}: {count}, response {pct(p['response'])}, "
                   f"resolution {pct(p['resolution'])} (best-effort targets not counted)")
    click.echo("tickets per channel: "
               + ", ".join(f"{c} {n}" for c, n in data["channels"].items()))


COMMANDS.append(report)
