"""Setting up: `init` writes a commented configuration; `check` validates it and tries servers."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import click

from intakebot.cli_context import Context, Failure, pass_ctx


def default_config_text() -> str:
    return files("intakebot").joinpath("intakebot.toml").read_text(encoding="utf-8")


@click.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path),
                default=Path("intakebot.toml"), required=False)
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
def init(path: Path, force: bool) -> None:
    """Write a commented configuration file covering every setting (default ./intakebot.toml)."""
    if path.exists() and not force:
        raise Failure(f"{path} already exists: edit it, or use --force to overwrite it")
    try:
        path.write_text(default_config_text(), encoding="utf-8")
    except OSError as exc:
        raise Failure(f"cannot write {path}: {exc.strerror}") from None
    found = "" if path == Path("intakebot.toml") else f"--config {path} "
    click.echo(f"Wrote {path}. Edit it, then run `intakebot {found}check`.")


def warn_unattended(config) -> None:
    """Say on stderr when nobody would hear of new tickets (no agents configured)."""
    if not config.agents.addresses:
        click.echo("warning: [agents] addresses is empty: nobody will be told of new "
                   "tickets, customers' replies or severity requests, though customers are "
                   "promised SLA times; list your agents there", err=True)


@click.command()
@pass_ctx
def check(ctx: Context) -> None:
    """Validate the configuration, then try the IMAP login and the SMTP connection."""
    from intakebot.config import ConfigError

    config = ctx.verified_config()  # exits 2 with the reasons when invalid
    click.echo(f"configuration: ok ({config.source})")
    folder = ctx.data_dir.resolve()
    click.echo(f"data folder: {folder}"
               + ("" if folder.exists() else " (created when a command first needs it)"))
    warn_unattended(config)
    failures = 0
    if config.store.backend == "postgresql":
        failures += _check_database(config)
    if config.imap is None:
        click.echo("imap: not configured (intake by the embedded SMTP listener or `ingest`)")
    else:
        from intake.mailbox import ImapMailbox, MailboxError

        imap = config.imap
        where = (f"{imap.username}@{imap.host}:{imap.effective_port} "
                 f"({'no TLS' if imap.tls == 'none' else imap.tls})")
        try:
            box = ImapMailbox(imap.host, imap.effective_port, username=imap.username or "",
                              password=imap.secret("imap") or "", tls=imap.tls,
                              folder=imap.folder, timeout=min(imap.timeout_seconds, 20))
            with box:
                box.connect()
                box.uidvalidity()
            click.echo(f"imap: ok, logged in to {where} and opened {imap.folder}")
        except (MailboxError, ConfigError, OSError) as exc:
            failures += 1
            click.echo(f"imap: FAILED for {where}: {exc}")
    if config.smtp is None:
        click.echo(f"smtp: not configured (mail goes to the Maildir "
                   f"{ctx.data_dir / 'sent-mail'})")
    else:
        from notifier.mailer import MailerError, SmtpMailer

        smtp = config.smtp
        where = (f"{smtp.host}:{smtp.effective_port} "
                 f"({'no TLS' if smtp.tls == 'none' else smtp.tls})")
        try:
            mailer = SmtpMailer(smtp.host, smtp.effective_port, smtp.tls,
                                username=smtp.username, password=smtp.secret("smtp"),
                                timeout=min(smtp.timeout_seconds, 20))
            mailer.open()
            mailer.close()
            click.echo(f"smtp: ok, connected to {where}"
                       + (" and logged in" if smtp.username else ""))
        except (MailerError, ConfigError, OSError) as exc:
            failures += 1
            click.echo(f"smtp: FAILED for {where}: {exc}")
    if failures:
        raise Failure(f"{failures} check(s) failed")


def _check_database(config) -> int:
    """Say whether the database answers and its schema is the one this version needs."""
    from intakebot.config import ConfigError

    try:
        dsn = config.store.connection_string()
        import psycopg

        from store.pg.db import describe_dsn, one_line
        from store.pg.migrate import status
    except ConfigError as exc:
        click.echo(f"store: FAILED: {exc}")
        return 1
    except ImportError:
        from intakebot.commands_migrate import NOT_INSTALLED

        click.echo(f"store: FAILED: {NOT_INSTALLED}")
        return 1
    where = describe_dsn(dsn)
    try:
        found, needed = status(dsn)
    except psycopg.Error as exc:
        click.echo(f"store: FAILED, cannot connect to PostgreSQL ({where}): {one_line(exc)}")
        return 1
    if found == needed:
        click.echo(f"store: ok, PostgreSQL ({where}), schema {found} is current")
        return 0
    click.echo(f"store: FAILED, PostgreSQL ({where}) has "
               f"{'no intakebot schema' if found is None else 'schema ' + found}; this version "
               f"needs {needed}: run `intakebot migrate`")
    return 1


@click.command()
def demo() -> None:
    """A self-contained tour on a throwaway data folder, with simulated time."""
    from intakebot.demo import run_demo

    folder = run_demo(click.echo)
    click.echo(f"(demo data kept in {folder}; delete it when done)")


COMMANDS = [init, check, demo]
