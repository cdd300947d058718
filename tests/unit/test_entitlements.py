"""Authorised-contact limits, contract years and the yearly ticket quota."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rules.entitlements import (
    contact_decision,
    contract_year,
    quota_decision,
    quota_status,
)
from rules.plans import Severity, build_catalogue

PLANS = build_catalogue()
PLUS = PLANS["plus"]  # 4 contacts, 50 tickets a year (coverage-policy.md)


# --- contacts -------------------------------------------------------------------------

@pytest.mark.parametrize("plan, current, allowed", [
    ("plus", 0, True), ("plus", 3, True), ("plus", 4, False), ("plus", 6, False),
    ("basic", 1, True), ("basic", 2, False),
    ("standard", 9, True), ("standard", 10, False),
])
def test_the_contact_after_the_plan_limit_is_refused(plan, current, allowed):
    assert contact_decision(PLANS[plan], current).allowed is allowed


def test_contact_refusal_names_the_plan_its_limit_and_the_count():
    decision = contact_decision(PLUS, 4)
    assert decision.reason == "the plus plan allows 4 authorised contacts and the account has 4"


def test_contact_limit_follows_configured_overrides():
    solo = build_catalogue({"plus": {"contacts": 1}})["plus"]
    assert contact_decision(solo, 0).allowed
    refused = contact_decision(solo, 1)
    assert not refused.allowed
    assert refused.reason == "the plus plan allows 1 authorised contact and the account has 1"


# --- contract years -------------------------------------------------------------------

@pytest.mark.parametrize("start, on, expected", [
    # default contract start: the calendar year
    (date(2020, 1, 1), date(2025, 1, 1), (date(2025, 1, 1), date(2026, 1, 1))),
    (date(2020, 1, 1), date(2025, 12, 31), (date(2025, 1, 1), date(2026, 1, 1))),
    # the year turns on the contract's month and day
    (date(2024, 3, 15), date(2025, 3, 14), (date(2024, 3, 15), date(2025, 3, 15))),
    (date(2024, 3, 15), date(2025, 3, 15), (date(2025, 3, 15), date(2026, 3, 15))),
    (date(2023, 12, 31), date(2025, 1, 5), (date(2024, 12, 31), date(2025, 12, 31))),
    # a 29 February start: anniversaries on 28 February in common years
    (date(2024, 2, 29), date(2024, 2, 29), (date(2024, 2, 29), date(2025, 2, 28))),
    (date(2024, 2, 29), date(2025, 2, 27), (date(2024, 2, 29), date(2025, 2, 28))),
    (date(2024, 2, 29), date(2025, 2, 28), (date(2025, 2, 28), date(2026, 2, 28))),
    (date(2024, 2, 29), date(2028, 2, 28), (date(2027, 2, 28), date(2028, 2, 29))),
    (date(2024, 2, 29), date(2028, 2, 29), (date(2028, 2, 29), date(2029, 2, 28))),
    # before the contract starts: the first contract year
    (date(2025, 6, 1), date(2025, 1, 10), (date(2025, 6, 1), date(2026, 6, 1))),
])
def test_contract_year(start, on, expected):
    assert contract_year(start, on) == expected


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31)),
       st.integers(min_value=0, max_value=3000))
def test_every_day_after_the_start_falls_in_a_year_beginning_on_an_anniversary(start, offset):
    on = start + timedelta(days=offset)
    begin, end = contract_year(start, on)
    assert begin <= on < end
    assert (begin.month, end.year) == (start.month, begin.year + 1)
    assert 365 <= (end - begin).days <= 366
    # the next day either stays in the year or starts the next one exactly at `end`
    after = on + timedelta(days=1)
    assert contract_year(start, after)[0] in (begin, end)


# --- quota ----------------------------------------------------------------------------

def test_quota_status_counts_included_plus_extra_minus_used():
    status = quota_status(PLUS, date(2024, 4, 1), used=12, extra=0, on=date(2025, 2, 3))
    assert (status.year_start, status.year_end) == (date(2024, 4, 1), date(2025, 4, 1))
    assert (status.included, status.extra, status.used, status.remaining) == (50, 0, 12, 38)
    topped_up = quota_status(PLUS, date(2024, 4, 1), used=50, extra=10, on=date(2025, 2, 3))
    assert topped_up.remaining == 10


def test_quota_remaining_never_goes_negative():
    status = quota_status(PLUS, date(2024, 1, 1), used=57, extra=5, on=date(2024, 9, 9))
    assert status.remaining == 0


def test_the_last_included_ticket_is_accepted_and_the_next_refused():
    last = quota_status(PLUS, date(2024, 1, 1), used=49, extra=0, on=date(2024, 9, 9))
    decision = quota_decision(last, Severity.MAJOR)
    assert (decision.accept, decision.overage) == (True, False)
    assert "ticket 50 of 50" in decision.reason

    over = quota_status(PLUS, date(2024, 1, 1), used=50, extra=0, on=date(2024, 9, 9))
    refused = quota_decision(over, Severity.MAJOR)
    assert (refused.accept, refused.overage) == (False, False)
    assert refused.status == over


def test_refusal_says_quota_usage_and_that_tickets_can_be_added():
    status = quota_status(PLUS, date(2024, 1, 1), used=53, extra=3, on=date(2024, 9, 9))
    reason = quota_decision(status, Severity.TRIVIAL).reason
    assert "50 tickets included plus 3 extra" in reason
    assert "2024-01-01 to 2024-12-31" in reason
    assert "53 opened" in reason
    assert "can be added" in reason


def test_exhausted_quota_accepts_as_overage_when_configured():
    status = quota_status(PLUS, date(2024, 1, 1), used=50, extra=0, on=date(2024, 9, 9))
    decision = quota_decision(status, Severity.TRIVIAL, on_exhausted="accept")
    assert (decision.accept, decision.overage) == (True, True)
    assert "overage" in decision.reason


def test_blocker_is_accepted_on_an_exhausted_quota_unless_switched_off():
    status = quota_status(PLUS, date(2024, 1, 1), used=50, extra=0, on=date(2024, 9, 9))
    accepted = quota_decision(status, Severity.BLOCKER)
    assert (accepted.accept, accepted.overage) == (True, True)
    assert "blocker" in accepted.reason
    refused = quota_decision(status, Severity.BLOCKER, blocker_always_accepted=False)
    assert not refused.accept
    # a critical ticket gets no such pass
    assert not quota_decision(status, Severity.CRITICAL).accept


def test_a_blocker_asked_for_is_accepted_on_an_exhausted_quota_at_its_own_level():
    # the refusal tells customers to write "Severity: blocker": that request gets the
    # ticket opened (as overage); its level stays the assessed one, for agents to change
    status = quota_status(PLUS, date(2024, 1, 1), used=50, extra=0, on=date(2024, 9, 9))
    asked = quota_decision(status, Severity.MAJOR, requested=Severity.BLOCKER)
    assert (asked.accept, asked.overage) == (True, True)
    assert "asks for blocker" in asked.reason
    assert not quota_decision(status, Severity.MAJOR, requested=Severity.CRITICAL).accept
    assert not quota_decision(status, Severity.MAJOR, requested=Severity.BLOCKER,
                              blocker_always_accepted=False).accept


def test_blocker_within_quota_is_not_overage():
    status = quota_status(PLUS, date(2024, 1, 1), used=3, extra=0, on=date(2024, 9, 9))
    assert quota_decision(status, Severity.BLOCKER).overage is False


def test_unknown_on_exhausted_value_is_an_error():
    status = quota_status(PLUS, date(2024, 1, 1), used=50, extra=0, on=date(2024, 9, 9))
    with pytest.raises(ValueError, match="reject, accept"):
        quota_decision(status, Severity.MAJOR, on_exhausted="ignore")
