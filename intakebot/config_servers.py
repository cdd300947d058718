"""The mail server sections of the configuration: [imap], [smtp], [smtp_listener]."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from intakebot.config_checks import ConfigError
from intakebot.schema import Section, setting

Tls = Literal["none", "starttls", "ssl"]


class _Login(Section):
    username: str | None = None
    password: str | None = None
    password_env: str | None = None
    password_file: str | None = None

    def secret(self, section: str) -> str | None:
        """The password from whichever source is set; ConfigError when it cannot be read."""
        if self.password is not None:
            return self.password
        if self.password_env:
            if self.password_env not in os.environ:
                raise ConfigError(
                    f"{section}.password_env names ${self.password_env}, which is not set: "
                    "export it or use password_file"
                )
            return os.environ[self.password_env]
        if self.password_file:
            try:
                return Path(self.password_file).read_text().strip()
            except OSError as exc:
                raise ConfigError(
                    f"{section}.password_file = {self.password_file!r} cannot be read: "
                    f"{exc.strerror}"
                ) from exc
        return None


class Imap(_Login):
    host: str
    port: int | None = setting(None, ge=1, le=65535)
    tls: Tls = "ssl"
    folder: str = "INBOX"
    processed_folder: str = "Processed"
    quarantine_folder: str = "Quarantine"
    idle: bool = True
    poll_seconds: int = setting(60, ge=1)
    batch_size: int = setting(200, ge=1, le=10000)
    timeout_seconds: float = setting(60.0, gt=0)

    @property
    def effective_port(self) -> int:
        return self.port or (993 if self.tls == "ssl" else 143)


class Smtp(_Login):
    host: str
    port: int | None = setting(None, ge=1, le=65535)
    tls: Tls = "starttls"
    timeout_seconds: float = setting(30.0, gt=0)

    @property
    def effective_port(self) -> int:
        return self.port or {"ssl": 465, "starttls": 587, "none": 25}[self.tls]


class SmtpListener(Section):
    # default: on when no [imap] is configured (the embedded setup), off otherwise
    enabled: bool | None = None
    host: str = "127.0.0.1"
    port: int = setting(2525, ge=1, le=65535)
