"""What every command shares: the per-invocation context, the two failure kinds, instants.

The command modules import this, never `intakebot.cli` (which imports them to
register them), so each can be imported on its own.
"""

from __future__ import annotations

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
        """The configuration, checked except for what needs a heavy library: those checks
        run where the library is used (the policy's holidays, the digest's crontab), and
        all of them in `run` and `check` (`verified_config`)."""
        if self._config is None:
            try:
                self._config = configmod.load(self.config_path, quick=True)
            except configmod.ConfigError as exc:
                raise UsageProblem(str(exc)) from None
        return self._config

    def verified_config(self) -> configmod.Config:
        try:
            return configmod.verify(self.config)
        except configmod.ConfigError as exc:
            raise UsageProblem(str(exc)) from None

    @property
    def data_dir(self) -> Path:
        """--data-dir (read from the working folder), else the configuration's."""
        if self._data_dir:
            return Path(self._data_dir).expanduser()
        return self.config.data_dir

    def store(self):
        """The configured store, opened once per command; says when it creates a data folder."""
        if self._store is None:
            from intakebot.config import ConfigError
            from intakebot.stores import open_store
            from store import StoreCorrupt

            folder = self.data_dir
            existed = folder.exists()
            try:
                self._store = open_store(self.config, folder)
            except StoreCorrupt as exc:
                raise Failure(str(exc)) from None
            except ConfigError as exc:
                raise UsageProblem(str(exc)) from None
            except OSError as exc:
                raise Failure(f"data folder {folder} cannot be used: {exc}") from None
            if self.config.store.backend == "tinydb" and not existed:
                click.echo(f"created data folder {folder.resolve()}", err=True)
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
