"""kill -9 at random moments never loses a committed unit of work nor keeps half of one."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tinydb import TinyDB

from store import Store

CHILD = Path(__file__).with_name("store_crash_child.py")
KILLS = 60


def _committed(log: Path) -> set[int]:
    # a line cut by the kill is not a promise: only complete lines count
    text = log.read_text() if log.exists() else ""
    return {int(line) for line in text.split("\n")[:-1]}


def _check(data_dir: Path, committed: set[int]) -> int:
    """Open the store and return the highest unit in it, asserting every unit is whole."""
    store = Store.open(data_dir)
    try:
        with store.unit_of_work() as uow:
            cursor = uow.cursors.get("INBOX")
            last = 0 if cursor is None else cursor.last_uid
            tickets = {int(t.subject.removeprefix("unit ")): t for t in uow.tickets.all()}
            rows = {r.id for r in uow.outbox.all()}
            # units are numbered 1.. and the store keeps a prefix of them
            assert set(tickets) == set(range(1, last + 1))
            assert rows == {f"unit-{i}" for i in range(1, last + 1)}
            for i, ticket in tickets.items():
                assert ticket.number == 999 + i  # numbers never skip or repeat
                assert [(e.kind, e.data) for e in uow.events.for_ticket(ticket.number)] == [
                    ("received", {"unit": i})]
                assert uow.tickets.by_message_id(f"<unit-{i}@acme.test>").number == ticket.number
    finally:
        store.close()
    # every promised unit is there; at most one more (committed, not yet logged)
    assert committed <= set(range(1, last + 1))
    assert last <= max(committed, default=0) + 1
    return last


@pytest.mark.slow
def test_sigkill_at_random_moments_keeps_whole_units(tmp_path: Path) -> None:
    data_dir, log = tmp_path / "data", tmp_path / "committed.log"
    rng = random.Random(20250303)
    progress = []
    for _ in range(KILLS):
        child = subprocess.Popen([sys.executable, str(CHILD), "units", str(data_dir), str(log)])
        time.sleep(rng.uniform(0.05, 0.5))
        child.send_signal(signal.SIGKILL)
        child.wait()
        progress.append(_check(data_dir, _committed(log)))
    assert progress[-1] > 100, "the child should have committed many units across the runs"
    # the file on disk is plain TinyDB: the library itself can read it back
    db = TinyDB(data_dir / "intakebot.json")
    assert len(db.table("tickets")) == progress[-1]
    db.close()
