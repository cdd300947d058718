"""The command line: `intakebot [--config PATH] [--data-dir PATH] COMMAND ...`.

Exit codes: 0 ok, 1 failure, 2 usage or configuration error. A user mistake
gets a one-line message naming what was wrong, never a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import click

from intakebot import config as configmod


class Failure(click.ClickException):
    """The command ran and failed (exit 1)."""

    exit_code = 1


class UsageProblem(click.ClickException):
    """A bad argument or configuration (exit 2)."""

    exit_code = 2


class Context:
    """What every command may need, built lazily from the global options."""

    def __init__(self, config_path: str | None, data_dir: str | None):
        self.config_path = config_path
        self._data_dir = data_dir
        self._config: configmod.Config | None = None
        self._store = None

    @property
    def config(self) -> configmod.Config:
        if self._config is None:
            try:
                self._config = configmod.load(self.config_path)
            except configmod.ConfigError as exc:
                raise UsageProblem(str(exc)) from None
        return self._config

    @property
    def data_dir(self) -> Path:
        return Path(self._data_dir or self.config.support.data_dir)

    def store(self):
        """The data folder's store, opened once per command."""
        if self._store is None:
            from datetime import timedelta

            from store import Store, StoreCorrupt

            try:
                self._store = Store.open(
                    self.data_dir,
                    archive_after=timedelta(days=self.config.support.archive_after_days))
            except StoreCorrupt as exc:
                raise Failure(str(exc)) from None
            except OSError as exc:
                raise Failure(f"data folder {self.data_dir} cannot be used: {exc}") from None
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


pass_ctx = click.make_pass_decorator(Context)


def parse_instant(value: str, option: str, tz) -> datetime:
    """An ISO 8601 instant; without an offset it is read in the support time zone."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise UsageProblem(
            f"{option} {value!r} is not an ISO 8601 date-time: use e.g. 2026-03-02T16:00+01:00"
        ) from None
    if not 1970 <= parsed.year <= 2200:
        raise UsageProblem(f"{option} {value!r} is out of range: use a date between the "
                           "years 1970 and 2200")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    return parsed


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--config", "config_path", metavar="PATH",
              help="Configuration file (default: $INTAKEBOT_CONFIG, else ./intakebot.toml "
                   "if present, else built-in defaults).")
@click.option("--data-dir", metavar="PATH",
              help="Data folder (default: [support] data_dir, else ./intakebot-data).")
@click.version_option(package_name="intakebot")
@click.pass_context
def cli(click_ctx: click.Context, config_path: str | None, data_dir: str | None) -> None:
    """intakebot: support@ mail in, tickets with SLA clocks out."""
    click_ctx.obj = Context(config_path, data_dir)
    click_ctx.call_on_close(click_ctx.obj.close)


def _register() -> None:
    from intakebot import (
        commands_bot,
        commands_rules,
        commands_setup,
        commands_store,
        commands_tickets,
    )

    for module in (commands_setup, commands_rules, commands_store, commands_bot,
                   commands_tickets):
        for command in module.COMMANDS:
            cli.add_command(command)


_register()


def main(argv: Sequence[str] | None = None) -> int:
    try:
        cli.main(args=list(argv) if argv is not None else None, prog_name="intakebot",
                 standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return 1
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
