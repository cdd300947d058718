"""Delivery over a real SMTP socket (aiosmtpd) and into a real Maildir."""

from __future__ import annotations

import email
import mailbox
from datetime import datetime
from email import policy
from zoneinfo import ZoneInfo

import pytest

from notifier.compose import Composer
from notifier.mailer import MaildirMailer, PermanentFailure, SmtpMailer, TemporaryFailure
from tests.integration.smtp_sink import PeerSink, SilentServer
from tests.servers import free_port

NOW = datetime(2026, 3, 4, 15, 0, tzinfo=ZoneInfo("Europe/Madrid"))
COMPOSER = Composer("support@vendor.example", "Vendor Support", "vendor.example")


def reopened(n: int, to=("Ann Lee", "ann@acme.example"), cc=()):
    ctx = {"tz": "Europe/Madrid", "requester_name": "Ann Lee", "subject": "Printer \U0001F525",
           "reopened_at": NOW}
    return COMPOSER.compose("reopened", [to], ctx, cc=cc, ticket=n, date=NOW,
                            message_id=f"<intakebot.t{n}-reopened@vendor.example>")


def parsed(raw: bytes):
    return email.message_from_bytes(raw, policy=policy.default)


def test_delivers_to_to_cc_and_bcc_with_the_support_address_as_envelope_sender(smtp_sink):
    msg = reopened(42, cc=["bob@acme.example"])
    msg["Bcc"] = "audit@vendor.example"
    refused = SmtpMailer(smtp_sink.host, smtp_sink.port).send(msg)
    assert refused == {}
    [got] = smtp_sink.messages
    assert got.mail_from == "support@vendor.example"
    assert got.rcpt_tos == ["ann@acme.example", "bob@acme.example", "audit@vendor.example"]
    received = parsed(got.content)
    assert received["Bcc"] is None
    assert received["Message-ID"] == "<intakebot.t42-reopened@vendor.example>"
    assert received["Subject"] == "Re: Printer \U0001F525 [#42]"


def test_a_batch_shares_one_connection_and_survives_the_server_dropping_it(smtp_sink):
    with PeerSink() as sink, SmtpMailer(sink.host, sink.port) as mailer:
        for n in (1, 2, 3):
            mailer.send(reopened(n))
        assert len({d.peer for d in sink.deliveries}) == 1
    # the shared sink restarts on the same port: an idle connection dies with it
    with SmtpMailer(smtp_sink.host, smtp_sink.port) as mailer:
        mailer.send(reopened(4))
        smtp_sink.stop()
        smtp_sink.start()
        mailer.send(reopened(5))
    assert [parsed(m.content)["X-Intakebot-Ticket"] for m in smtp_sink.messages] == ["4", "5"]


@pytest.mark.parametrize(("code", "stage", "failure"), [
    (451, "data", TemporaryFailure),
    (421, "data", TemporaryFailure),
    (554, "data", PermanentFailure),
    (450, "rcpt", TemporaryFailure),
    (550, "rcpt", PermanentFailure),
])
def test_smtp_answers_map_to_temporary_or_permanent(smtp_sink, code, stage, failure):
    smtp_sink.fail_next(code, stage=stage)
    with pytest.raises(failure) as raised:
        SmtpMailer(smtp_sink.host, smtp_sink.port).send(reopened(7))
    assert raised.value.code == code
    assert smtp_sink.messages == []


def test_after_a_refusal_the_same_mailer_delivers_the_next_message(smtp_sink):
    smtp_sink.fail_next(451)
    with SmtpMailer(smtp_sink.host, smtp_sink.port) as mailer:
        with pytest.raises(TemporaryFailure):
            mailer.send(reopened(1))
        mailer.send(reopened(1))
    assert len(smtp_sink.messages) == 1


def test_some_recipients_refused_counts_as_sent_and_reports_them(smtp_sink):
    smtp_sink.fail_next(550, stage="rcpt", text="5.1.1 no such user")
    refused = SmtpMailer(smtp_sink.host, smtp_sink.port).send(
        reopened(8, to=("Gone", "gone@acme.example"), cc=["bob@acme.example"]))
    assert refused == {"gone@acme.example": (550, "5.1.1 no such user")}
    [got] = smtp_sink.messages
    assert got.rcpt_tos == ["bob@acme.example"]


def test_server_down_is_temporary_and_the_mailer_recovers_when_it_is_back(smtp_sink):
    smtp_sink.stop()
    mailer = SmtpMailer(smtp_sink.host, smtp_sink.port, timeout=5)
    with pytest.raises(TemporaryFailure):
        mailer.send(reopened(9))
    smtp_sink.start()
    mailer.send(reopened(9))
    assert len(smtp_sink.messages) == 1


def test_nobody_listening_is_temporary():
    with pytest.raises(TemporaryFailure) as raised:
        SmtpMailer("127.0.0.1", free_port(), timeout=5).send(reopened(10))
    assert raised.value.code is None


def test_a_server_that_never_greets_times_out_as_temporary():
    with SilentServer() as server, pytest.raises(TemporaryFailure):
        SmtpMailer(server.host, server.port, timeout=0.5).send(reopened(11))


def test_login_and_a_wrong_password(tmp_path):
    with PeerSink(users={"bot": "s3cret"}) as sink:
        SmtpMailer(sink.host, sink.port, username="bot", password="s3cret").send(reopened(12))
        assert [d.login for d in sink.deliveries] == ["bot"]
        # a session-level refusal fails every message alike: kept for retry, not bounced
        with pytest.raises(TemporaryFailure) as raised:
            SmtpMailer(sink.host, sink.port, username="bot", password="nope").send(reopened(13))
        assert raised.value.code == 535
        assert len(sink.deliveries) == 1


def test_maildir_delivery_is_readable_with_mailbox(tmp_path):
    path = tmp_path / "mail" / "outbox"
    with MaildirMailer(path) as mailer:
        first = reopened(20, cc=["bob@acme.example"])
        first["Bcc"] = "audit@vendor.example"
        assert mailer.send(first) == {}
        mailer.send(reopened(21))
    box = mailbox.Maildir(path, factory=None, create=False)
    got = sorted((parsed(m.as_bytes()) for m in box), key=lambda m: m["X-Intakebot-Ticket"])
    assert [m["X-Intakebot-Ticket"] for m in got] == ["20", "21"]
    assert got[0]["Bcc"] is None
    assert got[0]["X-Envelope-To"] == "ann@acme.example, bob@acme.example, audit@vendor.example"
    assert got[0]["Return-Path"] == "<support@vendor.example>"
    assert got[0]["Subject"] == "Re: Printer \U0001F525 [#20]"
    assert "reopened ticket #20" in got[0].get_body(("plain",)).get_content()


def test_maildir_that_cannot_be_written_is_temporary(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the Maildir should be")
    with pytest.raises(TemporaryFailure):
        MaildirMailer(blocker / "outbox").send(reopened(22))
