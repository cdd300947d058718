"""The composition root: builds the policy, store, mailbox, mailer and jobs from configuration."""

from __future__ import annotations

from rules.calendar import ClosedDays
from rules.policy import Policy
from rules.severity import SeverityRule

from intakebot.config import Config


def build_policy(config: Config) -> Policy:
    return Policy(
        plans=config.catalogue(),
        tz=config.tz,
        closed=ClosedDays(config.holidays.country, config.holidays.subdivision,
                          config.holidays.extra),
        warn_at=config.escalation.warn_at,
        on_exhausted=config.quota.on_exhausted,
        blocker_always_accepted=config.quota.blocker_always_accepted,
        severity_rules=tuple(
            SeverityRule(r.severity, r.pattern, r.weight, r.label) for r in config.severity.rules
        ),
        default_severity=config.severity.default,
    )
