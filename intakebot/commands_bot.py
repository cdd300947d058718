"""Commands that run the bot or feed it mail: run, poll, ingest, explain, digest."""

from __future__ import annotations

import json
import logging
import signal
import sys
import threading
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from intakebot.cli_context import Context, Failure, UsageProblem, parse_instant, pass_ctx
from intakebot.clock import FixedClock, SystemClock

if TYPE_CHECKING:
    from intakebot.app import App

# sysexits.h EX_TEMPFAIL: the MTA keeps the message and retries later
EX_TEMPFAIL = 75


def setup_logging(level: str) -> None:
    from intakebot.logs import handler

    # times in UTC with Z (intakebot/logs.py): a local time without its zone is ambiguous
    logging.basicConfig(level=getattr(logging, level), handlers=[handler(sys.stderr)])
    # aiosmtpd logs every SMTP session (and its own readiness probe) at INFO
    logging.getLogger("mail.log").setLevel(logging.WARNING if level != "DEBUG" else logging.DEBUG)
    # library chatter only at DEBUG: APScheduler's "Running job ...", and its "skipped:
    # maximum number of running instances" when new mail wakes a delivery in progress
    if level != "DEBUG":
        logging.getLogger("apscheduler").setLevel(logging.ERROR)
        # mail-parser warns about every part type it does not decode (bounce reports)
        logging.getLogger("mailparser").setLevel(logging.ERROR)


def build_app(ctx: Context, now: str | None = None) -> App:
    from intakebot.app import App
    from store import StoreCorrupt

    config = ctx.config
    clock = FixedClock(parse_instant(now, "--now", config.tz)) if now else SystemClock()

    try:
        return App(config, ctx.data_dir, clock, store=ctx.store())
    except StoreCorrupt as exc:
        raise Failure(str(exc)) from None


def _config_secret_problem(exc: Exception) -> Failure:
    return UsageProblem(str(exc))


@click.command()
@click.option("--once", is_flag=True, help="Run every job once and exit (for cron and tests).")
@click.option("--now", metavar="ISO8601", default=None,
              help="With --once: run the jobs as if the time were this instant.")
@pass_ctx
def run(ctx: Context, once: bool, now: str | None) -> None:
    """Run the bot: intake, outbox delivery, SLA warnings and the manager digest."""
    from intakebot.config import ConfigError

    if now and not once:
        raise UsageProblem("--now needs --once: a running bot always uses the real clock")
    setup_logging(ctx.config.support.log_level)
    app = build_app(ctx, now)
    try:
        if once:
            report = app.run_once()
            for h in report["handled"]:
                click.echo(f"{h.incoming.source}: {h.outcome}"
                           + (f" #{h.ticket}" if h.ticket else ""))
            for q in report["queued"]:
                click.echo(f"queued {q}")
            for d in report["delivered"]:
                click.echo(f"{d.result} {d.kind} to {', '.join(d.to)}"
                           + (f": {d.error}" if d.error else ""))
            return
        _run_forever(app)
    except ConfigError as exc:
        raise _config_secret_problem(exc) from None


def _run_forever(app: App) -> None:
    from intakebot.app import Runner

    runner = Runner(app)
    stop = threading.Event()

    def on_signal(signum, frame):
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        runner.start()
    except OSError as exc:
        raise Failure(f"cannot start: {exc}") from None
    config = app.config
    lines = [f"intakebot running; data in {app.data_dir.resolve()}"]
    if runner.listener is not None:
        c = config.smtp_listener
        addresses = ", ".join(config.support.addresses)
        lines.append(f"  SMTP intake on {c.host}:{c.port} for {addresses}")
        lines.append(f"  try: swaks --server {c.host}:{c.port} --to {config.support.address} "
                     "--from someone@example.com   (or `intakebot ingest FILE.eml`)")
    if config.imap is not None:
        lines.append(f"  IMAP intake from {config.imap.username}@{config.imap.host}:"
                     f"{config.imap.effective_port} folder {config.imap.folder}")
    if config.smtp is None:
        lines.append(f"  outbound mail written to the Maildir {app.maildir.resolve()}")
    else:
        lines.append(f"  outbound mail via {config.smtp.host}:{config.smtp.effective_port}")
    if runner.web is not None:
        lines.append(f"  support center on http://{config.web.listen}/ (links in mail: "
                     f"{config.web.base_url})")
    lines.append("  stop with Ctrl-C or SIGTERM")
    click.echo("\n".join(lines), err=True)
    stop.wait()
    click.echo("stopping: finishing the jobs in flight", err=True)
    runner.stop()


@click.command()
@click.option("--once", is_flag=True, help="Handle what is waiting and exit.")
@pass_ctx
def poll(ctx: Context, once: bool) -> None:
    """Run IMAP intake alone (no delivery, no escalation)."""
    if ctx.config.imap is None:
        raise UsageProblem("poll needs an [imap] section in the configuration "
                           "(see `intakebot init`)")
    setup_logging(ctx.config.support.log_level)
    app = build_app(ctx)
    poller = app.poller()
    if once:
        from intake.mailbox import MailboxError

        try:
            handled = poller.poll_once()
        except MailboxError as exc:
            raise Failure(f"IMAP {ctx.config.imap.host}: {exc}") from None
        finally:
            poller.mailbox.close()
        for h in handled:
            click.echo(f"{h.incoming.source}: {h.outcome}" + (f" #{h.ticket}" if h.ticket else ""))
        click.echo(f"{len(handled)} message(s) handled", err=True)
        return
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: stop.set())
    signal.signal(signal.SIGINT, lambda *a: stop.set())
    poller.run(stop, min(ctx.config.imap.poll_seconds, 60))


@click.command()
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@pass_ctx
def ingest(ctx: Context, files: tuple[Path, ...]) -> None:
    """Take messages from FILES (or one from standard input), e.g. from an MTA pipe.

    Exit code 75 (temporary failure) asks the MTA to retry later.
    """
    from intake.pipeline import Incoming

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
    setup_logging(ctx.config.support.log_level)
    try:
        app = build_app(ctx)
        now = app.clock()
        handled = app.pipeline.run([Incoming(raw, now, f"pipe:{name}") for name, raw in raws])
    except UsageProblem:
        raise  # a configuration error: exit 2, the operator must fix it
    except Exception as exc:  # anything else: the MTA keeps the mail and retries
        click.echo(f"intakebot: temporary failure, try again later: {exc}", err=True)
        raise click.exceptions.Exit(EX_TEMPFAIL) from None
    for h in handled:
        click.echo(f"{h.incoming.source}: {h.outcome}" + (f" #{h.ticket}" if h.ticket else "")
                   + f" ({h.reason})")


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print a JSON object.")
@click.option("--now", metavar="ISO8601", default=None,
              help="Decide as if the message arrived at this instant (default: now).")
@pass_ctx
def explain(ctx: Context, file: Path, as_json: bool, now: str | None) -> None:
    """Say what the bot would do with the message in FILE, changing nothing."""
    from intake.context import Quarantine
    from intake.handler import handle_inbound
    from intake.parse import ParseError, parse

    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise UsageProblem(f"{file} cannot be read: {exc.strerror}") from None
    app = build_app(ctx, now)
    at = app.clock()
    out = {"outcome": None, "account": None, "ticket": None, "severity": None,
           "severity_reason": None, "response_due": None, "resolution_due": None,
           "quota_remaining": None, "reason": None, "mails": []}
    with app.store.unit_of_work() as uow:  # never committed: explain changes nothing
        try:
            mail = parse(raw, at, max_bytes=ctx.config.intake.max_message_bytes)
            result = handle_inbound(mail, uow, app.policy, app.settings, at, source="explain")
        except (ParseError, Quarantine) as exc:
            out.update(outcome="quarantine", reason=str(exc))
        else:
            t = result.ticket
            out.update(outcome=result.outcome, account=result.account, reason=result.reason,
                       quota_remaining=result.quota_remaining,
                       mails=[{"kind": r.kind, "to": r.to} for r in result.outbox])
            if t is not None:
                out.update(ticket=t.number, severity=str(t.severity),
                           severity_reason=t.severity_reason,
                           response_due=t.response_due.isoformat() if t.response_due else None,
                           resolution_due=t.resolution_due.isoformat()
                           if t.resolution_due else None)
        uow.rollback()
    if as_json:
        click.echo(json.dumps(out, indent=2, ensure_ascii=False))
        return
    def local(iso):
        if not iso:
            return "no target"
        return datetime.fromisoformat(iso).astimezone(app.policy.tz).strftime(
            "%a %d %b %Y %H:%M %Z")

    click.echo(f"Outcome:   {out['outcome']}  ({out['reason']})")
    if out["account"]:
        click.echo(f"Account:   {out['account']}")
    if out["ticket"]:
        click.echo(f"Ticket:    #{out['ticket']}, {out['severity']} ({out['severity_reason']})")
        click.echo(f"Response due:   {local(out['response_due'])}")
        click.echo(f"Resolution due: {local(out['resolution_due'])}")
    if out["quota_remaining"] is not None:
        click.echo(f"Quota remaining: {out['quota_remaining']}")
    for m in out["mails"]:
        click.echo(f"Would send: {m['kind']} to {', '.join(m['to'])}")


@click.command()
@click.option("--send", is_flag=True, help="Queue it for the managers and deliver it now.")
@click.option("--json", "as_json", is_flag=True, help="Print the digest's data as JSON.")
@click.option("--now", metavar="ISO8601", default=None, help="Show it as of this instant.")
@pass_ctx
def digest(ctx: Context, send: bool, as_json: bool, now: str | None) -> None:
    """Show the manager digest now (and send it with --send)."""
    from notifier.contexts import digest_context

    if send and not ctx.config.managers.addresses:
        raise UsageProblem("--send needs [managers] addresses in the configuration")
    app = build_app(ctx, now)
    at = app.clock()
    with app.store.unit_of_work() as uow:
        previous = [r.created_at for r in uow.outbox.all()
                    if r.kind == "digest" and r.created_at <= at]
        data = digest_context(uow, app.policy, at, max(previous, default=None))
    if as_json:
        click.echo(json.dumps(data, indent=2, default=_jsonable, ensure_ascii=False))
    else:
        _, text, _ = app.composer.render("digest", data, None)
        click.echo(text)
    if send:
        app.queue_digest()
        results = app.deliver()
        sent = [d for d in results if d.kind == "digest"]
        for d in sent:
            click.echo(f"digest {d.result} to {', '.join(d.to)}"
                       + (f": {d.error}" if d.error else ""), err=True)


def _jsonable(value):
    from datetime import date, timedelta

    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


COMMANDS = [run, poll, ingest, explain, digest]
