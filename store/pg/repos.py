"""The repositories on PostgreSQL: the same verbs and answers as the TinyDB ones (store/repos.py,
store/tickets.py, store/access.py), each a query on the unit of work's connection.

A row keeps the record's dict (`doc`, as the TinyDB backend stores it) beside the
columns its queries and constraints need, so a record reads back exactly as written.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from psycopg.types.json import Json

from store.access import KEEP, Session, SignIn
from store.records import (
    Account,
    Contact,
    Cursor,
    Event,
    InboundOutcome,
    OutboxRow,
    Ticket,
    normalise_message_id,
    ticket_from_dict,
    ticket_to_dict,
)
from store.repos import OutboxMarks
from store.tickets import thread_union

log = logging.getLogger("intakebot.store")

ACTIVE = ("open", "pending-customer")


class UnitCache:
    """What this transaction has read or written of the rows intake asks for again and
    again (tickets, each ticket's last event number, inbound outcomes), to save round
    trips. Sound because units of work run one at a time (store/pg/db.py's lock): no
    one else changes these rows while the transaction lasts. Emptied at every commit,
    rollback and savepoint rollback, where it could hold what the database no
    longer does."""

    def __init__(self) -> None:
        self.tickets: dict[int, dict[str, Any] | None] = {}
        self.seqs: dict[int, int] = {}
        self.inbound: dict[str, dict[str, Any] | None] = {}
        self.accounts: dict[str, dict[str, Any] | None] = {}
        self.contacts: dict[str, dict[str, Any] | None] = {}
        # tickets changed but not yet written: number -> (the ticket now, its row's doc)
        self.unwritten: dict[int, tuple[Ticket, dict[str, Any]]] = {}
        # rows appended but not yet sent (events, inbound outcomes): (statement, values)
        self.appended: list[tuple[str, tuple[Any, ...]]] = []
        self.write_all: Any = None  # set by the unit of work: sends everything above

    def clear(self) -> None:
        for part in (self.tickets, self.seqs, self.inbound, self.accounts, self.contacts,
                     self.unwritten, self.appended):
            part.clear()

    def send_appended(self, tx) -> None:
        """The appended rows in order, a run of one statement at a time as one batch."""
        appended, self.appended = self.appended, []
        start = 0
        while start < len(appended):
            sql = appended[start][0]
            end = start
            while end < len(appended) and appended[end][0] == sql:
                end += 1
            with tx.cursor() as cur:
                cur.executemany(sql, [values for _, values in appended[start:end]])
            start = end


class _Repo:
    def __init__(self, conn, cache: UnitCache | None = None) -> None:
        self._conn = conn
        self._cache = cache if cache is not None else UnitCache()

    def _one(self, sql: str, params: Iterable[Any] = ()) -> Any:
        row = self._conn.execute(sql, tuple(params)).fetchone()
        return None if row is None else row[0]

    def _all(self, sql: str, params: Iterable[Any] = ()) -> list[Any]:
        return [r[0] for r in self._conn.execute(sql, tuple(params))]

    def _run(self, sql: str, params: Iterable[Any] | dict[str, Any] = ()) -> int:
        return self._conn.execute(sql, params if isinstance(params, dict)
                                  else tuple(params)).rowcount


class Accounts(_Repo):
    def get(self, name: str) -> Account | None:
        key, cached = name.lower(), self._cache.accounts
        if key not in cached:
            cached[key] = self._one("SELECT doc FROM accounts WHERE name_key = %s", (key,))
        d = cached[key]
        return None if d is None else Account.from_dict(d)

    def add(self, account: Account) -> Account:
        d, key = account.to_dict(), account.name.lower()
        if not self._run("INSERT INTO accounts (name_key, doc) VALUES (%s, %s) "
                         "ON CONFLICT DO NOTHING", (key, Json(d))):
            raise ValueError(f"account {account.name!r} already exists")
        self._cache.accounts[key] = d
        return account

    def update(self, account: Account) -> Account:
        d, key = account.to_dict(), account.name.lower()
        if not self._run("UPDATE accounts SET doc = %s WHERE name_key = %s", (Json(d), key)):
            raise KeyError(account.name)
        self._cache.accounts[key] = d
        return account

    def all(self) -> list[Account]:
        return sorted((Account.from_dict(d) for d in self._all("SELECT doc FROM accounts")),
                      key=lambda a: a.name.lower())


class Contacts(_Repo):
    def get(self, email: str) -> Contact | None:
        key, cached = email.strip().lower(), self._cache.contacts
        if key not in cached:
            cached[key] = self._one("SELECT doc FROM contacts WHERE email = %s", (key,))
        d = cached[key]
        return None if d is None else Contact.from_dict(d)

    def add(self, contact: Contact) -> Contact:
        d, key = contact.to_dict(), contact.email.lower()
        if not self._run("INSERT INTO contacts (email, account_key, doc) VALUES (%s, %s, %s) "
                         "ON CONFLICT DO NOTHING", (key, contact.account.lower(), Json(d))):
            raise ValueError(f"{contact.email} is already a contact")
        self._cache.contacts[key] = d
        return contact

    def update(self, contact: Contact) -> Contact:
        d, key = contact.to_dict(), contact.email.lower()
        if not self._run("UPDATE contacts SET doc = %s, account_key = %s WHERE email = %s",
                         (Json(d), contact.account.lower(), key)):
            raise KeyError(contact.email)
        self._cache.contacts[key] = d
        return contact

    def remove(self, email: str) -> Contact | None:
        key = email.strip().lower()
        d = self._one("DELETE FROM contacts WHERE email = %s RETURNING doc", (key,))
        self._cache.contacts[key] = None
        return None if d is None else Contact.from_dict(d)

    def for_account(self, name: str) -> list[Contact]:
        return sorted((Contact.from_dict(d) for d in self._all(
            "SELECT doc FROM contacts WHERE account_key = %s", (name.lower(),))),
            key=lambda c: c.email)

    def all(self) -> list[Contact]:
        return sorted((Contact.from_dict(d) for d in self._all("SELECT doc FROM contacts")),
                      key=lambda c: (c.account.lower(), c.email))


class Outbox(_Repo, OutboxMarks):
    def enqueue(self, row: OutboxRow) -> OutboxRow:
        d = row.to_dict()
        done = self._run(
            "INSERT INTO outbox (id, message_id, status, kind, next_attempt_at, created_at, doc)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (id) DO NOTHING",
            (row.id, normalise_message_id(row.message_id), row.status, d["kind"],
             row.next_attempt_at, row.created_at, Json(d)))
        if not done:
            raise ValueError(f"outbox row {row.id} already exists")
        return row

    def get(self, row_id: str) -> OutboxRow | None:
        d = self._one("SELECT doc FROM outbox WHERE id = %s", (row_id,))
        return None if d is None else OutboxRow.from_dict(d)

    def by_message_id(self, mid: str) -> OutboxRow | None:
        d = self._one("SELECT doc FROM outbox WHERE message_id = %s",
                      (normalise_message_id(mid),))
        return None if d is None else OutboxRow.from_dict(d)

    @staticmethod
    def _readable(docs: Iterable[dict[str, Any]]) -> list[OutboxRow]:
        rows = []
        for d in docs:
            try:
                rows.append(OutboxRow.from_dict(d))
            except (KeyError, TypeError, ValueError) as exc:
                log.error("outbox row %s cannot be read and is skipped: %r", d.get("id"), exc)
        return rows

    def due(self, now: datetime) -> list[OutboxRow]:
        """Pending rows whose next attempt is due, oldest first (in the order written)."""
        return self._readable(self._all(
            "SELECT doc FROM outbox WHERE status = 'pending' AND next_attempt_at <= %s "
            "ORDER BY next_attempt_at, created_at, seq", (now,)))

    def claim_due(self, now: datetime, limit: int, until: datetime) -> list[OutboxRow]:
        """Up to `limit` due rows no other deliverer holds, held by this one until `until`
        (or until marked). Rows another transaction is claiming are skipped, not waited
        for, so two instances never take the same row. Oldest first, as `due` gives them
        (an UPDATE's RETURNING keeps no order: the outer query sorts them again)."""
        return self._readable(self._all(
            "WITH picked AS ("
            " SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= %s"
            " AND (claimed_until IS NULL OR claimed_until <= %s)"
            " ORDER BY next_attempt_at, created_at, seq LIMIT %s FOR UPDATE SKIP LOCKED),"
            " claimed AS (UPDATE outbox SET claimed_until = %s FROM picked"
            " WHERE outbox.id = picked.id"
            " RETURNING outbox.doc, outbox.next_attempt_at, outbox.created_at, outbox.seq)"
            " SELECT doc FROM claimed ORDER BY next_attempt_at, created_at, seq",
            (now, now, limit, until)))

    def _change(self, row_id: str, **changes: object) -> OutboxRow:
        d = self._one("SELECT doc FROM outbox WHERE id = %s FOR UPDATE", (row_id,))
        if d is None:
            raise KeyError(row_id)
        row = OutboxRow.from_dict(d)
        row = dataclasses.replace(row, attempts=row.attempts + 1, **changes)
        self._run("UPDATE outbox SET status = %s, next_attempt_at = %s, claimed_until = NULL, "
                  "doc = %s WHERE id = %s",
                  (row.status, row.next_attempt_at, Json(row.to_dict()), row_id))
        return row

    def all(self) -> list[OutboxRow]:
        return [OutboxRow.from_dict(d) for d in self._all(
            "SELECT doc FROM outbox ORDER BY created_at, seq")]


class Cursors(_Repo):
    def get(self, folder: str) -> Cursor | None:
        d = self._one("SELECT doc FROM cursors WHERE folder = %s", (folder,))
        return None if d is None else Cursor.from_dict(d)

    def set(self, cursor: Cursor) -> Cursor:
        self._run("INSERT INTO cursors (folder, doc) VALUES (%s, %s) "
                  "ON CONFLICT (folder) DO UPDATE SET doc = EXCLUDED.doc",
                  (cursor.folder, Json(cursor.to_dict())))
        return cursor


class Inbound(_Repo):
    """Outcome of every inbound message, for dedupe (sha, Message-ID) and refusal limits."""

    def record(self, outcome: InboundOutcome) -> InboundOutcome:
        d = outcome.to_dict()
        # sent with the unit's next savepoint, commit or inbound query (one batch)
        self._cache.appended.append((
            "INSERT INTO inbound (sha256, message_id, sender, outcome, received_at, recorded_at,"
            " doc) VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (sha256) DO UPDATE SET"
            " message_id = EXCLUDED.message_id, sender = EXCLUDED.sender,"
            " outcome = EXCLUDED.outcome, received_at = EXCLUDED.received_at,"
            " recorded_at = EXCLUDED.recorded_at, doc = EXCLUDED.doc",
            (outcome.sha256, normalise_message_id(outcome.message_id)
             if outcome.message_id else None,
             outcome.sender.strip().lower() if outcome.sender else None, d["outcome"],
             outcome.received_at, outcome.recorded_at, Json(d))))
        self._cache.inbound[outcome.sha256] = d
        return outcome

    def prefetch(self, shas: list[str]) -> None:
        """Read a batch's outcomes in one query; `by_sha` then answers from the cache."""
        wanted = [sha for sha in shas if sha not in self._cache.inbound]
        if wanted:
            found = dict(self._conn.execute(
                "SELECT sha256, doc FROM inbound WHERE sha256 = ANY(%s)", (wanted,)))
            for sha in wanted:
                self._cache.inbound[sha] = found.get(sha)

    def by_sha(self, sha256: str) -> InboundOutcome | None:
        cached = self._cache.inbound
        if sha256 not in cached:
            cached[sha256] = self._one("SELECT doc FROM inbound WHERE sha256 = %s", (sha256,))
        d = cached[sha256]
        return None if d is None else InboundOutcome.from_dict(d)

    def quarantined(self) -> list[InboundOutcome]:
        self._cache.write_all()
        return [InboundOutcome.from_dict(d) for d in self._all(
            "SELECT doc FROM inbound WHERE outcome = 'quarantine' ORDER BY received_at")]

    def forget(self, sha256: str) -> None:
        self._cache.write_all()
        self._run("DELETE FROM inbound WHERE sha256 = %s", (sha256,))
        self._cache.inbound[sha256] = None

    def by_message_id(self, mid: str) -> list[InboundOutcome]:
        self._cache.write_all()
        return [InboundOutcome.from_dict(d) for d in self._all(
            "SELECT doc FROM inbound WHERE message_id = %s ORDER BY recorded_at",
            (normalise_message_id(mid),))]

    def count_since(self, sender: str, since: datetime, outcomes) -> int:
        self._cache.write_all()
        return self._one("SELECT count(*) FROM inbound WHERE sender = %s AND received_at >= %s"
                         " AND outcome = ANY(%s)",
                         (sender.strip().lower(), since, [str(o) for o in outcomes]))

    def refusals_since(self, sender: str, since: datetime) -> int:
        self._cache.write_all()
        found = (InboundOutcome.from_dict(d) for d in self._all(
            "SELECT doc FROM inbound WHERE sender = %s AND recorded_at >= %s"
            " AND (doc ->> 'answered')::boolean", (sender.strip().lower(), since)))
        return sum(1 for o in found if o.refused)


class SentAlerts(_Repo):
    def seen(self, key: str) -> bool:
        return self._one("SELECT 1 FROM sent_alerts WHERE key = %s", (key,)) is not None

    def add(self, key: str, at: datetime) -> None:
        self._run("INSERT INTO sent_alerts (key, at) VALUES (%s, %s) ON CONFLICT DO NOTHING",
                  (key, at))


class Tickets(_Repo):
    def add(self, ticket: Ticket) -> Ticket:
        """Store a new ticket under the next number of the sequence (never reused)."""
        number = self._one("SELECT nextval('ticket_number')")
        ticket = dataclasses.replace(ticket, number=number)
        self._write(ticket, None)
        self._cache.seqs[number] = 0
        return ticket

    def _write(self, ticket: Ticket, current: dict[str, Any] | None) -> None:
        """Insert (no `current`) or update the row, and link the Message-IDs it did not
        hold, in one statement (a round trip saved on each of intake's many writes)."""
        d = ticket_to_dict(ticket)
        held = set() if current is None else \
            {normalise_message_id(m) for m in current["message_ids"]}
        new = [m for m in dict.fromkeys(normalise_message_id(m) for m in ticket.message_ids)
               if m not in held]
        if current is None:
            write = ("INSERT INTO tickets (number, account_key, status, created_at, doc) "
                     "VALUES (%(n)s, %(account)s, %(status)s, %(created)s, %(doc)s)")
        else:
            write = ("UPDATE tickets SET account_key = %(account)s, status = %(status)s, "
                     "created_at = %(created)s, doc = %(doc)s WHERE number = %(n)s")
        # the first ticket to hold a Message-ID keeps it: a thread never moves
        self._run(f"WITH written AS ({write} RETURNING number) "
                  "INSERT INTO ticket_message_ids (message_id, ticket) "
                  "SELECT unnest(%(mids)s::text[]), number FROM written ON CONFLICT DO NOTHING",
                  {"n": ticket.number, "account": ticket.account.lower(),
                   "status": d["status"], "created": ticket.created_at, "doc": Json(d),
                   "mids": new})
        self._cache.tickets[ticket.number] = d

    def _doc(self, number: int) -> dict[str, Any] | None:
        cached = self._cache.tickets
        if number not in cached:
            cached[number] = self._one("SELECT doc FROM tickets WHERE number = %s", (number,))
        return cached[number]

    def get(self, number: int) -> Ticket | None:
        d = self._doc(number)
        return None if d is None else ticket_from_dict(d)

    def update(self, ticket: Ticket) -> Ticket:
        """Write a changed ticket; Message-IDs linked since the caller read its copy stay."""
        d = self._doc(ticket.number)
        if d is None:
            raise KeyError(ticket.number)
        current = ticket_from_dict(d)
        ticket = dataclasses.replace(
            ticket, message_ids=thread_union(current.message_ids, ticket.message_ids),
            customer_thread=thread_union(current.customer_thread, ticket.customer_thread),
            notice_message_id=ticket.notice_message_id or current.notice_message_id)
        # written once, at the unit's next savepoint, commit or ticket query, however
        # often the lifecycle and the outbox writer change it in between
        written = self._cache.unwritten.get(ticket.number, (None, d))[1]
        self._cache.unwritten[ticket.number] = (ticket, written)
        self._cache.tickets[ticket.number] = ticket_to_dict(ticket)
        return ticket

    def flush(self) -> None:
        """Write the changed tickets (the unit of work calls this before a savepoint and
        a commit; every query of the tickets table, before it asks)."""
        unwritten = self._cache.unwritten
        while unwritten:
            _, (ticket, written) = unwritten.popitem()
            self._write(ticket, written)

    def open(self) -> list[Ticket]:
        self._cache.write_all()
        return [ticket_from_dict(d) for d in self._all(
            "SELECT doc FROM tickets WHERE status <> 'closed' ORDER BY number")]

    def all(self, include_archived: bool = False) -> list[Ticket]:
        self._cache.write_all()
        return [ticket_from_dict(d) for d in self._all("SELECT doc FROM tickets ORDER BY number")]

    def for_account(self, account: str, include_archived: bool = False) -> list[Ticket]:
        self._cache.write_all()
        return [ticket_from_dict(d) for d in self._all(
            "SELECT doc FROM tickets WHERE account_key = %s ORDER BY number",
            (account.lower(),))]

    def get_for_account(self, number: int, account: str) -> Ticket | None:
        self._cache.write_all()
        d = self._one("SELECT doc FROM tickets WHERE number = %s AND account_key = %s",
                      (number, account.lower()))
        return None if d is None else ticket_from_dict(d)

    def page_for_account(self, account: str, include_archived: bool, start: int,
                         count: int) -> tuple[int, list[Ticket]]:
        self._cache.write_all()
        where = "account_key = %s" + ("" if include_archived else " AND status = ANY(%s)")
        params: list[Any] = [account.lower()] + ([] if include_archived else [list(ACTIVE)])
        total = self._one(f"SELECT count(*) FROM tickets WHERE {where}", params)
        docs = self._all(f"SELECT doc FROM tickets WHERE {where} "
                         "ORDER BY status <> ALL(%s), number DESC OFFSET %s LIMIT %s",
                         [*params, list(ACTIVE), start, count])
        return total, [ticket_from_dict(d) for d in docs]

    def by_message_id(self, mid: str) -> Ticket | None:
        self._cache.write_all()
        d = self._one("SELECT t.doc FROM ticket_message_ids m JOIN tickets t ON "
                      "t.number = m.ticket WHERE m.message_id = %s",
                      (normalise_message_id(mid),))
        return None if d is None else ticket_from_dict(d)

    def count_opened(self, account: str, since: datetime, until: datetime) -> int:
        """Tickets of `account` opened in [since, until). Units of work run one at a time
        (store/pg/db.py), so two openings (two instances, the support center and intake)
        never both count the last free ticket: the second counts the first's."""
        self._cache.write_all()
        key = account.lower()
        return self._one("SELECT count(*) FROM tickets WHERE account_key = %s AND "
                         "created_at >= %s AND created_at < %s", (key, since, until))


class Events(_Repo):
    """The append-only log of each ticket."""

    def append(self, number: int, kind: str, at: datetime, raw: str | None = None,
               **data: Any) -> Event:
        last = self._cache.seqs.get(number)
        if last is None:
            last = self._one("SELECT coalesce(max(seq), 0) FROM events WHERE ticket = %s",
                             (number,))
        seq = self._cache.seqs[number] = last + 1
        event = Event(ticket=number, seq=seq, at=at, kind=kind, data=data, raw=raw)
        # sent with the unit's next savepoint, commit or event query (one batch)
        self._cache.appended.append(("INSERT INTO events (ticket, seq, doc) VALUES (%s, %s, %s)",
                                     (number, seq, Json(event.to_dict()))))
        return event

    def for_ticket(self, number: int) -> list[Event]:
        self._cache.write_all()
        return [Event.from_dict(d) for d in self._all(
            "SELECT doc FROM events WHERE ticket = %s ORDER BY seq", (number,))]


class SignIns(_Repo):
    def add(self, sign_in: SignIn) -> SignIn:
        self._run("DELETE FROM sign_ins WHERE expires_at < %s",
                  (sign_in.created_at.astimezone(UTC) - KEEP,))
        self._run("INSERT INTO sign_ins (id, email, ip, created_at, expires_at, doc) "
                  "VALUES (%s, %s, %s, %s, %s, %s)",
                  (sign_in.id, sign_in.email.lower(), sign_in.ip, sign_in.created_at,
                   sign_in.expires_at, Json(sign_in.to_dict())))
        return sign_in

    def get(self, sign_in_id: str) -> SignIn | None:
        d = self._one("SELECT doc FROM sign_ins WHERE id = %s", (sign_in_id,))
        return None if d is None else SignIn.from_dict(d)

    def use(self, sign_in_id: str, at: datetime) -> SignIn:
        d = self._one("SELECT doc FROM sign_ins WHERE id = %s FOR UPDATE", (sign_in_id,))
        if d is None:
            raise KeyError(sign_in_id)
        used = dataclasses.replace(SignIn.from_dict(d), used_at=at)
        self._run("UPDATE sign_ins SET doc = %s WHERE id = %s",
                  (Json(used.to_dict()), sign_in_id))
        return used

    def count_for_address(self, email: str, since: datetime) -> int:
        return self._one("SELECT count(*) FROM sign_ins WHERE email = %s AND created_at >= %s",
                         (email.strip().lower(), since))

    def count_for_ip(self, ip: str, since: datetime) -> int:
        return self._one("SELECT count(*) FROM sign_ins WHERE ip = %s AND created_at >= %s",
                         (ip, since))


class Sessions(_Repo):
    def add(self, session: Session) -> Session:
        self._run("DELETE FROM sessions WHERE expires_at < %s",
                  (session.created_at.astimezone(UTC) - KEEP,))
        self._run("INSERT INTO sessions (id, expires_at, doc) VALUES (%s, %s, %s)",
                  (session.id, session.expires_at, Json(session.to_dict())))
        return session

    def get(self, session_id: str) -> Session | None:
        d = self._one("SELECT doc FROM sessions WHERE id = %s", (session_id,))
        return None if d is None else Session.from_dict(d)

    def end(self, session_id: str, at: datetime) -> None:
        d = self._one("SELECT doc FROM sessions WHERE id = %s FOR UPDATE", (session_id,))
        if d is not None:
            ended = dataclasses.replace(Session.from_dict(d), ended_at=at)
            self._run("UPDATE sessions SET doc = %s WHERE id = %s",
                      (Json(ended.to_dict()), session_id))
