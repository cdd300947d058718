"""What readers see in their language and zone: dates, business durations, the support
window from another zone, whose holidays, why a severity; and the catalogs are whole."""

from __future__ import annotations

import importlib.util
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from notifier import i18n
from notifier.wording import Wording
from rules.plans import SEVERITY_MEANINGS, Severity, build_catalogue
from rules.severity import infer

MAD = ZoneInfo("Europe/Madrid")
SEVEN_H = timedelta(hours=7)
EN, ES = Wording("en"), Wording("es")
PLANS = build_catalogue()
ROOT = Path(__file__).resolve().parents[2]


def hours(plan="standard", country="ES", subdivision=None, extra=False):
    return {"window": PLANS[plan].window, "zone": "Europe/Madrid", "country": country,
            "subdivision": subdivision, "extra": extra}


def test_dates_in_spanish_name_the_day_and_month_in_full():
    t = datetime(2026, 3, 3, 16, 0, tzinfo=MAD)
    assert ES.when(t, "Europe/Madrid") == "martes 3 de marzo de 2026, 16:00 CET (Europe/Madrid)"
    assert EN.when(t, "Europe/Madrid") == "Tue 3 Mar 2026, 16:00 CET (Europe/Madrid)"
    assert ES.day(date(2027, 1, 1)) == "1 de enero de 2027"
    assert ES.month(t, "Europe/Madrid") == "marzo de 2026"


@pytest.mark.parametrize(("delta", "en", "es"), [
    (timedelta(hours=14), "2 business days", "2 días hábiles"),
    (timedelta(hours=7), "1 business day", "1 día hábil"),
    (timedelta(hours=10), "10 business hours", "10 horas hábiles"),
    (timedelta(hours=1), "1 business hour", "1 hora hábil"),
    (timedelta(hours=27), "3 business days 6 hours", "3 días hábiles y 6 horas"),
    (timedelta(hours=27, minutes=5), "3 business days 6 hours 5 min",
     "3 días hábiles, 6 horas y 5 min"),
    (timedelta(minutes=45), "45 business minutes", "45 minutos hábiles"),
])
def test_business_durations_in_both_languages(delta, en, es):
    assert EN.business(delta, SEVEN_H) == en
    assert ES.business(delta, SEVEN_H) == es


def test_an_overdue_target_reads_as_overdue_in_business_time():
    # 17:30 against a 17:00 deadline
    assert EN.left_or_late(-timedelta(minutes=30), SEVEN_H) == "overdue by 30 business minutes"
    assert EN.left_or_late(-SEVEN_H, SEVEN_H) == "overdue by 1 business day"
    assert ES.left_or_late(-timedelta(minutes=30), SEVEN_H) == "30 minutos hábiles de retraso"
    assert ES.left_or_late(timedelta(hours=1, minutes=20), SEVEN_H) == \
        "1 hora hábil y 20 min de margen"
    assert EN.left_or_late(timedelta(0), SEVEN_H) == "due now"
    # breached at closing time and read the next morning: no business minute late, but late
    assert EN.left_or_late(timedelta(0), SEVEN_H, overdue=True) == "overdue"
    assert ES.left_or_late(timedelta(0), SEVEN_H, overdue=True) == "plazo vencido"


def test_percent_follows_the_language():
    assert EN.percent(0.834) == "83%"
    assert ES.percent(0.796) == "79 %"


def test_support_window_in_the_readers_zone_names_the_support_zone_once():
    winter = datetime(2026, 2, 2, 12, 0, tzinfo=MAD)
    assert EN.support_hours(hours(), "America/New_York", winter) == (
        "Mon-Fri 03:00-14:00 your time (09:00-20:00 in Madrid), excluding public holidays "
        "in Spain")
    assert ES.support_hours(hours(), "America/New_York", winter) == (
        "de lunes a viernes, de 03:00 a 14:00 en su hora local (de 09:00 a 20:00 en Madrid), "
        "salvo festivos de España")
    assert EN.support_hours(hours(), "Europe/Madrid", winter) == \
        "Mon-Fri 09:00-20:00 (Madrid time), excluding public holidays in Spain"


def test_a_window_that_crosses_the_readers_midnight_shifts_the_days():
    winter = datetime(2026, 2, 2, 12, 0, tzinfo=MAD)
    # Tokyo is 8 hours ahead of Madrid in winter: 09:00-20:00 is 17:00-04:00
    assert EN.support_hours(hours(), "Asia/Tokyo", winter).startswith(
        "Mon-Fri 17:00-04:00 the next day your time (09:00-20:00 in Madrid)")
    # Honolulu is 11 hours behind: Madrid's Monday 09:00 is Sunday 22:00 there
    assert EN.support_hours(hours(), "Pacific/Honolulu", winter).startswith(
        "Sun-Thu 22:00-09:00 the next day your time (Mon-Fri 09:00-20:00 in Madrid)")


def test_the_window_follows_the_offset_of_the_day_it_is_shown_for():
    # the US moves its clocks three weeks before Europe: New York is 5 hours behind then
    between = datetime(2026, 3, 16, 12, 0, tzinfo=MAD)
    assert EN.support_hours(hours(), "America/New_York", between).startswith(
        "Mon-Fri 04:00-15:00 your time")


def test_holidays_say_whose():
    assert EN.closed_days("ES") == "excluding public holidays in Spain"
    assert ES.closed_days("ES") == "salvo festivos de España"
    assert EN.closed_days("ES", "MD") == "excluding public holidays in Madrid (Spain)"
    assert EN.closed_days("US", None, extra=True) == \
        "excluding public holidays in United States and our own closing days"
    assert EN.closed_days(None, None, extra=True) == "excluding our own closing days"
    assert EN.closed_days(None) == ""


def test_why_a_severity_was_chosen_is_worded_for_the_customer_in_their_language():
    reason = ('matched "no funciona" (critical: cannot work) in the subject; "caído" '
              '(blocker: service down) in the body; outweighing "?" (trivial: question mark)')
    assert ES.reason(reason) == \
        "su mensaje menciona «no funciona» en el asunto; «caído» en el texto"
    assert EN.reason(reason) == \
        'your mail mentions "no funciona" in the subject; "caído" in the body'
    assert ES.reason('explicit tag "[Blocker]" in the subject') == \
        "la indicación «[Blocker]» en el asunto"
    assert ES.reason("set by Ana Ruiz") == "establecida por Ana Ruiz"
    assert "por defecto" in ES.reason("no severity cue in the subject or body; using the "
                                      "default (major)")


def test_the_definitions_reading_is_told_to_the_customer_in_their_language():
    line = "critical: creating documents fails for every user; the rest of the service works"
    assert EN.reason(line) == ("your mail says creating documents fails for every user, "
                               "and that the rest of the service works")
    assert ES.reason(line) == ("su mensaje dice que la creación de documentos falla para "
                               "todos los usuarios, y que el resto del servicio funciona")
    assert ES.reason("major: search is slow for some users") == \
        "su mensaje dice que hay lentitud en la búsqueda para algunos usuarios"
    assert ES.reason("major: previews fail (for whom is not said)") == \
        "su mensaje dice que las vistas previas fallan"
    assert ES.reason("major: a fault is reported for every user, not what it affects") == \
        "su mensaje describe un fallo para todos los usuarios, pero no qué afecta"
    assert ES.reason("trivial: a question, no fault reported") == \
        "su mensaje no describe ningún fallo que impida trabajar"


def test_every_reading_the_model_can_give_has_spanish_words():
    # whatever the triage names as affected, for whom and what still works, a Spanish
    # customer reads it in Spanish, not the fallback
    from rules import triage_reason
    from rules.triage import Reading
    from rules.triage_words import PHRASES

    features = {key[2:] for key in PHRASES if key.startswith("F:")}
    assert {"search", "OCR", "previews"} <= features
    affected = set(triage_reason.AFFECTED) | features | {"slow:", "slow:a page", "drops"}
    fallback = ES.reason("major: frobnication fails for one user")
    assert fallback == "lo que describe su mensaje"
    for name in sorted(affected):
        for scope in ("", *triage_reason.SCOPES):
            for still in ("", *triage_reason.MITIGATIONS):
                line = triage_reason.agent_line(
                    Reading(Severity.MAJOR, name, scope, still, "fault", True))
                worded = ES.reason(line)
                assert worded != fallback and worded.startswith("su mensaje"), (line, worded)
                assert EN.reason(line).startswith("your mail"), line


def test_severity_meanings_are_the_vendors_words():
    # the catalog's msgids must stay the policy's own definitions (rules/plans.py)
    for severity, meaning in SEVERITY_MEANINGS.items():
        assert EN.meaning(severity) == meaning
        assert ES.meaning(severity) != meaning


def test_the_spanish_severity_request_the_mails_suggest_is_understood():
    # the acknowledgement tells Spanish customers to write «Gravedad: bloqueante»
    assert "Gravedad: bloqueante" in ES._(
        'If you think a different severity applies, reply with a line such as "Severity: '
        'blocker" (the levels are blocker, critical, major and trivial) and tell us why.')
    guess = infer("Re: fallo", "Gravedad: bloqueante\nSigue sin funcionar.")
    assert guess.requested == "blocker"  # a request for the agents (rules/severity.py)


def test_bounce_notices_say_what_the_mail_was():
    assert EN.mail_kind("ack", 12) == "the acknowledgement of ticket #12"
    assert EN.mail_kind("refused_quota") == "our answer to a customer who has no tickets left"
    assert "ack" not in EN.mail_kind("ack", 12).split()


def test_languages_are_the_compiled_catalogs():
    assert i18n.languages() == ("en", "es")
    assert i18n.pick("fr", None, "es", default="en") == "es"
    assert i18n.pick(None, default="en") == "en"
    with pytest.raises(i18n.UnknownLanguage):
        Wording("fr")


def _catalogs_tool():
    spec = importlib.util.spec_from_file_location("catalogs", ROOT / "tools" / "catalogs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_catalog_translates_every_message_and_is_compiled():
    """A template or wording change without its translation, or a .po edited without
    `python3 tools/catalogs.py compile`, fails here."""
    assert _catalogs_tool().problems() == []


def test_the_catalog_check_sees_a_missing_translation(tmp_path, monkeypatch):
    tool = _catalogs_tool()
    monkeypatch.setattr(tool, "extracted", lambda: {"A sentence nobody translated"})
    assert any("A sentence nobody translated" in p for p in tool.problems())


def test_agents_read_the_reading_in_the_desks_language():
    line = "critical: opening documents fails (for whom is not said)"
    assert EN.for_agents(line) == line
    assert ES.for_agents(line) == "crítica: la apertura de documentos falla (no se dice para quién)"
    assert ES.for_agents("trivial: thanks, no fault reported") == \
        "trivial: un agradecimiento, sin fallo"
    assert ES.for_agents("major: the mobile app fails for every user; it still works another "
                         "way (the web, another app or route)") == \
        ("mayor: la aplicación móvil falla para todos los usuarios; sigue funcionando por "
         "otra vía (la web, otra aplicación u otra ruta)")
    assert ES.for_agents("set by Ana Ruiz") == "set by Ana Ruiz"
