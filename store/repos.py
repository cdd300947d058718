"""Repositories over the hot document: accounts, contacts, outbox, cursors, inbound, alerts."""

from __future__ import annotations

import dataclasses
import logging
from datetime import datetime

from store.document import Document
from store.records import (
    Account,
    Contact,
    Cursor,
    InboundOutcome,
    OutboxRow,
    _dt,
    normalise_message_id,
)

log = logging.getLogger("intakebot.store")


class Accounts:
    def __init__(self, doc: Document) -> None:
        self._doc = doc

    def get(self, name: str) -> Account | None:
        d = self._doc.find("accounts", "name", name.lower())
        return None if d is None else Account.from_dict(d)

    def add(self, account: Account) -> Account:
        if self._doc.find_id("accounts", "name", account.name.lower()) is not None:
            raise ValueError(f"account {account.name!r} already exists")
        self._doc.put("accounts", self._doc.new_id("accounts"), account.to_dict())
        return account

    def update(self, account: Account) -> Account:
        doc_id = self._doc.find_id("accounts", "name", account.name.lower())
        if doc_id is None:
            raise KeyError(account.name)
        self._doc.put("accounts", doc_id, account.to_dict())
        return account

    def all(self) -> list[Account]:
        return sorted((Account.from_dict(d) for d in self._doc.docs("accounts")),
                      key=lambda a: a.name.lower())


class Contacts:
    def __init__(self, doc: Document) -> None:
        self._doc = doc

    def get(self, email: str) -> Contact | None:
        d = self._doc.find("contacts", "email", email.strip().lower())
        return None if d is None else Contact.from_dict(d)

    def add(self, contact: Contact) -> Contact:
        if self._doc.find_id("contacts", "email", contact.email) is not None:
            raise ValueError(f"{contact.email} is already a contact")
        self._doc.put("contacts", self._doc.new_id("contacts"), contact.to_dict())
        return contact

    def update(self, contact: Contact) -> Contact:
        doc_id = self._doc.find_id("contacts", "email", contact.email)
        if doc_id is None:
            raise KeyError(contact.email)
        self._doc.put("contacts", doc_id, contact.to_dict())
        return contact

    def remove(self, email: str) -> Contact | None:
        doc_id = self._doc.find_id("contacts", "email", email.strip().lower())
        if doc_id is None:
            return None
        old = Contact.from_dict(self._doc.get("contacts", doc_id))
        self._doc.put("contacts", doc_id, None)
        return old

    def for_account(self, name: str) -> list[Contact]:
        return sorted((Contact.from_dict(d)
                       for d in self._doc.find_all("contacts", "account", name.lower())),
                      key=lambda c: c.email)

    def all(self) -> list[Contact]:
        return sorted((Contact.from_dict(d) for d in self._doc.docs("contacts")),
                      key=lambda c: (c.account.lower(), c.email))


class OutboxMarks:
    """What each delivery result changes on a row; both backends' outboxes mark through
    these, each with its own `_change(row_id, **fields)` (one more attempt, counted)."""

    def _change(self, row_id: str, **changes: object) -> OutboxRow:
        raise NotImplementedError

    def mark_sent(self, row_id: str, at: datetime) -> OutboxRow:
        return self._change(row_id, status="sent", sent_at=at, last_attempt_at=at,
                            last_error=None)

    def mark_retry(self, row_id: str, at: datetime, error: str,
                   next_attempt_at: datetime) -> OutboxRow:
        return self._change(row_id, status="pending", last_attempt_at=at, last_error=error,
                            next_attempt_at=next_attempt_at)

    def mark_failed(self, row_id: str, at: datetime, error: str) -> OutboxRow:
        return self._change(row_id, status="failed", last_attempt_at=at, last_error=error)


class Outbox(OutboxMarks):
    def __init__(self, doc: Document) -> None:
        self._doc = doc

    def enqueue(self, row: OutboxRow) -> OutboxRow:
        if self._doc.find_id("outbox", "id", row.id) is not None:
            raise ValueError(f"outbox row {row.id} already exists")
        self._doc.put("outbox", self._doc.new_id("outbox"), row.to_dict())
        return row

    def get(self, row_id: str) -> OutboxRow | None:
        d = self._doc.find("outbox", "id", row_id)
        return None if d is None else OutboxRow.from_dict(d)

    def by_message_id(self, mid: str) -> OutboxRow | None:
        """The (hot) row that sent this Message-ID."""
        d = self._doc.find("outbox", "mid", normalise_message_id(mid))
        return None if d is None else OutboxRow.from_dict(d)

    def due(self, now: datetime) -> list[OutboxRow]:
        """Pending rows whose next attempt is due, oldest first."""
        rows = []
        for d in self._doc.find_all("outbox", "pending", True):
            try:
                rows.append(OutboxRow.from_dict(d))
            except (KeyError, TypeError, ValueError) as exc:
                # one row this version cannot read must not hold back every other mail
                log.error("outbox row %s cannot be read and is skipped: %r", d.get("id"), exc)
        return sorted((r for r in rows if r.next_attempt_at <= now),
                      key=lambda r: (r.next_attempt_at, r.created_at))

    def claim_due(self, now: datetime, limit: int, until: datetime) -> list[OutboxRow]:
        """The due rows a deliverer takes (at most `limit`). On a data folder the delivery
        job lock already keeps every other deliverer out, so nothing is written; the
        PostgreSQL backend records the claim until `until`."""
        return self.due(now)[:limit]

    def _change(self, row_id: str, **changes: object) -> OutboxRow:
        doc_id = self._doc.find_id("outbox", "id", row_id)
        if doc_id is None:
            raise KeyError(row_id)
        row = OutboxRow.from_dict(self._doc.get("outbox", doc_id))
        row = dataclasses.replace(row, attempts=row.attempts + 1, **changes)
        self._doc.put("outbox", doc_id, row.to_dict())
        return row

    def all(self) -> list[OutboxRow]:
        return sorted((OutboxRow.from_dict(d) for d in self._doc.docs("outbox")),
                      key=lambda r: r.created_at)


class Cursors:
    def __init__(self, doc: Document) -> None:
        self._doc = doc

    def get(self, folder: str) -> Cursor | None:
        d = self._doc.find("cursors", "folder", folder)
        return None if d is None else Cursor.from_dict(d)

    def set(self, cursor: Cursor) -> Cursor:
        doc_id = self._doc.find_id("cursors", "folder", cursor.folder)
        self._doc.put("cursors", doc_id or self._doc.new_id("cursors"), cursor.to_dict())
        return cursor


class Inbound:
    """Outcome of every inbound message, for dedupe (sha, Message-ID) and refusal limits."""

    def __init__(self, doc: Document) -> None:
        self._doc = doc

    def record(self, outcome: InboundOutcome) -> InboundOutcome:
        """Record (or, for the same sha256, replace) the outcome of one message."""
        doc_id = self._doc.find_id("inbound", "sha", outcome.sha256)
        self._doc.put("inbound", doc_id or self._doc.new_id("inbound"), outcome.to_dict())
        return outcome

    def prefetch(self, shas: list[str]) -> None:
        """A batch's hashes, read together before `by_sha` asks for each (a round trip per
        message saved on PostgreSQL); the data folder has them in memory already."""

    def by_sha(self, sha256: str) -> InboundOutcome | None:
        d = self._doc.find("inbound", "sha", sha256)
        return None if d is None else InboundOutcome.from_dict(d)

    def quarantined(self) -> list[InboundOutcome]:
        """Messages whose recorded outcome is quarantine, oldest first."""
        found = [InboundOutcome.from_dict(d) for d in self._doc.docs("inbound")
                 if d["outcome"] == "quarantine"]  # a scan: the CLI asks, rarely
        return sorted(found, key=lambda o: o.received_at)

    def forget(self, sha256: str) -> None:
        """Drop a message's outcome, so that it is handled as new (a quarantine release)."""
        doc_id = self._doc.find_id("inbound", "sha", sha256)
        if doc_id is not None:
            self._doc.put("inbound", doc_id, None)

    def by_message_id(self, mid: str) -> list[InboundOutcome]:
        """Every recorded message with this Message-ID (senders may differ), oldest first."""
        found = [InboundOutcome.from_dict(d)
                 for d in self._doc.find_all("inbound", "mid", normalise_message_id(mid))]
        return sorted(found, key=lambda o: o.recorded_at)

    def count_since(self, sender: str, since: datetime, outcomes) -> int:
        """Messages from `sender` received at or after `since` that ended in one of `outcomes`."""
        wanted = {str(o) for o in outcomes}
        return sum(1 for d in self._doc.find_all("inbound", "sender", sender.strip().lower())
                   if d["outcome"] in wanted
                   and datetime.fromisoformat(d["received_at"]) >= since)

    def refusals_since(self, sender: str, since: datetime) -> int:
        """Refusals actually sent to `sender` for messages recorded at or after `since`."""
        return sum(1 for d in self._doc.find_all("inbound", "sender", sender.strip().lower())
                   if InboundOutcome.from_dict(d).refused and d.get("answered", False)
                   and datetime.fromisoformat(d["recorded_at"]) >= since)


class SentAlerts:
    """Keys of SLA mails already sent, so a sweep never sends the same one twice."""

    def __init__(self, doc: Document) -> None:
        self._doc = doc

    def seen(self, key: str) -> bool:
        return self._doc.find_id("sent_alerts", "key", key) is not None

    def add(self, key: str, at: datetime) -> None:
        if not self.seen(key):
            self._doc.put("sent_alerts", self._doc.new_id("sent_alerts"),
                          {"key": key, "at": _dt(at)})
