"""`intakebot sla` and `intakebot severity` as an operator runs them.

Every expected deadline below was worked out by hand from coverage-policy.md:
plus and basic are open Mon-Fri 10:00-17:00 (a business day is 7 h), standard
Mon-Fri 09:00-20:00 (11 h); Spain's 2026 national holidays include Good
Friday 3 April and Christmas; the USA observes 4 July 2026 on Friday 3 July.
"""

from __future__ import annotations

import pytest

SLA_KEYS = {"plan", "severity", "created_at", "response_due", "resolution_due",
            "response_best_effort"}


def sla(cli, plan, severity, created, *before):
    return cli(*before, "sla", "--plan", plan, "--severity", severity, "--created", created,
               "--json")


# (plan, severity, created, response_due, resolution_due, best_effort)
CASES = [
    # Mon 16-17 (1 h) + Tue (7 h) + Wed 10-16 (6 h) = 14 h = 2 days;
    # resolution 35 h: Mon 1 + Tue..Fri 28 + next Mon 6 h
    ("plus", "critical", "2026-03-02T16:00+01:00",
     "2026-03-04T16:00:00+01:00", "2026-03-09T16:00:00+01:00", False),
    # basic states no resolution target; 8 h: Mon 12-17 (5) + Tue 10-13 (3)
    ("basic", "blocker", "2026-03-02T12:00+01:00", "2026-03-03T13:00:00+01:00", None, False),
    # opened on Saturday: counting starts Monday 10:00; 6 h and 10 h (Mon 7 + Tue 3)
    ("plus", "blocker", "2026-03-07T12:00+01:00",
     "2026-03-09T16:00:00+01:00", "2026-03-10T13:00:00+01:00", False),
    # "> 4 days" is best effort: 28 h from Mon 11:00 is Fri 11:00; "< 30 days" is 30
    # business days, six weeks later plus one for Good Friday, after the switch to CEST
    ("plus", "trivial", "2026-03-02T11:00+01:00",
     "2026-03-06T11:00:00+01:00", "2026-04-14T11:00:00+02:00", True),
    # standard: Fri 19-20 (1) + Mon 11 h + Tue 9-19 (10) = 22 h = 2 days of 11 h;
    # resolution 5 days = 55 h: Fri 1 + Mon..Thu 44 + Fri 9-19 (10)
    ("standard", "major", "2026-03-06T19:00+01:00",
     "2026-03-10T19:00:00+01:00", "2026-03-13T19:00:00+01:00", False),
    # across the spring DST switch (Sun 29 March): Fri 18-20 (2) + Mon 9-11 (2)
    ("standard", "blocker", "2026-03-27T18:00+01:00",
     "2026-03-30T11:00:00+02:00", "2026-03-30T14:00:00+02:00", False),
    # Christmas Day is closed: Thu 15-17 (2) + Mon 28 10-14 (4); resolution 10 h ends Tue 11:00
    ("plus", "blocker", "2026-12-24T15:00+01:00",
     "2026-12-28T14:00:00+01:00", "2026-12-29T11:00:00+01:00", False),
    # given in UTC: 15:00Z is 16:00 in Madrid, the same ticket as the first case
    ("plus", "critical", "2026-03-02T15:00Z",
     "2026-03-04T16:00:00+01:00", "2026-03-09T16:00:00+01:00", False),
]


@pytest.mark.parametrize(("plan", "severity", "created", "response", "resolution", "best"),
                         CASES)
def test_sla_json_deadlines(cli, plan, severity, created, response, resolution, best):
    ran = sla(cli, plan, severity, created)
    assert ran.code == 0, ran.err
    data = ran.json()
    assert set(data) == SLA_KEYS
    assert data["plan"] == plan
    assert data["severity"] == severity
    assert data["response_due"] == response
    assert data["resolution_due"] == resolution
    assert data["response_best_effort"] is best


def test_created_at_is_echoed_with_its_offset(cli):
    data = sla(cli, "plus", "critical", "2026-03-02T16:00+01:00").json()
    assert data["created_at"] == "2026-03-02T16:00:00+01:00"


def test_created_without_offset_is_read_in_the_support_zone(cli):
    data = sla(cli, "plus", "critical", "2026-03-02T16:00").json()
    assert data["created_at"] == "2026-03-02T16:00:00+01:00"
    assert data["response_due"] == "2026-03-04T16:00:00+01:00"


US_CONFIG = '[support]\ntimezone = "America/New_York"\n\n[holidays]\ncountry = "US"\n'


def test_config_time_zone_and_holidays_change_the_answer(cli, tmp_path):
    created = "2026-07-02T15:00-04:00"  # Thursday 15:00 in New York, 21:00 in Madrid
    # Madrid, Spain: closed at 21:00; Fri 3 July 10:00 + 6 h
    madrid = sla(cli, "plus", "blocker", created).json()
    assert madrid["response_due"] == "2026-07-03T16:00:00+02:00"
    # New York, USA: Thu 15-17 (2), Fri 3 July is the observed Independence Day, Mon 10-14 (4)
    (tmp_path / "us.toml").write_text(US_CONFIG)
    ny = sla(cli, "plus", "blocker", created, "--config", tmp_path / "us.toml").json()
    assert ny["response_due"] == "2026-07-06T14:00:00-04:00"
    # 10 h: Thu 2 + Mon 7 + Tue 10-11
    assert ny["resolution_due"] == "2026-07-07T11:00:00-04:00"


def test_config_zone_is_used_for_a_created_without_offset(cli, tmp_path):
    (tmp_path / "us.toml").write_text(US_CONFIG)
    data = sla(cli, "plus", "blocker", "2026-07-02T15:00", "--config", tmp_path / "us.toml")
    assert data.json()["created_at"] == "2026-07-02T15:00:00-04:00"


def test_config_plan_override_is_honoured(cli, tmp_path):
    (tmp_path / "c.toml").write_text('[plans.plus.response]\nblocker = "2 hours"\n')
    data = sla(cli, "plus", "blocker", "2026-03-02T12:00+01:00", "--config", tmp_path / "c.toml")
    assert data.json()["response_due"] == "2026-03-02T14:00:00+01:00"


def test_sla_text_output_names_the_deadlines(cli):
    ran = cli("sla", "--plan", "plus", "--severity", "critical",
              "--created", "2026-03-02T16:00+01:00")
    assert ran.code == 0
    assert "Wed 04 Mar 2026 16:00" in ran.out
    assert "Mon 09 Mar 2026 16:00" in ran.out


def test_sla_text_output_says_when_there_is_no_target(cli):
    ran = cli("sla", "--plan", "basic", "--severity", "major", "--created", "2026-03-02T12:00")
    assert ran.code == 0
    assert "no target" in ran.out


# -- sla: mistakes


def test_unknown_plan_names_the_allowed_plans(cli, failure):
    ran = sla(cli, "gold", "major", "2026-03-02T10:00+01:00")
    failure(ran, 2, "gold", "basic", "plus", "standard")
    assert ran.out == ""


def test_plan_defined_in_config_is_allowed(cli, tmp_path, failure):
    ran = sla(cli, "gold", "major", "2026-03-02T10:00+01:00")
    failure(ran, 2, "gold")
    gold = """[plans.gold]
days = ["mon", "tue", "wed", "thu", "fri"]
opens = "08:00"
closes = "18:00"
contacts = 5
tickets_per_year = 100
phone = false
[plans.gold.response]
blocker = "1 hours"
critical = "2 hours"
major = "1 days"
trivial = "> 2 days"
[plans.gold.resolution]
blocker = "2 hours"
critical = "1 days"
major = "2 days"
trivial = "none"
"""
    (tmp_path / "gold.toml").write_text(gold)
    ran = sla(cli, "gold", "major", "2026-03-02T10:00+01:00", "--config", tmp_path / "gold.toml")
    assert ran.code == 0, ran.err
    # 1 day = 10 h: Mon 10-18 (8) + Tue 08-10 (2)
    assert ran.json()["response_due"] == "2026-03-03T10:00:00+01:00"
    assert ran.json()["resolution_due"] == "2026-03-04T10:00:00+01:00"


def test_bad_severity_names_the_allowed_ones(cli, failure):
    ran = sla(cli, "plus", "urgent", "2026-03-02T10:00+01:00")
    failure(ran, 2, "urgent", "blocker", "critical", "major", "trivial")


@pytest.mark.parametrize("created", ["yesterday", "2026-13-01T10:00", "02/03/2026 10:00", ""])
def test_bad_created_is_refused_with_an_example(cli, failure, created):
    ran = sla(cli, "plus", "major", created)
    failure(ran, 2, "--created", "ISO 8601")


@pytest.mark.parametrize("missing", ["--plan", "--severity", "--created"])
def test_missing_option_is_a_usage_error(cli, failure, missing):
    args = {"--plan": "plus", "--severity": "major", "--created": "2026-03-02T10:00"}
    del args[missing]
    ran = cli("sla", *[x for kv in args.items() for x in kv])
    failure(ran, 2, missing)


# -- severity

SEVERITY_KEYS = {"severity", "reason", "confidence", "affected", "scope", "mitigation",
                 "definitions", "learned", "requested"}


def severity_json(cli, *args):
    ran = cli("severity", *args, "--json")
    assert ran.code == 0, ran.err
    data = ran.json()
    assert set(data) == SEVERITY_KEYS
    assert 0 <= data["confidence"] <= 1
    return data


def test_outage_in_english_is_a_blocker(cli):
    data = severity_json(cli, "--subject", "Production is down",
                         "--body", "Since 09:10 nobody can log in: the service is unavailable.")
    assert data["severity"] == "blocker"
    assert data["reason"]


def test_an_explicit_tag_is_a_request_beside_the_reading(cli):
    data = severity_json(cli, "--subject", "[Trivial] everything is down",
                         "--body", "The service is unavailable for everyone.")
    assert (data["severity"], data["requested"]) == ("blocker", "trivial")
    assert data["reason"] == "blocker: the service is unavailable for every user"
    assert (data["affected"], data["scope"], data["mitigation"]) == ("service", "all", None)


def test_the_reason_names_what_is_affected_for_whom_and_what_still_works(cli):
    data = severity_json(cli, "--subject", "No podemos crear documentos",
                         "--body", "Crear documentos falla a todos los usuarios desde las "
                                   "9:00. Lo demás funciona.")
    assert data["severity"] == "critical" and data["requested"] is None
    assert data["reason"] == ("critical: creating documents fails for every user; the rest of "
                              "the service works")
    assert (data["affected"], data["scope"], data["mitigation"]) == ("create", "all", "rest")


def test_where_the_readings_disagree_both_are_shown(cli):
    body = ("Good morning,\n\nsince around half past eight the whole company sees only a "
            "spinning wheel when going to our docsuite address, whatever the browser, in the "
            "office and from home, and the phone app shows the same. None of the 45 of us has "
            "been able to do anything all morning.\n\nThanks,\nLucy")
    data = severity_json(cli, "--subject", "Can't work", "--body", body)
    assert (data["severity"], data["learned"]) == ("blocker", "blocker")
    assert data["definitions"] != "blocker"
    assert data["reason"].startswith("blocker (learned from labelled mails: ")
    assert "; the definitions' reading alone: " in data["reason"]
    ran = cli("severity", "--subject", "Can't work", "--body", body)
    assert ran.code == 0
    assert f"Readings: the definitions' {data['definitions']}, the learned blocker" in ran.out


def test_spanish_outage_is_a_blocker(cli):
    data = severity_json(cli, "--subject", "La plataforma está caída",
                         "--body", "Hola,\n\nNo funciona nada, el servicio no está disponible.\n")
    assert data["severity"] == "blocker"


def test_spanish_severity_line_is_an_explicit_tag_a_request(cli):
    data = severity_json(cli, "--subject", "Problema con el buscador",
                         "--body", "Hola,\n\nGravedad: crítica\n\nEl buscador no devuelve "
                                   "nada a nadie; el resto funciona.\n")
    assert (data["severity"], data["requested"]) == ("major", "critical")
    assert data["reason"] == "major: search fails for every user; the rest of the service works"


def test_spanish_question_is_trivial(cli):
    data = severity_json(cli, "--subject", "Pregunta sobre el idioma",
                         "--body", "¿Cómo puedo cambiar el idioma de la interfaz? Gracias.")
    assert data["severity"] == "trivial"


def test_file_gives_subject_and_body(cli, write_eml):
    path = write_eml("outage.eml", "Alice <alice@acme.example>", "URGENT: site is down",
                     "Hello,\n\nThe whole platform is unavailable, nobody can work.\n\nAlice\n")
    data = severity_json(cli, "--file", path)
    assert data["severity"] == "blocker"


def test_file_subject_can_be_overridden(cli, write_eml):
    path = write_eml("q.eml", "alice@acme.example", "A question",
                     "Hello,\n\nHow do I change my password?\n")
    data = severity_json(cli, "--file", path, "--subject", "[Critical] override")
    assert (data["severity"], data["requested"]) == ("trivial", "critical")


def test_severity_text_output(cli):
    ran = cli("severity", "--subject", "[Blocker] slow exports")
    assert ran.code == 0
    assert ran.out.startswith("major")
    assert "moderate impact" in ran.out
    assert 'Requested: blocker (explicit tag "[Blocker]" in the subject): a request for the ' \
           "agents; the ticket opens at major" in ran.out


def test_severity_without_input_is_a_usage_error(cli, failure):
    failure(cli("severity", "--json"), 2, "--subject", "--file")


def test_unreadable_file_is_a_usage_error(cli, failure, tmp_path):
    failure(cli("severity", "--file", tmp_path / "nope.eml"), 2, "nope.eml")


def test_directory_as_file_is_a_usage_error(cli, failure, tmp_path):
    failure(cli("severity", "--file", tmp_path), 2, "--file")


def test_empty_file_is_a_usage_error(cli, failure, tmp_path):
    (tmp_path / "empty.eml").write_bytes(b"")
    failure(cli("severity", "--file", tmp_path / "empty.eml"), 2, "empty.eml")


def test_sla_as_a_real_process(cli_process):
    ran = cli_process("sla", "--plan", "plus", "--severity", "critical",
                      "--created", "2026-03-02T16:00+01:00", "--json")
    assert ran.code == 0, ran.err
    assert '"response_due": "2026-03-04T16:00:00+01:00"' in ran.out


def test_usage_error_as_a_real_process(cli_process, failure):
    ran = cli_process("sla", "--plan", "nope", "--severity", "major", "--created", "2026-03-02")
    failure(ran, 2, "nope", "plus")


@pytest.mark.parametrize("created", ["9999-06-01T10:00", "9999-12-31T16:00+01:00"])
def test_created_in_the_last_representable_year_is_refused_cleanly(cli, failure, created):
    failure(sla(cli, "plus", "blocker", created), 2, "--created")
