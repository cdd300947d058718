"""Commands that feed the bot one message or ask about one: ingest (the MTA pipe) and explain."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path

import click

from intakebot.cli_context import Context, Failure, UsageProblem, pass_ctx
from intakebot.commands_bot import build_app, setup_logging

# sysexits.h EX_TEMPFAIL: the MTA keeps the message and retries later
EX_TEMPFAIL = 75

INGEST_HELP = """Take messages from FILES (or one from standard input), e.g. from an MTA pipe.

Each outcome is printed on standard output; a quarantined message is also
named on standard error with its reason (see `intakebot quarantine`).

\b
Exit codes when reading standard input (an MTA pipe):
  0   handled: a ticket, a refusal, a duplicate, or quarantined (an MTA
      bounces on any other code but 75, to a sender who may be forged)
  75  temporary failure (data folder busy or unwritable, configuration
      broken): the MTA keeps the message and delivers it again later
  2   usage error (an empty message)
With FILES: 0 when all were handled, 1 when any was quarantined, 2 for a
usage or configuration error, 75 for a temporary failure.
"""


def archive_key(raw: bytes) -> str:
    """The key the raw-mail archive files a message under (store.archive)."""
    import hashlib

    return hashlib.sha256(raw).hexdigest()


def quarantine_id(sha256: str) -> str:
    """How commands name a quarantined message: the start of its archive key."""
    return sha256[:12]


@click.command(help=INGEST_HELP)
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@pass_ctx
def ingest(ctx: Context, files: tuple[Path, ...]) -> None:
    from intake.pipeline import Incoming

    piped = not files
    raws: list[tuple[str, bytes]] = []
    if files:
        for path in files:
            try:
                raws.append((str(path), path.read_bytes()))
            except OSError as exc:
                raise UsageProblem(f"{path} cannot be read: {exc.strerror}") from None
    else:
        raws.append(("stdin", sys.stdin.buffer.read()))
    if any(not raw for _, raw in raws):
        raise UsageProblem("an empty message was given: nothing to ingest")
    from intakebot.config import ConfigError

    try:
        setup_logging(ctx.config.support.log_level)
        app = build_app(ctx)
        now = app.clock()
        try:
            handled = app.pipeline.run([Incoming(raw, now, f"pipe:{name}")
                                        for name, raw in raws])
        except ConfigError as exc:  # found while building a part (the holidays' country)
            raise UsageProblem(str(exc)) from None
    except UsageProblem as exc:
        if not piped:
            raise  # a configuration error: exit 2, the operator must fix it
        # piped: a bounce would go to a sender who may be forged; the MTA keeps it
        click.echo(f"intakebot: configuration error, the MTA keeps the message: {exc}",
                   err=True)
        raise click.exceptions.Exit(EX_TEMPFAIL) from None
    except Exception as exc:  # anything else: the MTA keeps the mail and retries
        click.echo(f"intakebot: temporary failure, try again later: {exc}", err=True)
        raise click.exceptions.Exit(EX_TEMPFAIL) from None
    for h in handled:
        click.echo(f"{h.incoming.source}: {h.outcome}" + (f" #{h.ticket}" if h.ticket else "")
                   + f" ({h.reason})")
        if h.quarantined:
            key = quarantine_id(archive_key(h.incoming.raw))
            click.echo(f"intakebot: {h.incoming.source} quarantined {key}: {h.reason} "
                       f"(`intakebot quarantine show {key}`)", err=True)
    if not piped and any(h.quarantined for h in handled):
        raise Failure(f"{sum(h.quarantined for h in handled)} of {len(handled)} message(s) "
                      "quarantined")


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print a JSON object.")
@click.option("--now", metavar="ISO8601", default=None,
              help="Decide as if the message arrived at this instant (default: now).")
@pass_ctx
def explain(ctx: Context, file: Path, as_json: bool, now: str | None) -> None:
    """Say what the bot would do with the message in FILE, changing nothing.

    For a message in quarantine: why it is there, and what releasing it would do now.
    """
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise UsageProblem(f"{file} cannot be read: {exc.strerror}") from None
    app = build_app(ctx, now)
    at = app.clock()
    out = {"outcome": None, "account": None, "ticket": None, "severity": None,
           "severity_reason": None, "response_due": None, "resolution_due": None,
           "quota_remaining": None, "reason": None, "mails": [], "quarantine": None,
           "if_released": None}
    sha = archive_key(raw)
    with app.store.unit_of_work() as uow:  # never committed: explain changes nothing
        held = uow.inbound.by_sha(sha)
        if held is not None and held.quarantined:
            out.update(outcome="quarantine", reason=held.reason, quarantine={
                "id": quarantine_id(sha), "since": held.recorded_at.isoformat(),
                "reason": held.reason})
            uow.inbound.forget(sha)  # what a release would do: handled as new
            out["if_released"] = _decide(app, uow, raw, at, ctx.config.intake)
        else:
            out.update(_decide(app, uow, raw, at, ctx.config.intake))
        uow.rollback()
    if as_json:
        click.echo(json.dumps(out, indent=2, ensure_ascii=False))
        return
    _print_explained(out, ctx.config.tz)


def _decide(app, uow, raw: bytes, at: datetime, intake) -> dict:
    """What intake makes of `raw` now, inside `uow` (which the caller rolls back)."""
    from intake.context import Quarantine
    from intake.handler import handle_inbound
    from intake.parse import ParseError, parse

    try:
        mail = parse(raw, at, max_bytes=intake.max_message_bytes)
        result = handle_inbound(mail, uow, app.policy, app.settings, at, source="explain")
    except (ParseError, Quarantine) as exc:
        return {"outcome": "quarantine", "reason": str(exc)}
    t = result.ticket
    found = {"outcome": result.outcome, "account": result.account, "reason": result.reason,
             "quota_remaining": result.quota_remaining,
             "mails": [{"kind": r.kind, "to": r.to} for r in result.outbox]}
    if t is not None:
        found.update(ticket=t.number, severity=str(t.severity),
                     severity_reason=t.severity_reason,
                     response_due=t.response_due.isoformat() if t.response_due else None,
                     resolution_due=t.resolution_due.isoformat() if t.resolution_due else None)
    return found


def _print_explained(out: dict, tz) -> None:
    def local(iso):
        if not iso:
            return "no target"
        return datetime.fromisoformat(iso).astimezone(tz).strftime("%a %d %b %Y %H:%M %Z")

    held = out["quarantine"]
    if held is not None:
        click.echo(f"Outcome:   quarantine  ({held['reason']})")
        click.echo(f"Quarantine: {held['id']} since {local(held['since'])}; "
                   f"`intakebot quarantine show {held['id']}` has the details")
        out = out["if_released"]
        click.echo(f"If released now (`intakebot quarantine release {held['id']}`): "
                   f"{out['outcome']}  ({out['reason']})")
    else:
        click.echo(f"Outcome:   {out['outcome']}  ({out['reason']})")
    if out.get("account"):
        click.echo(f"Account:   {out['account']}")
    if out.get("ticket"):
        click.echo(f"Ticket:    #{out['ticket']}, {out['severity']} ({out['severity_reason']})")
        click.echo(f"Response due:   {local(out['response_due'])}")
        click.echo(f"Resolution due: {local(out['resolution_due'])}")
    if out.get("quota_remaining") is not None:
        click.echo(f"Quota remaining: {out['quota_remaining']}")
    for m in out.get("mails", []):
        click.echo(f"Would send: {m['kind']} to {', '.join(m['to'])}")


COMMANDS = [ingest, explain]
