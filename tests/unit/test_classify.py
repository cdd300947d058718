"""Detecting own mail, bounces, auto-replies, ticket tokens, threads and authentication."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from intake.classify import (
    auto_reply_reason,
    bounced_message_ids,
    is_bounce,
    is_own_mail,
    thread_ids,
    ticket_token,
)
from intake.parse import parse

MAIL = Path(__file__).parent.parent / "data" / "mail"
RECEIVED = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)
SUPPORT = ["Support@vendor.example", "help@vendor.example"]


def load(name: str):
    return parse((MAIL / name).read_bytes(), RECEIVED)


def mail(headers: str, body: str = "Hello.\n"):
    return parse((headers.strip("\n") + "\n\n" + body).encode(), RECEIVED)


# --- own mail -------------------------------------------------------------

def test_our_acknowledgement_is_own_mail():
    assert is_own_mail(load("own_ack.eml"), SUPPORT)


def test_a_customer_is_not_own_mail():
    assert not is_own_mail(load("new_ticket_plain.eml"), SUPPORT)


def test_mail_from_an_alias_is_own_mail_even_without_our_header():
    # a loop or a spoof of our address: never answered either way
    assert is_own_mail(mail("From: HELP@vendor.example\nSubject: x"), SUPPORT)


def test_our_header_on_mail_with_our_envelope_sender_is_own_mail():
    m = mail("From: Agent Marta <marta@vendor.example>\nReturn-Path: <support@vendor.example>\n"
             "X-Intakebot-Kind: relay\nSubject: x")
    assert is_own_mail(m, SUPPORT)


def test_our_header_copied_by_a_customer_is_not_enough():
    m = mail("From: alice@acme.example\nX-Intakebot-Kind: ack\nSubject: x")
    assert not is_own_mail(m, SUPPORT)


# --- bounces ----------------------------------------------------------------

@pytest.mark.parametrize("name, ids", [
    ("bounce_dsn.eml", ("<ack-1042.1@vendor.example>",)),
    ("bounce_rfc822.eml", ("<resolved-7.3@vendor.example>",)),
    ("bounce_plain.eml", ("<digest-2026-03-03@vendor.example>",)),
])
def test_bounces_and_the_mail_they_return(name, ids):
    m = load(name)
    assert is_bounce(m)
    assert bounced_message_ids(m) == ids


def test_dsn_from_an_ordinary_sender_is_still_a_bounce():
    m = mail("From: relay@isp.example\nReturn-Path: <relay@isp.example>\nSubject: failed\n"
             "Content-Type: multipart/report; report-type=delivery-status; boundary=\"r\"",
             "--r\nContent-Type: text/plain\n\nfailed\n--r--\n")
    assert is_bounce(m)


def test_empty_return_path_alone_marks_a_bounce():
    assert is_bounce(mail("From: someone@isp.example\nReturn-Path: <>\nSubject: x"))


def test_customer_mail_is_not_a_bounce():
    for name in ("new_ticket_plain.eml", "reply_with_token.eml", "html_only.eml"):
        assert not is_bounce(load(name)), name


def test_read_receipt_is_not_a_bounce_but_an_auto_reply():
    m = mail("From: alice@acme.example\nReturn-Path: <alice@acme.example>\nSubject: Read: x\n"
             "Content-Type: multipart/report; report-type=disposition-notification; "
             "boundary=\"r\"", "--r\nContent-Type: text/plain\n\nread\n--r--\n")
    assert not is_bounce(m)
    assert auto_reply_reason(m) == "report (disposition-notification)"


def test_bounce_without_any_original_id():
    m = mail("From: MAILER-DAEMON@mx.example\nSubject: failure", "could not deliver\n")
    assert is_bounce(m) and bounced_message_ids(m) == ()


# --- auto-replies -------------------------------------------------------------

def test_auto_submitted_header():
    assert auto_reply_reason(load("auto_reply_es.eml")) == "Auto-Submitted: auto-replied"


def test_auto_submitted_no_is_a_person():
    m = mail("From: a@acme.example\nAuto-Submitted: no\nSubject: Exports broken")
    assert auto_reply_reason(m) is None


def test_mailing_list():
    # Precedence is checked before List-Id
    assert auto_reply_reason(load("mailing_list.eml")) == "Precedence: list"
    m = mail("From: a@lists.example\nList-Id: <x.lists.example>\nSubject: news")
    assert auto_reply_reason(m) == "mailing list (<x.lists.example>)"


@pytest.mark.parametrize("header", ["Precedence: bulk", "Precedence: JUNK", "X-Autoreply: yes",
                                    "X-Autorespond: vacation"])
def test_machine_headers(header):
    assert auto_reply_reason(mail(f"From: a@acme.example\n{header}\nSubject: hi")) is not None


@pytest.mark.parametrize("subject", [
    "Out of Office: Re: [#1042] Exports",
    "Automatic reply: [#1042] Exports",
    "RE: Autoreply: your message",
    "Out of office until Monday",
    "Respuesta automática: Re: [#1042] Exports",
    "Fuera de la oficina: [#1042]",
    "Ausente: Re: [#7] Factura",
    "Ausente",
])
def test_out_of_office_subjects(subject):
    assert auto_reply_reason(mail(f"From: a@acme.example\nSubject: {subject}")) is not None


@pytest.mark.parametrize("subject", [
    "Automatic replies stopped working in your product",
    "Out of office status is not shown",
    "Re: [#1042] Ausentes en el informe",
    "Exports fail with error 500",
])
def test_customer_subjects_about_those_topics_are_not_auto_replies(subject):
    assert auto_reply_reason(mail(f"From: a@acme.example\nSubject: {subject}")) is None


# --- ticket tokens and threads ----------------------------------------------

@pytest.mark.parametrize("subject, number", [
    ("Re: [#1042] Exports fail", 1042),
    ("[#7]", 7),
    ("RE: AW: [#0042] x", 42),
    ("[#12] and [#34]", 12),
    ("Issue #1042 again", None),
    ("[# 1042]", None),
    ("[#1042 ]", None),
    ("[#abc]", None),
    ("[#]", None),
    ("[#0]", None),
    ("[#12345678901234] overflow attempt", None),
    ("", None),
])
def test_ticket_token(subject, number):
    assert ticket_token(subject) == number


def test_thread_ids_newest_first():
    assert thread_ids(load("reply_with_token.eml")) == (
        "<ack-1042.1@vendor.example>", "<agent-1042.2@vendor.example>",
        "<CAF1x9y8z@mail.acme.example>")


def test_thread_ids_of_a_new_mail_are_empty():
    assert thread_ids(load("new_ticket_plain.eml")) == ()
