"""Separating the new text of a reply, and reading agent command lines."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from intake.parse import parse
from intake.reply import KNOWN, AgentCommand, CommandProblem, describe, new_text, parse_commands

MAIL = Path(__file__).parent.parent / "data" / "mail"

QUOTING = {
    "gmail": (
        "Thanks, that fixed it.\n\n"
        "On Mon, 2 Mar 2026 at 10:00, Alice <a@x.example> wrote:\n"
        "> We deployed a fix.\n>\n> Vendor Support\n"
    ),
    "gmail wrapped attribution": (
        "Thanks, that fixed it.\n\n"
        "On Mon, 2 Mar 2026 at 10:00, Alice Smith of a Very Long Company Name <\n"
        "alice@x.example> wrote:\n> We deployed a fix.\n"
    ),
    "outlook header block": (
        "Thanks, that fixed it.\r\n\r\n"
        "________________________________\r\n"
        "From: Vendor Support <support@vendor.example>\r\n"
        "Sent: Monday, March 2, 2026 10:00 AM\r\n"
        "To: Alice <a@x.example>\r\n"
        "Subject: [#1042] We deployed a fix\r\n\r\n"
        "We deployed a fix.\r\n"
    ),
    "outlook original message": (
        "Thanks, that fixed it.\n\n-----Original Message-----\n"
        "From: Vendor Support [mailto:support@vendor.example]\nSent: Monday\n\nWe deployed a fix.\n"
    ),
    "apple mail": (
        "Thanks, that fixed it.\n\n"
        "> On 2 Mar 2026, at 10:00, Alice <a@x.example> wrote:\n>\n> We deployed a fix.\n"
    ),
    "thunderbird": (
        "Thanks, that fixed it.\n\nOn 02/03/2026 10:00, Alice wrote:\n> We deployed a fix.\n"
    ),
}

QUOTING_ES = {
    "gmail": (
        "Ya funciona, gracias.\n\n"
        "El lun, 2 mar 2026 a las 10:00, Alice (<a@x.example>) escribió:\n"
        "> Hemos desplegado un arreglo.\n"
    ),
    "outlook header block": (
        "Ya funciona, gracias.\n\n"
        "De: Soporte <support@vendor.example>\n"
        "Enviado: lunes, 2 de marzo de 2026 10:00\n"
        "Para: Alice <a@x.example>\n"
        "Asunto: [#1042] Arreglo\n\n"
        "Hemos desplegado un arreglo.\n"
    ),
    "outlook original message": (
        "Ya funciona, gracias.\n\n-----Mensaje original-----\n"
        "De: Soporte\nEnviado: lunes\n\nHemos desplegado un arreglo.\n"
    ),
    "apple mail": (
        "Ya funciona, gracias.\n\n"
        "> El 2 mar 2026, a las 10:00, Alice <a@x.example> escribió:\n>\n> Hemos desplegado.\n"
    ),
    "thunderbird": (
        "Ya funciona, gracias.\n\nEl 02/03/2026 a las 10:00, Alice escribió:\n> Hemos desplegado.\n"
    ),
}


@pytest.mark.parametrize("client", QUOTING)
def test_english_quoting_is_removed(client):
    assert new_text(QUOTING[client]) == "Thanks, that fixed it."


@pytest.mark.parametrize("client", QUOTING_ES)
def test_spanish_quoting_is_removed(client):
    assert new_text(QUOTING_ES[client]) == "Ya funciona, gracias."


@pytest.mark.parametrize("signature, text", [
    ("-- \nAlice Smith\nACME Corp", "It works."),
    ("\nSent from my iPhone", "It works."),
    ("\nEnviado desde mi iPhone", "Funciona."),
    ("\nGet Outlook for iOS", "It works."),
])
def test_signatures_are_removed(signature, text):
    assert new_text(f"{text}\n{signature}\n\nOn Mon, 2 Mar 2026, Bob wrote:\n> q\n") == text


def test_new_text_of_a_parsed_reply():
    mail = parse((MAIL / "reply_with_token.eml").read_bytes(), datetime(2026, 3, 3, tzinfo=UTC))
    assert new_text(mail.text) == "It works again, thank you!"


def test_content_that_looks_like_a_signature_is_kept():
    text = ("Still failing. Steps:\n- open a document\n- click Export\n"
            "Thanks, that workaround helped a bit.\nBest regards is what our template says.\n"
            "Alice")
    assert new_text(text) == text


def test_a_sentence_starting_like_a_phone_footer_is_kept():
    text = "It works.\nSent from my iPhone, the app still crashes on login."
    assert new_text(text) == text


def test_indentation_of_pasted_code_survives():
    text = "Traceback:\n    File \"x.py\", line 1\n  ValueError: bad"
    assert new_text(text + "\n\nOn 02/03/2026 10:00, Bob wrote:\n> old") == text


def test_pasted_headers_in_a_new_mail_are_not_a_quote():
    text = "The mail that failed had:\nTo: bob@x.example\nSubject: hello\nand then it bounced."
    assert new_text(text) == text


def test_bottom_posted_and_interleaved_replies_keep_the_new_lines():
    text = ("On 02/03/2026 10:00, Bob wrote:\n> Which browser?\nFirefox 125.\n"
            "> Which user?\ndani\n-- \nDani")
    assert new_text(text) == "Firefox 125.\ndani"


def test_signature_delimiter_on_the_first_line_is_not_a_signature():
    assert new_text("--\nThe export still fails.") == "--\nThe export still fails."


def test_nothing_new_gives_empty_text():
    assert new_text("On 02/03/2026 10:00, Bob wrote:\n> old\n") == ""
    assert new_text("Sent from my iPhone\n\nOn 02/03/2026 10:00, Bob wrote:\n> old\n") == ""


def test_plain_text_without_any_quote_is_returned_whole():
    assert new_text("Hello,\n\nExports fail.\n\nAlice\n") == "Hello,\n\nExports fail.\n\nAlice"


# --- agent commands -------------------------------------------------------------

def test_commands_at_the_start_are_removed_from_the_relayed_text():
    parsed = parse_commands("#severity critical\n#assign Marta Gil\n\nHi Alice,\nFixed.")
    assert parsed.ok
    assert parsed.commands == (AgentCommand("severity", "critical"),
                               AgentCommand("assign", "Marta Gil"))
    assert parsed.text == "Hi Alice,\nFixed."


def test_commands_count_on_their_own_line_anywhere():
    parsed = parse_commands("Hi Alice,\nit is deployed.\n#resolve\nRegards")
    assert parsed.ok and parsed.commands == (AgentCommand("resolve"),)
    assert parsed.text == "Hi Alice,\nit is deployed.\nRegards"


def test_typo_below_the_first_lines_is_caught_with_its_line_number():
    parsed = parse_commands("Hi Alice,\n\nthe fix is deployed.\n#reslove\nRegards, Marta")
    assert not parsed.ok
    assert parsed.problems == (CommandProblem(
        4, "#reslove", f"unknown command #reslove; known: {KNOWN}"),)
    assert "#reslove" not in parsed.text
    assert describe(parsed.problems[0]).startswith(
        'line 4 "#reslove": unknown command #reslove; known: #resolve, #pending')


def test_typo_in_the_leading_block_is_caught():
    parsed = parse_commands("#severity major\n  #clsoe \nHi Alice")
    assert [(p.line, p.text) for p in parsed.problems] == [(2, "#clsoe")]
    assert parsed.text == "Hi Alice"


def test_valid_commands_are_still_parsed_next_to_bad_ones():
    parsed = parse_commands("#assign Ana\n#severity urgent\nHi\n#resolve\n#pendng")
    assert parsed.commands == (AgentCommand("assign", "Ana"), AgentCommand("resolve"))
    assert [(p.line, p.text) for p in parsed.problems] == [(2, "#severity urgent"), (5, "#pendng")]
    assert not parsed.ok


def test_hash_lines_that_are_not_a_hash_and_a_word_are_text():
    text = "#1042 is fixed\n# Heading\n#\n  #\t2\nSee above."
    parsed = parse_commands(text)
    assert parsed.ok and parsed.commands == ()
    assert parsed.text == text


def test_quoted_command_lines_are_text():
    parsed = parse_commands("Are you sure?\n> #resolve\n  > #reslove")
    assert parsed.ok and parsed.commands == ()
    assert parsed.text == "Are you sure?\n> #resolve\n  > #reslove"


def test_a_pasted_preprocessor_line_is_now_a_bad_command():
    parsed = parse_commands("Add this line:\n#include <stdio.h>")
    assert [p.text for p in parsed.problems] == ["#include <stdio.h>"]


def test_a_command_word_glued_to_punctuation_is_a_bad_line_not_text():
    parsed = parse_commands("Done.\n#resolve.\n#severity:critical\n#assign:Ana")
    assert parsed.commands == ()
    assert [p.line for p in parsed.problems] == [2, 3, 4]
    assert parsed.text == "Done."


def test_note_takes_the_rest_and_is_not_relayed():
    parsed = parse_commands("Done, please retry.\n#note customer is on an old build\n"
                            "ask sales about the renewal\n#resolve")
    assert parsed.commands == (AgentCommand(
        "note", "customer is on an old build\nask sales about the renewal\n#resolve"),)
    assert parsed.text == "Done, please retry."


def test_note_swallows_a_later_bad_line():
    parsed = parse_commands("#resolve\n#nota he wrote #bogus in the form\n#bogus\n")
    assert parsed.ok
    assert parsed.commands == (AgentCommand("resolve"),
                               AgentCommand("note", "he wrote #bogus in the form\n#bogus"))


def test_empty_note_is_a_problem():
    parsed = parse_commands("Hi\n#note\n\n")
    assert parsed.commands == ()
    assert [(p.line, p.problem) for p in parsed.problems] == [(2, "#note needs some text")]


def test_spanish_aliases_and_levels():
    parsed = parse_commands("#pendiente\n#severidad Crítico\n#asignar Ana\n#Resuelto\n"
                            "#abrir bob@acme.example\n#nota llamó por teléfono")
    assert parsed.ok
    assert parsed.commands == (
        AgentCommand("pending"), AgentCommand("severity", "critical"),
        AgentCommand("assign", "Ana"), AgentCommand("resolve"),
        AgentCommand("open", "bob@acme.example"), AgentCommand("note", "llamó por teléfono"))


@pytest.mark.parametrize("line, problem", [
    ("#severity urgent", '#severity needs one of blocker, critical, major, trivial (got "urgent")'),
    ("#severidad", "#severidad needs one of blocker, critical, major, trivial"),
    ("#severity critical please", '#severity needs one of blocker, critical, major, trivial '
                                  '(got "critical please")'),
])
def test_severity_with_a_bad_level(line, problem):
    parsed = parse_commands(f"Hi\n{line}\n")
    assert parsed.commands == ()
    assert parsed.problems == (CommandProblem(2, line, problem),)


@pytest.mark.parametrize("line", ["#resolve now", "#pending until Monday", "#Resolver ya"])
def test_resolve_and_pending_take_no_argument(line):
    parsed = parse_commands(line)
    assert parsed.commands == ()
    assert parsed.problems[0].problem.startswith(f"{line.split()[0]} takes no argument")


def test_assign_needs_a_name():
    assert parse_commands("#assign  ").problems[0].problem == "#assign needs a name"


def test_open_on_behalf_makes_the_rest_the_customer_text():
    parsed = parse_commands("#severity major\n#open Bob Jones <Bob@ACME.example>\n"
                            "Bob called: the exports fail.\nSince #1040 was fixed.")
    assert parsed.ok
    assert parsed.commands == (AgentCommand("severity", "major"),
                               AgentCommand("open", "bob@acme.example"))
    assert parsed.text == "Bob called: the exports fail.\nSince #1040 was fixed."


def test_command_lines_after_open_still_count_and_notes_stay_internal():
    parsed = parse_commands("#open bob@acme.example\nBob called: the exports fail.\n"
                            "#severity critical\n#note he was angry on the phone")
    assert parsed.commands == (AgentCommand("open", "bob@acme.example"),
                               AgentCommand("severity", "critical"),
                               AgentCommand("note", "he was angry on the phone"))
    assert parsed.text == "Bob called: the exports fail."


@pytest.mark.parametrize("argument", ["", "not-an-address", "bob@acme", "bob@acme.example.",
                                      "bob@acme.example, ann@acme.example",
                                      "<bob@acme.example> and Ann"])
def test_open_without_one_valid_address(argument):
    parsed = parse_commands(f"#open {argument}\nBob called.")
    assert parsed.commands == ()
    assert parsed.problems[0].problem.startswith("#open needs one e-mail address")


def test_crlf_input_gives_plain_lines_and_right_line_numbers():
    parsed = parse_commands("Hi Alice,\r\n#resolve\r\nRegards\r\n#reslove\r\n")
    assert parsed.commands == (AgentCommand("resolve"),)
    assert parsed.text == "Hi Alice,\nRegards"
    assert parsed.problems == (CommandProblem(
        4, "#reslove", f"unknown command #reslove; known: {KNOWN}"),)


def test_a_non_breaking_space_separates_a_command_from_its_argument():
    # mail written as HTML often reaches us with U+00A0 where the agent typed a space
    assert parse_commands("#severity\u00a0blocker").commands == (
        AgentCommand("severity", "blocker"),)


@pytest.mark.parametrize("header", [
    "Von: Support <support@vendor.example>\nGesendet: Montag, 2. März 2026 10:00\n"
    "An: Alice <alice@acme.example>\nBetreff: Re: Portal [#1000]",
    "Am Mo., 2. März 2026 um 10:00 Uhr schrieb Support <support@vendor.example>:",
    "Le lun. 2 mars 2026 à 10:00, Support <support@vendor.example> a écrit :",
    "De : Support <support@vendor.example>\nEnvoyé : lundi 2 mars 2026 10:00\n"
    "À : Alice\nObjet : Re: Portal [#1000]",
    "Il giorno lun 2 mar 2026 alle ore 10:00 Support <support@vendor.example> ha scritto:",
])
def test_german_french_and_italian_quote_headers_end_the_new_text(header):
    text = f"Danke, merci, grazie.\n\n{header}\n\nSeverity: trivial\nOld text.\n"
    assert new_text(text) == "Danke, merci, grazie."


@pytest.mark.parametrize("text, answer", [
    ("Hi Alice,\n\nOn Tuesday you wrote:\n> It is broken.\n\nWe pushed a fix.\n\n#resolve\n",
     "We pushed a fix."),
    ("Hola Alicia,\n\nEl martes escribió:\n> No funciona.\n\nYa está corregido.\n",
     "Ya está corregido."),
])
def test_answers_written_between_quotes_below_the_greeting_are_kept(text, answer):
    kept = new_text(text)
    assert kept.startswith(("Hi Alice,", "Hola Alicia,")) and answer in kept
    assert ">" not in kept


def test_the_original_below_an_outlook_header_block_is_not_taken_for_an_answer():
    text = ("Thanks, that works.\n\nFrom: Vendor Support <support@vendor.example>\n"
            "Sent: Tuesday, March 3, 2026 11:00\nTo: Alice\nSubject: Re: Exports\n\n"
            "We pushed a fix in release 2.1.\n")
    assert new_text(text) == "Thanks, that works."
