"""The sender's own words (rules/triage_text.py): quoted history, signatures and legal
notices are dropped, a forwarded colleague's report is kept; tokens for the scanner."""

from __future__ import annotations

import pytest

from rules.triage_text import fold, is_forward, own_text, tokens


@pytest.mark.parametrize("history", [
    "On Wed, 12 Mar 2025 at 14:10, Anna <anna@client.example> wrote:\n> the site is down",
    "On Wed, 12 Mar 2025 at 14:10, Anna Kowalski <anna@client.example>\nwrote:\nthe site is down",
    "El mié, 12 mar 2025 a las 14:10, Ana (<ana@cliente.example>) escribió:\nla web está caída",
    "-----Original Message-----\nFrom: Anna\nSent: Wednesday\n\nthe site is down",
    "-----Mensaje original-----\nDe: Ana\nEnviado: miércoles\n\nla web está caída",
    "________________________________\nFrom: Anna <anna@client.example>\n"
    "Sent: Wednesday, March 12, 2025 2:10 PM\nTo: Support\nSubject: Site\n\nthe site is down",
    "De: Ana <ana@cliente.example>\nEnviado el: miércoles, 12 de marzo de 2025 14:10\n"
    "Para: Soporte\nAsunto: Web\n\nla web está caída",
    "> the site is down\n> nobody can log in",
])
def test_quoted_history_of_a_reply_is_not_the_senders(history):
    mine = own_text(f"Thanks, all good now.\n\n{history}\n")
    assert mine == "Thanks, all good now."


@pytest.mark.parametrize("subject, body, colleague", [
    ("Fwd: portal", "See below.\n\n---------- Forwarded message ---------\nFrom: Dana "
     "<d@x.example>\nDate: Tue, 4 Mar 2025\nSubject: portal\nTo: Rob <r@x.example>\n\n"
     "The portal is not opening for anyone.\n\nDana", "The portal is not opening for anyone."),
    ("RV: portal", "Os reenvío.\n\n---------- Mensaje reenviado ---------\nDe: Sergio "
     "<s@x.example>\nFecha: mar, 4 mar 2025\nAsunto: portal\nPara: Álvaro\n\n"
     "La web no abre para nadie.\n\nSergio", "La web no abre para nadie."),
    ("FW: urgent", "Please see below.\n\n________________________________\nFrom: Aisha "
     "<a@x.example>\nSent: 14 March 2025 09:12\nTo: Paul\nSubject: urgent\n\n"
     "The system is offline in all branches.\n\nAisha", "The system is offline in all branches."),
])
def test_a_forwarded_report_is_kept_with_the_forwarders_words(subject, body, colleague):
    assert is_forward(subject)
    mine = own_text(body, forwarded=True)
    assert colleague in mine and mine.splitlines()[0] in ("See below.", "Os reenvío.",
                                                          "Please see below.")
    assert "From:" not in mine and "De:" not in mine and "Subject" not in mine


@pytest.mark.parametrize("body", [
    "How do I add a user?\n-- \nJane Doe\nHead of Outage Response\n",
    "How do I add a user?\n\nKind regards,\nJane Doe\nSystems Administrator | Service Desk\n",
    "How do I add a user?\n\nSent from my iPhone\n",
    "How do I add a user?\n\nThanks,\nJane\n\nCONFIDENTIALITY NOTICE: This e-mail is "
    "confidential. If you are not the intended recipient the service is unavailable to you.",
    "¿Cómo añado un usuario?\n\nUn saludo,\nJuana\nResponsable de Sistemas\n",
    "¿Cómo añado un usuario?\n\nEnviado desde mi móvil\n",
    "¿Cómo añado un usuario?\n\nAtentamente,\nJuana\n\nAVISO LEGAL: Este mensaje es "
    "confidencial. Si lo ha recibido por error, la plataforma no está disponible.",
])
def test_signatures_and_legal_notices_are_not_read(body):
    assert own_text(body) in ("How do I add a user?", "¿Cómo añado un usuario?")


def test_html_line_breaks_are_lines():
    body = "Hola,<br><br>la web no carga.&nbsp;Nadie entra.<br>\nSaludos,<br>Eva"
    assert own_text(body) == "Hola,\nla web no carga. Nadie entra."


def test_folding_ignores_case_accents_and_curly_quotes():
    assert fold("Caído ÑANDÚ can’t") == "caido nandu can't"


def test_tokens_mark_clauses_and_normalise_hosts_numbers_and_possessives():
    got = tokens("Tuesday's outage: https://acme.docsuite.example/login gave 503 at 10:20 "
                 "(3 times) - ana@acme.example?")
    assert got == ["tuesday", "outage", ",", "urlsite", "gave", "503", "at", "10:20",
                   "(", "#", "times", ")", ",", "mailaddress", "?"]
    assert tokens("Uno.\n\nTres y 0 bytes") == ["uno", ".", ".", "#", "y", "0", "bytes"]


def test_quotes_are_kept_and_an_error_code_is_one_word():
    # a quoted message is read apart from the clause around it (rules/triage_scan.py)
    assert tokens('Everyone gets “Login failed (AUTH-503)”.') == [
        "everyone", "gets", '"', "login", "failed", "(", "errcode", ")", '"', "."]
    assert tokens('Sale «Subida rechazada (E-STOR-500)» y HTTP-500') == [
        "sale", '"', "subida", "rechazada", "(", "errcode", ")", '"', "y", "http", "500"]
