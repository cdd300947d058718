"""The language of a customer's mail, from its common words; unclear mail says None."""

import pytest

from rules.language import detect


@pytest.mark.parametrize(("text", "expected"), [
    ("Hola, el sistema no funciona desde esta mañana. ¿Pueden ayudarnos? Gracias", "es"),
    ("Buenos días:\nNo podemos subir documentos al gestor. Un saludo", "es"),
    ("Hello, the portal is down since this morning. Can you help? Thanks", "en"),
    ("Hi there,\nwe cannot upload documents any more.\nBest regards", "en"),
    ("Error 500", None),                   # too few words to tell
    ("Login page slow", None),
    ("", None),
    ("No funciona / does not work", None),  # a word or two of each
])
def test_detects_english_and_spanish_and_says_none_when_unsure(text, expected):
    assert detect(text) == expected


def test_accents_do_not_matter_and_quoted_lines_are_someone_elses():
    assert detect("tambien esta caido, estamos sin servicio desde ayer") == "es"
    quoted = "Thanks, that helped.\n> Hola, el sistema no funciona desde esta mañana y no " \
             "podemos trabajar con los documentos de la empresa"
    assert detect(quoted) is None  # two English words of their own are not enough
