"""Configuration: defaults, where the file is found, plan overrides, refusal of bad values."""

from __future__ import annotations

from datetime import date, time, timedelta
from pathlib import Path

import pytest

from intakebot.cli import main
from intakebot.config import Config, ConfigError, load
from rules.plans import Severity, Target


@pytest.fixture(autouse=True)
def clean_place(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No $INTAKEBOT_CONFIG and an empty working folder, whatever the machine has."""
    monkeypatch.delenv("INTAKEBOT_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# -- defaults


def test_defaults_without_any_file():
    config = load()
    assert config.support.timezone == "Europe/Madrid"
    assert config.tz.key == "Europe/Madrid"
    assert config.holidays.country == "ES"
    assert config.holidays.subdivision is None
    assert config.holidays.extra == []
    assert config.escalation.warn_at == 0.75
    assert config.imap is None and config.smtp is None


def test_default_plans_are_the_policy_catalogue():
    plans = load().catalogue()
    assert sorted(plans) == ["basic", "plus", "standard"]
    basic, plus, standard = plans["basic"], plans["plus"], plans["standard"]
    assert (basic.contacts, basic.tickets_per_year, basic.phone) == (2, 20, False)
    assert (plus.contacts, plus.tickets_per_year, plus.phone) == (4, 50, False)
    assert (standard.contacts, standard.tickets_per_year, standard.phone) == (10, 125, True)
    assert (plus.window.opens, plus.window.closes) == (time(10), time(17))
    assert (standard.window.opens, standard.window.closes) == (time(9), time(20))
    assert standard.window.days == frozenset(range(5))
    assert plus.response_target(Severity.CRITICAL) == Target(2, "days")
    assert plus.response_target(Severity.TRIVIAL) == Target(4, "days", best_effort=True)
    assert plus.resolution_target(Severity.TRIVIAL) == Target(30, "days")
    assert standard.response_target(Severity.BLOCKER) == Target(4, "hours")
    assert all(basic.resolution_target(s) is None for s in Severity)


# -- where the file comes from


def test_explicit_path_wins_over_environment_and_local_file(tmp_path, monkeypatch):
    explicit = write(tmp_path / "explicit.toml", '[support]\ntimezone = "Asia/Tokyo"\n')
    env = write(tmp_path / "env.toml", '[support]\ntimezone = "America/New_York"\n')
    write(tmp_path / "intakebot.toml", '[support]\ntimezone = "Europe/London"\n')
    monkeypatch.setenv("INTAKEBOT_CONFIG", str(env))
    config = load(str(explicit))
    assert config.support.timezone == "Asia/Tokyo"
    assert config.source == str(explicit)


def test_environment_wins_over_local_file(tmp_path, monkeypatch):
    env = write(tmp_path / "env.toml", '[support]\ntimezone = "America/New_York"\n')
    write(tmp_path / "intakebot.toml", '[support]\ntimezone = "Europe/London"\n')
    monkeypatch.setenv("INTAKEBOT_CONFIG", str(env))
    assert load().support.timezone == "America/New_York"


def test_local_intakebot_toml_is_read_when_nothing_else_is_given(tmp_path):
    write(tmp_path / "intakebot.toml", '[support]\ntimezone = "Europe/London"\n')
    assert load().support.timezone == "Europe/London"


def test_local_file_is_found_in_the_working_folder_only(tmp_path, monkeypatch):
    write(tmp_path / "intakebot.toml", '[support]\ntimezone = "Europe/London"\n')
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert load().support.timezone == "Europe/Madrid"


@pytest.mark.parametrize("how", ["option", "environment"])
def test_a_named_file_that_does_not_exist_is_an_error_not_the_defaults(tmp_path, monkeypatch,
                                                                      how):
    missing = tmp_path / "nope.toml"
    if how == "environment":
        monkeypatch.setenv("INTAKEBOT_CONFIG", str(missing))
    with pytest.raises(ConfigError, match="nope.toml"):
        load(str(missing) if how == "option" else None)


# -- plan overrides


def test_overriding_one_target_changes_only_that_cell(tmp_path):
    path = write(tmp_path / "c.toml", '[plans.plus.response]\nblocker = "5 hours"\n')
    plans = load(str(path)).catalogue()
    defaults = Config().catalogue()
    plus, default_plus = plans["plus"], defaults["plus"]
    assert plus.response_target(Severity.BLOCKER) == Target(5, "hours")
    for sev in (Severity.CRITICAL, Severity.MAJOR, Severity.TRIVIAL):
        assert plus.response_target(sev) == default_plus.response_target(sev)
    for sev in Severity:
        assert plus.resolution_target(sev) == default_plus.resolution_target(sev)
    assert (plus.window, plus.contacts, plus.tickets_per_year, plus.phone) == (
        default_plus.window, default_plus.contacts, default_plus.tickets_per_year,
        default_plus.phone)
    assert plans["basic"] == defaults["basic"]
    assert plans["standard"] == defaults["standard"]


GOLD = """
[plans.gold]
days = ["mon", "tue", "wed", "thu", "fri", "sat"]
opens = "08:00"
closes = "22:00"
contacts = 20
tickets_per_year = 500
phone = true

[plans.gold.response]
blocker = "1 hours"
critical = "4 hours"
major = "1 days"
trivial = "> 2 days"

[plans.gold.resolution]
blocker = "4 hours"
critical = "1 days"
major = "3 days"
trivial = "< 10 days"
"""


def test_a_new_plan_with_every_key(tmp_path):
    plans = load(str(write(tmp_path / "c.toml", GOLD))).catalogue()
    assert sorted(plans) == ["basic", "gold", "plus", "standard"]
    gold = plans["gold"]
    assert gold.window.days == frozenset(range(6))
    assert (gold.window.opens, gold.window.closes) == (time(8), time(22))
    assert gold.window.length == timedelta(hours=14)
    assert (gold.contacts, gold.tickets_per_year, gold.phone) == (20, 500, True)
    assert gold.response_target(Severity.BLOCKER) == Target(1, "hours")
    assert gold.response_target(Severity.TRIVIAL) == Target(2, "days", best_effort=True)
    assert gold.resolution_target(Severity.TRIVIAL) == Target(10, "days")


def test_a_new_plan_missing_a_key_is_refused_naming_it(tmp_path):
    text = GOLD.replace("contacts = 20\n", "")
    with pytest.raises(ConfigError, match=r"plans\.gold\.contacts"):
        load(str(write(tmp_path / "c.toml", text)))


def test_holiday_extra_dates_are_read(tmp_path):
    path = write(tmp_path / "c.toml", '[holidays]\nextra = [2026-12-24, "2026-12-31"]\n')
    assert load(str(path)).holidays.extra == [date(2026, 12, 24), date(2026, 12, 31)]


# -- bad values: the message names the key, the value and what is allowed

BAD = {
    "timezone": ('[support]\ntimezone = "Europe/Madird"\n',
                 ["support.timezone", "Europe/Madird", "IANA"]),
    "country": ('[holidays]\ncountry = "XX"\n', ["holidays.country", "'XX'", "ES"]),
    "subdivision": ('[holidays]\ncountry = "ES"\nsubdivision = "ZZ"\n',
                    ["holidays.subdivision", "'ZZ'", "MD"]),
    "target": ('[plans.plus.response]\nblocker = "6 hourz"\n',
               ["plans.plus.response.blocker", "6 hourz", "N hours"]),
    "opens": ('[plans.plus]\nopens = "25:00"\n', ["plans.plus.opens", "25:00", "HH:MM"]),
    "unknown section": ('[suport]\ntimezone = "Europe/Madrid"\n', ["suport", "unknown"]),
    "unknown key": ('[support]\ntimezon = "Europe/Madrid"\n', ["support.timezon", "unknown"]),
    "warn_at": ("[escalation]\nwarn_at = 1.5\n", ["escalation.warn_at", "1.5", "less than 1"]),
    "digest": ('[managers]\ndigest = "0 8 * *"\n',
               ["managers.digest", "0 8 * *", "five-field crontab"]),
    "digest hour": ('[managers]\ndigest = "0 25 * * mon-fri"\n',
                    ["managers.digest", "0 25 * * mon-fri", "crontab"]),
    "imap tls": ('[imap]\nhost = "imap.example"\ntls = "tls"\n',
                 ["imap.tls", "'tls'", "starttls", "ssl"]),
    "extra date": ('[holidays]\nextra = ["2026-02-30"]\n',
                   ["holidays.extra", "2026-02-30", "date"]),
    "agent address": ('[agents]\naddresses = ["ana at vendor"]\n',
                      ["agents.addresses", "'ana at vendor'", "ana@vendor.example"]),
    "manager address": ('[managers]\naddresses = ["Boss <boss@vendor.example>"]\n',
                        ["managers.addresses", "Boss <boss@vendor.example>", "display name"]),
    "invalid toml": ('[support\ntimezone = "Europe/Madrid"\n', ["bad.toml", "TOML", "line 1"]),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_value_is_refused_with_key_value_and_allowed(tmp_path, case):
    text, words = BAD[case]
    path = write(tmp_path / "bad.toml", text)
    with pytest.raises(ConfigError) as caught:
        load(str(path))
    message = str(caught.value)
    for word in words:
        assert word in message, (word, message)
    assert "bad.toml" in message


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_config_through_the_cli_exits_2_without_traceback(tmp_path, capsys, case):
    text, words = BAD[case]
    path = write(tmp_path / "bad.toml", text)
    code = main(["--config", str(path), "check"])
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert "Traceback" not in err
    for word in words:
        assert word in err, (word, err)


@pytest.mark.parametrize("case", ["country", "subdivision"])
def test_a_command_using_the_holidays_refuses_an_unknown_country(tmp_path, capsys, case):
    # a quick command loads the file without the holidays library; `sla` needs it
    text, words = BAD[case]
    path = write(tmp_path / "bad.toml", text)
    code = main(["--config", str(path), "sla", "--plan", "plus", "--severity", "major",
                 "--created", "2026-03-02T10:00+01:00"])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert "Traceback" not in err
    for word in words:
        assert word in err, (word, err)


def test_bad_environment_config_through_the_cli_exits_2(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("INTAKEBOT_CONFIG", str(write(tmp_path / "env.toml", BAD["opens"][0])))
    code = main(["sla", "--plan", "plus", "--severity", "major",
                 "--created", "2026-03-02T10:00+01:00"])
    err = capsys.readouterr().err
    assert code == 2
    assert "plans.plus.opens" in err and "env.toml" in err


def test_missing_config_file_through_the_cli_exits_2(tmp_path, capsys):
    code = main(["--config", str(tmp_path / "absent.toml"), "severity", "--subject", "hi"])
    err = capsys.readouterr().err
    assert code == 2
    assert "absent.toml" in err and "does not exist" in err
