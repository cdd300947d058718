"""Configuration: one TOML file, validated into typed settings with every default in one place.

Where the file comes from: --config PATH, else $INTAKEBOT_CONFIG, else
./intakebot.toml when present, else the built-in defaults below.
About 300 lines: one small model per section, and their error messages.
"""

from __future__ import annotations

import os
import tomllib
from datetime import date
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from rules.plans import Plan, PolicyError, Severity, build_catalogue
from rules.recipients import CcPolicy


class ConfigError(Exception):
    """A configuration problem the operator must fix; the message says what and how."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(
            "an IANA time zone name such as Europe/Madrid or America/New_York"
        ) from exc
    return value


class Support(_Section):
    timezone: str = "Europe/Madrid"
    address: str = "support@localhost"
    aliases: list[str] = Field(default_factory=list)
    name: str = "Support"
    data_dir: str = "./intakebot-data"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # tickets closed longer than this move out of the hot store into per-year archives
    archive_after_days: int = Field(default=30, ge=1)

    _zone = field_validator("timezone")(_check_zone)

    @field_validator("address", "aliases")
    @classmethod
    def _addresses(cls, value: Any) -> Any:
        for a in [value] if isinstance(value, str) else value:
            if "@" not in a or a.startswith("@") or a.endswith("@") or " " in a:
                raise ValueError("an e-mail address such as support@example.com")
        return value

    @property
    def addresses(self) -> list[str]:
        return [a.lower() for a in [self.address, *self.aliases]]

    @property
    def domain(self) -> str:
        return self.address.rsplit("@", 1)[1].lower()


class Holidays(_Section):
    country: str | None = "ES"
    subdivision: str | None = None
    extra: list[date] = Field(default_factory=list)

    @model_validator(mode="after")
    def _known(self) -> Holidays:
        import holidays as hol

        if self.country is None:
            if self.subdivision:
                raise ValueError("holidays.subdivision needs holidays.country")
            return self
        supported = hol.list_supported_countries()
        if self.country not in supported:
            raise ValueError(
                f"holidays.country = {self.country!r} is not valid: an ISO 3166 country "
                "code the holidays library knows, such as ES, US, GB, DE, FR"
            )
        if self.subdivision is not None and self.subdivision not in supported[self.country]:
            subs = ", ".join(supported[self.country]) or "none"
            raise ValueError(
                f"holidays.subdivision = {self.subdivision!r} is not valid for "
                f"{self.country}: one of {subs}"
            )
        return self


Tls = Literal["none", "starttls", "ssl"]


class _Login(_Section):
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
    port: int | None = Field(default=None, ge=1, le=65535)
    tls: Tls = "ssl"
    folder: str = "INBOX"
    processed_folder: str = "Processed"
    quarantine_folder: str = "Quarantine"
    idle: bool = True
    poll_seconds: int = Field(default=60, ge=1)
    batch_size: int = Field(default=200, ge=1, le=10000)
    timeout_seconds: float = Field(default=60, gt=0)

    @property
    def effective_port(self) -> int:
        return self.port or (993 if self.tls == "ssl" else 143)


class Smtp(_Login):
    host: str
    port: int | None = Field(default=None, ge=1, le=65535)
    tls: Tls = "starttls"
    timeout_seconds: float = Field(default=30, gt=0)

    @property
    def effective_port(self) -> int:
        return self.port or {"ssl": 465, "starttls": 587, "none": 25}[self.tls]


class SmtpListener(_Section):
    # default: on when no [imap] is configured (the embedded setup), off otherwise
    enabled: bool | None = None
    host: str = "127.0.0.1"
    port: int = Field(default=2525, ge=1, le=65535)


class Agents(_Section):
    addresses: list[str] = Field(default_factory=list)
    notify: list[str] | None = None  # default: all agents
    names: dict[str, str] = Field(default_factory=dict)  # address -> display name

    @property
    def notify_addresses(self) -> list[str]:
        return list(self.notify if self.notify is not None else self.addresses)


class Managers(_Section):
    addresses: list[str] = Field(default_factory=list)
    digest: str = "0 8 * * mon-fri"

    @field_validator("digest")
    @classmethod
    def _crontab(cls, value: str) -> str:
        from apscheduler.triggers.cron import CronTrigger

        try:
            CronTrigger.from_crontab(value, timezone="UTC")
        except ValueError as exc:
            raise ValueError(
                'a five-field crontab such as "0 8 * * mon-fri" (minute hour day month '
                f"weekday): {exc}"
            ) from exc
        return value


class Escalation(_Section):
    warn_at: float = Field(default=0.75, gt=0, lt=1)


class Quota(_Section):
    on_exhausted: Literal["reject", "accept"] = "reject"
    blocker_always_accepted: bool = True


class Intake(_Section):
    max_message_bytes: int = Field(default=25 * 1024 * 1024, ge=1024)
    reopen_days: int = Field(default=7, ge=0)
    refusals_per_sender_per_day: int = Field(default=3, ge=0)
    per_sender_per_hour: int = Field(default=5, ge=1)
    authserv_id: str | None = None


class Tickets(_Section):
    cc_policy: CcPolicy = CcPolicy.CONTACTS


class SeverityRule(_Section):
    severity: Severity
    pattern: str
    weight: float = Field(default=1.0, gt=0)
    label: str | None = None

    @field_validator("pattern")
    @classmethod
    def _regex(cls, value: str) -> str:
        import re

        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"a valid regular expression ({exc})") from exc
        return value


class SeverityConfig(_Section):
    rules: list[SeverityRule] = Field(default_factory=list)
    default: Severity = Severity.MAJOR


class Config(_Section):
    support: Support = Support()
    holidays: Holidays = Holidays()
    plans: dict[str, dict[str, Any]] = Field(default_factory=dict)
    imap: Imap | None = None
    smtp: Smtp | None = None
    smtp_listener: SmtpListener = SmtpListener()
    agents: Agents = Agents()
    managers: Managers = Managers()
    escalation: Escalation = Escalation()
    quota: Quota = Quota()
    intake: Intake = Intake()
    tickets: Tickets = Tickets()
    severity: SeverityConfig = SeverityConfig()

    # set by load(); not a TOML key
    source: str | None = Field(default=None, exclude=True)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.support.timezone)

    def catalogue(self) -> dict[str, Plan]:
        return build_catalogue(self.plans)


def _describe(error: dict[str, Any]) -> str:
    loc = ".".join(str(p) for p in error["loc"] if not str(p).startswith("function-"))
    msg = error["msg"]
    kind = error["type"]
    value = error.get("input")
    if kind == "extra_forbidden":
        return f"{loc}: unknown setting (see `intakebot init` for every setting)"
    if kind == "missing":
        return f"{loc}: required setting is missing"
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
        if " is not valid" in msg:  # already names key and value
            return msg
        return f"{loc} = {value!r} is not valid: {msg}"
    if kind == "literal_error":
        return f"{loc} = {value!r} is not valid: {msg.replace('Input should be', 'allowed:')}"
    return f"{loc} = {value!r} is not valid: {msg.replace('Input should be', 'must be')}"


def parse(data: dict[str, Any], source: str = "<built-in defaults>") -> Config:
    """Validate a parsed TOML document; ConfigError names every bad key."""
    try:
        config = Config.model_validate({**data, "source": source})
    except ValidationError as exc:
        lines = [_describe(e) for e in exc.errors()]
        raise ConfigError(f"{source}: invalid configuration:\n  " + "\n  ".join(lines)) from None
    try:
        config.catalogue()
    except PolicyError as exc:
        raise ConfigError(f"{source}: invalid configuration:\n  {exc}") from None
    return config


def find(path: str | None) -> Path | None:
    if path:
        return Path(path)
    env = os.environ.get("INTAKEBOT_CONFIG")
    if env:
        return Path(env)
    local = Path("intakebot.toml")
    return local if local.exists() else None


def load(path: str | None = None) -> Config:
    found = find(path)
    if found is None:
        return parse({})
    try:
        text = found.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"configuration file {found} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"configuration file {found} cannot be read: {exc}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{found}: not valid TOML: {exc}") from None
    return parse(data, str(found))


def zone_names() -> set[str]:
    return available_timezones()
