"""The life of a ticket through `intakebot` run as a user runs it: a subprocess with a config
file, mail APPENDed to a real IMAP server (pymap and Dovecot), replies collected by a real SMTP
sink, and time stepped with `run --once --now`.

Business times are worked out by hand from the policy: plus plan, Mon-Fri 10:00-17:00
Europe/Madrid, one business day = 7 h; March 2026 has no Spanish national holiday.
"""

from __future__ import annotations

import mailbox
import signal
import smtplib
import socket
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.e2e_helpers import (
    SUPPORT,
    Bot,
    Delivered,
    SinkReader,
    child_env,
    imap_section,
    mail,
    smtp_section,
    write_config,
)
from tests.servers import free_port

MADRID = ZoneInfo("Europe/Madrid")
ALICE = "alice@acme.example"
BOB = "bob@acme.example"
ANA = "ana@vendor.example"
BRUNO = "bruno@vendor.example"
BOSS = "boss@vendor.example"


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """An instant in March 2026, Madrid time."""
    return datetime(2026, 3, day, hour, minute, tzinfo=MADRID)


def configure(tmp_path: Path, imap_server, smtp_sink) -> Bot:
    """The bot configured for IMAP intake and SMTP delivery, with Acme on the plus plan:
    Alice and Bob are its contacts, its people read times in New York."""
    config = write_config(tmp_path / "intakebot.toml", {
        "support": {"address": SUPPORT, "name": "Vendor Support", "timezone": "Europe/Madrid"},
        "holidays": {"country": "ES"},
        "imap": imap_section(imap_server),
        "smtp": smtp_section(smtp_sink),
        "agents": {"addresses": [ANA, BRUNO], "names": {ANA: "Ana", BRUNO: "Bruno"}},
        # a digest crontab that never fires in March keeps the sink to ticket mail
        "managers": {"addresses": [BOSS], "digest": "0 8 1 1 *"},
    })
    b = Bot(config, tmp_path / "data", tmp_path)
    b.ok("account", "add", "Acme", "--plan", "plus", "--domain", "acme.example",
         "--timezone", "America/New_York")
    b.ok("contact", "add", "Acme", ALICE, "--name", "Alice")
    b.ok("contact", "add", "Acme", BOB, "--name", "Bob")
    return b


@pytest.fixture
def bot(tmp_path: Path, imap_server, smtp_sink) -> Bot:
    """On pymap and on Dovecot."""
    return configure(tmp_path, imap_server, smtp_sink)


@pytest.fixture
def pymap(pymap_server):
    # the SLA clock does not depend on the IMAP server: one server is enough there
    pymap_server.clear()
    return pymap_server


def deliver(imap_server, raw: bytes, when: datetime) -> None:
    """The message lands in INBOX at `when` (its INTERNALDATE: the ticket's creation time)."""
    imap_server.append(raw, internaldate=when)


def only(mails: list[Delivered], kind: str) -> Delivered:
    found = [m for m in mails if m.kind == kind]
    assert len(found) == 1, (kind, [(m.kind, m.subject) for m in mails])
    return found[0]


def same_instant(iso: str | None, expected: datetime) -> bool:
    return iso is not None and datetime.fromisoformat(iso) == expected


def test_a_ticket_from_request_to_reopening(bot: Bot, imap_server, smtp_sink):
    sink = SinkReader(smtp_sink)

    # -- Monday 2 March 11:00: Alice reports a critical fault
    request_id = "<fault-1@acme.example>"
    deliver(imap_server, mail(f"Alice <{ALICE}>", "[Critical] Cannot create documents",
                              "Hello,\n\nSaving a new document fails since this morning.\n",
                              message_id=request_id, date=at(2, 10, 59)), at(2, 11))
    bot.run_once(at(2, 11, 0) + timedelta(seconds=30))

    [ticket] = bot.json("tickets")
    number = ticket["number"]
    assert (ticket["account"], ticket["requester"], ticket["status"]) == ("Acme", ALICE, "open")
    assert ticket["severity"] == "critical"
    assert same_instant(ticket["created_at"], at(2, 11))
    # response 2 days = 14 business hours: Mon 11-17 (6), Tue 10-17 (7), Wed 10-11 (1)
    assert same_instant(ticket["response_due"], at(4, 11))
    # resolution 5 days = 35 h: Mon 6 + Tue..Fri 28 = 34, then Mon 9 March 10-11
    assert same_instant(ticket["resolution_due"], at(9, 11))

    mails = sink.new()
    ack = only(mails, "ack")
    assert ack.to == {ALICE} and ack.rcpts == {ALICE}
    assert f"[#{number}]" in ack.subject
    assert ack.in_reply_to == request_id
    # the customer reads New York time: EST until 8 March, EDT after
    assert "Wed 4 Mar 2026, 05:00 EST (America/New_York)" in ack.text
    assert "Mon 9 Mar 2026, 06:00 EDT (America/New_York)" in ack.text
    notice = only(mails, "agent_new")
    assert notice.rcpts == {ANA, BRUNO}
    assert f"[#{number}]" in notice.subject
    # agents read the support team's time
    assert "Wed 4 Mar 2026, 11:00 CET (Europe/Madrid)" in notice.text
    assert len(mails) == 2
    assert imap_server.uids("INBOX") == []

    # -- Monday 13:00: Ana answers by replying to the notice
    deliver(imap_server, mail(f"Ana <{ANA}>", f"Re: {notice.subject}",
                              "Could you send us the exact error message?\n",
                              message_id="<ana-1@vendor.example>", date=at(2, 13),
                              in_reply_to=notice.message_id), at(2, 13))
    bot.run_once(at(2, 13, 1))

    relayed = only(sink.new(), "agent_reply")
    assert relayed.rcpts == {ALICE}
    assert f"[#{number}]" in relayed.subject
    assert "Could you send us the exact error message?" in relayed.text
    shown = bot.json("ticket", "show", number, "--now", at(2, 13, 1).isoformat())
    assert same_instant(shown["first_response_at"], at(2, 13))
    assert shown["response_state"] == "met"

    # -- Tuesday 10:30: Alice answers on the thread; the notice goes to Ana, who now owns it
    deliver(imap_server, mail(f"Alice <{ALICE}>", f"Re: {relayed.subject}",
                              "The error is 'internal error 500'.\n",
                              message_id="<fault-2@acme.example>", date=at(3, 10, 30),
                              in_reply_to=relayed.message_id), at(3, 10, 30))
    bot.run_once(at(3, 10, 31))

    comment = only(sink.new(), "customer_reply")
    assert comment.rcpts == {ANA}
    assert f"[#{number}]" in comment.subject
    assert "internal error 500" in comment.text

    # -- Thursday 10:15: Ana resolves it with a command line
    deliver(imap_server, mail(f"Ana <{ANA}>", f"Re: {comment.subject}", "#resolve\n",
                              message_id="<ana-2@vendor.example>", date=at(5, 10, 15),
                              in_reply_to=comment.message_id), at(5, 10, 15))
    bot.run_once(at(5, 10, 16))

    resolved = only(sink.new(), "resolved")
    assert resolved.rcpts == {ALICE}
    assert f"[#{number}]" in resolved.subject
    shown = bot.json("ticket", "show", number)
    assert shown["status"] == "resolved"
    assert same_instant(shown["resolved_at"], at(5, 10, 15))
    assert bot.json("tickets") == []  # resolved tickets leave the open list

    # -- Saturday 10:15, two days later: Alice writes again, which reopens the ticket
    deliver(imap_server, mail(f"Alice <{ALICE}>", f"Re: {resolved.subject}",
                              "It fails again since this morning.\n",
                              message_id="<fault-3@acme.example>", date=at(7, 10, 15),
                              in_reply_to=resolved.message_id), at(7, 10, 15))
    bot.run_once(at(7, 10, 16))

    reopened = only(sink.new(), "customer_reply")
    assert reopened.rcpts == {ANA}
    assert "It fails again" in reopened.text
    shown = bot.json("ticket", "show", number)
    assert shown["status"] == "open"
    assert shown["resolved_at"] is None
    assert "reopened" in [e["kind"] for e in shown["events"]]
    assert [t["number"] for t in bot.json("tickets", "--all")] == [number]

    # every message was handled and moved out of the support folder
    assert imap_server.uids("INBOX") == []
    assert len(imap_server.uids("Processed")) == 5


def test_an_unanswered_ticket_warns_then_breaches(tmp_path: Path, pymap, smtp_sink):
    imap_server = pymap
    bot = configure(tmp_path, imap_server, smtp_sink)
    sink = SinkReader(smtp_sink)

    # -- Tuesday 3 March 14:00: Bob reports an outage (plus blocker: respond in 6 business
    # hours, resolve in 10), and nobody answers
    deliver(imap_server, mail(f"Bob <{BOB}>", "[Blocker] Portal is down",
                              "Nobody can reach the portal, every page gives a 502.\n",
                              message_id="<down-1@acme.example>", date=at(3, 14)), at(3, 14))
    bot.run_once(at(3, 14, 1))
    [ticket] = bot.json("tickets")
    number = ticket["number"]
    # Tue 14-17 (3 h), then Wed 10-13 (3 h)
    assert same_instant(ticket["response_due"], at(4, 13))
    # Tue 3 h, Wed 7 h
    assert same_instant(ticket["resolution_due"], at(4, 17))
    assert sorted(m.kind for m in sink.new()) == ["ack", "agent_new"]

    # Wed 11:00: 4 of 6 h used (67%), under the 75% warning threshold
    bot.run_once(at(4, 11))
    assert sink.new() == []

    # Wed 11:45: 4 h 45 min used (79%): a warning to the agents, not to managers
    bot.run_once(at(4, 11, 45))
    warning = only(sink.new(), "sla_warning")
    assert warning.rcpts == {ANA, BRUNO}
    assert "response 1 business hour 15 min left" in warning.subject
    assert f"[#{number}]" in warning.subject

    # Wed 13:30: 6 h 30 min used: the response target is breached; managers hear of it.
    # The resolution clock is at 6.5 of 10 h (65%): nothing yet.
    bot.run_once(at(4, 13, 30))
    mails = sink.new()
    breach = only(mails, "sla_breach")
    assert len(mails) == 1
    assert breach.rcpts == {ANA, BRUNO, BOSS}
    assert "response overdue by 30 business minutes" in breach.subject
    shown = bot.json("ticket", "show", number, "--now", at(4, 13, 30).isoformat())
    assert shown["response_state"] == "breached"

    # Wed 14:45: resolution at 7 h 45 min of 10 (77.5%): its warning, once
    bot.run_once(at(4, 14, 45))
    warning = only(sink.new(), "sla_warning")
    assert "resolution 2 business hours 15 min left" in warning.subject

    # Thu 10:30: resolution at Tue 3 + Wed 7 + Thu 0.5 = 10.5 h: breached, overnight
    bot.run_once(at(5, 10, 30))
    mails = sink.new()
    breach = only(mails, "sla_breach")
    assert len(mails) == 1  # the response breach is not repeated
    assert breach.rcpts == {ANA, BRUNO, BOSS}
    assert "resolution overdue by 30 business minutes" in breach.subject

    # a later sweep sends nothing more
    bot.run_once(at(5, 12))
    assert sink.new() == []


# -- the embedded default and the demo


def _wait_for_port(port: int, proc: subprocess.Popen, log: Path, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"bot exited with {proc.returncode}:\n{log.read_text()}"
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"nothing listens on {port} after {seconds} s:\n{log.read_text()}")


def _wait_for_maildir(folder: Path, count: int, seconds: float = 30) -> list:
    deadline = time.monotonic() + seconds
    while True:
        found = [m for m in mailbox.Maildir(folder, create=True)] if folder.exists() else []
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def test_run_on_embedded_defaults_answers_mail_sent_to_its_smtp_listener(tmp_path: Path):
    # The embedded setup with only the listener port moved off 2525, so parallel runs and a
    # bot already on this machine do not clash; no [imap], no [smtp]: listener + Maildir.
    port = free_port()
    config = write_config(tmp_path / "intakebot.toml", {"smtp_listener": {"port": port}})
    bot = Bot(config, tmp_path / "data", tmp_path)
    bot.ok("account", "add", "Acme", "--plan", "plus")
    bot.ok("contact", "add", "Acme", ALICE)
    log = tmp_path / "run.log"
    proc = bot.start("run", log=log)
    try:
        _wait_for_port(port, proc, log)
        raw = mail(f"Alice <{ALICE}>", "Export to PDF is broken", "The PDF is empty.\n",
                   message_id="<pdf-1@acme.example>", date=datetime.now(MADRID),
                   to="support@localhost")
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
            refused = client.sendmail(ALICE, ["support@localhost"], raw)
        assert refused == {}
        sent = _wait_for_maildir(tmp_path / "data" / "sent-mail", 1)
        acks = [m for m in sent if m["X-Intakebot-Kind"] == "ack"]
        assert len(acks) == 1, [m["Subject"] for m in sent]
        assert acks[0]["To"].endswith(f"<{ALICE}>") or acks[0]["To"] == ALICE
        assert "[#" in acks[0]["Subject"]
        assert acks[0]["In-Reply-To"].strip() == "<pdf-1@acme.example>"
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(60)
    assert code == 0, log.read_text()
    text = log.read_text()
    assert f"127.0.0.1:{port}" in text  # it says where it listens
    assert "Traceback" not in text


def test_run_without_configuration_listens_on_2525(tmp_path: Path):
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", 2525)) == 0:
            pytest.skip("something already listens on 127.0.0.1:2525")
    bot = Bot(None, tmp_path / "data", tmp_path)
    log = tmp_path / "run.log"
    proc = bot.start("run", log=log)
    try:
        _wait_for_port(2525, proc, log)
        with smtplib.SMTP("127.0.0.1", 2525, timeout=30) as client:
            code, _ = client.noop()
        assert code == 250
    finally:
        proc.send_signal(signal.SIGTERM)
        exit_code = proc.wait(60)
    assert exit_code == 0, log.read_text()


def test_demo_tours_the_bot_and_exits_cleanly(tmp_path: Path):
    # the demo's throwaway folder goes under TMPDIR: keep it inside tmp_path
    proc = subprocess.run([sys.executable, "-m", "intakebot", "demo"], cwd=tmp_path,
                          env=child_env(TMPDIR=str(tmp_path)), capture_output=True, timeout=120)
    out = proc.stdout.decode()
    assert proc.returncode == 0, proc.stderr.decode()
    assert "an outage from Acme: new_ticket" in out
    assert "a stranger: refused_unauthorised" in out
    assert "refused_quota" in out
    assert "SLA warning" in out
    assert "SLA breached" in out
    assert "digest" in out.lower()


def test_waiting_on_the_customer_pauses_the_resolution_clock_and_old_tickets_stay_closed(
        tmp_path: Path, pymap, smtp_sink):
    imap_server = pymap
    bot = configure(tmp_path, imap_server, smtp_sink)
    sink = SinkReader(smtp_sink)

    # Monday 2 March 11:00, plus major: resolution 10 days = 70 business hours, due
    # Mon 16 March 11:00 (Mon 6 h, nine full days 63 h, Mon 16 10-11)
    deliver(imap_server, mail(f"Alice <{ALICE}>", "[Major] Search is slow",
                              "Search takes 30 seconds.\n", message_id="<slow-1@acme.example>",
                              date=at(2, 11)), at(2, 11))
    bot.run_once(at(2, 11, 1))
    [ticket] = bot.json("tickets")
    number = ticket["number"]
    assert same_instant(ticket["resolution_due"], at(16, 11))
    notice = only(sink.new(), "agent_new")

    # Monday 12:00: Ana asks a question and waits on the customer
    deliver(imap_server, mail(f"Ana <{ANA}>", f"Re: {notice.subject}",
                              "Which browser do you use?\n\n#pending\n",
                              message_id="<ana-p1@vendor.example>", date=at(2, 12),
                              in_reply_to=notice.message_id), at(2, 12))
    bot.run_once(at(2, 12, 1))
    question = only(sink.new(), "agent_reply")
    assert "Which browser" in question.text and "#pending" not in question.text
    assert bot.json("ticket", "show", number)["status"] == "pending-customer"

    # Wednesday 12:00: Alice answers; the clock was stopped for Mon 12-17 (5 h), Tue (7 h)
    # and Wed 10-12 (2 h): 14 h, so the resolution is now due two business days later
    deliver(imap_server, mail(f"Alice <{ALICE}>", f"Re: {question.subject}", "Firefox 128.\n",
                              message_id="<slow-2@acme.example>", date=at(4, 12),
                              in_reply_to=question.message_id), at(4, 12))
    bot.run_once(at(4, 12, 1))
    assert only(sink.new(), "customer_reply").rcpts == {ANA}
    assert bot.json("ticket", "show", number)["status"] == "open"
    # Mon 16 March 11:30: 69.5 h since creation, 55.5 h of them counted (79%): at risk, not late
    shown = bot.json("ticket", "show", number, "--now", at(16, 11, 30).isoformat())
    assert shown["resolution_state"] == "at_risk"

    # resolved Tuesday 17 March; Alice writes again nine days later, past the 7-day window:
    # a new ticket, the old one stays resolved
    deliver(imap_server, mail(f"Ana <{ANA}>", f"Re: {notice.subject}", "#resolve\n",
                              message_id="<ana-p2@vendor.example>", date=at(17, 10),
                              in_reply_to=notice.message_id), at(17, 10))
    bot.run_once(at(17, 10, 1))
    resolved = only(sink.new(), "resolved")
    deliver(imap_server, mail(f"Alice <{ALICE}>", f"Re: {resolved.subject}",
                              "Search is slow again.\n", message_id="<slow-3@acme.example>",
                              date=at(26, 10), in_reply_to=resolved.message_id), at(26, 10))
    bot.run_once(at(26, 10, 1))
    tickets = {t["number"]: t for t in bot.json("tickets", "--all")}
    assert len(tickets) == 2
    assert tickets[number]["status"] == "closed"  # its 7-day reopen window has passed
    [new] = [t for n, t in tickets.items() if n != number]
    assert (new["requester"], new["status"]) == (ALICE, "open")
    assert same_instant(new["created_at"], at(26, 10))
    assert only(sink.new(), "ack").rcpts == {ALICE}
