"""The plan catalogue: support windows, contact limits, yearly quotas and SLA targets.

This module is the one place the coverage policy's numbers live (see
coverage-policy.md). Configuration overrides are written in the same textual
form as the defaults below and go through the same parser.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time, timedelta
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    BLOCKER = "blocker"
    CRITICAL = "critical"
    MAJOR = "major"
    TRIVIAL = "trivial"

    @property
    def rank(self) -> int:
        """0 for the most severe level."""
        return list(Severity).index(self)


# The vendor page's own definitions; shown to customers in acknowledgements.
SEVERITY_MEANINGS: dict[Severity, str] = {
    Severity.BLOCKER: "the service is currently unavailable",
    Severity.CRITICAL: (
        "the service is available but critical features (such as creating or "
        "reading documents) are unavailable"
    ),
    Severity.MAJOR: (
        "moderate impact: intermittent downtime, a high increase of latency, or "
        "loss of features that are not critical for users to work with the system"
    ),
    Severity.TRIVIAL: "low impact on the user's work; also questions and suggestions",
}

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# The policy's defaults, in the same form an operator writes under [plans.NAME].
# Targets: "N hours" / "N days" (business time), "> N days" best effort,
# "< N days" firm, "none" where the plan states no target.
DEFAULT_PLANS: dict[str, dict[str, Any]] = {
    "basic": {
        "days": ["mon", "tue", "wed", "thu", "fri"],
        "opens": "10:00",
        "closes": "17:00",
        "contacts": 2,
        "tickets_per_year": 20,
        "phone": False,
        "support_center": False,
        "response": {"blocker": "8 hours", "critical": "3 days", "major": "4 days",
                     "trivial": "> 5 days"},
        "resolution": {"blocker": "none", "critical": "none", "major": "none",
                       "trivial": "none"},
    },
    "plus": {
        "days": ["mon", "tue", "wed", "thu", "fri"],
        "opens": "10:00",
        "closes": "17:00",
        "contacts": 4,
        "tickets_per_year": 50,
        "phone": False,
        "support_center": True,
        "response": {"blocker": "6 hours", "critical": "2 days", "major": "3 days",
                     "trivial": "> 4 days"},
        "resolution": {"blocker": "10 hours", "critical": "5 days", "major": "10 days",
                       "trivial": "< 30 days"},
    },
    "standard": {
        "days": ["mon", "tue", "wed", "thu", "fri"],
        "opens": "09:00",
        "closes": "20:00",
        "contacts": 10,
        "tickets_per_year": 125,
        "phone": True,
        "support_center": True,
        "response": {"blocker": "4 hours", "critical": "8 hours", "major": "2 days",
                     "trivial": "> 3 days"},
        "resolution": {"blocker": "7 hours", "critical": "2 days", "major": "5 days",
                       "trivial": "< 15 days"},
    },
}


class PolicyError(ValueError):
    """A policy value that cannot be used; names the key, the value and what is allowed."""

    def __init__(self, key: str, value: object, allowed: str):
        self.key = key
        self.value = value
        self.allowed = allowed
        super().__init__(f"{key} = {value!r} is not valid: {allowed}")


@dataclass(frozen=True)
class Target:
    """An SLA target in business time."""

    amount: int
    unit: str  # "hours" or "days"
    best_effort: bool = False

    def duration(self, day_length: timedelta) -> timedelta:
        """Business duration; one business day is the plan's daily window length."""
        if self.unit == "hours":
            return timedelta(hours=self.amount)
        return day_length * self.amount

    def __str__(self) -> str:
        unit = self.unit if self.amount != 1 else self.unit[:-1]
        prefix = "> " if self.best_effort else ""
        return f"{prefix}{self.amount} {unit}"


@dataclass(frozen=True)
class Window:
    """The daily support window, on the given weekdays (0 = Monday)."""

    days: frozenset[int]
    opens: time
    closes: time

    @property
    def length(self) -> timedelta:
        return (timedelta(hours=self.closes.hour, minutes=self.closes.minute)
                - timedelta(hours=self.opens.hour, minutes=self.opens.minute))

    def __str__(self) -> str:
        names = [WEEKDAYS[d].capitalize() for d in sorted(self.days)]
        if sorted(self.days) == list(range(sorted(self.days)[0], sorted(self.days)[-1] + 1)) \
                and len(names) > 2:
            days = f"{names[0]}-{names[-1]}"
        else:
            days = ", ".join(names)
        return f"{days} {self.opens:%H:%M}-{self.closes:%H:%M}"


@dataclass(frozen=True)
class Plan:
    name: str
    window: Window
    contacts: int
    tickets_per_year: int
    phone: bool
    # the web support center (sign-in, the account's tickets, new tickets by form)
    support_center: bool = False
    response: Mapping[Severity, Target | None] = field(default_factory=dict)
    resolution: Mapping[Severity, Target | None] = field(default_factory=dict)

    def response_target(self, severity: Severity) -> Target | None:
        return self.response.get(Severity(severity))

    def resolution_target(self, severity: Severity) -> Target | None:
        return self.resolution.get(Severity(severity))


_TARGET_RE = re.compile(
    r"^\s*(?P<mark>[<>])?\s*(?P<n>\d+)\s*(?P<unit>h|hours?|d|days?)\s*$", re.IGNORECASE
)
_TARGET_ALLOWED = ('"N hours", "N days", "> N days" (best effort), "< N days" (firm) '
                   'or "none", with N a whole number above 0')


def parse_target(key: str, value: object) -> Target | None:
    if value is None or (isinstance(value, str) and value.strip().lower() == "none"):
        return None
    m = _TARGET_RE.match(value) if isinstance(value, str) else None
    if not m or int(m.group("n")) <= 0:
        raise PolicyError(key, value, _TARGET_ALLOWED)
    unit = "hours" if m.group("unit").lower().startswith("h") else "days"
    return Target(int(m.group("n")), unit, best_effort=m.group("mark") == ">")


def _parse_time(key: str, value: object) -> time:
    if isinstance(value, time):
        return value
    m = re.fullmatch(r"(\d{1,2}):(\d{2})", value.strip()) if isinstance(value, str) else None
    if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
        raise PolicyError(key, value, 'a time of day written "HH:MM", such as "09:00"')
    return time(int(m.group(1)), int(m.group(2)))


def _parse_int(key: str, value: object, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise PolicyError(key, value, f"a whole number of at least {minimum}")
    return value


_PLAN_KEYS = {"days", "opens", "closes", "contacts", "tickets_per_year", "phone",
              "support_center", "response", "resolution"}
# keys a new plan may leave out, with the value it then gets (added after plans were
# written into configurations, which must keep working)
_OPTIONAL_KEYS = {"support_center": False}


def parse_plan(name: str, raw: Mapping[str, Any]) -> Plan:
    """Build one plan from its textual form; every key must be present."""
    prefix = f"plans.{name}"
    unknown = set(raw) - _PLAN_KEYS
    if unknown:
        key = sorted(unknown)[0]
        raise PolicyError(f"{prefix}.{key}", raw[key],
                          "one of the plan keys " + ", ".join(sorted(_PLAN_KEYS)))
    raw = {**_OPTIONAL_KEYS, **raw}
    missing = _PLAN_KEYS - set(raw)
    if missing:
        key = sorted(missing)[0]
        raise PolicyError(f"{prefix}.{key}", None,
                          "a value (a new plan must set every plan key)")
    days_raw = raw["days"]
    if (not isinstance(days_raw, list) or not days_raw
            or any(not isinstance(d, str) or d.lower()[:3] not in WEEKDAYS for d in days_raw)):
        raise PolicyError(f"{prefix}.days", days_raw,
                          "a non-empty list of weekday names: " + ", ".join(WEEKDAYS))
    days = frozenset(WEEKDAYS.index(d.lower()[:3]) for d in days_raw)
    opens = _parse_time(f"{prefix}.opens", raw["opens"])
    closes = _parse_time(f"{prefix}.closes", raw["closes"])
    if closes <= opens:
        raise PolicyError(f"{prefix}.closes", raw["closes"],
                          f"a time after opens ({opens:%H:%M}) on the same day")
    for flag in ("phone", "support_center"):
        if not isinstance(raw[flag], bool):
            raise PolicyError(f"{prefix}.{flag}", raw[flag], "true or false")
    targets: dict[str, dict[Severity, Target | None]] = {}
    for table in ("response", "resolution"):
        given = raw[table]
        if not isinstance(given, Mapping):
            raise PolicyError(f"{prefix}.{table}", given,
                              "a table with the keys " + ", ".join(Severity))
        bad = [k for k in given if k not in {s.value for s in Severity}]
        if bad:
            raise PolicyError(f"{prefix}.{table}.{bad[0]}", given[bad[0]],
                              "a severity key: " + ", ".join(Severity))
        targets[table] = {}
        for sev in Severity:
            if sev.value not in given:
                raise PolicyError(f"{prefix}.{table}.{sev.value}", None,
                                  "a target (" + _TARGET_ALLOWED + ")")
            target = parse_target(f"{prefix}.{table}.{sev.value}", given[sev.value])
            if table == "resolution" and target is not None and target.best_effort:
                raise PolicyError(f"{prefix}.{table}.{sev.value}", given[sev.value],
                                  "a firm resolution target (\"N hours\", \"N days\", "
                                  "\"< N days\") or \"none\"")
            targets[table][sev] = target
    return Plan(
        name=name,
        window=Window(days, opens, closes),
        contacts=_parse_int(f"{prefix}.contacts", raw["contacts"], 1),
        tickets_per_year=_parse_int(f"{prefix}.tickets_per_year", raw["tickets_per_year"], 0),
        phone=raw["phone"],
        support_center=raw["support_center"],
        response=targets["response"],
        resolution=targets["resolution"],
    )


def build_catalogue(overrides: Mapping[str, Mapping[str, Any]] | None = None) -> dict[str, Plan]:
    """The default plans with `overrides` merged key by key; new names add plans."""
    if overrides is not None and not isinstance(overrides, Mapping):
        raise PolicyError("plans", overrides, "a table of [plans.NAME] tables")
    merged: dict[str, dict[str, Any]] = {
        name: {**raw, "response": dict(raw["response"]), "resolution": dict(raw["resolution"])}
        for name, raw in DEFAULT_PLANS.items()
    }
    for name, raw in (overrides or {}).items():
        if not re.fullmatch(r"[a-z][a-z0-9_-]{0,31}", name):
            raise PolicyError(f"plans.{name}", name,
                              "a plan name of lower-case letters, digits, - and _")
        if not isinstance(raw, Mapping):
            raise PolicyError(f"plans.{name}", raw, "a table of plan keys")
        base = merged.setdefault(name, {})
        for key, value in raw.items():
            if key in ("response", "resolution") and isinstance(value, Mapping) \
                    and isinstance(base.get(key), Mapping):
                base[key] = {**base[key], **value}
            else:
                base[key] = value
    return {name: parse_plan(name, raw) for name, raw in merged.items()}
