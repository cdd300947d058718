"""Parsing real-looking and hostile mail into InboundMail records."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from intake.parse import ParseError, html_to_text, parse

MAIL = Path(__file__).parent.parent / "data" / "mail"
RECEIVED = datetime(2026, 3, 3, 11, 0, tzinfo=timezone(timedelta(hours=1)))


def load(name: str):
    return parse((MAIL / name).read_bytes(), RECEIVED)


def test_plain_new_ticket_fields():
    raw = (MAIL / "new_ticket_plain.eml").read_bytes()
    mail = parse(raw, RECEIVED)
    assert mail.sender == "alice.smith@acme.example"
    assert mail.sender_name == "Alice Smith"
    assert mail.return_path == "alice@acme.example"
    assert mail.to == ("support@vendor.example",)
    assert mail.cc == ("bob@acme.example", "carol@acme.example")
    assert mail.subject == "Exports fail with error 500 since this morning"
    assert mail.message_id == "<CAF1x9y8z@mail.acme.example>"
    assert mail.in_reply_to == () and mail.references == ()
    assert mail.raw_size == len(raw)
    assert mail.sha256 == hashlib.sha256(raw).hexdigest()
    assert mail.attachments == () and mail.defects == ()
    assert not mail.is_multipart_report
    # indentation of steps and tracebacks survives; the signature delimiter keeps its space
    assert "\n  1. open a document\n" in mail.text
    assert '    File "export.py", line 12, in run' in mail.text
    assert "\n-- \nAlice Smith | ACME Corp" in mail.text


def test_received_at_is_the_given_time_not_the_date_header():
    mail = load("new_ticket_plain.eml")  # Date: Mon, 2 Mar 2026 09:59:58 +0100
    assert mail.received_at == RECEIVED


def test_naive_received_at_is_refused():
    with pytest.raises(ValueError):
        parse((MAIL / "new_ticket_plain.eml").read_bytes(), datetime(2026, 3, 3, 11, 0))


def test_headers_for_the_classifier_are_case_insensitive_and_unfolded():
    mail = load("new_ticket_plain.eml")
    (results,) = mail.headers["Authentication-Results"]
    assert results.startswith("mx.vendor.example; dkim=pass header.d=acme.example")
    assert "\n" not in results and "dmarc=pass (p=reject)" in results
    assert mail.headers.first("CONTENT-TYPE") == 'text/plain; charset="utf-8"'
    assert "list-id" not in mail.headers
    assert mail.headers.first("list-id") is None


def test_repeated_headers_keep_every_value_in_order():
    raw = (b"From: a@acme.example\nAuthentication-Results: mx.vendor.example; dmarc=pass\n"
           b"Authentication-Results: forged.example; dmarc=pass\nSubject: x\n\nbody\n")
    mail = parse(raw, RECEIVED)
    assert mail.headers["authentication-results"] == (
        "mx.vendor.example; dmarc=pass", "forged.example; dmarc=pass")


def test_reply_ids_are_extracted_from_folded_references():
    mail = load("reply_with_token.eml")
    assert mail.in_reply_to == ("<ack-1042.1@vendor.example>",)
    assert mail.references == ("<CAF1x9y8z@mail.acme.example>", "<ack-1042.1@vendor.example>",
                               "<agent-1042.2@vendor.example>")
    assert mail.subject == "Re: [#1042] Exports fail with error 500"
    # the plain alternative wins over the HTML one
    assert mail.text.startswith("It works again, thank you!\n\nOn Mon, 2 Mar 2026")


def test_message_id_without_brackets_is_bracketed():
    mail = parse(b"From: a@acme.example\nMessage-ID: bare-id@acme.example\n\nx\n", RECEIVED)
    assert mail.message_id == "<bare-id@acme.example>"


def test_missing_message_id_is_none():
    mail = parse(b"From: a@acme.example\nSubject: no id\n\nx\n", RECEIVED)
    assert mail.message_id is None and mail.return_path is None


def test_html_only_mail_becomes_readable_text():
    mail = load("html_only.eml")
    assert mail.sender_name == "Dani Muñoz"
    assert mail.subject == "No puedo entrar al panel"
    assert mail.text == (
        "Hola,\n\n"
        "No puedo entrar al panel desde ayer.\n"
        'Sale "acceso denegado" & nada más.\n\n'
        "- Navegador: Firefox\n"
        "- Usuario: dani\n\n"
        "Gracias"
    )


def test_html_converter_drops_scripts_and_keeps_preformatted_text():
    html = ("<div>Hi<br/>there</div><script>steal()</script><style>b{}</style>"
            "<pre>line 1\n    indented</pre><p>end</p>")
    assert html_to_text(html) == "Hi\nthere\n\nline 1\n    indented\n\nend"


def test_broken_html_does_not_raise():
    assert html_to_text("<p>unclosed <b>bold <div><<<>>>& text") == "unclosed bold\n<<<>>>& text"


def test_null_return_path_is_empty_string():
    assert load("bounce_dsn.eml").return_path == ""


def test_dsn_keeps_the_embedded_original_headers():
    mail = load("bounce_dsn.eml")
    assert mail.is_multipart_report
    (block,) = mail.embedded_headers
    assert "Message-ID: <ack-1042.1@vendor.example>" in block.splitlines()


def test_embedded_message_rfc822_headers():
    mail = load("bounce_rfc822.eml")
    (block,) = mail.embedded_headers
    assert "Message-ID: <resolved-7.3@vendor.example>" in block.splitlines()


def test_raw_8bit_headers_are_recovered_not_dropped():
    mail = load("header_8bit.eml")
    # Latin-1 é/ó and a UTF-8 em dash in the same raw header line
    assert mail.sender_name == "José Pérez"
    assert mail.subject == "Error en la facturación — urgente"
    assert mail.sender == "jose@acme.example"


def test_unknown_charsets_still_give_text_and_attachments():
    mail = load("unknown_charset.eml")
    assert mail.sender == "worf@acme.example"
    assert mail.subject == "Hello about charsets"
    assert mail.text.startswith("Body in an unknown charset: caf")
    (att,) = mail.attachments
    assert (att.filename, att.content_type, att.payload) == (
        "notes.txt", "text/plain", b"plain text attachment")


def test_broken_mime_parses_with_defects():
    mail = load("broken_mime.eml")
    assert mail.sender == "broken@acme.example"
    assert "CloseBoundaryNotFoundDefect" in mail.defects
    assert "x.png" in [a.filename for a in mail.attachments]


def test_attachment_names_are_made_safe():
    mail = load("attachment_names.eml")
    names = [a.filename for a in mail.attachments]
    assert names[:6] == ["passwd", "evil.exe", "a b c d.txt", "informe año.pdf",
                         "attachment-5", "attachment-6"]
    assert len(names[6]) == 100 and names[6].endswith(".log")
    assert mail.attachments[0].payload == b"root:x:0:0:"
    assert mail.attachments[5].content_type == "image/png"
    assert mail.attachments[5].payload == b"\x89PNG\r\n\x1a\n"
    assert mail.text == "See attached."


def test_no_from_gives_empty_sender_and_a_defect():
    mail = load("no_from.eml")
    assert mail.sender == "" and mail.sender_name == ""
    assert "NoFromAddress" in mail.defects
    assert mail.text == "No From header here."


def test_encoded_line_breaks_cannot_inject_headers():
    mail = load("header_injection.eml")
    assert mail.subject == "hello X-Injected: yes"
    assert "\r" not in mail.sender_name and "\n" not in mail.sender_name
    assert mail.sender == "eve@acme.example"


def test_bidi_controls_are_removed_from_names():
    raw = (b"From: =?utf-8?q?Ev=E2=80=AEil?= <e@acme.example>\n"
           b"Subject: =?utf-8?q?a=E2=80=8Fb?=\n\nx\n")
    mail = parse(raw, RECEIVED)
    assert mail.sender_name == "Evil" and mail.subject == "ab"


def test_over_size_mail_is_a_parse_error_naming_both_sizes():
    raw = (MAIL / "new_ticket_plain.eml").read_bytes()
    with pytest.raises(ParseError, match=f"message is {len(raw)} bytes, over the limit of 100"):
        parse(raw, RECEIVED, max_bytes=100)


def test_empty_input_is_a_parse_error():
    with pytest.raises(ParseError, match="empty"):
        parse(b"\r\n  \r\n", RECEIVED)


def test_thousands_of_parts():
    parts = b"".join(
        b"--b\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename=\"f%d.txt\""
        b"\r\n\r\npart %d\r\n" % (i, i) for i in range(3000))
    raw = (b"From: a@acme.example\r\nSubject: many\r\n"
           b"Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n" + parts + b"--b--\r\n")
    mail = parse(raw, RECEIVED)
    assert len(mail.attachments) == 3000
    assert mail.attachments[2999].filename == "f2999.txt"
    assert mail.attachments[2999].payload == b"part 2999"


def _nested(depth: int) -> bytes:
    opening = b"".join(b"--b%d\r\nContent-Type: multipart/mixed; boundary=\"b%d\"\r\n\r\n"
                       % (i - 1, i) for i in range(1, depth))
    leaf = b"--b%d\r\nContent-Type: text/plain\r\n\r\ndeep\r\n--b%d--\r\n" % (depth - 1, depth - 1)
    closing = b"".join(b"--b%d--\r\n" % i for i in range(depth - 2, -1, -1))
    return (b"From: a@acme.example\r\nSubject: nested\r\n"
            b"Content-Type: multipart/mixed; boundary=\"b0\"\r\n\r\n" + opening + leaf + closing)


def test_moderately_nested_multipart_parses():
    assert parse(_nested(30), RECEIVED).text == "deep"


def test_absurdly_nested_multipart_is_a_parse_error():
    with pytest.raises(ParseError, match="nest"):
        parse(_nested(3000), RECEIVED)


@pytest.mark.parametrize("raw", [
    b"\x00\x01\x02\xff\xfe binary junk \x00",
    b"From: <<<@@@>>>\nSubject: =?utf-8?b?####?=\n\n",
    b"Content-Type: multipart/mixed\n\n--\n--\n",
    b": no name\n\xff\xff: \xff\n\nbody",
    b"From: a@acme.example\nContent-Type: text/plain; charset=\"\x00\"\n\n\xff\xfe",
    b"From: a@acme.example\nContent-Transfer-Encoding: base64\n\n!!!!====",
])
def test_garbage_never_escapes_as_anything_but_parse_error(raw):
    try:
        mail = parse(raw, RECEIVED)
    except ParseError:
        return
    assert "\n" not in mail.subject and "\r" not in mail.sender_name
    assert all("\ud800" > ch or ch > "\udfff" for ch in mail.text)


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=2000), st.sampled_from([
    b"",
    b"From: a@acme.example\r\nSubject: ",
    b"Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n",
]))
def test_arbitrary_bytes_give_a_record_or_a_parse_error(junk, prefix):
    try:
        mail = parse(prefix + junk, RECEIVED)
    except ParseError:
        return
    assert "\n" not in mail.subject and "\n" not in mail.sender_name
    assert mail.raw_size == len(prefix + junk)
