"""`intakebot run` killed with SIGKILL at random moments while 300 messages trickle into its
IMAP INBOX (pymap, IDLE), restarted each time, then left to finish.

What must hold afterwards: every message has exactly one recorded outcome, the one its kind
calls for; one ticket per new request; INBOX empty and every message in Processed exactly
once; every queued mail (acknowledgements above all) reached the SMTP sink. Delivery is
at-least-once, so a kill between the server's 250 and the commit may send a mail twice: such
duplicates are counted and printed, never missing mail.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from bench.mails import CONTACTS, make_mixed_with_kinds
from store import Store
from tests.e2e.e2e_helpers import (
    EXPECTED,
    Bot,
    delivered,
    imap_section,
    smtp_section,
    trickle,
    write_config,
)
from tests.e2e.e2e_helpers import (
    message_id_of as _message_id,
)
from tests.e2e.e2e_helpers import (
    sha as _sha,
)

MESSAGES = 300
KILLS = 10
SEED = int(os.environ.get("INTAKEBOT_RELIABILITY_SEED", "20260302"))
AGENT = "ana@vendor.example"


@pytest.fixture
def pymap(pymap_server):
    pymap_server.clear()
    return pymap_server


def _configure(tmp_path: Path, pymap, smtp_sink) -> Bot:
    config = write_config(tmp_path / "intakebot.toml", {
        "support": {"address": "support@vendor.example", "log_level": "WARNING"},
        # small batches, so kills land between commits as well as inside them
        "imap": imap_section(pymap, batch_size=10, poll_seconds=2, timeout_seconds=10),
        "smtp": smtp_section(smtp_sink),
        "agents": {"addresses": [AGENT]},
        # 300 mails from a handful of contacts within minutes: no robot, just load
        "intake": {"per_sender_per_hour": 1000},
    })
    bot = Bot(config, tmp_path / "data", tmp_path)
    for account in sorted({acc for _, acc in CONTACTS.values()}):
        bot.ok("account", "add", account, "--plan", "standard")
    for email, (name, account) in CONTACTS.items():
        bot.ok("contact", "add", account, email, "--name", name)
    return bot


def _feed(server, raws: list[bytes], stop: threading.Event) -> None:
    trickle(server, raws, stop, SEED + 1, most=8, pause=(0.1, 0.4))


def _outcomes(data_dir: Path, shas: list[str]) -> dict[str, object]:
    with Store.open(data_dir) as store, store.unit_of_work() as uow:
        return {sha: uow.inbound.by_sha(sha) for sha in shas}


def _settled(data_dir: Path, pymap, shas: list[str]) -> bool:
    if pymap.uids("INBOX"):
        return False
    with Store.open(data_dir) as store, store.unit_of_work() as uow:
        if any(uow.inbound.by_sha(sha) is None for sha in shas):
            return False
        return all(r.status != "pending" for r in uow.outbox.all())


def _wait_running(proc: subprocess.Popen, log: Path, starts: int) -> None:
    """Until the bot's start-up banner has been printed `starts` times in all."""
    deadline = time.monotonic() + 60
    while log.read_text().count("intakebot running") < starts:
        assert proc.poll() is None, f"bot exited:\n{log.read_text()[-3000:]}"
        assert time.monotonic() < deadline, f"bot did not start:\n{log.read_text()[-3000:]}"
        time.sleep(0.05)


def _progress(data_dir: Path, shas: list[str]) -> str:
    with Store.open(data_dir) as store, store.unit_of_work() as uow:
        handled = sum(uow.inbound.by_sha(sha) is not None for sha in shas)
        rows = uow.outbox.all()
    sent = sum(r.status == "sent" for r in rows)
    return f"{handled} messages handled, {sent}/{len(rows)} mails sent"


def _inbound_records(data_dir: Path) -> Counter:
    """How many inbound records the hot file holds per content hash (read as plain JSON)."""
    doc = json.loads((data_dir / "intakebot.json").read_text())
    return Counter(d["sha256"] for d in doc["inbound"].values())


def test_kill_9_during_intake_loses_nothing_and_opens_each_ticket_once(
        tmp_path: Path, pymap, smtp_sink):
    kinds_raws = make_mixed_with_kinds(MESSAGES, seed=SEED)
    raws = [raw for _, raw in kinds_raws]
    shas = [_sha(raw) for raw in raws]
    assert len(set(shas)) == MESSAGES
    bot = _configure(tmp_path, pymap, smtp_sink)
    data_dir = bot.data_dir
    log = tmp_path / "run.log"
    rnd = random.Random(SEED)

    stop_feed = threading.Event()
    feeder = threading.Thread(target=_feed, args=(pymap, raws, stop_feed), daemon=True)
    feeder.start()
    kills = 0
    proc: subprocess.Popen | None = None
    try:
        while kills < KILLS:
            proc = bot.start("run", log=log)
            # start-up takes about a second; the kill comes at a random moment after it, while
            # the bot fetches, commits, moves and delivers
            _wait_running(proc, log, kills + 1)
            time.sleep(rnd.uniform(0.2, 3.0))
            assert proc.poll() is None, f"bot exited early:\n{log.read_text()[-3000:]}"
            proc.send_signal(signal.SIGKILL)
            proc.wait(30)
            kills += 1
            print(f"kill {kills}: {_progress(data_dir, shas)}, "
                  f"{len(smtp_sink.messages)} at the sink")
        feeder.join(120)
        assert not feeder.is_alive()

        proc = bot.start("run", log=log)
        _wait_running(proc, log, KILLS + 1)  # SIGTERM is handled once it is up
        deadline = time.monotonic() + 120
        while not _settled(data_dir, pymap, shas):
            assert time.monotonic() < deadline, f"not settled:\n{log.read_text()[-3000:]}"
            assert proc.poll() is None, f"bot exited:\n{log.read_text()[-3000:]}"
            time.sleep(0.5)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(60) == 0, log.read_text()[-3000:]
    finally:
        stop_feed.set()
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait(30)
    assert "Traceback" not in log.read_text(), log.read_text()[-5000:]

    # every message: exactly one recorded outcome, the one its kind calls for
    records = _inbound_records(data_dir)
    assert {sha: n for sha, n in records.items() if n != 1} == {}
    outcomes = _outcomes(data_dir, shas)
    wrong = [(kind, outcomes[sha] and outcomes[sha].outcome)
             for (kind, _), sha in zip(kinds_raws, shas, strict=True)
             if outcomes[sha] is None or outcomes[sha].outcome != EXPECTED[kind]]
    assert wrong == []

    # one ticket per distinct new-request Message-ID, opened by that request
    requests = [(sha, _message_id(raw)) for (kind, raw), sha in zip(kinds_raws, shas, strict=True)
                if kind == "new_request"]
    with Store.open(data_dir) as store, store.unit_of_work() as uow:
        tickets = uow.tickets.all(include_archived=True)
        rows = uow.outbox.all()
        by_request = {mid: uow.tickets.by_message_id(mid) for _, mid in requests}
        opened_by = [uow.inbound.by_sha(sha).ticket for sha, _ in requests]
    assert len({mid for _, mid in requests}) == len(requests)
    assert len(tickets) == len(requests)
    assert None not in by_request.values()
    assert sorted(t.number for t in by_request.values()) == sorted(t.number for t in tickets)
    assert opened_by == [by_request[mid].number for _, mid in requests]

    # the mailbox: nothing left in INBOX, each message moved exactly once
    assert pymap.uids("INBOX") == []
    moved = Counter(_sha(raw) for raw in pymap.fetch_all("Processed"))
    assert moved == Counter(shas)

    # every queued mail reached the sink; duplicates (at-least-once) are counted and shown
    at_sink = Counter(d.message_id for d in delivered(smtp_sink))
    acks = [r for r in rows if r.kind == "ack"]
    assert Counter(r.ticket for r in acks) == Counter(t.number for t in tickets)
    assert {r.status for r in rows} == {"sent"}
    missing = [(r.kind, r.ticket, r.message_id) for r in rows if at_sink[r.message_id] == 0]
    doubled = {r.message_id: (r.kind, at_sink[r.message_id]) for r in rows
               if at_sink[r.message_id] > 1}
    strays = set(at_sink) - {r.message_id for r in rows}
    ack_dups = sum(n - 1 for mid, (kind, n) in doubled.items() if kind == "ack")
    print(f"\nreliability (seed {SEED}): {MESSAGES} messages, {KILLS} SIGKILLs, "
          f"{len(tickets)} tickets, {len(rows)} mails queued, {len(smtp_sink.messages)} "
          f"received by the sink; acknowledgements duplicated: {ack_dups} of {len(acks)}; "
          f"all duplicated mails: {sum(n - 1 for _, n in doubled.values())}")
    for mid, (kind, n) in sorted(doubled.items()):
        print(f"  {kind} {mid} received {n} times")
    assert missing == []
    assert strays == set()
