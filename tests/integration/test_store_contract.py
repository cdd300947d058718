"""The store's contract, run against both backends: the TinyDB data folder and PostgreSQL
(a private cluster the session starts). Every repository verb, units of work,
savepoints, rollbacks, commit atomicity, numbering, raw mail, files and the
locks several instances rely on. Nothing above store/ knows which backend runs,
so whatever this file asserts holds on both."""

from __future__ import annotations

import dataclasses
import hashlib
import threading
from datetime import UTC, date, datetime, timedelta

import pytest

from rules.notices import Ack, CustomerReply
from store import Account, Contact, Cursor, InboundOutcome, OutboxRow, Ticket
from store.access import Session, SignIn
from tests.store_helpers import ACK, T0, count_and_open, link, ticket


def row(n: int, minutes: int = 0, **changes: object) -> OutboxRow:
    fields: dict[str, object] = dict(
        id=f"r{n}", payload=ACK, to=["a@acme.test"], message_id=f"<r{n}@support.test>",
        next_attempt_at=T0 + timedelta(minutes=minutes), created_at=T0 + timedelta(seconds=n))
    fields.update(changes)
    return OutboxRow(**fields)


def outcome(n: int, kind: str = "new_ticket", hours: int = 0, **changes: object):
    fields: dict[str, object] = dict(
        sha256=f"{n:064x}", message_id=f"<m{n}@acme.test>", outcome=kind,
        received_at=T0 + timedelta(hours=hours), recorded_at=T0 + timedelta(hours=hours),
        sender="Ana@Acme.test", source="smtp")
    fields.update(changes)
    return InboundOutcome(**fields)


@pytest.fixture
def store(backend):
    s = backend.open()
    yield s
    s.close()


def test_every_record_type_survives_a_reopen_unchanged(backend, store) -> None:
    account = Account(name="Acme", plan="plus", domains=["acme.test"],
                      contract_start=date(2024, 4, 1), extra_tickets={"2025-04-01": 10},
                      overage_policy="accept", timezone="America/New_York", created_at=T0)
    contact = Contact(email="Ana@Acme.TEST", name="Ana", account="Acme", added_at=T0,
                      language="es", timezone="Europe/Madrid")
    full = ticket(cc=["bo@acme.test"], severity_reason="tag [blocker]", status="pending-customer",
                  first_response_at=T0 + timedelta(hours=1),
                  response_due=T0 + timedelta(hours=6),
                  resolution_due=T0 + timedelta(days=2), overage=True, assignee="eva",
                  paused=[(T0 + timedelta(hours=2), T0 + timedelta(hours=3)),
                          (T0 + timedelta(hours=4), None)],
                  message_ids=["<a@acme.test>", "<b@support.test>"],
                  customer_thread=["<a@acme.test>", "<b@support.test>"],
                  notice_message_id="<n@support.test>", opened_by="eva@vendor.test",
                  updated_at=T0 + timedelta(hours=4))
    ack = row(1, payload=Ack(quota_used=3, quota_included=50, quota_extra=2, quota_remaining=49,
                             overage=False),
              to=["ana@acme.test"], cc=["bo@acme.test"], ticket=1000,
              message_id="<b@support.test>", in_reply_to="<a@acme.test>",
              references=["<a@acme.test>"], dropped=[("jörg@acme.test", "unwritable")])
    reply = row(2, payload=CustomerReply(text="ok ñ", sender="ana@acme.test", received_at=T0,
                                         attachments=("a/b.txt",)),
                to=["eva@vendor.test"], ticket=1000, message_id="<c@support.test>")
    cursor = Cursor(folder="INBOX", uidvalidity=1717, last_uid=42)
    seen = outcome(0xAB, message_id="<a@acme.test>", ticket=1000, source="imap:INBOX:42")
    with store.unit_of_work() as uow:
        uow.accounts.add(account)
        uow.contacts.add(contact)
        added = uow.tickets.add(full)
        event = uow.events.append(added.number, "received", T0, raw="ab" * 32, uid=42,
                                  text="¿Hola? \u00e9")
        uow.outbox.enqueue(ack)
        uow.outbox.enqueue(reply)
        uow.cursors.set(cursor)
        uow.inbound.record(seen)
        uow.sent_alerts.add("#1000:response:at_risk", T0)
        uow.commit()
    store = backend.reopen(store)
    with store.unit_of_work() as uow:
        assert uow.accounts.get("acme") == account
        assert uow.contacts.get("ana@acme.test") == dataclasses.replace(
            contact, email="ana@acme.test")
        got = uow.tickets.get(1000)
        assert got == Ticket(**{**full.__dict__, "number": 1000})
        assert got.created_at.utcoffset() == timedelta(hours=2)  # the offset is kept
        assert uow.events.for_ticket(1000) == [event]
        assert uow.outbox.get("r1") == ack
        assert uow.outbox.get("r2") == reply  # times and tuples in payloads come back typed
        assert uow.cursors.get("INBOX") == cursor
        assert uow.inbound.by_sha(seen.sha256) == seen
        [again] = uow.inbound.by_message_id("a@acme.test")
        assert again.sender == "ana@acme.test"
        assert uow.sent_alerts.seen("#1000:response:at_risk")
        assert not uow.sent_alerts.seen("#1000:response:breached")
    store.close()


def test_naive_datetimes_are_refused(store) -> None:
    with store.unit_of_work() as uow, pytest.raises(ValueError, match="naive"):
        uow.tickets.add(ticket(created_at=datetime(2025, 6, 2, 10, 30)))


def test_numbers_start_at_1000_rise_and_are_never_handed_out_twice(backend, store) -> None:
    with store.unit_of_work() as uow:
        numbers = [uow.tickets.add(ticket()).number for _ in range(3)]
        uow.commit()
    assert numbers == [1000, 1001, 1002]
    with store.unit_of_work() as uow:
        assert uow.tickets.get(1001).ref == "#1001"
        discarded = uow.tickets.add(ticket(subject="rolled back")).number
    store = backend.reopen(store)
    with store.unit_of_work() as uow:
        later = uow.tickets.add(ticket()).number
        uow.commit()
    # a rolled-back number may be skipped (PostgreSQL's sequence) or given again (the data
    # folder's counter, as nothing kept it), but a committed one never comes back
    assert later >= discarded >= 1003
    with store.unit_of_work() as uow:
        assert [t.number for t in uow.tickets.all()] == [1000, 1001, 1002, later]
        assert uow.tickets.get(discarded) is None or discarded == later
    store.close()


def test_leaving_without_commit_or_by_an_error_discards_the_unit(backend, store) -> None:
    with store.unit_of_work() as uow:
        uow.tickets.add(ticket())
        uow.cursors.set(Cursor(folder="INBOX", uidvalidity=1, last_uid=5))
    with pytest.raises(RuntimeError), store.unit_of_work() as uow:
        uow.tickets.add(ticket())
        raise RuntimeError("handler failed")
    with store.unit_of_work() as uow:
        assert uow.tickets.all() == []
        assert uow.cursors.get("INBOX") is None
        kept = uow.tickets.add(ticket(subject="kept")).number
        uow.commit()
        uow.tickets.add(ticket(subject="after the commit"))  # needs a commit of its own
        uow.rollback()
        assert [t.subject for t in uow.tickets.all()] == ["kept"]
        uow.cursors.set(Cursor(folder="INBOX", uidvalidity=1, last_uid=9))
        uow.commit()  # the unit stays usable after a rollback
    store = backend.reopen(store)
    with store.unit_of_work() as uow:
        assert [t.number for t in uow.tickets.all()] == [kept]
        assert uow.cursors.get("INBOX").last_uid == 9
    store.close()


def test_a_failed_savepoint_undoes_only_its_own_changes(backend, store) -> None:
    with store.unit_of_work() as uow:
        with uow.savepoint():
            first = uow.tickets.add(ticket(subject="first", message_ids=["<m1@x>"]))
            uow.events.append(first.number, "received", T0)
        with pytest.raises(ValueError), uow.savepoint():
            second = uow.tickets.add(ticket(subject="second", message_ids=["<m2@x>"]))
            uow.events.append(second.number, "received", T0)
            link(uow, first.number, "<m3@x>")
            uow.cursors.set(Cursor(folder="INBOX", uidvalidity=1, last_uid=2))
            uow.outbox.enqueue(row(1))
            raise ValueError("bad mail")
        third = uow.tickets.add(ticket(subject="third"))
        uow.events.append(third.number, "received", T0)
        uow.commit()
    store = backend.reopen(store)
    with store.unit_of_work() as uow:
        assert [t.subject for t in uow.tickets.all()] == ["first", "third"]
        assert third.number > first.number
        assert uow.tickets.by_message_id("<m2@x>") is None
        assert uow.tickets.by_message_id("<m3@x>") is None
        assert uow.tickets.by_message_id("<m1@x>").number == first.number
        assert [e.seq for e in uow.events.for_ticket(first.number)] == [1]
        assert [e.seq for e in uow.events.for_ticket(third.number)] == [1]
        assert uow.cursors.get("INBOX") is None
        assert uow.outbox.all() == []
    store.close()


def test_a_database_error_inside_a_savepoint_leaves_the_unit_usable(store) -> None:
    with store.unit_of_work() as uow:
        uow.outbox.enqueue(row(1))
        with pytest.raises(ValueError, match="already exists"), uow.savepoint():
            uow.tickets.add(ticket(subject="lost with the savepoint"))
            uow.outbox.enqueue(row(1))
        uow.tickets.add(ticket(subject="kept"))
        uow.commit()
    with store.unit_of_work() as uow:
        assert [t.subject for t in uow.tickets.all()] == ["kept"]
        assert [r.id for r in uow.outbox.all()] == ["r1"]


def test_a_nested_unit_in_one_thread_is_refused(store) -> None:
    with store.unit_of_work(), pytest.raises(RuntimeError, match="already"):
        with store.unit_of_work():
            pass
    with store.unit_of_work() as uow:  # and the store is fine afterwards
        assert uow.tickets.all() == []


def test_a_commit_is_all_or_nothing_for_another_store_on_the_same_data(backend, store) -> None:
    other = backend.open()
    try:
        started, checked = threading.Event(), threading.Event()
        seen: list[int] = []

        def read_while_writing() -> None:
            started.wait(10)
            with other.unit_of_work() as uow:  # waits for the writer: units never interleave
                seen.append(len(uow.tickets.all()))
            checked.set()

        reader = threading.Thread(target=read_while_writing)
        reader.start()
        with store.unit_of_work() as uow:
            uow.tickets.add(ticket(subject="one"))
            started.set()
            assert not checked.wait(0.3)
            uow.tickets.add(ticket(subject="two"))
            uow.commit()
            uow.rollback()
        reader.join(10)
        assert seen == [2]
        with other.unit_of_work() as uow:
            assert [t.subject for t in uow.tickets.all()] == ["one", "two"]
    finally:
        other.close()


def test_writers_in_threads_and_a_second_store_lose_no_update(backend, store) -> None:
    other = backend.open()
    per_writer = 40

    threads = [threading.Thread(target=count_and_open, args=(s, tag, per_writer))
               for s, tag in ((store, "a"), (store, "b"), (other, "c"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    other.close()
    with store.unit_of_work() as uow:
        tickets = uow.tickets.all()
        assert uow.cursors.get("shared").last_uid == 3 * per_writer  # no lost update
        assert sorted(t.subject for t in tickets) == sorted(
            f"{tag}-{i}" for tag in "abc" for i in range(per_writer))
        assert [t.number for t in tickets] == list(range(1000, 1000 + 3 * per_writer))


def test_accounts_and_contacts(store) -> None:
    with store.unit_of_work() as uow:
        uow.accounts.add(Account(name="Zeta", plan="basic"))
        acme = uow.accounts.add(Account(name="Acme", plan="plus", domains=["acme.test"]))
        with pytest.raises(ValueError, match="already exists"):
            uow.accounts.add(Account(name="ACME", plan="basic"))
        with pytest.raises(KeyError):
            uow.accounts.update(Account(name="Nobody", plan="basic"))
        uow.accounts.update(dataclasses.replace(acme, plan="standard"))
        assert uow.accounts.get("ACME").plan == "standard"
        assert [a.name for a in uow.accounts.all()] == ["Acme", "Zeta"]
        assert uow.accounts.get("nobody") is None

        uow.contacts.add(Contact(email="bo@acme.test", account="Acme"))
        uow.contacts.add(Contact(email="ana@acme.test", account="Acme"))
        uow.contacts.add(Contact(email="zed@zeta.test", account="Zeta"))
        with pytest.raises(ValueError, match="already"):
            uow.contacts.add(Contact(email="ANA@acme.test", account="Other"))
        assert [c.email for c in uow.contacts.for_account("ACME")] == [
            "ana@acme.test", "bo@acme.test"]
        uow.contacts.update(Contact(email="bo@acme.test", account="Zeta", name="Bo"))
        assert [c.email for c in uow.contacts.for_account("zeta")] == [
            "bo@acme.test", "zed@zeta.test"]
        with pytest.raises(KeyError):
            uow.contacts.update(Contact(email="nobody@acme.test", account="Acme"))
        assert uow.contacts.get(" BO@acme.test ").name == "Bo"
        assert uow.contacts.remove("BO@acme.test").email == "bo@acme.test"
        assert uow.contacts.remove("bo@acme.test") is None
        assert uow.contacts.get("bo@acme.test") is None
        assert [(c.account, c.email) for c in uow.contacts.all()] == [
            ("Acme", "ana@acme.test"), ("Zeta", "zed@zeta.test")]
        uow.commit()


def test_tickets_by_account_page_and_quota_count(store) -> None:
    with store.unit_of_work() as uow:
        made = {}
        for n, (account, status, day) in enumerate([
                ("Acme", "open", 1), ("acme", "closed", 2), ("Acme", "pending-customer", 3),
                ("Zeta", "open", 4), ("Acme", "resolved", 5), ("Acme", "open", 40)]):
            made[n] = uow.tickets.add(ticket(account=account, status=status,
                                             created_at=T0 + timedelta(days=day),
                                             message_ids=[f"<t{n}@acme.test>"]))
        acme = [made[n].number for n in (0, 1, 2, 4, 5)]
        assert [t.number for t in uow.tickets.for_account("ACME")] == acme
        assert uow.tickets.get_for_account(made[3].number, "acme") is None  # Zeta's
        assert uow.tickets.get_for_account(made[0].number, "Acme").number == made[0].number
        assert uow.tickets.get_for_account(99999, "acme") is None
        # active first, newest first; the rest only with include_archived
        total, page = uow.tickets.page_for_account("acme", False, 0, 2)
        assert (total, [t.number for t in page]) == (3, [made[5].number, made[2].number])
        total, page = uow.tickets.page_for_account("acme", True, 2, 10)
        assert total == 5
        assert [t.number for t in page] == [made[0].number, made[4].number, made[1].number]
        june = (datetime(2025, 6, 1, tzinfo=UTC), datetime(2025, 7, 1, tzinfo=UTC))
        assert uow.tickets.count_opened("ACME", *june) == 4
        assert uow.tickets.count_opened("zeta", *june) == 1
        # the bounds: since is in, until is out
        assert uow.tickets.count_opened("acme", T0 + timedelta(days=1),
                                        T0 + timedelta(days=3)) == 2
        assert [t.number for t in uow.tickets.open()] == [
            made[n].number for n in (0, 2, 3, 4, 5)]
        assert uow.tickets.by_message_id("t3@acme.test").account == "Zeta"
        assert uow.tickets.by_message_id("<nobody@acme.test>") is None
        with pytest.raises(KeyError):
            uow.tickets.update(dataclasses.replace(made[0], number=99999))
        uow.commit()


def test_an_update_from_a_stale_copy_never_unlinks_a_message_id(store) -> None:
    with store.unit_of_work() as uow:
        made = uow.tickets.add(ticket(message_ids=["<a@acme.test>"],
                                      customer_thread=["<a@acme.test>"]))
        stale = uow.tickets.get(made.number)
        link(uow, made.number, "<ack@vendor.test>")
        uow.tickets.update(dataclasses.replace(stale, status="pending-customer"))
        after = uow.tickets.get(made.number)
        assert after.status == "pending-customer"
        assert after.message_ids == ["<a@acme.test>", "<ack@vendor.test>"]
        assert uow.tickets.by_message_id("<ack@vendor.test>").number == made.number
        uow.commit()


def test_events_are_numbered_per_ticket(store) -> None:
    with store.unit_of_work() as uow:
        a, b = uow.tickets.add(ticket()), uow.tickets.add(ticket())
        uow.events.append(a.number, "received", T0, raw="ab" * 32)
        uow.events.append(b.number, "received", T0)
        last = uow.events.append(a.number, "note", T0 + timedelta(minutes=5), text="called")
        uow.commit()
    with store.unit_of_work() as uow:
        assert [(e.seq, e.kind) for e in uow.events.for_ticket(a.number)] == [
            (1, "received"), (2, "note")]
        assert uow.events.for_ticket(a.number)[-1] == last
        assert last.data == {"text": "called"}
        assert [e.seq for e in uow.events.for_ticket(b.number)] == [1]
        assert uow.events.for_ticket(99999) == []


def test_outbox_due_claim_and_marks(store) -> None:
    with store.unit_of_work() as uow:
        for r in (row(1, 5), row(2, -5), row(3, 60)):
            uow.outbox.enqueue(r)
        with pytest.raises(ValueError, match="already exists"):
            uow.outbox.enqueue(row(1))
        assert uow.outbox.by_message_id("r2@support.test").id == "r2"
        assert uow.outbox.by_message_id("<r9@support.test>") is None
        assert [r.id for r in uow.outbox.due(T0)] == ["r2"]
        assert [r.id for r in uow.outbox.due(T0 + timedelta(minutes=10))] == ["r2", "r1"]
        claimed = uow.outbox.claim_due(T0 + timedelta(hours=2), 2, T0 + timedelta(hours=3))
        assert [r.id for r in claimed] == ["r2", "r1"]
        uow.outbox.mark_sent("r2", T0)
        uow.outbox.mark_retry("r1", T0, "451 try later", T0 + timedelta(hours=2))
        uow.outbox.mark_failed("r3", T0, "550 no such user")
        with pytest.raises(KeyError):
            uow.outbox.mark_sent("r9", T0)
        assert uow.outbox.due(T0 + timedelta(hours=1)) == []
        r1 = uow.outbox.get("r1")
        assert (r1.status, r1.attempts, r1.last_error) == ("pending", 1, "451 try later")
        assert uow.outbox.get("r2").sent_at == T0
        assert uow.outbox.get("r3").status == "failed"
        assert [r.id for r in uow.outbox.all()] == ["r1", "r2", "r3"]  # oldest first
        uow.commit()
    with store.unit_of_work() as uow:
        # a marked row is free again for the next attempt
        assert [r.id for r in uow.outbox.claim_due(
            T0 + timedelta(hours=2), 10, T0 + timedelta(hours=3))] == ["r1"]


def test_cursors_inbound_and_alerts(store) -> None:
    with store.unit_of_work() as uow:
        assert uow.cursors.get("INBOX") is None
        uow.cursors.set(Cursor(folder="INBOX", uidvalidity=7, last_uid=3))
        uow.cursors.set(Cursor(folder="INBOX", uidvalidity=7, last_uid=9))
        uow.cursors.set(Cursor(folder="Other", uidvalidity=1, last_uid=1))
        assert uow.cursors.get("INBOX").last_uid == 9

        uow.inbound.record(outcome(1, "quarantine", hours=2))
        uow.inbound.record(outcome(2, "quarantine", hours=1, message_id="<m1@acme.test>"))
        uow.inbound.record(outcome(3, hours=3))
        assert [o.sha256 for o in uow.inbound.quarantined()] == [f"{2:064x}", f"{1:064x}"]
        # the same bytes again: the outcome is replaced, not added
        uow.inbound.record(outcome(1, "new_ticket", hours=2, ticket=1000))
        assert uow.inbound.by_sha(f"{1:064x}").ticket == 1000
        assert [o.sha256 for o in uow.inbound.quarantined()] == [f"{2:064x}"]
        assert [o.sha256 for o in uow.inbound.by_message_id("m1@acme.test")] == [
            f"{2:064x}", f"{1:064x}"]  # oldest recorded first
        assert uow.inbound.count_since("ana@acme.test", T0 + timedelta(hours=2),
                                       ["new_ticket"]) == 2
        assert uow.inbound.count_since("ANA@acme.test", T0, ["quarantine"]) == 1
        uow.inbound.forget(f"{2:064x}")
        assert uow.inbound.by_sha(f"{2:064x}") is None
        uow.inbound.forget(f"{2:064x}")  # forgetting twice is harmless
        for n, kind in enumerate(["refused_unauthorised", "new_ticket", "refused_quota"]):
            uow.inbound.record(outcome(10 + n, kind, hours=n, sender="Mallory@evil.test",
                                       answered=True))
        uow.inbound.record(outcome(20, "refused_quota", hours=5, sender="mallory@evil.test",
                                   answered=False))
        assert uow.inbound.refusals_since("mallory@evil.test", T0) == 2
        assert uow.inbound.refusals_since("MALLORY@evil.test", T0 + timedelta(minutes=1)) == 1

        uow.sent_alerts.add("#1000:response:warn", T0)
        uow.sent_alerts.add("#1000:response:warn", T0 + timedelta(hours=1))  # once only
        assert uow.sent_alerts.seen("#1000:response:warn")
        assert not uow.sent_alerts.seen("#1000:response:breach")
        uow.commit()


def test_sign_ins_and_sessions(store) -> None:
    later = T0 + timedelta(minutes=15)
    with store.unit_of_work() as uow:
        for n, (email, ip) in enumerate([("Ana@acme.test", "192.0.2.1"),
                                         ("ana@acme.test", "192.0.2.2"),
                                         ("bo@acme.test", "192.0.2.1")]):
            uow.sign_ins.add(SignIn(id=f"s{n}", email=email, ip=ip,
                                    created_at=T0 + timedelta(minutes=n), expires_at=later,
                                    sent=True, next="/tickets/1000"))
        assert uow.sign_ins.count_for_address("ANA@acme.test", T0) == 2
        assert uow.sign_ins.count_for_address("ana@acme.test", T0 + timedelta(minutes=1)) == 1
        assert uow.sign_ins.count_for_ip("192.0.2.1", T0) == 2
        used = uow.sign_ins.use("s0", T0 + timedelta(minutes=3))
        assert uow.sign_ins.get("s0") == used and used.used_at is not None
        assert uow.sign_ins.get("nope") is None
        with pytest.raises(KeyError):
            uow.sign_ins.use("nope", T0)
        session = uow.sessions.add(Session(id="x1", email="ana@acme.test", staff=False,
                                           csrf="c", created_at=T0, expires_at=later))
        assert uow.sessions.get("x1") == session and session.live(T0)
        uow.sessions.end("x1", T0 + timedelta(minutes=1))
        assert not uow.sessions.get("x1").live(T0 + timedelta(minutes=2))
        uow.sessions.end("nope", T0)
        uow.commit()
    # old rows go as new ones come: a day after expiry they are no longer counted
    with store.unit_of_work() as uow:
        uow.sign_ins.add(SignIn(id="s9", email="ana@acme.test", ip="192.0.2.1",
                                created_at=later + timedelta(days=2),
                                expires_at=later + timedelta(days=2, minutes=15), sent=False))
        uow.sessions.add(Session(id="x2", email="ana@acme.test", staff=True, csrf="d",
                                 created_at=later + timedelta(days=2),
                                 expires_at=later + timedelta(days=3)))
        assert uow.sign_ins.get("s0") is None
        assert uow.sessions.get("x1") is None
        assert uow.sign_ins.count_for_ip("192.0.2.1", T0) == 1
        uow.commit()


def test_raw_archive_is_content_addressed_and_idempotent(store) -> None:
    raw = b"From: ana@acme.test\r\nSubject: down\r\n\r\nHelp \xff\r\n"
    sha = hashlib.sha256(raw).hexdigest()
    assert store.archive.put(raw) == sha
    assert store.archive.put(raw) == sha
    assert store.archive.get(sha) == raw
    assert sha in store.archive and "0" * 64 not in store.archive
    assert sha[2:] in store.archive.where(sha)  # what `quarantine show` tells an operator
    with pytest.raises(KeyError):
        store.archive.get("0" * 64)
    with pytest.raises(ValueError):
        store.archive.get("../../intakebot")
    raws = [f"Subject: {i}\r\n\r\nbody {i}\r\n".encode() for i in range(20)]
    with store.deferred_sync():
        shas = [store.archive.put(r) for r in raws]
    assert [store.archive.get(s) for s in shas] == raws


def test_attachments_live_in_files_with_safe_names(store) -> None:
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
    again = store.files.put_attachment("ab" * 32, "x" * 300 + ".pdf", b"%PDF-2")
    assert again.endswith("x-2.pdf") and len(again.rsplit("/", 1)[1]) == 100
    assert store.files.read(again) == b"%PDF-2"
    assert store.files.put_attachment(1000, "..", b"z") == "attachments/1000/attachment"


def test_a_file_written_in_a_discarded_unit_is_harmless(store) -> None:
    # attachments are written while a mail is handled; if its unit is discarded the
    # mail is handled again later and writes the same name and bytes
    with store.unit_of_work():
        first = store.files.put_attachment("abc", "report.pdf", b"%PDF")
    assert store.files.put_attachment("abc", "report.pdf", b"%PDF") == first
    assert store.files.read(first) == b"%PDF"


def test_a_job_lock_has_one_holder_across_stores(backend, store) -> None:
    other = backend.open()
    try:
        with store.job_lock("deliver") as mine:
            assert mine
            with other.job_lock("deliver") as theirs:
                assert not theirs
            with other.job_lock("sweep") as unrelated:
                assert unrelated
        with other.job_lock("deliver") as theirs:
            assert theirs
    finally:
        other.close()


def test_a_lease_has_one_holder_until_released(backend, store) -> None:
    other = backend.open()
    try:
        mine, theirs = store.lease("imap-reader"), other.lease("imap-reader")
        assert mine.take()
        assert mine.take()  # renewing
        assert not theirs.take()
        mine.release()
        assert theirs.take()
        assert not mine.take()
        theirs.release()
    finally:
        other.close()


def test_a_shared_secret_is_made_once_and_kept(backend, store) -> None:
    first = store.shared_secret("web-secret")
    assert len(first) == 32
    store = backend.reopen(store)
    assert store.shared_secret("web-secret") == first
    assert store.shared_secret("other-secret") != first
    store.close()


def test_the_code_expects_the_newest_schema_revision() -> None:
    from store.pg.db import SCHEMA_HEAD
    from store.pg.migrate import head_revision

    assert head_revision() == SCHEMA_HEAD  # a new revision without the code knowing it


def test_a_read_only_unit_sees_what_was_committed_and_may_not_write(backend, store) -> None:
    with store.unit_of_work() as uow:
        made = uow.tickets.add(ticket(subject="committed"))
        uow.commit()
    with store.unit_of_work(read_only=True) as uow:
        assert uow.tickets.get(made.number).subject == "committed"
    if backend.name == "postgresql":  # the data folder has no read-only mode to enforce
        import psycopg

        with store.unit_of_work(read_only=True) as uow, \
                pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            uow.tickets.add(ticket(subject="written by a reader"))
    with store.unit_of_work() as uow:
        assert [t.subject for t in uow.tickets.all()] == ["committed"]


def test_claimed_rows_come_oldest_first_as_due_gives_them(store) -> None:
    # the deliverer sends in the order claim_due answers: a customer's answer before the
    # notice that the ticket is resolved, an acknowledgement before either
    import random

    minutes = list(range(60))
    random.Random(5).shuffle(minutes)
    with store.unit_of_work() as uow:
        for n, m in enumerate(minutes):
            uow.outbox.enqueue(row(n, -m))
        uow.commit()
    with store.unit_of_work() as uow:
        due = [r.id for r in uow.outbox.due(T0)]
        claimed = uow.outbox.claim_due(T0, 40, T0 + timedelta(minutes=2))
        assert [r.id for r in claimed] == due[:40]


def test_rows_written_at_one_instant_keep_the_order_they_were_written_in(backend, store) -> None:
    # One unit's mails share their creation and first attempt times (an agent's answer
    # and '#resolve' queue the relayed answer, then the resolution notice): the order
    # they were written in is the order they are listed, claimed and sent in.
    written = ["f0", "0a", "c7", "15"]  # row ids are random hex: no order of their own
    with store.unit_of_work() as uow:
        for n, rid in enumerate(written):
            uow.outbox.enqueue(row(n, id=rid, created_at=T0))
        uow.commit()
    store = backend.reopen(store)
    with store.unit_of_work() as uow:
        assert [r.id for r in uow.outbox.all()] == written
        assert [r.id for r in uow.outbox.due(T0)] == written
        assert [r.id for r in uow.outbox.claim_due(T0, 10, T0 + timedelta(minutes=2))] == \
            written
    store.close()


def test_a_message_id_on_two_tickets_stays_with_the_first(store) -> None:
    # The same Message-ID from another sender is new mail and may open a ticket of its
    # own; replies to that id keep going to the ticket that held it first, however
    # often either ticket is written afterwards (a thread never moves).
    with store.unit_of_work() as uow:
        first = uow.tickets.add(ticket(subject="first", message_ids=["<x@acme.test>"]))
        second = uow.tickets.add(ticket(subject="second", message_ids=["<x@acme.test>"]))
        assert uow.tickets.by_message_id("x@acme.test").number == first.number
        uow.tickets.update(dataclasses.replace(uow.tickets.get(first.number), status="resolved"))
        uow.tickets.update(dataclasses.replace(uow.tickets.get(second.number), assignee="eva"))
        assert uow.tickets.by_message_id("<x@acme.test>").number == first.number
        uow.commit()
    with store.unit_of_work() as uow:
        assert uow.tickets.by_message_id("<x@acme.test>").number == first.number


def test_nested_savepoints_undo_what_they_hold_and_no_more(store) -> None:
    with store.unit_of_work() as uow:
        with uow.savepoint():  # the outer one holds and keeps
            uow.tickets.add(ticket(subject="outer kept"))
            with pytest.raises(ValueError), uow.savepoint():
                uow.tickets.add(ticket(subject="inner undone"))
                raise ValueError
            with uow.savepoint():
                uow.tickets.add(ticket(subject="inner kept"))
        with pytest.raises(ValueError), uow.savepoint():  # the outer one fails
            with uow.savepoint():
                uow.tickets.add(ticket(subject="inside a failed outer"))
            uow.tickets.add(ticket(subject="outer undone"))
            raise ValueError
        with uow.savepoint():
            uow.tickets.add(ticket(subject="after"))
        uow.commit()
    with store.unit_of_work() as uow:
        assert [t.subject for t in uow.tickets.all()] == ["outer kept", "inner kept", "after"]


def test_prefetched_outcomes_answer_as_asked_ones_do(store) -> None:
    with store.unit_of_work() as uow:
        uow.inbound.record(outcome(1))
        uow.commit()
    with store.unit_of_work() as uow:
        uow.inbound.prefetch([f"{1:064x}", f"{2:064x}"])
        assert uow.inbound.by_sha(f"{1:064x}") == outcome(1)
        assert uow.inbound.by_sha(f"{2:064x}") is None
        uow.inbound.record(outcome(2, "quarantine"))  # written after the prefetch
        assert uow.inbound.by_sha(f"{2:064x}").outcome == "quarantine"
