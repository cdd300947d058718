"""The running bot: the APScheduler Runner delivers queued mail on its own and stops with
everything committed; `python -m intakebot run` takes mail on its SMTP listener, answers
through the SMTP sink and exits 0 on SIGTERM."""

from __future__ import annotations

import signal
import smtplib
import socket
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from intakebot.app import App, Runner
from intakebot.clock import SystemClock
from store import Store
from store.records import Account, Contact
from tests.notifier_helpers import (
    ALICE,
    ANN,
    BOB,
    BOSS,
    SUPPORT,
    config,
    ingest,
    raw_mail,
    seed,
    sink_mails,
)
from tests.servers import free_port

ROOT = Path(__file__).resolve().parents[2]


def wait_for(condition, seconds: float = 30.0, what: str = "condition") -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"{what} not reached within {seconds} s")


def test_runner_delivers_queued_mail_and_stops_with_everything_committed(tmp_path, smtp_sink):
    data = tmp_path / "data"
    app = App(config(smtp_sink.port, smtp_listener={"enabled": False}), data, SystemClock())
    seed(app, app.clock())
    handled = ingest(app, raw_mail(ALICE, "[blocker] Portal down", mid="<r1@acme.example>"))
    assert handled.outcome == "new_ticket"
    runner = Runner(app, deliver_seconds=1)

    runner.start()
    try:
        # job defaults are applied once the scheduler runs
        scheduler = runner.scheduler
        assert scheduler.timezone == ZoneInfo("Europe/Madrid")
        jobs = {job.id: job for job in scheduler.get_jobs()}
        assert {"deliver", "sla-sweep", "digest"} <= set(jobs)
        assert all(job.coalesce and job.max_instances == 1 for job in jobs.values())
        # the digest fires at 08:00 Madrid time on weekdays: from a Friday, next Monday
        friday = datetime(2026, 3, 6, 9, 0, tzinfo=ZoneInfo("Europe/Madrid"))
        assert jobs["digest"].trigger.get_next_fire_time(None, friday) == \
            datetime(2026, 3, 9, 8, 0, tzinfo=ZoneInfo("Europe/Madrid"))
        wait_for(lambda: len(smtp_sink.messages) >= 2, what="ack and agent notice at the sink")
    finally:
        runner.stop()
    app.close()

    kinds = sorted(m["X-Intakebot-Kind"] for m in sink_mails(smtp_sink))
    assert kinds == ["ack", "agent_new"]
    # a fresh store on the same folder sees the results of the jobs that ran
    with Store.open(data) as store, store.unit_of_work() as uow:
        assert sorted((r.kind, r.status) for r in uow.outbox.all()) == \
            [("ack", "sent"), ("agent_new", "sent")]


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def test_the_bot_process_answers_a_mail_and_exits_0_on_sigterm(tmp_path, smtp_sink):
    data = tmp_path / "data"
    with Store.open(data) as store, store.unit_of_work() as uow:
        uow.accounts.add(Account(name="acme", plan="plus", domains=["acme.example"]))
        uow.contacts.add(Contact(email=ALICE, account="acme", name="Alice Ruiz"))
        uow.commit()
    listener = free_port()
    cfg = tmp_path / "intakebot.toml"
    cfg.write_text(f"""
[support]
address = "{SUPPORT}"
name = "Vendor Support"

[smtp_listener]
enabled = true
port = {listener}

[smtp]
host = "127.0.0.1"
port = {smtp_sink.port}
tls = "none"

[agents]
addresses = ["{ANN}", "{BOB}"]

[managers]
addresses = ["{BOSS}"]
""", encoding="utf-8")
    log = tmp_path / "bot.log"
    with open(log, "wb") as err:
        bot = subprocess.Popen(
            [sys.executable, "-m", "intakebot", "--config", str(cfg), "--data-dir", str(data),
             "run"], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=err)
    try:
        wait_for(lambda: bot.poll() is not None or _listening(listener),
                 what="the SMTP listener")
        assert bot.poll() is None, log.read_text()
        with smtplib.SMTP("127.0.0.1", listener, timeout=10) as client:
            refused = client.sendmail(ALICE, [SUPPORT],
                                      raw_mail(ALICE, "[major] Search is slow",
                                               mid="<p1@acme.example>"))
        assert refused == {}
        wait_for(lambda: any(m.rcpt_tos == [ALICE] for m in smtp_sink.messages),
                 what="the acknowledgement at the sink")
        bot.send_signal(signal.SIGTERM)
        assert bot.wait(30) == 0, log.read_text()
    finally:
        if bot.poll() is None:
            bot.kill()
            bot.wait(10)

    [ack] = [m for m in sink_mails(smtp_sink) if m["X-Intakebot-Kind"] == "ack"]
    assert ack["In-Reply-To"] == "<p1@acme.example>"
    assert "Traceback" not in log.read_text()
    with Store.open(data) as store, store.unit_of_work() as uow:
        [ticket] = uow.tickets.all()
        assert ticket.requester == ALICE
        statuses = {r.kind: r.status for r in uow.outbox.all()}
    assert statuses["ack"] == "sent"
