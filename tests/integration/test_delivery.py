"""Outbox delivery end to end: rows queued by real intake reach a real aiosmtpd sink (or the
embedded Maildir) through deliver_due, with retries, bounces and at-least-once resends."""

from __future__ import annotations

import dataclasses
import shutil
from datetime import datetime, timedelta

import pytest

from intakebot.app import App
from intakebot.clock import FixedClock
from intakebot.config import parse
from notifier.jobs import deliver_due
from notifier.mailer import SmtpMailer, TemporaryFailure
from store.records import Account, Contact
from tests.notifier_helpers import (
    ALICE,
    ANN,
    BOB,
    CAROL,
    agent_mail,
    at,
    ingest,
    maildir_mails,
    make_app,
    open_ticket,
    outbox,
    raw_mail,
    seed,
    sink_mails,
    text_of,
)

MONDAY = at(2026, 3, 2, 11, 0)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(MONDAY)


@pytest.fixture
def app(tmp_path, clock, smtp_sink):
    app = make_app(tmp_path / "data", clock, smtp_sink.port)
    seed(app, clock())
    yield app
    app.close()


def deliver_through_outage(app: App) -> list:
    # deliver_due currently lets the connection failure escape instead of recording a
    # retry (see test_sink_down_rows_wait_with_capped_backoff); the scheduler's guard
    # swallows it the same way, so these runs behave like the running bot.
    try:
        return app.deliver()
    except TemporaryFailure:
        return []


def test_a_new_ticket_delivers_ack_and_agent_notice_with_threading_headers(app, smtp_sink):
    number = open_ticket(app, ALICE, "[blocker] Portal down", mid="<c1@acme.example>")
    rows = {r.kind: r for r in outbox(app)}
    assert set(rows) == {"ack", "agent_new"}

    results = app.deliver()

    assert sorted((d.kind, d.result) for d in results) == [("ack", "sent"),
                                                             ("agent_new", "sent")]
    mails = {m["X-Intakebot-Kind"]: m for m in sink_mails(smtp_sink)}
    ack, notice = mails["ack"], mails["agent_new"]
    assert ack["Message-ID"] == rows["ack"].message_id
    assert ack["In-Reply-To"] == "<c1@acme.example>"
    assert "<c1@acme.example>" in ack["References"].split()
    assert ack["Subject"].endswith(f"[#{number}]")
    assert "Portal down" in ack["Subject"]
    assert ack["Auto-Submitted"] == "auto-replied"
    assert [a.addr_spec for a in ack["To"].addresses] == [ALICE]
    assert ack["From"].addresses[0].addr_spec == "support@vendor.example"
    assert notice["Message-ID"] == rows["agent_new"].message_id
    assert notice["Subject"].endswith(f"[#{number}]")
    assert notice["Auto-Submitted"] == "auto-generated"
    assert sorted(a.addr_spec for a in notice["To"].addresses) == [ANN, BOB]
    # the envelope goes to the same people as the headers say
    envelopes = sorted(sorted(m.rcpt_tos) for m in smtp_sink.messages)
    assert envelopes == [[ALICE], [ANN, BOB]]
    assert {r.kind: r.status for r in outbox(app)} == {"ack": "sent", "agent_new": "sent"}
    assert all(r.sent_at == MONDAY for r in outbox(app))
    # nothing is due any more: a second run sends nothing
    assert app.deliver() == []
    assert len(smtp_sink.messages) == 2


def test_sink_down_rows_wait_with_capped_backoff(app, clock, smtp_sink):
    open_ticket(app, ALICE, "[blocker] Portal down")
    smtp_sink.stop()

    results = app.deliver()

    assert sorted(d.result for d in results) == ["retry", "retry"]
    rows = outbox(app)
    assert [r.status for r in rows] == ["pending", "pending"]
    assert all(r.attempts == 1 for r in rows)
    assert all(r.next_attempt_at == MONDAY + timedelta(seconds=30) for r in rows)
    assert all("refused" in r.last_error for r in rows)


def test_sink_down_then_up_every_row_delivered_exactly_once(tmp_path, clock, smtp_sink):
    app = make_app(tmp_path / "data", clock, smtp_sink.port)
    seed(app, clock())
    smtp_sink.stop()
    numbers = []
    # intake goes on while the mail server is down; delivery keeps trying
    for minute, (sender, subject) in enumerate([(ALICE, "[blocker] Portal down"),
                                                (CAROL, "[major] Slow search"),
                                                (ALICE, "[trivial] Export question")]):
        clock.advance(minutes=minute)
        numbers.append(open_ticket(app, sender, subject))
        deliver_through_outage(app)
    # a restart during the outage loses nothing
    app.close()
    app = make_app(tmp_path / "data", clock, smtp_sink.port)
    clock.advance(minutes=10)
    deliver_through_outage(app)
    rows = outbox(app)
    assert len(rows) == 6 and all(r.status == "pending" for r in rows)
    assert smtp_sink.messages == []

    smtp_sink.start()
    # past the longest backoff (one hour), so every row is due again
    clock.advance(hours=1, minutes=1)
    app.deliver()
    clock.advance(hours=1, minutes=1)
    app.deliver()

    got = sink_mails(smtp_sink)
    assert sorted(m["Message-ID"] for m in got) == sorted(r.message_id for r in rows)
    assert sorted((m["X-Intakebot-Kind"], int(m["X-Intakebot-Ticket"])) for m in got) == \
        sorted((kind, n) for n in numbers for kind in ("ack", "agent_new"))
    assert all(r.status == "sent" for r in outbox(app))
    app.close()


def test_a_4xx_is_retried_after_the_backoff_and_then_sent_once(app, clock, smtp_sink):
    number = open_ticket(app, ALICE, "[blocker] Portal down")
    app.deliver()
    smtp_sink.clear()
    agent_mail(app, ANN, number, "We are on it.\n")
    smtp_sink.fail_next(451, stage="data")

    [first] = app.deliver()

    assert first.result == "retry" and "451" in first.error
    [row] = [r for r in outbox(app) if r.kind == "agent_reply"]
    assert (row.status, row.attempts) == ("pending", 1)
    assert row.next_attempt_at == MONDAY + timedelta(seconds=30)
    clock.advance(seconds=29)
    assert app.deliver() == []  # not due yet
    clock.advance(seconds=1)
    [second] = app.deliver()
    assert second.result == "sent"
    [got] = sink_mails(smtp_sink)
    assert got["Message-ID"] == row.message_id
    assert [r.status for r in outbox(app) if r.kind == "agent_reply"] == ["sent"]


def test_repeated_4xx_back_off_exponentially_up_to_one_hour(app, clock, smtp_sink):
    open_ticket(app, ALICE, "[blocker] Portal down")
    app.deliver()
    smtp_sink.clear()
    number = open_ticket(app, CAROL, "[major] Slow search")
    app.deliver()  # ack and agent notice out; from here one row at a time
    smtp_sink.clear()
    agent_mail(app, ANN, number, "Could you send a screenshot?\n")
    smtp_sink.fail_next(451, count=9, stage="data")
    waits = []
    for _ in range(9):
        [d] = app.deliver()
        assert d.result == "retry"
        [row] = [r for r in outbox(app) if r.kind == "agent_reply"]
        waits.append(row.next_attempt_at - clock())
        clock.now = row.next_attempt_at
    # 30 s doubling each time, capped at one hour
    assert [int(w.total_seconds()) for w in waits] == \
        [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]
    [d] = app.deliver()
    assert d.result == "sent"
    assert len(smtp_sink.messages) == 1


def refuse_until_given_up(app, clock, smtp_sink) -> tuple[list[str], list[str], datetime]:
    """An agent reply the server refuses with 451 every time; returns what each deliver_due
    run reported for it, the row's stored status after each run, and when it was queued."""
    number = open_ticket(app, ALICE, "[blocker] Portal down")
    app.deliver()
    smtp_sink.clear()
    agent_mail(app, ANN, number, "We are on it.\n")
    [row] = [r for r in outbox(app) if r.kind == "agent_reply"]
    smtp_sink.fail_next(451, count=1000, stage="data")
    reported, stored = [], []
    while not stored or stored[-1] == "pending":
        assert len(stored) < 500, "never given up"
        [row] = [r for r in outbox(app) if r.kind == "agent_reply"]
        clock.now = max(clock(), row.next_attempt_at)
        reported += [d.result for d in app.deliver() if d.kind == "agent_reply"]
        stored += [r.status for r in outbox(app) if r.kind == "agent_reply"]
    return reported, stored, row.created_at


def test_a_row_refused_for_hours_stays_queued_and_is_given_up_after_five_days(
        app, clock, smtp_sink):
    _, stored, queued = refuse_until_given_up(app, clock, smtp_sink)

    # 30 s, 60 s, ... then hourly; an outage of a night or a weekend loses nothing,
    # and only a mail still refused five days after it was queued is given up
    assert stored[:-1] == ["pending"] * (len(stored) - 1) and stored[-1] == "failed"
    assert clock() - queued >= timedelta(days=5)
    assert clock() - queued < timedelta(days=5, hours=1)  # at the first attempt past it
    [notice] = [r for r in outbox(app) if r.kind == "bounce_notice"]
    assert sorted(notice.to) == [ANN, BOB]
    smtp_sink.clear()  # the server accepts mail again
    [sent] = app.deliver()
    assert sent.kind == "bounce_notice" and sent.result == "sent"
    assert [m["X-Intakebot-Kind"] for m in sink_mails(smtp_sink)] == ["bounce_notice"]


def test_the_attempt_that_gives_up_is_reported_as_failed(app, clock, smtp_sink):
    reported, stored, _ = refuse_until_given_up(app, clock, smtp_sink)
    assert stored[-1] == "failed"
    assert reported[-1] == "failed" and set(reported[:-1]) == {"retry"}


def test_a_5xx_fails_the_row_and_tells_the_agents(app, clock, smtp_sink):
    number = open_ticket(app, ALICE, "[blocker] Portal down")
    app.deliver()
    smtp_sink.clear()
    agent_mail(app, ANN, number, "We are on it.\n")
    smtp_sink.fail_next(550, stage="rcpt", text="5.1.1 <alice@acme.example>: no such user")

    [d] = app.deliver()

    assert d.result == "failed" and "550" in d.error
    [failed] = [r for r in outbox(app) if r.kind == "agent_reply"]
    assert failed.status == "failed"
    [notice] = [r for r in outbox(app) if r.kind == "bounce_notice"]
    assert (notice.status, sorted(notice.to), notice.ticket) == ("pending", [ANN, BOB], number)
    # the failure is final: nothing is retried later
    clock.advance(hours=2)
    [sent] = app.deliver()
    assert sent.kind == "bounce_notice" and sent.result == "sent"
    [mail] = sink_mails(smtp_sink)
    assert sorted(a.addr_spec for a in mail["To"].addresses) == [ANN, BOB]
    assert mail["Subject"].endswith(f"[#{number}]")
    body = text_of(mail)
    assert ALICE in body and "no such user" in body
    assert f"What: an agent's answer on ticket #{number}" in body  # not our kind names
    assert app.deliver() == []
    assert [r.status for r in outbox(app) if r.kind == "agent_reply"] == ["failed"]


def test_the_bounce_notice_names_the_ticket_subject(app, smtp_sink):
    number = open_ticket(app, ALICE, "[blocker] Portal down")
    app.deliver()
    smtp_sink.clear()
    agent_mail(app, ANN, number, "We are on it.\n")
    smtp_sink.fail_next(550, stage="rcpt")
    app.deliver()
    app.deliver()
    [mail] = sink_mails(smtp_sink)
    assert "Portal down" in mail["Subject"]


def test_a_crash_between_send_and_mark_resends_with_the_same_message_id(
        tmp_path, clock, smtp_sink):
    data = tmp_path / "data"
    app = make_app(data, clock, smtp_sink.port)
    seed(app, clock())
    open_ticket(app, ALICE, "[blocker] Portal down")
    before = {r.id: r.message_id for r in outbox(app)}
    # the data folder as it is on disk before the results are recorded
    shutil.copytree(data, tmp_path / "before-mark")

    app.deliver()
    assert len(smtp_sink.messages) == 2
    app.close()
    # the process died after the server took the mail but before the mark was written
    shutil.rmtree(data)
    shutil.copytree(tmp_path / "before-mark", data)
    app = make_app(data, clock, smtp_sink.port)
    assert all(r.status == "pending" for r in outbox(app))

    clock.advance(seconds=5)
    app.deliver()

    ids = [m["Message-ID"] for m in sink_mails(smtp_sink)]
    assert len(ids) == 4
    assert sorted(ids) == sorted([*before.values(), *before.values()])
    assert all(r.status == "sent" for r in outbox(app))
    app.close()


class CrashAfterSend:
    """A real SMTP mailer whose process 'dies' right after the server accepted a message."""

    def __init__(self, inner: SmtpMailer):
        self.inner = inner

    def __enter__(self):
        self.inner.open()
        return self

    def __exit__(self, *exc):
        self.inner.close()

    def send(self, msg):
        self.inner.send(msg)
        raise KeyboardInterrupt("killed")


def test_a_crash_mid_batch_leaves_every_row_pending_and_none_lost(app, clock, smtp_sink):
    open_ticket(app, ALICE, "[blocker] Portal down")
    ids = sorted(r.message_id for r in outbox(app))

    with pytest.raises(KeyboardInterrupt):
        deliver_due(app.store, CrashAfterSend(SmtpMailer("127.0.0.1", smtp_sink.port)),
                    app.composer, app.builder, clock())

    assert len(smtp_sink.messages) == 1
    assert all(r.status == "pending" for r in outbox(app))
    app.deliver()
    got = sorted(m["Message-ID"] for m in sink_mails(smtp_sink))
    # the first one twice (same id, so the recipient's client can drop the copy), none lost
    assert len(got) == 3 and sorted(set(got)) == ids


def test_the_embedded_default_delivers_into_the_maildir(tmp_path):
    clock = FixedClock(MONDAY)
    app = App(parse({}), tmp_path / "data", clock)
    with app.store.unit_of_work() as uow:
        uow.accounts.add(Account(name="acme", plan="plus", domains=["acme.example"],
                                 created_at=MONDAY))
        uow.contacts.add(Contact(email=ALICE, account="acme", name="Alice Ruiz"))
        uow.commit()
    handled = ingest(app, raw_mail(ALICE, "[major] Slow search", to="support@localhost",
                                   mid="<c9@acme.example>"))
    assert handled.outcome == "new_ticket"

    [d] = app.deliver()

    assert (d.kind, d.result) == ("ack", "sent")  # no agents configured: no notice
    [mail] = maildir_mails(tmp_path / "data" / "sent-mail")
    [row] = outbox(app)
    assert row.status == "sent"
    assert mail["Message-ID"] == row.message_id
    assert mail["In-Reply-To"] == "<c9@acme.example>"
    assert mail["Subject"].endswith(f"[#{handled.ticket}]")
    assert mail["Auto-Submitted"] == "auto-replied"
    assert [a.addr_spec for a in mail["To"].addresses] == [ALICE]
    assert mail["From"].addresses[0].addr_spec == "support@localhost"
    assert "Alice Ruiz" in text_of(mail)
    app.close()


def test_a_plan_without_a_response_target_still_gets_its_acknowledgement(tmp_path, clock,
                                                                          smtp_sink):
    app = make_app(tmp_path / "data", clock, smtp_sink.port,
                   plans={"plus": {"response": {"major": "none"}}})
    seed(app, clock())
    open_ticket(app, ALICE, "[major] Search is slow")

    results = app.deliver()

    assert sorted((d.kind, d.result) for d in results) == [("ack", "sent"),
                                                           ("agent_new", "sent")]
    [ack] = [m for m in sink_mails(smtp_sink) if m["X-Intakebot-Kind"] == "ack"]
    assert "no response target on your plan" in text_of(ack)
    app.close()


def test_a_row_that_cannot_be_composed_fails_alone_and_the_rest_go_out(app, clock, smtp_sink):
    open_ticket(app, ALICE, "[blocker] Portal down")
    with app.store.unit_of_work() as uow:
        [ack] = [r for r in uow.outbox.all() if r.kind == "ack"]
        uow.tickets.update(dataclasses.replace(uow.tickets.get(ack.ticket),
                                               account="vanished"))
        uow.commit()

    results = {d.kind: d.result for d in app.deliver()}

    # the ticket's account is gone: its mails cannot be built, but nothing else waits
    assert results["ack"] == "failed"
    assert not [r for r in outbox(app) if r.status == "pending" and r.kind != "bounce_notice"]


def test_a_second_deliverer_leaves_the_outbox_to_the_one_running(app, clock, smtp_sink):
    open_ticket(app, ALICE, "[blocker] Portal down")
    with app.store.job_lock("deliver") as mine:  # e.g. the running bot, mid-delivery
        assert mine
        assert app.deliver() == []  # a cron `run --once` or `digest --send` meanwhile
        assert smtp_sink.messages == []
    assert {d.result for d in app.deliver()} == {"sent"}
    assert len(smtp_sink.messages) == 2


def test_mail_queued_by_the_version_before_typed_notices_is_still_delivered(
        tmp_path, clock, smtp_sink):
    """An upgrade with mail still in the outbox: rows as the bot wrote them before the
    typed notices (no audience; a refusal listing a contact by address)."""
    import json

    app = make_app(tmp_path / "data", clock, smtp_sink.port)
    seed(app, clock())
    app.close()
    hot = tmp_path / "data" / "intakebot.json"
    doc = json.loads(hot.read_text())
    when = clock().isoformat()
    old = {"id": "old-1", "kind": "refused_unauthorised", "to": ["eve@acme.example"], "cc": [],
           "ticket": None, "message_id": "<refused_unauthorised.abc@vendor.example>",
           "in_reply_to": None, "references": [], "status": "pending", "attempts": 0,
           "data": {"subject": "Printer", "sender": "eve@acme.example", "sender_name": "Eve",
                    "account": "acme", "contacts": ["Alice Ruiz", "carol@acme.example"],
                    "spoof_suspected": False},
           "next_attempt_at": when, "created_at": when, "sent_at": None,
           "last_attempt_at": None, "last_error": None}
    doc.setdefault("outbox", {})["900"] = old
    hot.write_text(json.dumps(doc))

    app = make_app(tmp_path / "data", clock, smtp_sink.port)
    [done] = app.deliver()
    app.close()

    assert done.result == "sent"
    [mail] = sink_mails(smtp_sink)
    body = text_of(mail)
    assert "Alice Ruiz" in body and "carol@acme.example" not in body and "1 more" in body


def test_a_recipient_refused_while_others_got_the_mail_is_reported_to_the_agents(
        app, smtp_sink):
    number = ingest(app, raw_mail(ALICE, "Exports fail", cc=[CAROL])).ticket
    smtp_sink.fail_next(550, stage="rcpt", text="5.1.1 no such user")  # Alice's mailbox

    done = {d.kind: d for d in app.deliver()}

    assert done["ack"].result == "sent"
    [ack] = [m for m in sink_mails(smtp_sink) if m["X-Intakebot-Kind"] == "ack"]
    assert [m.rcpt_tos for m in smtp_sink.messages if b"X-Intakebot-Kind: ack" in m.content] \
        == [[CAROL]]  # Carol has it; Alice's server said no
    assert ack["To"].addresses[0].addr_spec == ALICE
    app.deliver()
    [notice] = [r for r in outbox(app) if r.kind == "bounce_notice"]
    assert notice.payload.recipients == (ALICE,) and "5.1.1 no such user" in notice.payload.error
    assert set(notice.to) == {ANN, BOB} and notice.ticket == number
