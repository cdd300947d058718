"""The checks the configuration's settings name in `setting(check=...)`: each returns the
value or raises ValueError saying what is allowed (the message names key and value)."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rules.addresses import writable_address


class ConfigError(Exception):
    """A configuration problem the operator must fix; the message says what and how."""


def _check_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(
            "an IANA time zone name such as Europe/Madrid or America/New_York"
        ) from exc
    return value


def _address(value: str) -> str:
    if not writable_address(value):
        raise ValueError(f"{value!r} is not an address the bot can write in a header: use a "
                         "plain address such as ana@vendor.example (ASCII, one @, no spaces, "
                         "quotes or display name)")
    return value


def _addresses(values):
    for value in [values] if isinstance(values, str) else values:
        _address(value)
    return values


def _language(value: str) -> str:
    from notifier import i18n  # lists the catalogs' folders; imports no Babel

    if value not in i18n.languages():
        raise ValueError(f"a language mail can be written in: one of "
                         f"{', '.join(i18n.languages())}")
    return value


def _named_addresses(names: dict[str, str]) -> dict[str, str]:
    _addresses(list(names))
    return names


def _five_fields(value: str) -> str:
    if len(value.split()) != 5:
        raise ValueError('a five-field crontab such as "0 8 * * mon-fri" (minute hour day '
                         "month weekday)")
    return value


def _regex(value: str) -> str:
    import re

    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"a valid regular expression ({exc})") from exc
    return value


def _listen(value: str) -> str:
    host, _, port = value.rpartition(":")
    if not host or not port.isdigit() or not 1 <= int(port) <= 65535:
        raise ValueError('a host and port such as "127.0.0.1:8025"')
    return value


def _networks(values: list[str]) -> list[str]:
    from ipaddress import ip_network

    for value in values:
        try:
            ip_network(value, strict=True)
        except ValueError as exc:
            raise ValueError(
                f"{value!r} is not an IP address or network ({exc}): allowed are addresses "
                'and CIDR networks such as ["127.0.0.1", "10.0.0.0/8", "::1"]') from None
    return values


def _url(value: str) -> str:
    parts = value.split("/")
    if not value.startswith(("http://", "https://")) or len(parts) < 3 or not parts[2]:
        raise ValueError('an http:// or https:// address such as "https://support.example.com/"')
    return value
