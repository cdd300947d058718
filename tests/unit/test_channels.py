"""Channels: how a ticket reached the desk, which plans take which, and old data."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from rules.entitlements import channel_decision
from rules.plans import DEFAULT_PLANS, PolicyError, build_catalogue
from rules.policy import default_policy
from rules.ticket import Channel, Ticket
from store.records import ticket_from_dict, ticket_to_dict

PLANS = build_catalogue()
T = datetime(2026, 3, 3, 11, 0, tzinfo=ZoneInfo("Europe/Madrid"))


@pytest.mark.parametrize(("plan", "channel", "allowed"), [
    ("basic", "mail", True), ("basic", "phone", False), ("basic", "web", False),
    ("plus", "phone", False), ("plus", "web", True),
    ("standard", "phone", True), ("standard", "web", True),
])
def test_each_plan_takes_the_channels_it_sells(plan, channel, allowed):
    decision = channel_decision(PLANS[plan], channel)
    assert decision.allowed is allowed
    if not allowed:
        assert plan in decision.reason


def test_a_ticket_stored_before_channels_came_by_mail():
    ticket = Ticket(account="acme", requester="a@acme.example", subject="s", severity="major",
                    created_at=T, contract_year=date(2026, 1, 1), channel="phone")
    stored = ticket_to_dict(ticket)
    assert stored["channel"] == "phone"
    assert ticket_from_dict(stored).channel is Channel.PHONE
    del stored["channel"]
    assert ticket_from_dict(stored).channel is Channel.MAIL


def test_a_new_plan_may_leave_the_support_center_out_but_not_mistype_it():
    base = {k: v for k, v in DEFAULT_PLANS["plus"].items() if k != "support_center"}
    assert build_catalogue({"gold": base})["gold"].support_center is False
    with pytest.raises(PolicyError, match="plans.gold.support_center"):
        build_catalogue({"gold": {**base, "support_center": "yes"}})


def test_only_plans_with_phone_support_see_the_phone_line():
    policy = default_policy()
    assert policy.phone_line("standard") is None  # no number configured
    policy = dataclasses.replace(policy, phone="+34 910 000 000")
    assert policy.phone_line("standard") == ("+34 910 000 000",
                                             "Mon-Fri 09:00-20:00 (Europe/Madrid)")
    assert policy.phone_line("plus") is None and policy.phone_line("basic") is None
