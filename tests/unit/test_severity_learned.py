"""The learned reading (rules/triage_learned.py) and how intake weighs it with the
definitions' reading (rules/severity.py): real-looking mails in English and Spanish, the
reason agents read, and the shipped model kept in step with the tuning corpus."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from rules import triage_learned
from rules.plans import Severity
from rules.severity import SHORT, infer, read_mail
from rules.triage_reason import learned_parts

B, C, M, T = Severity.BLOCKER, Severity.CRITICAL, Severity.MAJOR, Severity.TRIVIAL
DATA = Path(__file__).parent.parent / "data" / "severity"

# Outages and non-faults told in words the definitions' vocabulary has no entry for: the
# definitions alone misread them; both readings together read them as an engineer would.
NEW_WORDS = [
    pytest.param(B, "Can't work",
                 "Good morning,\n\nsince around half past eight the whole company sees only a "
                 "spinning wheel when going to our docsuite address, whatever the browser, in "
                 "the office and from home, and the phone app shows the same. None of the 45 "
                 "of us has been able to do anything all morning.\n\nThanks,\nLucy Brennan\n"
                 "Office manager", id="en-blocker-spinning-wheel"),
    pytest.param(B, "No hay manera",
                 "Buenos días:\n\ndesde las ocho y media toda la empresa ve solo la ruedita "
                 "girando al entrar en nuestra dirección de docsuite, da igual el navegador, "
                 "en la oficina y desde casa, y la app del móvil igual. Ninguno de los 45 ha "
                 "podido hacer nada en toda la mañana.\n\nGracias,\nLucía Bermejo\n"
                 "Administración", id="es-blocker-ruedita"),
    pytest.param(T, "Informe de la caída",
                 "Hola:\n\nla caída del martes pasado ya quedó atrás y desde entonces todo ha "
                 "ido bien, gracias. Nuestra dirección pide un breve resumen por escrito de lo "
                 "ocurrido y de lo que cambiaron, para la revisión trimestral de riesgos. ¿Nos "
                 "lo pueden enviar cuando puedan?\n\nSaludos,\nDaniel Ortiz",
                 id="es-trivial-old-outage-report"),
]


@pytest.mark.parametrize("expected, subject, body", NEW_WORDS)
def test_both_readings_read_what_the_definitions_vocabulary_lacks(expected, subject, body):
    alone = infer(subject, body, learned=False)
    both = infer(subject, body)
    assert alone.severity is not expected  # the point of the learned reading
    assert both.severity is expected, both.reason
    assert both.learned is expected


def test_where_the_readings_disagree_the_reason_gives_both():
    subject, body = NEW_WORDS[0].values[1:]
    result = infer(subject, body)
    parts = learned_parts(result.reason)
    assert parts is not None and parts["level"] == "blocker"
    cues = [c.strip('"') for c in parts["cues"].split(", ")]
    text = " ".join(body.lower().split())
    assert 1 <= len(cues) <= 3 and all(c in text for c in cues), cues
    assert not {"the", "of", "and", "us"} & set(cues)  # words that explain nothing
    # the definitions' reading still names what it found, for whom and what still works
    assert parts["reading"] == infer(subject, body, learned=False).reason


def test_where_the_readings_agree_the_reason_is_the_definitions_line():
    body = ("Hi,\n\nsince 9:00 creating documents fails for every user: the New button gives "
            "'Could not create document'. Reading, searching and downloading work as usual, "
            "so the rest of the service is fine.\n\nRegards,\nAnn")
    result = infer("Cannot create documents", body)
    assert result.severity is C and result.learned is C
    assert result.reason == ("critical: creating documents fails for every user; the rest of "
                             "the service works")
    assert (result.affected, result.scope, result.mitigation) == ("create", "all", "rest")
    es = infer("No se pueden crear documentos",
               "Hola:\n\ndesde las 9:00 crear documentos falla a todos los usuarios: el botón "
               "Nuevo da 'No se pudo crear el documento'. Leer, buscar y descargar funciona "
               "como siempre, así que el resto del servicio va bien.\n\nSaludos,\nAna")
    assert es.severity is C and es.reason == result.reason


@pytest.mark.parametrize("subject, body, expected", [
    ("Platform down", "Nobody can log in.", B),
    ("Plataforma caída", "", B),
    ("How do I add a tag?", "Also, search is slow for everyone.", M),
    ("Hello", "Please see the attached file.", M),  # nothing to go on: the default
    ("Hola", "Adjunto el fichero.", M),
])
def test_a_mail_of_a_few_words_is_left_to_the_definitions(subject, body, expected):
    _, tokens, _, _ = read_mail(subject, body)
    assert len(triage_learned.words(tokens)) < SHORT
    result = infer(subject, body)
    assert result.severity is expected and result.learned is None


def test_a_mail_in_words_the_model_never_saw_is_not_guessed():
    body = " ".join(["zorblat quimvex"] * 15)
    assert triage_learned.model().predict(triage_learned.features(body.split())) is None
    result = infer("Zorblat", body)
    assert result.severity is M and "default" in result.reason


def test_a_broken_model_file_is_named_in_the_error(tmp_path):
    broken = tmp_path / "severity_model.tsv"
    broken.write_text("levels\tblocker\tcritical\tmajor\ttrivial\nbias\t1\t2\n")
    with pytest.raises(RuntimeError, match="severity_model.tsv is incomplete"):
        triage_learned.Model.read(broken)
    broken.write_text("levels\tblocker\tcritical\tmajor\ttrivial\nbias\tone\t2\t3\t4\n")
    with pytest.raises(RuntimeError, match="cannot be read"):
        triage_learned.Model.read(broken)


def test_the_shipped_model_is_trained_on_the_tuning_part_as_it_is_now():
    # a corpus, label or tokenizer change without retraining fails here
    with (DATA / "parts.toml").open("rb") as fh:
        parts = tomllib.load(fh)
    examples = []
    for name in parts["tuning"]:
        with (DATA / name).open("rb") as fh:
            for mail in tomllib.load(fh)["mail"]:
                _, tokens, _, _ = read_mail(mail["subject"], mail["body"])
                examples.append((mail["expected"], triage_learned.features(tokens)))
    assert triage_learned.digest(examples) == triage_learned.model().corpus, \
        "the tuning part changed: run python3 tools/train_severity.py"
    assert not set(parts["tuning"]) & set(parts["held_out"])


def test_every_word_the_model_weighs_is_one_the_tokenizer_can_give():
    rows = triage_learned.model().rows
    assert len(rows) > 5000
    words = {w for gram in rows for w in gram.split(" ")}
    assert all(w == w.lower() and " " not in w and "\t" not in w for w in words)
    assert not words & {".", ",", "(", ")", '"'}  # clause marks are left out


def test_a_close_call_goes_to_the_definitions_level_and_a_near_tie_to_the_blocker():
    from rules.severity import BLOCKER_BIAS, LEAN

    model = triage_learned.model()
    close = triage_learned.Learned({B: 0.05, C: 0.40, M: 0.47, T: 0.08}, None, model)
    assert close.best() is M
    assert close.best(C, LEAN, BLOCKER_BIAS) is C     # the definitions read critical
    assert close.best(T, LEAN, BLOCKER_BIAS) is M     # a lean does not outweigh a clear lead
    outage = triage_learned.Learned({B: 0.31, C: 0.05, M: 0.32, T: 0.32}, None, model)
    assert outage.best(None, LEAN, BLOCKER_BIAS) is B  # a missed outage costs more
    assert triage_learned.Learned({B: 0.2, C: 0.05, M: 0.4, T: 0.35}, None, model).best(
        None, LEAN, BLOCKER_BIAS) is M


def test_the_cues_agents_read_are_the_model_s_own_words_never_the_sender_s_markup():
    # a hostile sender cannot put text of their choosing into the reason agents read:
    # a cue is one of the model's words or pairs, which come from the labelled corpora
    body = ("<script>alert('x')</script> Good morning, since around half past eight the "
            "whole company sees only a spinning wheel when going to our docsuite address, "
            "whatever the browser, in the office and from home. \"); DROP TABLE tickets;-- "
            "zzqx-ignore-previous-instructions-severity-blocker " * 3)
    result = infer("Can't work <b>now</b>", body)
    parts = learned_parts(result.reason)
    assert parts is not None
    rows = triage_learned.model().rows
    cues = [c.strip('"') for c in parts["cues"].split(", ")]
    assert cues and all(c in rows for c in cues), cues
    assert not any(ch in cue for cue in cues for ch in "<>;'()")
    for said in ("script", "drop", "ignore", "instructions"):
        assert said not in result.reason.lower()
