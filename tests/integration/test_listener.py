"""The embedded SMTP listener over a real socket: support mail becomes a ticket on disk before
the 250; other recipients get 550 and over-size mail 552."""

from __future__ import annotations

import smtplib
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from intake.listener import Listener
from intake.pipeline import Pipeline
from rules.policy import default_policy
from store import Store
from tests import mailfactory as mf
from tests.mailfactory import ALICE, SUPPORT
from tests.servers import LOOPBACK, free_port

NOW = datetime(2026, 3, 3, 11, 0, tzinfo=ZoneInfo("Europe/Madrid"))
MAX_BYTES = 32 * 1024


@pytest.fixture
def data_dir(tmp_path):
    path = tmp_path / "data"
    with Store.open(path) as store:
        mf.seed(store)
    return path


@pytest.fixture
def listener(data_dir):
    store = Store.open(data_dir)
    pipeline = Pipeline(store, default_policy(), mf.settings(), lambda: NOW, MAX_BYTES)
    listener = Listener(pipeline, [SUPPORT, "help@vendor.example"], LOOPBACK, free_port(),
                        MAX_BYTES)
    listener.start()
    yield listener
    listener.stop()
    store.close()


def _client(listener) -> smtplib.SMTP:
    return smtplib.SMTP(listener.host, listener.port, timeout=10)


def test_mail_for_support_is_a_ticket_on_disk_before_the_250(listener, data_dir):
    raw = mf.mail(ALICE, "[critical] Cannot open any document", "Nothing opens.\n",
                  message_id="<smtp-1@acme.example>")

    with _client(listener) as smtp:
        smtp.ehlo()
        smtp.mail(ALICE)
        smtp.rcpt(SUPPORT)
        code, reply = smtp.data(raw)

    assert code == 250
    # a second store opened from disk sees it: the unit of work committed before the 250
    with Store.open(data_dir) as fresh, fresh.unit_of_work() as uow:
        [ticket] = uow.tickets.all()
        assert (ticket.requester, ticket.account, ticket.created_at) == (ALICE, "acme", NOW)
        assert uow.tickets.by_message_id("<smtp-1@acme.example>").number == ticket.number
        assert [r.kind for r in uow.outbox.all()] == ["ack", "agent_new"]
        [outcome] = uow.inbound.by_message_id("<smtp-1@acme.example>")
        assert outcome.source == "smtp"
    assert str(ticket.number).encode() in reply


def test_alias_of_the_support_address_is_accepted(listener, data_dir):
    with _client(listener) as smtp:
        refused = smtp.sendmail(ALICE, ["HELP@vendor.example"],
                                mf.mail(ALICE, "[major] Slow search", "Slow.\n"))

    assert refused == {}
    with Store.open(data_dir) as fresh, fresh.unit_of_work() as uow:
        assert len(uow.tickets.all()) == 1


def test_recipient_that_is_not_a_support_address_is_refused_with_550(listener, data_dir):
    with _client(listener) as smtp, pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        smtp.sendmail(ALICE, ["ceo@vendor.example"], mf.mail(ALICE, "Hi", "Hello.\n"))

    assert refused.value.recipients["ceo@vendor.example"][0] == 550
    with Store.open(data_dir) as fresh, fresh.unit_of_work() as uow:
        assert uow.tickets.all() == [] and uow.outbox.all() == []


def test_over_size_mail_is_refused_with_552(listener, data_dir):
    raw = mf.big(ALICE, 2 * MAX_BYTES)

    with _client(listener) as smtp:
        smtp.ehlo()
        # no SIZE= on MAIL FROM: the limit must hold on the data itself too
        smtp.mail(ALICE)
        smtp.rcpt(SUPPORT)
        code, _ = smtp.data(raw)

    assert code == 552
    with Store.open(data_dir) as fresh, fresh.unit_of_work() as uow:
        assert uow.tickets.all() == [] and uow.outbox.all() == []


def test_over_size_mail_announced_with_size_is_refused_with_552(listener):
    raw = mf.big(ALICE, 2 * MAX_BYTES)

    with _client(listener) as smtp, pytest.raises(smtplib.SMTPSenderRefused) as refused:
        smtp.sendmail(ALICE, [SUPPORT], raw)  # smtplib sends SIZE= where offered

    assert refused.value.smtp_code == 552


def test_a_null_sender_message_is_recorded_as_a_bounce_and_not_answered(listener, data_dir):
    # a plain-text bounce from a server that sends no DSN parts: only the empty
    # envelope sender (MAIL FROM:<>) says what it is
    raw = mf.mail("notifications@relay.example", "Delivery failure",
                  "Your message could not be delivered.\n",
                  message_id="<nullsender-1@relay.example>")

    with _client(listener) as smtp:
        smtp.ehlo()
        smtp.mail("<>")
        smtp.rcpt(SUPPORT)
        code, _ = smtp.data(raw)

    assert code == 250
    with Store.open(data_dir) as fresh, fresh.unit_of_work() as uow:
        [outcome] = uow.inbound.by_message_id("<nullsender-1@relay.example>")
        assert outcome.outcome == "bounce"
        assert uow.outbox.all() == []
