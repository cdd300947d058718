"""Commands that run the bot: run, poll, digest (ingest and explain: commands_mail)."""

from __future__ import annotations

import json
import logging
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import click

from intakebot.cli_context import Context, Failure, UsageProblem, parse_instant, pass_ctx
from intakebot.clock import FixedClock, SystemClock

if TYPE_CHECKING:
    from intakebot.app import App

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


@click.command()
@click.option("--once", is_flag=True, help="Run every job once and exit (for cron and tests).")
@click.option("--now", metavar="ISO8601", default=None,
              help="With --once: run the jobs as if the time were this instant.")
@pass_ctx
def run(ctx: Context, once: bool, now: str | None) -> None:
    """Run the bot: intake, outbox delivery, SLA warnings and the manager digest.

    One bot per data folder: a second `run` (or `poll`) exits 1 naming the first.
    """
    if now and not once:
        raise UsageProblem("--now needs --once: a running bot always uses the real clock")
    from intakebot.commands_setup import warn_unattended

    config = ctx.verified_config()  # a bad crontab or holiday country: exit 2 now
    setup_logging(config.support.log_level)
    warn_unattended(config)
    app = build_app(ctx, now)
    with alone(app), _config_problems():
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


@contextmanager
def _config_problems() -> Iterator[None]:
    """A password source that cannot be read shows up only when a part is built."""
    from intakebot.config import ConfigError

    try:
        yield
    except ConfigError as exc:
        raise UsageProblem(str(exc)) from None


@contextmanager
def alone(app: App) -> Iterator[None]:
    """Hold the data folder's bot lock for the block: one bot (run, poll) per data folder,
    or two would read one mailbox and send the same mail twice."""
    folder = app.data_dir.resolve()
    with app.store.process_lock("run") as held:
        if not held.taken:
            pid = f" (pid {held.pid})" if held.pid else ""
            raise Failure(f"another intakebot is already running on the data folder "
                          f"{folder}{pid}: stop it first, or give this one its own "
                          "--data-dir")
        yield


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
    if config.store.backend == "postgresql":
        from store.pg.db import describe_dsn

        lines = [f"intakebot running; records in PostgreSQL "
                 f"({describe_dsn(config.store.connection_string())}), this instance's "
                 f"files in {app.data_dir.resolve()}"]
        if config.imap is not None:
            lines.append("  one instance at a time reads the mailbox (a lease in the database)")
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
    with alone(app), _config_problems():
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
                click.echo(f"{h.incoming.source}: {h.outcome}"
                           + (f" #{h.ticket}" if h.ticket else ""))
            click.echo(f"{len(handled)} message(s) handled", err=True)
            return
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *a: stop.set())
        signal.signal(signal.SIGINT, lambda *a: stop.set())
        poller.run(stop, min(ctx.config.imap.poll_seconds, 60))


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


COMMANDS = [run, poll, digest]
