"""Severity inference: the corpus, tags, quoting, headers, config rules, the reason line.

The held-out corpus (heldout-5.toml) is not scored here: tests that pass on it would
invite tuning against it. `python3 bench/bench_severity.py` reports it; only its shape
is checked (test_held_out_part_*, skipped until the file is written), and while the
model is being changed even that is left out: `-k "not held_out"`.
"""

from __future__ import annotations

import tomllib
from collections import defaultdict
from pathlib import Path

import pytest

from intakebot.config import parse
from rules.plans import Severity
from rules.severity import SeverityRule, infer

DATA = Path(__file__).parent.parent / "data" / "severity"
# which file is which: parts.toml (the held-out part is never tuned on)
with (DATA / "parts.toml").open("rb") as _fh:
    _PARTS = tomllib.load(_fh)
TUNING_FILES, HELD_OUT_FILES = tuple(_PARTS["tuning"]), tuple(_PARTS["held_out"])


def _load(name: str) -> list[dict]:
    with (DATA / name).open("rb") as fh:
        return tomllib.load(fh)["mail"]


TUNING = [m for name in TUNING_FILES for m in _load(name)]


def _reading(mail: dict) -> Severity:
    """The level a mail gets: the definitions' reading. A customer's tag ("Severity:
    blocker") is a request beside it, and the corpus labels such a line as one."""
    return infer(mail["subject"], mail["body"], mail.get("headers")).severity


# --- the corpus -----------------------------------------------------------------------

def test_tuning_corpus_is_balanced_and_a_third_spanish():
    cells = defaultdict(int)
    for mail in TUNING:
        cells[(mail["lang"], Severity(mail["expected"]))] += 1
    assert {lang for lang, _ in cells} == {"en", "es"}
    assert all(cells[(lang, sev)] >= 8 for lang in ("en", "es") for sev in Severity), cells
    assert len(TUNING) >= 300 and sum(m["lang"] == "es" for m in TUNING) >= len(TUNING) / 3
    ids = [m["id"] for m in TUNING]
    assert len(ids) == len(set(ids))


def test_held_out_part_is_large_and_apart_from_the_tuning_part():
    held_out = [m for name in HELD_OUT_FILES for m in _load(name)]
    everything = TUNING + held_out
    assert len(everything) >= 300 and len(held_out) >= 100
    assert sum(m["lang"] == "es" for m in everything) >= len(everything) / 3
    ids = [m["id"] for m in everything]
    assert len(ids) == len(set(ids))


def test_tuning_corpus_accuracy_and_no_outage_is_downgraded():
    wrong = [f"{m['id']}: expected {m['expected']}, got {got}"
             for m in TUNING if (got := _reading(m)) != m["expected"]]
    assert len(wrong) <= len(TUNING) * 0.03, "\n".join(wrong)
    missed = [m["id"] for m in TUNING
              if m["expected"] == "blocker" and _reading(m) is not Severity.BLOCKER]
    assert not missed, f"outage mails not rated blocker: {missed}"


def test_a_customers_tag_is_a_request_beside_the_reading_never_the_level():
    tagged = [(m, infer(m["subject"], m["body"])) for m in TUNING]
    tagged = [(m, r) for m, r in tagged if r.requested is not None]
    assert len(tagged) >= 10
    assert all(r.confidence < 1.0 and r.request.startswith("explicit tag") for _, r in tagged)
    disagree = [(m, r) for m, r in tagged if r.requested != m["expected"]]
    assert disagree and all(r.severity == m["expected"] for m, r in disagree)


# --- explicit tags --------------------------------------------------------------------

@pytest.mark.parametrize("subject, body, expected, shown", [
    ("[Blocker] invoices", "", Severity.BLOCKER, "[Blocker]"),
    ("Re: [critical] viewer", "", Severity.CRITICAL, "[critical]"),
    ("Upload (Major)", "", Severity.MAJOR, "(Major)"),
    ("Logo", "Hello,\nSeverity: trivial\nThanks", Severity.TRIVIAL, "Severity: trivial"),
    ("Login", "Priority: blocker\n", Severity.BLOCKER, "Priority: blocker"),
    ("[Crítico] firma", "", Severity.CRITICAL, "[Crítico]"),
    ("[Critico] firma", "", Severity.CRITICAL, "[Critico]"),
    ("Firma", "Gravedad: crítica", Severity.CRITICAL, "Gravedad: crítica"),
    ("Acceso", "Severidad: bloqueante", Severity.BLOCKER, "Severidad: bloqueante"),
    ("Idea", "Prioridad: menor", Severity.TRIVIAL, "Prioridad: menor"),
    ("Informe", "Gravedad: Mayor", Severity.MAJOR, "Gravedad: Mayor"),
])
def test_an_explicit_tag_is_read_as_a_request(subject, body, expected, shown):
    result = infer(subject, body)
    assert result.requested is expected
    assert result.request == f'explicit tag "{shown}" in the ' + (
        "body" if shown in body else "subject")
    assert result.confidence < 1.0  # the level is the reading's (here mostly the default)


def test_a_tag_does_not_beat_contrary_text_the_reading_sets_the_level():
    result = infer("[Trivial] the platform is down", "Nobody can log in, we get 503 everywhere.")
    assert (result.severity, result.requested) == (Severity.BLOCKER, Severity.TRIVIAL)
    assert result.assessed is Severity.BLOCKER and result.confidence < 1.0
    assert result.reason == "blocker: the service is unavailable for every user"
    es = infer("[Bloqueante] duda", "¿Cómo cambio el logo de la pantalla de acceso? Gracias.")
    assert (es.severity, es.requested) == (Severity.TRIVIAL, Severity.BLOCKER)
    assert es.reason == "trivial: a question, no fault reported"


def test_a_tag_that_agrees_with_the_reading_is_still_only_the_request():
    result = infer("Login", "Severidad: crítica\n\nNadie de la oficina puede iniciar sesión.")
    assert (result.severity, result.requested) == (Severity.CRITICAL, Severity.CRITICAL)
    assert result.reason == "critical: signing in fails for every user"
    assert result.request == 'explicit tag "Severidad: crítica" in the body'


def test_a_medium_severity_line_in_spanish_is_a_tag():
    assert infer("Incidencia", "Severidad: media\nla web va lenta").requested is Severity.MAJOR


def test_urgent_in_brackets_is_not_a_severity_tag():
    result = infer("[URGENT] how do I rename a folder?", "")
    assert result.severity is Severity.TRIVIAL and result.requested is None


def test_a_tag_in_quoted_text_is_ignored():
    body = "How do I export a folder?\n\n> Severity: blocker\n> the platform is down\n"
    result = infer("Export", body)
    assert result.severity is Severity.TRIVIAL and result.requested is None


# --- quoted earlier messages ----------------------------------------------------------

QUOTES = [
    "> Hi, the platform is down, nobody can access it!\n> Anna",
    "On Wed, 12 Jun 2024 at 14:10, Anna <anna@client.example> wrote:\n"
    "the platform is down, nobody can access it!",
    "On Wed, 12 Jun 2024 at 14:10, Anna Kowalski <anna@client.example>\nwrote:\n"
    "the platform is down, nobody can access it!",
    "El mié, 12 jun 2024 a las 14:10, Ana (<ana@cliente.example>) escribió:\n"
    "la plataforma está caída, nadie puede acceder",
    "-----Original Message-----\nthe platform is down, nobody can access it!",
    "-----Mensaje original-----\nla plataforma está caída, nadie puede acceder",
    "________________________________\nFrom: Anna Kowalski <anna@client.example>\n"
    "Sent: Wednesday, June 12, 2024 2:10 PM\nTo: Support\nSubject: Platform\n\n"
    "the platform is down, nobody can access it!",
    "De: Ana <ana@cliente.example>\nEnviado el: miércoles, 12 de junio de 2024 14:10\n"
    "Para: Soporte\nAsunto: Plataforma\n\nla plataforma está caída, nadie puede acceder",
]


@pytest.mark.parametrize("quote", QUOTES)
def test_an_outage_in_an_earlier_message_does_not_drive_the_result(quote):
    body = f"Thanks, all fine now. How do I add a new user?\n\n{quote}\n"
    result = infer("Users", body)
    assert result.severity is Severity.TRIVIAL, result.reason
    # the same quote as the sender's own words is an outage
    own = next(line for line in quote.splitlines() if "nobody" in line or "nadie" in line)
    assert infer("Users", own.lstrip("> ")).severity is Severity.BLOCKER


def test_the_signature_is_not_read():
    body = "How can I change my password?\n-- \nJane Doe\nOutage Response Team Lead\n"
    assert infer("Password", body).severity is Severity.TRIVIAL


# --- cues, negation, weighting --------------------------------------------------------

@pytest.mark.parametrize("subject, body, expected", [
    ("Service is down", "", Severity.BLOCKER),
    ("Plataforma caída", "", Severity.BLOCKER),
    ("", "no podemos acceder a la plataforma desde esta mañana", Severity.BLOCKER),
    ("Cannot upload documents", "", Severity.CRITICAL),
    ("No se pueden abrir los documentos", "", Severity.CRITICAL),
    ("Platform very slow", "", Severity.MAJOR),
    ("", "la aplicación va muy lenta y se desconecta de vez en cuando", Severity.MAJOR),
    ("Suggestion: dark mode", "", Severity.TRIVIAL),
    ("¿Cómo puedo cambiar el logo?", "", Severity.TRIVIAL),
    # one person locked out by a forgotten password is not an outage
    ("Can't log in", "I forgot my password and can't log in, can you reset it?", Severity.TRIVIAL),
    ("No puedo entrar", "He olvidado mi contraseña, ¿me la podéis restablecer?", Severity.TRIVIAL),
])
def test_policy_cues_in_both_languages(subject, body, expected):
    assert infer(subject, body).severity is expected


@pytest.mark.parametrize("body", [
    "The platform is not down, but the search is really slow.",
    "I don't think the site is down, the search is just very slow.",
    "El sistema no está caído, pero la búsqueda va muy lenta.",
    "If the service is down at night, is there an on-call number?",
])
def test_negated_or_hypothetical_outage_is_not_a_blocker(body):
    assert infer("Search", body).severity is not Severity.BLOCKER


@pytest.mark.parametrize("subject, body", [
    ("Export", "The PDF export does not work. Not urgent, whenever you can."),
    ("Exportación", "La exportación a PDF no funciona. No es urgente, cuando podáis."),
    ("URGENT!!!", "The PDF export does not work."),
    ("¡¡URGENTE!!", "La exportación a PDF no funciona."),
])
def test_tone_does_not_change_the_impact(subject, body):
    # the definitions rate what is affected, not how the writer feels about it
    assert infer(subject, body).severity is Severity.MAJOR


@pytest.mark.parametrize("subject, body, expected", [
    ("How do I add a tag?", "Also, search is slow for everyone.", Severity.MAJOR),
    ("¿Cómo añado una etiqueta?", "Además, la búsqueda va lenta para todos.", Severity.MAJOR),
    ("Feature suggestion", "Before that: the site is not loading for anyone since 10:00.",
     Severity.BLOCKER),
    ("Sugerencia", "Antes de nada: la web no carga para nadie desde las 10:00.",
     Severity.BLOCKER),
])
def test_a_fault_in_the_body_outweighs_a_question_or_suggestion_in_the_subject(
        subject, body, expected):
    assert infer(subject, body).severity is expected


@pytest.mark.parametrize("subject, body", [
    ("Re: Site down", "It is back now, but it went down twice this morning for a minute."),
    ("RE: Web caída", "Ya funciona, pero esta mañana se ha caído dos veces un minuto."),
])
def test_a_reply_subject_is_not_read_and_drops_are_major(subject, body):
    assert infer(subject, body).severity is Severity.MAJOR
    assert infer(subject.split(":", 1)[1], body).severity is Severity.MAJOR


def test_the_reason_names_what_is_affected_for_whom_and_what_still_works():
    clear = infer("Cannot create documents", "Creating documents fails for every user since "
                  "9:00. The rest of the service works.")
    assert clear.reason == ("critical: creating documents fails for every user; the rest of "
                            "the service works")
    assert (clear.affected, clear.scope, clear.mitigation) == ("create", "all", "rest")
    es = infer("No podemos crear documentos", "Crear documentos falla a todos los usuarios "
               "desde las 9:00. Lo demás funciona.")
    assert es.reason == clear.reason
    up = infer("", "The service is up but nobody can open a document.")
    assert up.reason == "critical: opening documents fails for every user; the service " \
                        "itself is up"
    unclear = infer("Thumbnails", "The thumbnails are not generated.")
    assert unclear.reason == "major: previews fail (for whom is not said)"
    assert 0.1 < unclear.confidence < clear.confidence < 1.0


def test_no_cue_falls_back_to_the_default_with_low_confidence():
    result = infer("Hello", "Please see the attached file.")
    assert result.severity is Severity.MAJOR and result.confidence <= 0.2
    assert "default" in result.reason
    assert infer("Hello", "See attached.", default=Severity.TRIVIAL).severity is Severity.TRIVIAL


# --- headers are a weak signal --------------------------------------------------------

def test_high_priority_header_nudges_an_unclear_mail_one_level_up():
    result = infer("Hello", "Please see the attached file.", {"Importance": "High"})
    assert result.severity is Severity.CRITICAL
    assert "Importance: High" in result.reason


def test_priority_headers_never_decide_against_clear_text():
    headers = {"X-Priority": "1 (Highest)", "Importance": "high"}
    assert infer("How do I rename a folder?", "", headers).severity is Severity.TRIVIAL
    low = {"x-priority": ["5 (Lowest)"]}  # mail-parser may hand a header back as a list
    assert infer("Platform down", "Nobody can log in.", low).severity is Severity.BLOCKER


def test_low_priority_header_nudges_an_unclear_mail_down():
    assert infer("Hello", "See attached.", {"X-Priority": "5"}).severity is Severity.TRIVIAL


# --- extra rules from the configuration -----------------------------------------------

def test_extra_rules_from_the_config_add_to_the_defaults():
    config = parse({"severity": {"rules": [
        {"severity": "blocker", "pattern": r"factura electr[oó]nica", "weight": 10,
         "label": "e-invoicing is regulated"},
    ]}})
    subject, body = "Consulta", "La factura electronica no se envia a Hacienda."
    assert infer(subject, body).severity is not Severity.BLOCKER
    result = infer(subject, body, extra_rules=config.severity.rules)
    assert result.severity is Severity.BLOCKER
    assert "e-invoicing is regulated" in result.reason


def test_extra_rules_ignore_accents_and_case():
    rule = SeverityRule(Severity.CRITICAL, "nómina", weight=6, label="payroll")
    assert infer("NOMINA", "", extra_rules=[rule]).severity is Severity.CRITICAL


def test_extra_rule_weight_is_measured_against_the_reading():
    light = SeverityRule(Severity.BLOCKER, "factura", weight=1, label="invoices")
    # a weak rule does not outweigh what the mail clearly says...
    clear = infer("Export", "The CSV export fails for everyone; the rest works. Factura 12.",
                  extra_rules=[light])
    assert clear.severity is Severity.MAJOR
    # ...but it does decide where the mail says nothing the definitions use
    unclear = infer("Factura", "Adjunto la factura.", extra_rules=[light])
    assert unclear.severity is Severity.BLOCKER and "invoices" in unclear.reason


def test_bad_extra_rules_are_refused():
    with pytest.raises(ValueError, match="regular expression"):
        SeverityRule(Severity.MAJOR, "(unclosed")
    with pytest.raises(ValueError):
        SeverityRule("urgentish", "x")
    with pytest.raises(ValueError, match="positive"):
        SeverityRule(Severity.MAJOR, "x", weight=0)
