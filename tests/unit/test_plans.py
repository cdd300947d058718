"""The plan catalogue: defaults as coverage-policy.md states them, overrides, bad values."""

from datetime import time, timedelta

import pytest

from rules.plans import PolicyError, Severity, Target, Window, build_catalogue, parse_target

B, C, M, T = Severity.BLOCKER, Severity.CRITICAL, Severity.MAJOR, Severity.TRIVIAL
WEEKDAYS = frozenset(range(5))


def hours(n):
    return Target(n, "hours")


def days(n, best_effort=False):
    return Target(n, "days", best_effort)


# Typed from coverage-policy.md's tables, not from the catalogue's source.
POLICY = {
    "basic": dict(
        window=Window(WEEKDAYS, time(10), time(17)), contacts=2, tickets_per_year=20,
        phone=False,
        response={B: hours(8), C: days(3), M: days(4), T: days(5, best_effort=True)},
        resolution={B: None, C: None, M: None, T: None}),
    "plus": dict(
        window=Window(WEEKDAYS, time(10), time(17)), contacts=4, tickets_per_year=50,
        phone=False,
        response={B: hours(6), C: days(2), M: days(3), T: days(4, best_effort=True)},
        resolution={B: hours(10), C: days(5), M: days(10), T: days(30)}),
    "standard": dict(
        window=Window(WEEKDAYS, time(9), time(20)), contacts=10, tickets_per_year=125,
        phone=True,
        response={B: hours(4), C: hours(8), M: days(2), T: days(3, best_effort=True)},
        resolution={B: hours(7), C: days(2), M: days(5), T: days(15)}),
}


@pytest.mark.parametrize("name", sorted(POLICY))
def test_catalogue_matches_the_policy(name):
    plan = build_catalogue()[name]
    expected = POLICY[name]
    assert plan.name == name
    assert plan.window == expected["window"]
    assert (plan.contacts, plan.tickets_per_year, plan.phone) == \
        (expected["contacts"], expected["tickets_per_year"], expected["phone"])
    for severity in Severity:
        assert plan.response_target(severity) == expected["response"][severity], severity
        assert plan.resolution_target(severity) == expected["resolution"][severity], severity


def test_catalogue_has_exactly_the_three_plans():
    assert set(build_catalogue()) == {"basic", "plus", "standard"}


def test_business_day_lengths_and_target_durations():
    plans = build_catalogue()
    assert plans["plus"].window.length == timedelta(hours=7)
    assert plans["standard"].window.length == timedelta(hours=11)
    assert str(plans["standard"].window) == "Mon-Fri 09:00-20:00"
    # "2 days" on plus is 14 business hours; "8 hours" is 8 whatever the window
    assert plans["plus"].response_target(C).duration(timedelta(hours=7)) == timedelta(hours=14)
    assert hours(8).duration(timedelta(hours=11)) == timedelta(hours=8)
    assert str(days(4, best_effort=True)) == "> 4 days"
    assert str(hours(1)) == "1 hour"


def test_severity_rank_is_most_severe_first():
    assert [s.rank for s in (B, C, M, T)] == [0, 1, 2, 3]


def test_override_changes_only_that_cell():
    defaults = build_catalogue()
    changed = build_catalogue({"plus": {"response": {"blocker": "5 hours"}}})
    assert changed["plus"].response_target(B) == hours(5)
    for severity in (C, M, T):
        assert changed["plus"].response_target(severity) == \
            defaults["plus"].response_target(severity)
    assert changed["plus"].resolution == defaults["plus"].resolution
    assert changed["plus"].window == defaults["plus"].window
    assert changed["basic"] == defaults["basic"]
    assert changed["standard"] == defaults["standard"]


def test_override_of_window_and_limits():
    changed = build_catalogue({"standard": {"opens": "08:00", "tickets_per_year": 200,
                                            "days": ["mon", "tue", "wed", "thu", "fri", "sat"]}})
    standard = changed["standard"]
    assert standard.window == Window(frozenset(range(6)), time(8), time(20))
    assert standard.tickets_per_year == 200
    assert standard.contacts == 10  # untouched


def test_override_can_remove_a_target():
    changed = build_catalogue({"plus": {"resolution": {"trivial": "none"}}})
    assert changed["plus"].resolution_target(T) is None


def test_new_plan_needs_every_key():
    with pytest.raises(PolicyError) as err:
        build_catalogue({"gold": {"opens": "08:00"}})
    assert err.value.key.startswith("plans.gold.")
    with pytest.raises(PolicyError) as err:
        build_catalogue({"gold": {
            "days": ["mon"], "opens": "08:00", "closes": "18:00", "contacts": 20,
            "tickets_per_year": 500, "phone": True,
            "response": {"blocker": "1 hour", "critical": "2 hours", "major": "1 day"},
            "resolution": {"blocker": "4 hours", "critical": "1 day", "major": "2 days",
                           "trivial": "< 5 days"}}})
    assert err.value.key == "plans.gold.response.trivial"


def test_complete_new_plan_is_added():
    gold = build_catalogue({"gold": {
        "days": ["mon", "tue", "wed", "thu", "fri"], "opens": "08:00", "closes": "18:00",
        "contacts": 20, "tickets_per_year": 500, "phone": True,
        "response": {"blocker": "1 hour", "critical": "2 hours", "major": "1 day",
                     "trivial": "> 2 days"},
        "resolution": {"blocker": "4 hours", "critical": "1 day", "major": "2 days",
                       "trivial": "< 5 days"}}})["gold"]
    assert gold.window.length == timedelta(hours=10)
    assert gold.response_target(T) == days(2, best_effort=True)
    assert gold.resolution_target(T) == days(5)


@pytest.mark.parametrize("override, key", [
    ({"plus": {"opens": "25:00"}}, "plans.plus.opens"),
    ({"plus": {"opens": "ten"}}, "plans.plus.opens"),
    ({"plus": {"closes": "09:00"}}, "plans.plus.closes"),  # before opens (10:00)
    ({"plus": {"days": ["funday"]}}, "plans.plus.days"),
    ({"plus": {"days": []}}, "plans.plus.days"),
    ({"plus": {"contacts": 0}}, "plans.plus.contacts"),
    ({"plus": {"contacts": True}}, "plans.plus.contacts"),
    ({"plus": {"tickets_per_year": -1}}, "plans.plus.tickets_per_year"),
    ({"plus": {"phone": "yes"}}, "plans.plus.phone"),
    ({"plus": {"colour": "blue"}}, "plans.plus.colour"),
    ({"plus": {"response": {"blocker": "soon"}}}, "plans.plus.response.blocker"),
    ({"plus": {"response": {"blocker": "0 hours"}}}, "plans.plus.response.blocker"),
    ({"plus": {"response": {"urgent": "1 hour"}}}, "plans.plus.response.urgent"),
    ({"plus": {"resolution": {"major": "> 3 days"}}}, "plans.plus.resolution.major"),
    ({"plus": {"response": "fast"}}, "plans.plus.response"),
    ({"Gold!": {}}, "plans.Gold!"),
    ({"plus": "cheap"}, "plans.plus"),
])
def test_bad_values_name_their_key(override, key):
    with pytest.raises(PolicyError) as err:
        build_catalogue(override)
    assert err.value.key == key
    assert key in str(err.value)


@pytest.mark.parametrize("text, target", [
    ("1 hour", hours(1)), ("2h", hours(2)), ("3 d", days(3)), ("> 4 days", days(4, True)),
    ("< 30 days", days(30)), ("none", None), (None, None), ("  6 Hours ", hours(6)),
])
def test_target_forms(text, target):
    assert parse_target("k", text) == target
