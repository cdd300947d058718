"""Quarantine has a handle: what `ingest` says and returns for mail it cannot handle, and the
list / show / release cycle, through the installed `intakebot` command."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from tests.e2e.e2e_helpers import imap_section, intakebot, mail, write_config

LIMIT = 2048  # [intake] max_message_bytes of the small configuration (its minimum is 1024)


@pytest.fixture
def desk(tmp_path, store_section):
    """A configuration with a small size limit, one account and its contact."""
    small = write_config(tmp_path / "small.toml", {
        "support": {"address": "support@vendor.example", "data_dir": "data"},
        "agents": {"addresses": ["ana@vendor.example"]},
        "intake": {"max_message_bytes": LIMIT}, "store": store_section})
    assert intakebot("account", "add", "Acme", "--plan", "plus", cwd=tmp_path,
                     config=small).code == 0
    assert intakebot("contact", "add", "Acme", "alice@acme.example", cwd=tmp_path,
                     config=small).code == 0
    return small


def big_mail(tmp_path):
    path = tmp_path / "big.eml"
    path.write_bytes(mail("Alice <alice@acme.example>", "Logs of the failed export",
                          "The log follows.\n" + "line of log output\n" * 300,
                          message_id="<big@acme.example>", date=datetime(2026, 3, 2, tzinfo=UTC)))
    return path


def quarantined_id(ran) -> str:
    found = re.search(r"quarantined ([0-9a-f]{12})", ran.err)
    assert found, ran.err
    return found.group(1)


def test_garbage_piped_from_an_mta_is_quarantined_named_on_stderr_and_exits_0(tmp_path, desk):
    ran = intakebot("ingest", cwd=tmp_path, config=desk, input=b"\x00\xff garbage, no headers")

    assert ran.code == 0  # a bounce would go back to a sender who may be forged
    assert "quarantine" in ran.out
    assert "no usable From address" in ran.err and "intakebot quarantine show" in ran.err


def test_files_with_a_quarantined_one_exit_1_and_name_it(tmp_path, desk):
    good = tmp_path / "good.eml"
    good.write_bytes(mail("alice@acme.example", "Export fails", "It stops.\n",
                          message_id="<g@acme.example>", date=datetime(2026, 3, 2, tzinfo=UTC)))

    ran = intakebot("ingest", good, big_mail(tmp_path), cwd=tmp_path, config=desk)

    assert ran.code == 1
    assert "new_ticket" in ran.out
    assert f"over the limit of {LIMIT} ([intake] max_message_bytes)" in ran.err
    assert "1 of 2 message(s) quarantined" in ran.err


@pytest.mark.parametrize("section, key, value", [
    ("support", "timezone", "Europe/Madird"),
    ("holidays", "country", "XX"),  # checked only when the policy is built
])
def test_a_broken_configuration_on_the_pipe_asks_the_mta_to_retry(tmp_path, section, key,
                                                                  value):
    bad = write_config(tmp_path / "bad.toml", {section: {key: value}})

    piped = intakebot("ingest", cwd=tmp_path, config=bad, input=b"From: a@b.example\r\n\r\nhi")
    assert piped.code == 75
    assert f"{section}.{key}" in piped.err and "the MTA keeps the message" in piped.err
    (tmp_path / "m.eml").write_bytes(b"From: a@b.example\r\n\r\nhi")
    from_file = intakebot("ingest", "m.eml", cwd=tmp_path, config=bad)
    assert from_file.code == 2 and f"{section}.{key}" in from_file.err


def test_ingest_help_documents_the_exit_codes(tmp_path):
    ran = intakebot("ingest", "--help", cwd=tmp_path)
    assert ran.code == 0
    for code in ("0 ", "75 ", "2 ", "1 when any was quarantined"):
        assert code in ran.out, code


def test_list_show_release_after_raising_the_limit(tmp_path, desk, store_section):
    ran = intakebot("ingest", big_mail(tmp_path), cwd=tmp_path, config=desk)
    qid = quarantined_id(ran)

    listed = intakebot("quarantine", "list", "--json", cwd=tmp_path, config=desk).json()
    assert [q["id"] for q in listed] == [qid]
    assert listed[0]["sender"] == "Alice <alice@acme.example>"
    assert listed[0]["subject"] == "Logs of the failed export"
    assert listed[0]["size"] > LIMIT
    text = intakebot("quarantine", "list", cwd=tmp_path, config=desk)
    assert qid in text.out and "over the limit" in text.out

    shown = intakebot("quarantine", "show", qid, cwd=tmp_path, config=desk)
    assert shown.code == 0, shown.err
    for field in ("reason:", "over the limit", "from:", "alice@acme.example",
                  "subject:", "Logs of the failed export", "received:", "size:",
                  f"{listed[0]['size']} bytes", "archive key:", listed[0]["archive_key"]):
        assert field in shown.out, field

    explained = intakebot("explain", big_mail(tmp_path), cwd=tmp_path, config=desk)
    assert explained.code == 0, explained.err
    assert "Outcome:   quarantine  (message is" in explained.out
    assert "duplicate" not in explained.out
    assert f"quarantine release {qid}" in explained.out

    still = intakebot("quarantine", "release", qid, cwd=tmp_path, config=desk)
    assert still.code == 1 and "still quarantined" in still.err  # the limit is unchanged

    raised = write_config(tmp_path / "raised.toml", {
        "support": {"address": "support@vendor.example", "data_dir": "data"},
        "agents": {"addresses": ["ana@vendor.example"]}, "store": store_section})
    released = intakebot("quarantine", "release", qid[:8], cwd=tmp_path, config=raised)
    assert released.code == 0, released.err
    assert re.search(r"new_ticket #\d+", released.out)

    again = intakebot("quarantine", "release", qid, cwd=tmp_path, config=raised)
    assert again.code == 1 and "no message" in again.err  # released once, handled once
    tickets = intakebot("tickets", "--json", cwd=tmp_path, config=raised).json()
    assert [t["subject"] for t in tickets] == ["Logs of the failed export"]
    assert intakebot("quarantine", "list", cwd=tmp_path, config=raised).out.startswith(
        "No messages in quarantine")
    # the message now explains as the ticket it opened, not as quarantine
    assert intakebot("explain", big_mail(tmp_path), "--json", cwd=tmp_path,
                     config=raised).json()["outcome"] == "duplicate"


@pytest.mark.parametrize("ident, code, words", [
    ("zz", 2, ["not a quarantine ID"]),
    ("abcdef123456", 1, ["no message abcdef123456 in quarantine"]),
])
def test_unknown_ids_are_refused_plainly(tmp_path, desk, ident, code, words):
    for command in ("show", "release"):
        ran = intakebot("quarantine", command, ident, cwd=tmp_path, config=desk)
        assert ran.code == code, ran
        for word in words:
            assert word in ran.err


def test_mail_imap_reported_too_big_is_not_released_from_its_headers(tmp_path, imap_server):
    # only the headers were downloaded: releasing them would open a ticket without a body
    imap = write_config(tmp_path / "imap.toml", {
        "support": {"address": "support@vendor.example", "data_dir": "data"},
        "agents": {"addresses": ["ana@vendor.example"]},
        "imap": imap_section(imap_server, idle=False),
        "intake": {"max_message_bytes": LIMIT}})
    imap_server.append(big_mail(tmp_path).read_bytes())

    ran = intakebot("run", "--once", cwd=tmp_path, config=imap)
    assert ran.code == 0, ran.err
    assert "quarantine" in ran.out
    [held] = intakebot("quarantine", "list", "--json", cwd=tmp_path, config=imap).json()
    assert held["archived_bytes"] < held["size"]
    shown = intakebot("quarantine", "show", held["id"], cwd=tmp_path, config=imap)
    assert "(only the headers were downloaded)" in shown.out

    released = intakebot("quarantine", "release", held["id"], cwd=tmp_path, config=imap)
    assert released.code == 1
    assert "raise [intake] max_message_bytes" in released.err
    assert "move it from the IMAP quarantine folder back to the inbox" in released.err
    assert intakebot("tickets", "--json", cwd=tmp_path, config=imap).json() == []
