"""The data folder backend on real files: reloads after another process, corruption, the
archive's file layout, compaction into per-year files, writers in two processes. What
both backends must do is in test_store_contract.py."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from tinydb import TinyDB

from store import (
    InboundOutcome,
    OutboxRow,
    Store,
    StoreCorrupt,
)
from tests.store_helpers import ACK, T0, count_and_open, ticket

CHILD = Path(__file__).with_name("store_crash_child.py")
@pytest.fixture
def store(tmp_path: Path):
    s = Store.open(tmp_path / "data")
    yield s
    s.close()


def reopen(s: Store) -> Store:
    s.close()
    return Store.open(s.data_dir)


def test_numbers_start_at_1000_and_are_never_reused(store: Store) -> None:
    with store.unit_of_work() as uow:
        numbers = [uow.tickets.add(ticket()).number for _ in range(3)]
        uow.commit()
    assert numbers == [1000, 1001, 1002]
    with store.unit_of_work() as uow:
        assert uow.tickets.get(1001).ref == "#1001"
    store = reopen(store)
    with store.unit_of_work() as uow:
        assert uow.tickets.add(ticket()).number == 1003
        uow.commit()
    store.close()


def test_a_commit_by_another_process_is_seen_and_kept(tmp_path: Path, store: Store) -> None:
    with store.unit_of_work() as uow:
        uow.tickets.add(ticket(subject="mine"))
        uow.commit()
    subprocess.run([sys.executable, str(CHILD), "counter", str(store.data_dir),
                    str(tmp_path / "log"), "1", "other"], check=True)
    with store.unit_of_work() as uow:
        assert [t.subject for t in uow.tickets.all()] == ["mine", "other-0"]
        assert uow.tickets.add(ticket(subject="mine again")).number == 1002
        uow.commit()
    store = reopen(store)
    with store.unit_of_work() as uow:
        assert [t.subject for t in uow.tickets.all()] == ["mine", "other-0", "mine again"]
    store.close()


def test_invalid_json_is_refused_naming_the_file_and_the_backup(store: Store) -> None:
    for subject in ("one", "two"):
        with store.unit_of_work() as uow:
            uow.tickets.add(ticket(subject=subject))
            uow.commit()
    store.close()
    hot = store.data_dir / "intakebot.json"
    broken = hot.read_bytes()[:-40]  # as if a bad editor or disk cut it short
    hot.write_bytes(broken)
    with pytest.raises(StoreCorrupt) as err:
        Store.open(store.data_dir)
    assert str(hot) in str(err.value)
    assert str(hot) + ".bak" in str(err.value)
    assert hot.read_bytes() == broken  # never silently replaced
    # the backup is the previous good version: it holds the first ticket only
    backup = TinyDB(str(hot) + ".bak", access_mode="r")
    assert [d["subject"] for d in backup.table("tickets").all()] == ["one"]
    backup.close()


@pytest.mark.parametrize("content", [b"", b"[1, 2]", b'{"tickets": {"1000": {"number": 1000}}}'])
def test_an_empty_or_foreign_document_is_refused(tmp_path: Path, content: bytes) -> None:
    hot = tmp_path / "intakebot.json"
    hot.write_bytes(content)
    with pytest.raises(StoreCorrupt, match="intakebot.json is not valid"):
        Store.open(tmp_path)
    assert hot.read_bytes() == content


def test_a_missing_file_with_a_backup_beside_it_is_refused(store: Store) -> None:
    for _ in range(2):
        with store.unit_of_work() as uow:
            uow.tickets.add(ticket())
            uow.commit()
    store.close()
    (store.data_dir / "intakebot.json").unlink()
    with pytest.raises(StoreCorrupt, match="missing"):
        Store.open(store.data_dir)


def test_raw_archive_is_content_addressed_and_idempotent(store: Store) -> None:
    raw = b"From: ana@acme.test\r\nSubject: down\r\n\r\nHelp\r\n"
    sha = hashlib.sha256(raw).hexdigest()
    assert store.archive.put(raw) == sha
    assert store.archive.put(raw) == sha
    path = store.data_dir / "archive" / sha[:2] / f"{sha[2:]}.eml"
    assert path.read_bytes() == raw
    assert store.archive.get(sha) == raw
    assert list(path.parent.iterdir()) == [path]  # no temp files left behind
    with pytest.raises(KeyError):
        store.archive.get("0" * 64)
    with pytest.raises(ValueError):
        store.archive.get("../../intakebot")


def test_a_torn_archive_file_from_a_crash_is_replaced_on_the_next_put(store: Store) -> None:
    raw = b"From: ana@acme.test\r\nSubject: down\r\n\r\n" + b"x" * 5000
    sha = hashlib.sha256(raw).hexdigest()
    path = store.data_dir / "archive" / sha[:2] / f"{sha[2:]}.eml"
    path.parent.mkdir(parents=True)
    path.write_bytes(raw[:1000])  # what a kill -9 in mid-write can leave

    assert store.archive.put(raw) == sha

    assert store.archive.get(sha) == raw
    assert list(path.parent.iterdir()) == [path]


def test_archive_writes_in_a_deferred_sync_are_complete_after_it(store: Store) -> None:
    raws = [f"Subject: {i}\r\n\r\nbody {i}\r\n".encode() for i in range(50)]
    with store.deferred_sync():
        shas = [store.archive.put(r) for r in raws]
    assert [store.archive.get(s) for s in shas] == raws


def test_compaction_moves_old_closed_tickets_out_yet_they_stay_findable(store: Store) -> None:
    now = datetime(2025, 9, 1, 12, 0, tzinfo=UTC)
    old_close, recent_close = now - timedelta(days=31), now - timedelta(days=29)
    with store.unit_of_work() as uow:
        old = uow.tickets.add(ticket(subject="old", status="closed", closed_at=old_close,
                                     created_at=datetime(2024, 12, 30, tzinfo=UTC),
                                     message_ids=["<old@acme.test>"]))
        uow.events.append(old.number, "received", T0, uid=1)
        uow.events.append(old.number, "resolved", T0)
        recent = uow.tickets.add(ticket(subject="recent", status="closed",
                                        closed_at=recent_close))
        still_open = uow.tickets.add(ticket(subject="open"))
        uow.outbox.enqueue(OutboxRow(id="sent-long-ago", payload=ACK, to=["a@x"],
                                     message_id="<s@x>", next_attempt_at=T0, created_at=T0))
        uow.outbox.mark_sent("sent-long-ago", T0)
        for sha, age in (("a" * 64, 91), ("b" * 64, 89)):  # dedupe is kept 90 days
            at = now - timedelta(days=age)
            uow.inbound.record(InboundOutcome(sha256=sha, message_id=f"<{age}@x>",
                                              outcome="new_ticket", received_at=at,
                                              recorded_at=at, source="smtp"))
        uow.commit()
    done = store.compact(now)
    assert (done.tickets, done.events, done.outbox, done.inbound) == (1, 2, 1, 1)
    hot = (store.data_dir / "intakebot.json").read_text()
    assert '"old"' not in hot and '"recent"' in hot
    year = TinyDB(store.data_dir / "tickets-2024.json", access_mode="r")
    assert [d["subject"] for d in year.table("tickets").all()] == ["old"]
    year.close()
    store = reopen(store)
    with store.unit_of_work() as uow:
        assert uow.tickets.get(old.number).subject == "old"
        assert [e.kind for e in uow.events.for_ticket(old.number)] == ["received", "resolved"]
        assert uow.tickets.by_message_id("old@acme.test").number == old.number
        assert [t.number for t in uow.tickets.all()] == [recent.number, still_open.number]
        assert len(uow.tickets.all(include_archived=True)) == 3
        # the quota still counts archived tickets of the contract year
        year_2025 = (datetime(2025, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC))
        year_2024 = (datetime(2024, 1, 1, tzinfo=UTC), datetime(2025, 1, 1, tzinfo=UTC))
        assert uow.tickets.count_opened("acme", *year_2025) == 2
        assert uow.tickets.count_opened("Acme", *year_2024) == 1
        assert uow.outbox.get("sent-long-ago") is None
        assert uow.inbound.by_sha("a" * 64) is None
        [kept] = uow.inbound.by_message_id("<89@x>")
        assert kept.sha256 == "b" * 64
        # numbers continue past archived ones
        assert uow.tickets.add(ticket()).number == still_open.number + 1
        # a customer writes again: the old ticket reopens and its log goes on
        back = uow.tickets.get(old.number)
        back.status = "open"
        uow.tickets.update(back)
        assert uow.events.append(old.number, "reopened", now).seq == 3
        assert uow.tickets.count_opened("acme", *year_2024) == 1  # counted once
        uow.commit()
    with store.unit_of_work() as uow:
        assert [t.number for t in uow.tickets.open()][0] == old.number
        assert [e.seq for e in uow.events.for_ticket(old.number)] == [1, 2, 3]
    store.close()


def test_concurrent_writers_in_two_processes_and_threads_lose_nothing(tmp_path: Path) -> None:
    data_dir, log = tmp_path / "data", tmp_path / "log"
    per_writer = 150
    child = subprocess.Popen([sys.executable, str(CHILD), "counter", str(data_dir), str(log),
                              str(per_writer), "child"])
    store = Store.open(data_dir)

    threads = [threading.Thread(target=count_and_open, args=(store, f"t{n}", per_writer))
               for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert child.wait(timeout=120) == 0
    store = reopen(store)
    with store.unit_of_work() as uow:
        tickets = uow.tickets.all()
        assert uow.cursors.get("shared").last_uid == 3 * per_writer  # no lost update
        assert sorted(t.subject for t in tickets) == sorted(
            f"{tag}-{i}" for tag in ("t0", "t1", "child") for i in range(per_writer))
        assert [t.number for t in tickets] == list(range(1000, 1000 + 3 * per_writer))
    store.close()


