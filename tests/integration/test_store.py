"""The store on real files: records, units of work, reloads, corruption, archives, locking."""

from __future__ import annotations

import dataclasses
import hashlib
import subprocess
import sys
import threading
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from tinydb import TinyDB

from rules.notices import Ack, CustomerReply
from rules.plans import Severity
from store import (
    Account,
    Contact,
    Cursor,
    InboundOutcome,
    OutboxRow,
    Store,
    StoreCorrupt,
    Ticket,
)

CHILD = Path(__file__).with_name("store_crash_child.py")
MADRID_SUMMER = timezone(timedelta(hours=2))
T0 = datetime(2025, 6, 2, 10, 30, tzinfo=MADRID_SUMMER)


ACK = Ack(quota_used=1, quota_included=50, quota_extra=0, quota_remaining=49)


def ticket(**changes: object) -> Ticket:
    fields: dict[str, object] = dict(
        account="Acme", requester="ana@acme.test", subject="Login page down",
        severity=Severity.BLOCKER, created_at=T0, contract_year=date(2025, 1, 1))
    fields.update(changes)
    return Ticket(**fields)


def link(uow, number: int, mid: str) -> Ticket:
    """Put a Message-ID on a ticket's thread, as the outbox writer does."""
    t = uow.tickets.get(number)
    return uow.tickets.update(dataclasses.replace(t, message_ids=[*t.message_ids, mid]))


@pytest.fixture
def store(tmp_path: Path):
    s = Store.open(tmp_path / "data")
    yield s
    s.close()


def reopen(s: Store) -> Store:
    s.close()
    return Store.open(s.data_dir)


def test_every_record_type_survives_a_reopen_unchanged(store: Store) -> None:
    account = Account(name="Acme", plan="plus", domains=["acme.test"],
                      contract_start=date(2024, 4, 1), extra_tickets={"2025-04-01": 10},
                      overage_policy="accept", timezone="America/New_York", created_at=T0)
    contact = Contact(email="Ana@Acme.TEST", name="Ana", account="Acme", added_at=T0)
    full = ticket(cc=["bo@acme.test"], severity_reason="tag [blocker]", status="pending-customer",
                  first_response_at=T0 + timedelta(hours=1),
                  resolved_at=None, closed_at=None, response_due=T0 + timedelta(hours=6),
                  resolution_due=T0 + timedelta(days=2), overage=True, assignee="eva",
                  paused=[(T0 + timedelta(hours=2), T0 + timedelta(hours=3)),
                          (T0 + timedelta(hours=4), None)],
                  message_ids=["<a@acme.test>", "<b@support.test>"],
                  customer_thread=["<a@acme.test>", "<b@support.test>"],
                  notice_message_id="<n@support.test>", opened_by="eva@vendor.test",
                  updated_at=T0 + timedelta(hours=4))
    row = OutboxRow(id="r1", payload=Ack(quota_used=3, quota_included=50, quota_extra=2,
                                         quota_remaining=49, overage=False),
                    to=["ana@acme.test"], cc=["bo@acme.test"], ticket=1000,
                    message_id="<b@support.test>", in_reply_to="<a@acme.test>",
                    references=["<a@acme.test>"], dropped=[("jörg@acme.test", "unwritable")],
                    next_attempt_at=T0, created_at=T0)
    reply = OutboxRow(id="r2", payload=CustomerReply(text="ok", sender="ana@acme.test",
                                                     received_at=T0, attachments=("a/b.txt",)),
                      to=["eva@vendor.test"], ticket=1000, message_id="<c@support.test>",
                      next_attempt_at=T0, created_at=T0)
    cursor = Cursor(folder="INBOX", uidvalidity=1717, last_uid=42)
    outcome = InboundOutcome(sha256="ab" * 32, message_id="<a@acme.test>", outcome="new_ticket",
                             ticket=1000, received_at=T0, recorded_at=T0,
                             sender="Ana@Acme.test", reason="", source="imap:INBOX:42")
    with store.unit_of_work() as uow:
        uow.accounts.add(account)
        uow.contacts.add(contact)
        added = uow.tickets.add(full)
        event = uow.events.append(added.number, "received", T0, raw="ab" * 32, uid=42)
        uow.outbox.enqueue(row)
        uow.outbox.enqueue(reply)
        uow.cursors.set(cursor)
        uow.inbound.record(outcome)
        uow.sent_alerts.add("#1000:response:at_risk", T0)
        uow.commit()
    store = reopen(store)
    with store.unit_of_work() as uow:
        assert uow.accounts.get("acme") == account
        assert uow.contacts.get("ana@acme.test") == Contact(
            email="ana@acme.test", name="Ana", account="Acme", added_at=T0)
        got = uow.tickets.get(1000)
        assert got == Ticket(**{**full.__dict__, "number": 1000})
        assert got.created_at.utcoffset() == timedelta(hours=2)  # the offset is kept
        assert uow.events.for_ticket(1000) == [event]
        assert uow.outbox.get("r1") == row
        assert uow.outbox.get("r2") == reply  # times and tuples in payloads come back typed
        assert uow.cursors.get("INBOX") == cursor
        assert uow.inbound.by_sha("ab" * 32) == outcome
        [again] = uow.inbound.by_message_id("a@acme.test")
        assert again.sender == "ana@acme.test"
        assert uow.sent_alerts.seen("#1000:response:at_risk")
        assert not uow.sent_alerts.seen("#1000:response:breached")
    store.close()


def test_naive_datetimes_are_refused(store: Store) -> None:
    with store.unit_of_work() as uow, pytest.raises(ValueError, match="naive"):
        uow.tickets.add(ticket(created_at=datetime(2025, 6, 2, 10, 30)))


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


def test_leaving_without_commit_or_by_an_error_discards_the_unit(store: Store) -> None:
    with store.unit_of_work() as uow:
        uow.tickets.add(ticket())
        uow.cursors.set(Cursor(folder="INBOX", uidvalidity=1, last_uid=5))
    with pytest.raises(RuntimeError), store.unit_of_work() as uow:
        uow.tickets.add(ticket())
        raise RuntimeError("handler failed")
    with store.unit_of_work() as uow:
        assert uow.tickets.all() == []
        assert uow.cursors.get("INBOX") is None
        assert uow.tickets.add(ticket()).number == 1000  # nothing was committed
        uow.commit()
        uow.tickets.add(ticket())  # after a commit, later changes still need their own
    store = reopen(store)
    with store.unit_of_work() as uow:
        assert [t.number for t in uow.tickets.all()] == [1000]
    store.close()


def test_a_failed_savepoint_undoes_only_its_own_changes(store: Store) -> None:
    with store.unit_of_work() as uow:
        with uow.savepoint():
            first = uow.tickets.add(ticket(subject="first", message_ids=["<m1@x>"]))
            uow.events.append(first.number, "received", T0)
        with pytest.raises(ValueError), uow.savepoint():
            second = uow.tickets.add(ticket(subject="second", message_ids=["<m2@x>"]))
            uow.events.append(second.number, "received", T0)
            link(uow, first.number, "<m3@x>")
            uow.cursors.set(Cursor(folder="INBOX", uidvalidity=1, last_uid=2))
            raise ValueError("bad mail")
        third = uow.tickets.add(ticket(subject="third"))
        uow.commit()
    store = reopen(store)
    with store.unit_of_work() as uow:
        assert [(t.number, t.subject) for t in uow.tickets.all()] == [
            (1000, "first"), (1001, "third")]
        assert third.number == 1001
        assert uow.tickets.by_message_id("<m2@x>") is None
        assert uow.tickets.by_message_id("<m3@x>") is None
        assert uow.tickets.by_message_id("<m1@x>").number == 1000
        assert uow.events.for_ticket(1001) == []
        assert uow.cursors.get("INBOX") is None
    store.close()


def test_a_nested_unit_in_one_thread_is_refused(store: Store) -> None:
    with store.unit_of_work(), pytest.raises(RuntimeError, match="already"):
        with store.unit_of_work():
            pass


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


def test_attachments_live_in_files_with_safe_names(store: Store) -> None:
    evil = store.files.put_attachment(1000, "../../etc/pass\x00wd.txt", b"one")
    assert evil == "attachments/1000/pass wd.txt"
    assert store.files.read(evil) == b"one"
    with pytest.raises(ValueError):
        store.files.read("attachments/../../outside.txt")
    # same name, same bytes: the same file; same name, other bytes: a new name
    assert store.files.put_attachment(1000, "pass\r\nwd.txt", b"one") == evil
    assert store.files.put_attachment(1000, "pass wd.txt", b"two") == \
        "attachments/1000/pass wd-2.txt"
    assert store.files.put_attachment(1000, 'a<b>:"c".txt', b"3") == \
        "attachments/1000/a_b___c_.txt"
    long = store.files.put_attachment("ab" * 32, "x" * 300 + ".pdf", b"%PDF")
    name = long.rsplit("/", 1)[1]
    assert name.endswith(".pdf") and len(name) == 100
    # a numbered name stays within the limits, so the path handed back can be read
    again = store.files.put_attachment("ab" * 32, "x" * 300 + ".pdf", b"%PDF-2")
    assert again.endswith("x-2.pdf") and len(again.rsplit("/", 1)[1]) == 100
    assert store.files.read(again) == b"%PDF-2"
    assert store.files.put_attachment(1000, "..", b"z") == "attachments/1000/attachment"


def test_repositories_answer_what_the_handlers_ask(store: Store) -> None:
    with store.unit_of_work() as uow:
        uow.contacts.add(Contact(email="ana@acme.test", account="Acme"))
        uow.contacts.add(Contact(email="bo@acme.test", account="Acme"))
        with pytest.raises(ValueError, match="already"):
            uow.contacts.add(Contact(email="ANA@acme.test", account="Other"))
        assert [c.email for c in uow.contacts.for_account("acme")] == [
            "ana@acme.test", "bo@acme.test"]
        assert uow.contacts.remove("BO@acme.test").email == "bo@acme.test"
        assert uow.contacts.get("bo@acme.test") is None
        for status in ("open", "pending-customer", "resolved", "closed"):
            uow.tickets.add(ticket(status=status))
        assert [t.status for t in uow.tickets.open()] == ["open", "pending-customer", "resolved"]
        due = [OutboxRow(id=f"r{i}", payload=ACK, to=["a@x"], message_id=f"<r{i}@s>",
                         next_attempt_at=T0 + timedelta(minutes=m), created_at=T0)
               for i, m in ((1, 5), (2, -5), (3, 60))]
        for row in due:
            uow.outbox.enqueue(row)
        assert [r.id for r in uow.outbox.due(T0)] == ["r2"]
        assert [r.id for r in uow.outbox.due(T0 + timedelta(minutes=10))] == ["r2", "r1"]
        uow.outbox.mark_sent("r2", T0)
        uow.outbox.mark_retry("r1", T0, "451 try later", T0 + timedelta(hours=2))
        uow.outbox.mark_failed("r3", T0, "550 no such user")
        assert uow.outbox.due(T0 + timedelta(hours=1)) == []
        r1 = uow.outbox.get("r1")
        assert (r1.status, r1.attempts, r1.last_error) == ("pending", 1, "451 try later")
        assert uow.outbox.get("r3").status == "failed"
        for n, outcome in enumerate(["refused_unauthorised", "new_ticket", "refused_quota"]):
            uow.inbound.record(InboundOutcome(
                sha256=f"{n:064x}", message_id=None, outcome=outcome,
                received_at=T0 + timedelta(hours=n), recorded_at=T0 + timedelta(hours=n),
                sender="Mallory@evil.test", source="smtp", answered=True))
        assert uow.inbound.refusals_since("mallory@evil.test", T0) == 2
        assert uow.inbound.refusals_since("mallory@evil.test", T0 + timedelta(minutes=1)) == 1
        uow.commit()


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

    def write(tag: str) -> None:
        for i in range(per_writer):
            with store.unit_of_work() as uow:
                cursor = uow.cursors.get("shared") or Cursor(
                    folder="shared", uidvalidity=1, last_uid=0)
                cursor.last_uid += 1
                uow.cursors.set(cursor)
                uow.tickets.add(ticket(subject=f"{tag}-{i}"))
                uow.commit()

    threads = [threading.Thread(target=write, args=(f"t{n}",)) for n in range(2)]
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


def test_an_update_from_a_stale_copy_never_unlinks_a_message_id(store: Store) -> None:
    with store.unit_of_work() as uow:
        ticket = uow.tickets.add(Ticket(
            account="acme", requester="ana@acme.test", subject="Down", severity=Severity.MAJOR,
            created_at=T0, contract_year=date(2026, 1, 1), message_ids=["<a@acme.test>"]))
        stale = uow.tickets.get(ticket.number)
        link(uow, ticket.number, "<ack@vendor.test>")
        uow.tickets.update(dataclasses.replace(stale, status="pending-customer"))
        after = uow.tickets.get(ticket.number)
        assert after.status == "pending-customer"
        assert after.message_ids == ["<a@acme.test>", "<ack@vendor.test>"]
        assert uow.tickets.by_message_id("<ack@vendor.test>").number == ticket.number
