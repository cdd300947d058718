"""Schema migrations (Alembic, revisions in store/pg/migrations) and the one-way copy of a
TinyDB data folder into a PostgreSQL database.

The copy is one transaction, taken under the store lock (no unit of work of a
running instance interleaves with it), and safe to re-run: records are written by
their keys (a re-run brings the folder's later changes over, never a second copy),
events and raw mail are append-only and skipped when present, and the ticket
sequence continues after the folder's counter and every number already handed out.
A re-run never takes back what instances did on the database since: an outbox row
marked more often there, a ticket changed later there (its threads are merged, as
an update merges them), an inbound outcome recorded later, a spent sign-in link or
an ended session keep the database's version.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import psycopg
from psycopg.types.json import Json, Jsonb

from store.pg.db import SCHEMA_HEAD, STORE_LOCK, connect, schema_revision
from store.records import normalise_message_id
from store.tickets import thread_union

MIGRATIONS = Path(__file__).with_name("migrations")
# one migration at a time, whichever instance or operator starts it
MIGRATE_LOCK = "intakebot:migrate"


def _alembic(conn: psycopg.Connection):
    import sqlalchemy  # only `intakebot migrate` pays for SQLAlchemy and Alembic
    from alembic.config import Config
    from sqlalchemy.pool import StaticPool

    engine = sqlalchemy.create_engine("postgresql+psycopg://", creator=lambda: conn,
                                      poolclass=StaticPool)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return engine, config


def upgrade(dsn: str) -> tuple[str | None, str]:
    """Bring the schema to SCHEMA_HEAD; returns (revision before, revision after)."""
    from alembic import command

    with connect(dsn) as conn:
        conn.execute("SELECT pg_advisory_lock(hashtextextended(%s, 0))", (MIGRATE_LOCK,))
        conn.commit()
        before = schema_revision(conn)
        conn.commit()
        engine, config = _alembic(conn)
        with engine.begin() as sa:
            config.attributes["connection"] = sa
            command.upgrade(config, "head")
        after = schema_revision(conn)
        conn.commit()
    return before, after


def head_revision() -> str:
    """The newest revision among the migration scripts (what `upgrade` reaches)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config).get_current_head()


def status(dsn: str) -> tuple[str | None, str]:
    """(the database's revision, the one this version needs)."""
    with connect(dsn, connect_timeout=10) as conn:
        return schema_revision(conn), SCHEMA_HEAD


@dataclass
class Copied:
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, table: str, n: int = 1) -> None:
        self.counts[table] = self.counts.get(table, 0) + n


def copy_folder(source, dsn: str) -> Copied:
    """Copy the TinyDB store `source` (an open store.Store) into the database at `dsn`."""
    done = Copied()
    with source.snapshot() as (tables, archived_tickets, archived_events, archived_outbox), \
            connect(dsn) as conn:
        with conn.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", (STORE_LOCK,))
            _copy_records(cur, tables, archived_tickets, archived_events, archived_outbox, done)
            _copy_bytes(cur, source, done)
            secret = source.data_dir / "web-secret"
            if secret.exists() and secret.read_text().strip():
                cur.execute("INSERT INTO settings (name, value) VALUES ('web-secret', %s) "
                            "ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value",
                            (Jsonb(secret.read_text().strip()),))
            next_ticket = tables["meta"]["1"]["next_ticket"]
            # never back: numbers the instances handed out (committed or rolled back) stay used
            cur.execute("SELECT setval('ticket_number', greatest(%s, "
                        "(SELECT coalesce(max(number) + 1, 1000) FROM tickets), "
                        "(SELECT last_value + is_called::int FROM ticket_number)), false)",
                        (next_ticket,))
        conn.commit()
    return done


def _upsert(cur, table: str, key: str, columns: dict[str, object],
            only_if: str | None = None) -> None:
    """Insert, or update the row with the same key (`only_if`: unless the row there has
    moved on since, in the SQL of an ON CONFLICT ... WHERE)."""
    names = list(columns)
    updates = ", ".join(f"{n} = EXCLUDED.{n}" for n in names if n != key)
    where = f" WHERE {only_if}" if only_if else ""
    cur.execute(f"INSERT INTO {table} ({', '.join(names)}) VALUES "
                f"({', '.join(['%s'] * len(names))}) ON CONFLICT ({key}) DO UPDATE SET {updates}"
                f"{where}", [columns[n] for n in names])


def _changed_at(d: dict) -> datetime | None:
    return None if d.get("updated_at") is None else datetime.fromisoformat(d["updated_at"])


def _merged_ticket(folder: dict, there: dict | None) -> dict:
    """The folder's ticket, or the database's when an instance changed it later; either
    way with both copies' threads (they only grow, as in Tickets.update)."""
    if there is None:
        return folder
    theirs, ours = _changed_at(there), _changed_at(folder)
    newer, other = (there, folder) if theirs is not None and (ours is None or theirs > ours) \
        else (folder, there)
    merged = dict(newer, message_ids=thread_union(newer["message_ids"], other["message_ids"]),
                  notice_message_id=newer.get("notice_message_id")
                  or other.get("notice_message_id"))
    if "customer_thread" in newer or "customer_thread" in other:
        merged["customer_thread"] = thread_union(newer.get("customer_thread") or [],
                                                 other.get("customer_thread") or [])
    return merged


def _copy_records(cur, tables, archived_tickets, archived_events, archived_outbox,
                  done: Copied) -> None:
    at = datetime.fromisoformat
    for d in tables["accounts"].values():
        _upsert(cur, "accounts", "name_key", {"name_key": d["name"].lower(), "doc": Json(d)})
        done.add("accounts")
    for d in tables["contacts"].values():
        _upsert(cur, "contacts", "email", {"email": d["email"].lower(),
                                           "account_key": d["account"].lower(), "doc": Json(d)})
        done.add("contacts")
    # the hot copy of a ticket is newer than an archived one
    tickets = {d["number"]: d for d in archived_tickets}
    tickets.update((d["number"], d) for d in tables["tickets"].values())
    cur.execute("SELECT number, doc FROM tickets")
    there = dict(cur.fetchall())
    for number in sorted(tickets):
        d = _merged_ticket(tickets[number], there.get(number))
        _upsert(cur, "tickets", "number", {
            "number": number, "account_key": d["account"].lower(), "status": d["status"],
            "created_at": at(d["created_at"]), "doc": Json(d)})
        for mid in dict.fromkeys(normalise_message_id(m) for m in d["message_ids"]):
            cur.execute("INSERT INTO ticket_message_ids (message_id, ticket) VALUES (%s, %s) "
                        "ON CONFLICT DO NOTHING", (mid, number))
        done.add("tickets")
    events = [*archived_events, *tables["events"].values()]
    for e in events:
        cur.execute("INSERT INTO events (ticket, seq, doc) VALUES (%s, %s, %s) "
                    "ON CONFLICT DO NOTHING", (e["ticket"], e["seq"], Json(e)))
        done.add("events")
    for d in [*archived_outbox, *tables["outbox"].values()]:
        _upsert(cur, "outbox", "id", {
            "id": d["id"], "message_id": normalise_message_id(d["message_id"]),
            "status": d["status"], "kind": d["kind"],
            "next_attempt_at": at(d["next_attempt_at"]), "created_at": at(d["created_at"]),
            "doc": Json(d)},
            # marked more often there (sent by an instance): never pending again
            only_if="(EXCLUDED.doc ->> 'attempts')::int >= (outbox.doc ->> 'attempts')::int")
        done.add("outbox")
    for d in tables["cursors"].values():
        _upsert(cur, "cursors", "folder", {"folder": d["folder"], "doc": Json(d)})
        done.add("cursors")
    for d in tables["inbound"].values():
        _upsert(cur, "inbound", "sha256", {
            "sha256": d["sha256"],
            "message_id": normalise_message_id(d["message_id"]) if d["message_id"] else None,
            "sender": d["sender"].strip().lower() if d["sender"] else None,
            "outcome": d["outcome"], "received_at": at(d["received_at"]),
            "recorded_at": at(d["recorded_at"]), "doc": Json(d)},
            only_if="EXCLUDED.recorded_at >= inbound.recorded_at")
        done.add("inbound")
    for d in tables["sent_alerts"].values():
        _upsert(cur, "sent_alerts", "key", {"key": d["key"], "at": at(d["at"])})
        done.add("sent_alerts")
    for d in tables["sign_ins"].values():
        _upsert(cur, "sign_ins", "id", {
            "id": d["id"], "email": d["email"], "ip": d["ip"],
            "created_at": at(d["created_at"]), "expires_at": at(d["expires_at"]),
            "doc": Json(d)}, only_if="sign_ins.doc ->> 'used_at' IS NULL")  # works once
        done.add("sign_ins")
    for d in tables["sessions"].values():
        _upsert(cur, "sessions", "id", {"id": d["id"], "expires_at": at(d["expires_at"]),
                                        "doc": Json(d)},
                only_if="sessions.doc ->> 'ended_at' IS NULL")  # a sign-out stands
        done.add("sessions")


def _copy_bytes(cur, source, done: Copied) -> None:
    root = source.archive.root
    for path in sorted(root.glob("??/*.eml")):
        sha = path.parent.name + path.stem
        cur.execute("INSERT INTO raw_mail (sha256, raw) VALUES (%s, %s) ON CONFLICT DO NOTHING",
                    (sha, path.read_bytes()))
        done.add("raw_mail")
    files = source.files.root
    for path in sorted(p for p in files.rglob("*") if p.is_file()):
        if path.name.startswith("."):
            continue  # a temp file a crash left
        cur.execute("INSERT INTO files (path, data) VALUES (%s, %s) ON CONFLICT (path) "
                    "DO UPDATE SET data = EXCLUDED.data",
                    (path.relative_to(files).as_posix(), path.read_bytes()))
        done.add("files")
