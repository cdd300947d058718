"""The poller SIGKILLed mid-batch and restarted until INBOX is empty: every message ends with
exactly one recorded outcome, no ticket or acknowledgement is doubled, and every message sits
in Processed or Quarantine exactly once (pymap)."""

from __future__ import annotations

import hashlib
import json
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from zoneinfo import ZoneInfo

from store import Store
from tests import mailfactory as mf
from tests.mailfactory import ALICE, ANA, BOB, CAROL

CHILD = Path(__file__).with_name("intake_child.py")
MADRID = ZoneInfo("Europe/Madrid")
BATCH = 5
KILLS = 8


def _sha(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def _mix() -> tuple[list[tuple[bytes, str]], list[str]]:
    """~100 mails in arrival order with the outcome each must get; and the request ids."""
    rng = random.Random(20260303)
    contacts = [ALICE, BOB, CAROL]
    requests: list[tuple[str, str, bytes]] = []
    mails: list[tuple[bytes, str]] = []
    for i in range(40):
        sender = contacts[i % 3]
        mid = mf.new_message_id(sender.rpartition("@")[2])
        raw = mf.mail(sender, f"[major] Request {i}", f"Problem number {i}.\n", message_id=mid)
        requests.append((sender, mid, raw))
        mails.append((raw, "new_ticket"))
        if i % 4 == 3:  # interleave the rest with the requests they refer to
            for sender, mid, _ in rng.sample(requests, 2):
                mails.append((mf.reply(sender, "Request", "More details here.",
                                       parent_id=mid), "customer_reply"))
            _, mid, old = rng.choice(requests)
            resent = old.replace(b"Date: ", b"X-Resent: yes\r\nDate: ", 1)
            mails.append((resent, "duplicate"))
            mails.append((mf.mail(f"stranger{i}@elsewhere.example", "Help", "Hi.\n"),
                          "refused_unauthorised"))
            mails.append((mf.out_of_office(rng.choice(contacts)), "auto_reply"))
    for i in rng.sample(range(len(requests)), 5):
        _, mid, raw = requests[i]
        mails.append((raw, "new_ticket"))  # the very same bytes delivered twice
        # requests are the only mail that opens tickets: request i is ticket 1000 + i
        mails.append((mf.reply(ANA, f"[#{1000 + i}] Request {i}", "Please retry now.",
                               parent_id=mid), "agent_reply"))
    mails += [(mf.own_mail(ticket=1000 + k), "own_mail") for k in range(3)]
    mails += [(b"\r\n\r\n", "quarantine"), (b"\r\n \r\n", "quarantine")]
    return mails, [mid for _, mid, _ in requests]


def _run_child(server, data_dir: Path, tmp: Path, *extra: str) -> subprocess.Popen:
    with open(tmp / "child.log", "ab") as err:
        return subprocess.Popen(
            [sys.executable, str(CHILD), str(data_dir), server.host, str(server.port),
             server.username, server.password, str(BATCH), str(tmp / "progress"), *extra],
            stdout=subprocess.DEVNULL, stderr=err)


def _commits(tmp: Path) -> int:
    path = tmp / "progress"
    return path.read_text().count("\n") if path.exists() else 0


def _kill_inside_a_batch(child: subprocess.Popen, tmp: Path, rng: random.Random) -> bool:
    """Let 1-3 batches commit, then SIGKILL within the next few milliseconds."""
    goal = _commits(tmp) + rng.randint(1, 3)
    deadline = time.monotonic() + 30
    while _commits(tmp) < goal and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.002)
    time.sleep(rng.uniform(0, 0.03))
    if child.poll() is not None:
        return False
    child.send_signal(signal.SIGKILL)
    child.wait(10)
    return True


def test_poller_killed_mid_batch_and_restarted_loses_and_doubles_nothing(pymap_server, tmp_path):
    server = pymap_server
    server.clear()
    mails, request_ids = _mix()
    data_dir = tmp_path / "data"
    with Store.open(data_dir) as store:
        mf.seed(store)
    server.append_many([raw for raw, _ in mails])

    rng = random.Random(7)
    kills = runs = 0
    child = None
    try:
        while server.uids("INBOX") or runs == 0:
            runs += 1
            assert runs <= 2 * KILLS + 3, "INBOX never emptied"
            if kills >= KILLS:
                child = _run_child(server, data_dir, tmp_path)
                child.wait(120)
                assert child.returncode == 0, (tmp_path / "child.log").read_text()[-2000:]
            elif runs % 2:
                # at a random moment: inside a fetch, a commit, a move
                child = _run_child(server, data_dir, tmp_path)
                kills += _kill_inside_a_batch(child, tmp_path, rng)
            else:
                # right after a commit, before the batch is moved out of INBOX
                child = _run_child(server, data_dir, tmp_path, str(rng.randint(1, 3)))
                child.wait(60)
                kills += child.returncode == -signal.SIGKILL
    finally:
        if child is not None and child.poll() is None:  # a failed check: no orphan poller
            child.kill()
            child.wait(10)
    assert kills == KILLS, "INBOX emptied before every planned kill"

    # one recorded outcome per distinct message, and the one a clean run gives it
    hot = json.loads((data_dir / "intakebot.json").read_text())
    recorded = Counter(doc["sha256"] for doc in hot["inbound"].values())
    assert set(recorded.values()) == {1}
    expected = {_sha(raw): outcome for raw, outcome in mails}
    assert set(recorded) == set(expected)
    with Store.open(data_dir) as store, store.unit_of_work() as uow:
        got = {s: uow.inbound.by_sha(s).outcome for s in expected}
        assert got == expected
        tickets = uow.tickets.all()
        # exactly one ticket per distinct request, one acknowledgement each
        assert sorted(t.number for t in tickets) == list(range(1000, 1000 + len(request_ids)))
        for mid in request_ids:
            assert sum(mid in t.message_ids for t in tickets) == 1
        acks = Counter(r.ticket for r in uow.outbox.all() if r.kind == "ack")
        assert acks == Counter(range(1000, 1040))
        comments = sum(1 for t in tickets for e in uow.events.for_ticket(t.number)
                       if e.kind == "customer_reply")
        assert comments == sum(1 for _, o in mails if o == "customer_reply")
    # every message left INBOX once, into the folder its outcome calls for
    processed = Counter(server.fetch_all("Processed"))
    quarantined = Counter(server.fetch_all("Quarantine"))
    assert quarantined == Counter(raw for raw, o in mails if o == "quarantine")
    assert processed == Counter(raw for raw, o in mails if o != "quarantine")
    assert server.uids("INBOX") == []
