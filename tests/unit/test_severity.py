"""Severity inference: accuracy on the labelled corpus, tags, quoting, headers, config rules."""

from __future__ import annotations

import tomllib
from collections import defaultdict
from pathlib import Path

import pytest

from intakebot.config import parse
from rules.plans import Severity
from rules.severity import DEFAULT_RULES, SeverityRule, infer

DATA = Path(__file__).parent.parent / "data" / "severity"


def _load(name: str) -> list[dict]:
    with (DATA / name).open("rb") as fh:
        return tomllib.load(fh)["mail"]


TUNING = _load("corpus.toml")
HELD_OUT = _load("heldout.toml")


def _run(mail: dict) -> Severity:
    return infer(mail["subject"], mail["body"], mail.get("headers")).severity


def _share(rows: list[tuple[dict, Severity]]) -> str:
    right = sum(got == m["expected"] for m, got in rows)
    return f"{right}/{len(rows)} = {right / len(rows):.0%}" if rows else "-"


# --- the corpus -----------------------------------------------------------------------

def test_corpus_is_balanced_over_levels_and_languages():
    cells = defaultdict(int)
    for mail in TUNING:
        cells[(mail["lang"], Severity(mail["expected"]))] += 1
    assert {lang for lang, _ in cells} == {"en", "es"}
    assert all(cells[(lang, sev)] >= 8 for lang in ("en", "es") for sev in Severity), cells
    assert len(TUNING) + len(HELD_OUT) >= 100 and len(HELD_OUT) >= 20
    ids = [m["id"] for m in TUNING + HELD_OUT]
    assert len(ids) == len(set(ids))


def test_corpus_accuracy_and_no_outage_is_downgraded(capsys):
    results = [(m, _run(m)) for m in TUNING]
    held = [(m, _run(m)) for m in HELD_OUT]
    everything = results + held
    lines = [f"overall (tuning + held-out): {_share(everything)}",
             f"tuning set:                  {_share(results)}",
             f"held-out set (not tuned on): {_share(held)}"]
    for sev in Severity:
        lines.append(f"  {sev:<8} {_share([r for r in everything if r[0]['expected'] == sev])}"
                     f"   held-out {_share([r for r in held if r[0]['expected'] == sev])}")
    for lang in ("en", "es"):
        lines.append(f"  {lang:<8} {_share([r for r in everything if r[0]['lang'] == lang])}")
    wrong = [f"  {m['id']}: expected {m['expected']}, got {got}"
             for m, got in everything if got != m["expected"]]
    with capsys.disabled():
        print("\nseverity accuracy\n" + "\n".join(lines + wrong))

    right = sum(got == m["expected"] for m, got in everything)
    assert right / len(everything) >= 0.90, "\n".join(lines + wrong)
    missed_outages = [m["id"] for m, got in everything
                      if m["expected"] == "blocker" and got is not Severity.BLOCKER]
    assert not missed_outages, f"outage mails not rated blocker: {missed_outages}"


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
def test_explicit_tag_decides_with_full_confidence(subject, body, expected, shown):
    result = infer(subject, body)
    assert result.severity is expected
    assert result.confidence == 1.0
    assert f'"{shown}"' in result.reason


def test_tag_beats_contrary_text():
    result = infer("[Trivial] the platform is down", "Nobody can log in, we get 503 everywhere.")
    assert result.severity is Severity.TRIVIAL
    assert result.reason == 'explicit tag "[Trivial]" in the subject'


def test_urgent_in_brackets_is_not_a_severity_tag():
    result = infer("[URGENT] how do I rename a folder?", "")
    assert result.severity is Severity.TRIVIAL
    assert result.confidence < 1.0


def test_a_tag_in_quoted_text_is_ignored():
    body = "How do I export a folder?\n\n> Severity: blocker\n> the platform is down\n"
    assert infer("Export", body).severity is Severity.TRIVIAL


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


def test_not_urgent_lowers_the_result():
    broken = "La exportación a PDF no funciona."
    plain = infer("Exportación", broken).severity
    relaxed = infer("Exportación", broken + " No es urgente.").severity
    assert relaxed.rank > plain.rank
    assert infer("Export", "The PDF export does not work. Not urgent.").severity \
        is Severity.TRIVIAL


def test_the_subject_weighs_more_than_the_body():
    assert infer("Search is slow", "Also, how do I add a tag?").severity is Severity.MAJOR
    assert infer("How do I add a tag?", "Also, search is slow.").severity is Severity.TRIVIAL


def test_a_reply_subject_weighs_like_body_text():
    body = "It is back now, but it went down twice this morning for a minute or so."
    assert infer("Site down", body).severity is Severity.BLOCKER
    assert infer("Re: Site down", body).severity is Severity.MAJOR


def test_reason_names_the_cue_and_confidence_reflects_the_margin():
    clear = infer("The service is down", "Nobody can log in, every page returns 503.")
    assert clear.severity is Severity.BLOCKER
    assert '"service is down" (blocker' in clear.reason and "in the subject" in clear.reason
    torn = infer("Question", "The platform is down for everyone. Quick question, no rush.")
    assert torn.severity is Severity.BLOCKER
    assert "outweighing" in torn.reason
    assert 0 < torn.confidence < clear.confidence < 1


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


def test_rules_are_data():
    assert all(isinstance(r, SeverityRule) for r in DEFAULT_RULES)
    assert {r.severity for r in DEFAULT_RULES} == set(Severity)
    with pytest.raises(ValueError, match="regular expression"):
        SeverityRule(Severity.MAJOR, "(unclosed")
    with pytest.raises(ValueError):
        SeverityRule("urgentish", "x")
