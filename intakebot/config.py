"""Configuration: one TOML file, checked into typed settings with every default in one place.

Where the file comes from: --config PATH, else $INTAKEBOT_CONFIG, else
./intakebot.toml when present, else the built-in defaults below. A relative
`data_dir` is read from the file's folder. Checks that need a heavy library (the
holidays calendar, APScheduler's crontab) run in `verify`, which `parse` calls
unless asked to leave them to the part that uses the library (`Config.closed_days`,
`Managers.trigger`), so a quick command does not import them. The value checks are
in config_checks.py, the mail server sections in config_servers.py.
"""

from __future__ import annotations

import os
import tomllib
from datetime import date
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

from intakebot.config_checks import (
    ConfigError,
    _address,
    _addresses,
    _check_zone,
    _five_fields,
    _language,
    _listen,
    _named_addresses,
    _networks,
    _regex,
    _url,
)
from intakebot.config_servers import Imap, Smtp, SmtpListener
from intakebot.schema import Section, SettingsError, build, replace, setting
from rules.plans import Plan, PolicyError, Severity, build_catalogue
from rules.recipients import CcPolicy

DEFAULT_DATA_DIR = "./intakebot-data"


class Support(Section):
    timezone: str = setting("Europe/Madrid", check=_check_zone)
    address: str = setting("support@localhost", check=_address)
    aliases: list[str] = setting(factory=list, check=_addresses)
    name: str = "Support"
    data_dir: str = DEFAULT_DATA_DIR
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # tickets closed longer than this move out of the hot store into per-year archives
    archive_after_days: int = setting(30, ge=1)
    # the number customers of plans with phone support call, and when it is staffed
    # (default: the plan's support window); shown to those customers only
    phone: str | None = None
    phone_hours: str | None = None
    # the language of mail to agents and managers, and to customers whose language is
    # not known (neither set on their contact nor clear from the mail that opened it)
    language: str = setting("en", check=_language)

    @property
    def addresses(self) -> list[str]:
        return [a.lower() for a in [self.address, *self.aliases]]

    @property
    def domain(self) -> str:
        return self.address.rsplit("@", 1)[1].lower()


class Holidays(Section):
    country: str | None = "ES"
    subdivision: str | None = None
    extra: list[date] = setting(factory=list)

    def validate(self) -> None:
        if self.country is None and self.subdivision:
            raise ValueError("holidays.subdivision is not valid: it needs holidays.country")

    def verify(self) -> None:
        """The country and subdivision against the holidays library (imports it whole)."""
        if self.country is None:
            return
        import holidays as hol

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


class Agents(Section):
    addresses: list[str] = setting(factory=list, check=_addresses)
    notify: list[str] | None = setting(None, check=_addresses)  # default: all agents
    # address -> display name
    names: dict[str, str] = setting(factory=dict, check=_named_addresses)

    @property
    def notify_addresses(self) -> list[str]:
        return list(self.notify if self.notify is not None else self.addresses)


class Managers(Section):
    addresses: list[str] = setting(factory=list, check=_addresses)
    digest: str = setting("0 8 * * mon-fri", check=_five_fields)

    def trigger(self, tz):
        """The digest's APScheduler trigger; ConfigError naming the key when it is bad."""
        from apscheduler.triggers.cron import CronTrigger

        try:
            return CronTrigger.from_crontab(self.digest, timezone=tz)
        except ValueError as exc:
            raise ConfigError(
                f"managers.digest = {self.digest!r} is not valid: a five-field crontab such as "
                f'"0 8 * * mon-fri" (minute hour day month weekday): {exc}') from None


class Escalation(Section):
    warn_at: float = setting(0.75, gt=0, lt=1)


class Quota(Section):
    on_exhausted: Literal["reject", "accept"] = "reject"
    blocker_always_accepted: bool = True


class Intake(Section):
    max_message_bytes: int = setting(25 * 1024 * 1024, ge=1024)
    reopen_days: int = setting(7, ge=0)
    refusals_per_sender_per_day: int = setting(3, ge=0)
    per_sender_per_hour: int = setting(5, ge=1)
    authserv_id: str | None = None


class Tickets(Section):
    cc_policy: CcPolicy = CcPolicy.CONTACTS


class SeverityRule(Section):
    severity: Severity
    pattern: str = setting(check=_regex)
    weight: float = setting(1.0, gt=0)
    label: str | None = None


class SeverityConfig(Section):
    rules: list[SeverityRule] = setting(factory=list)
    default: Severity = Severity.MAJOR


class Web(Section):
    """The support center (web/): served by `intakebot run` unless disabled, or alone by
    `intakebot web`."""

    enabled: bool = True
    listen: str = setting("127.0.0.1:8025", check=_listen)
    # where customers reach it, for the links in mail (default: http://<listen>/); an
    # https address makes the session cookie Secure
    public_url: str | None = setting(None, check=_url)
    session_hours: int = setting(8, ge=1, le=720)
    # sign-in mails per address, and sign-in requests per client address, per hour
    sign_ins_per_address_per_hour: int = setting(5, ge=1)
    sign_ins_per_ip_per_hour: int = setting(30, ge=1)
    # the proxies in front of it: only a request whose peer is one of these is counted
    # against the rightmost X-Forwarded-For address that is not (IPs or CIDR networks)
    trusted_proxies: list[str] = setting(factory=list, check=_networks)

    @property
    def host(self) -> str:
        return self.listen.rpartition(":")[0].strip("[]")

    @property
    def port(self) -> int:
        return int(self.listen.rpartition(":")[2])

    @property
    def base_url(self) -> str:
        url = self.public_url or f"http://{self.listen}/"
        return url if url.endswith("/") else url + "/"


class StoreSettings(Section):
    """Where the records live: the data folder (TinyDB, the default) or a PostgreSQL
    database that several instances share (see the README, "Running several
    instances"). `dsn` is a libpq connection string or URI; `dsn_env` names an
    environment variable holding one, so a password need not sit in this file."""

    backend: Literal["tinydb", "postgresql"] = "tinydb"
    dsn: str | None = None
    dsn_env: str | None = None
    # connections each instance keeps open at most (its threads share them)
    pool_size: int = setting(8, ge=2, le=100)

    def validate(self) -> None:
        if self.dsn is not None and self.dsn_env is not None:
            raise ValueError(f"store.dsn_env = {self.dsn_env!r} is not valid beside store.dsn: "
                             "set one of them")
        if self.backend == "postgresql" and self.dsn is None and self.dsn_env is None:
            raise ValueError('store.backend = "postgresql" is not valid without store.dsn '
                             '(e.g. "host=db1 dbname=intakebot user=intakebot") or '
                             "store.dsn_env (the name of an environment variable holding one)")

    def connection_string(self) -> str:
        """The DSN from whichever source is set; ConfigError when the variable is unset."""
        if self.dsn_env is not None:
            value = os.environ.get(self.dsn_env)
            if not value:
                raise ConfigError(f"store.dsn_env names ${self.dsn_env}, which is not set: "
                                  "export it or set store.dsn")
            return value
        return self.dsn or ""


class Config(Section):
    support: Support = setting(factory=Support)
    holidays: Holidays = setting(factory=Holidays)
    plans: dict[str, dict[str, Any]] = setting(factory=dict)
    imap: Imap | None = None
    smtp: Smtp | None = None
    smtp_listener: SmtpListener = setting(factory=SmtpListener)
    agents: Agents = setting(factory=Agents)
    managers: Managers = setting(factory=Managers)
    escalation: Escalation = setting(factory=Escalation)
    quota: Quota = setting(factory=Quota)
    intake: Intake = setting(factory=Intake)
    tickets: Tickets = setting(factory=Tickets)
    severity: SeverityConfig = setting(factory=SeverityConfig)
    web: Web = setting(factory=Web)
    store: StoreSettings = setting(factory=StoreSettings)

    # set by load(), not TOML keys: where the file is, and the folder it lives in
    source: str | None = setting(None, toml=False)
    base: Path | None = setting(None, toml=False)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.support.timezone)

    @property
    def data_dir(self) -> Path:
        """`[support] data_dir`, a relative one read from the file's folder (without a
        file, from the working folder)."""
        path = Path(self.support.data_dir).expanduser()
        return path if self.base is None or path.is_absolute() else self.base / path

    def catalogue(self) -> dict[str, Plan]:
        return build_catalogue(self.plans)

    def closed_days(self):
        """The support team's closed days; ConfigError naming the key when the holidays
        library does not know the country or subdivision."""
        from rules.calendar import ClosedDays

        h = self.holidays
        try:
            return ClosedDays(h.country, h.subdivision, h.extra)
        except ValueError:
            pass
        try:  # only now ask for every country: the message lists what is allowed
            h.verify()
        except ValueError as exc:
            raise ConfigError(f"{self.source}: invalid configuration:\n  {exc}") from None
        raise ConfigError(f"{self.source}: invalid configuration:\n  holidays.country = "
                          f"{h.country!r}, subdivision {h.subdivision!r}: not known to the "
                          "holidays library")


def verify(config: Config) -> Config:
    """The checks left out of a quick load: holidays and the digest's crontab."""
    config.closed_days()
    try:
        config.managers.trigger("UTC")
    except ConfigError as exc:
        raise ConfigError(f"{config.source}: invalid configuration:\n  {exc}") from None
    return config


def parse(data: dict[str, Any], source: str = "<built-in defaults>", base: Path | None = None,
          *, quick: bool = False) -> Config:
    """Check a parsed TOML document; ConfigError names every bad key. `quick` leaves the
    library checks (see `verify`) to the parts that use those libraries."""
    try:
        config = build(Config, data)
    except SettingsError as exc:
        raise ConfigError(f"{source}: invalid configuration:\n  "
                          + "\n  ".join(exc.problems)) from None
    config = replace(config, source=source, base=base)
    try:
        config.catalogue()
    except PolicyError as exc:
        raise ConfigError(f"{source}: invalid configuration:\n  {exc}") from None
    return config if quick else verify(config)


def find(path: str | None) -> Path | None:
    if path:
        return Path(path)
    env = os.environ.get("INTAKEBOT_CONFIG")
    if env:
        return Path(env)
    local = Path("intakebot.toml")
    return local if local.exists() else None


def load(path: str | None = None, *, quick: bool = False) -> Config:
    found = find(path)
    if found is None:
        return parse({}, quick=quick)
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
    return parse(data, str(found), found.absolute().parent, quick=quick)


def zone_names() -> set[str]:
    from zoneinfo import available_timezones

    return available_timezones()
