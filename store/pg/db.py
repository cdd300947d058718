"""The Store on PostgreSQL: a pool of connections, one transaction per unit of work, raw mail
and files in the database, and leases for the jobs one instance at a time may do.

Several instances (machines) share one database: nothing an instance needs lives on
its disk except its own process lock and the outbound Maildir.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import socket
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import orjson
import psycopg
from psycopg.types.json import set_json_dumps, set_json_loads
from psycopg_pool import ConnectionPool

from store.archive import _SHA, attachment_keys, safe_key
from store.history import ALERTS_KEEP, DEDUPE_KEEP, Compaction
from store.locks import Held, process_lock
from store.pg import repos
from store.storage import StoreCorrupt

log = logging.getLogger("intakebot.store")

# the schema revision this code reads and writes (store/pg/migrations/versions)
SCHEMA_HEAD = "0002"
# how long a lease lasts without renewal; its holder renews it well before
LEASE_SECONDS = 15
# how long connecting for a lease, or one of its statements, may take (a renewal that
# cannot be made in time says so, and its holder stops, before the lease runs out)
LEASE_WAIT = 3


class SchemaProblem(StoreCorrupt):
    """The database has no intakebot schema, or one this version does not match."""


def _configure(conn: psycopg.Connection) -> None:
    set_json_dumps(orjson.dumps, conn)
    set_json_loads(orjson.loads, conn)


class BadDsn(psycopg.OperationalError):
    """The DSN does not parse. libpq's own message quotes the text around the mistake,
    often the password itself, so it is never passed on."""


def check_dsn(dsn: str) -> None:
    """BadDsn (an OperationalError, so every caller that reports a failed connection
    reports this too) unless `dsn` is a libpq connection string or URI."""
    try:
        psycopg.conninfo.conninfo_to_dict(dsn)
    except psycopg.ProgrammingError:
        raise BadDsn("the configured dsn is not a valid libpq connection string or URI "
                     "(it is not shown here, as it may hold the password): check its "
                     "quoting, spaces and %-escapes") from None


def connect(dsn: str, **kwargs) -> psycopg.Connection:
    """One connection outside the pool (migrations, the lease holder's checks)."""
    check_dsn(dsn)
    conn = psycopg.connect(dsn, **kwargs)
    _configure(conn)
    return conn


def schema_revision(conn: psycopg.Connection) -> str | None:
    """The revision Alembic recorded, or None when the database has no intakebot schema."""
    exists = conn.execute("SELECT to_regclass('alembic_version')").fetchone()[0]
    if exists is None:
        return None
    row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    return None if row is None else row[0]


# Units of work that write run one at a time across every instance, as they do on a
# data folder: each such transaction first takes this lock, so a ticket read, changed
# by the rules and written back can never lose another unit's change made in between
# (read committed alone would allow that), and quota counts see every opening before
# them.
STORE_LOCK = 0x1D7A_4B07


class _Transaction:
    """The unit of work's connection as its repositories see it: the first statement of
    each transaction begins it as the unit needs (the store lock, or a read-only
    snapshot). So a unit waits for its turn only once it asks something, and gives
    the turn up at commit until it asks again."""

    def __init__(self, conn: psycopg.Connection, read_only: bool) -> None:
        self.conn = conn
        self.read_only = read_only
        self.begun = False
        self.released_later: str | None = None  # a savepoint that ended well

    def _begin(self) -> None:
        if not self.begun:
            self.begun = True
            if self.read_only:
                # a reader needs no turn: one consistent snapshot, and a write fails
                self.conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, "
                                  "READ ONLY")
            else:
                self.conn.execute("SELECT pg_advisory_xact_lock(%s)", (STORE_LOCK,))

    def execute(self, sql, params=None):
        self._begin()
        return self.conn.execute(sql, params)

    def cursor(self):
        self._begin()
        return self.conn.cursor()

    def ended(self) -> None:
        """The transaction was committed or rolled back: the next statement begins anew."""
        self.begun = False
        self.released_later = None

    @property
    def closed(self) -> bool:
        return self.conn.closed


class PgUnitOfWork:
    """`with store.unit_of_work() as uow: ...; uow.commit()`: one transaction.

    Leaving the block without commit (or by an exception) rolls back every change
    since the last commit; a savepoint undoes only its own block.
    """

    def __init__(self, store: PgStore, read_only: bool = False) -> None:
        self._store = store
        self._read_only = read_only
        self._tx: _Transaction | None = None
        self._savepoints = 0

    def __enter__(self) -> PgUnitOfWork:
        tx = self._tx = self._store._take(self._read_only)
        cache = self._cache = repos.UnitCache()
        cache.write_all = self._write_all
        self.accounts = repos.Accounts(tx, cache)
        self.contacts = repos.Contacts(tx, cache)
        self.tickets = repos.Tickets(tx, cache)
        self.events = repos.Events(tx, cache)
        self.outbox = repos.Outbox(tx, cache)
        self.cursors = repos.Cursors(tx, cache)
        self.inbound = repos.Inbound(tx, cache)
        self.sent_alerts = repos.SentAlerts(tx, cache)
        self.sign_ins = repos.SignIns(tx, cache)
        self.sessions = repos.Sessions(tx, cache)
        return self

    def __exit__(self, *exc: object) -> None:
        tx, self._tx = self._tx, None
        self._store._give_back(tx)

    def _active(self) -> _Transaction:
        if self._tx is None:
            raise RuntimeError("commit() outside its `with store.unit_of_work()` block")
        return self._tx

    def _write_all(self) -> None:
        """Send what the repositories hold back (changed tickets, appended rows)."""
        self.tickets.flush()
        self._cache.send_appended(self._active())

    def commit(self) -> None:
        tx = self._active()
        self._write_all()
        tx.conn.commit()
        tx.ended()
        self._cache.clear()  # others may write before this unit asks again

    def rollback(self) -> None:
        tx = self._active()
        tx.conn.rollback()
        tx.ended()
        self._cache.clear()

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """Undo the changes made inside the block if it raises (the error propagates)."""
        tx = self._active()
        self._savepoints += 1
        name = f"sp{self._savepoints}"
        # a savepoint that ended well is released with the next one's start, in one
        # round trip (intake opens one per message); a commit releases it anyway
        self._write_all()  # what was changed before it is kept if it is undone
        done, tx.released_later = tx.released_later, None
        tx.execute(f"RELEASE SAVEPOINT {done}; SAVEPOINT {name}" if done
                   else f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            self._cache.clear()
            tx.released_later = None  # any inside this one are rolled back with it
            if not tx.closed:
                tx.execute(f"ROLLBACK TO SAVEPOINT {name}")
            raise
        else:
            # releasing this one later releases every one inside it too
            tx.released_later = name


class PgRawArchive:
    """Inbound messages as received, by SHA-256, in the raw_mail table."""

    def __init__(self, store: PgStore) -> None:
        self._store = store

    def put(self, raw: bytes) -> str:
        """Archive `raw` under its SHA-256, committed before this returns."""
        return self.put_many([raw])[0]

    def put_many(self, raws: list[bytes]) -> list[str]:
        shas = [hashlib.sha256(r).hexdigest() for r in raws]
        if raws:
            with self._store._using() as conn, conn.cursor() as cur:
                cur.executemany("INSERT INTO raw_mail (sha256, raw) VALUES (%s, %s) "
                                "ON CONFLICT DO NOTHING", list(zip(shas, raws, strict=True)))
        return shas

    def where(self, sha: str) -> str:
        """Where an operator finds the message (`intakebot quarantine show` prints it)."""
        if not _SHA.match(sha):
            raise ValueError(f"{sha!r} is not a lower-case SHA-256 hex digest")
        return f"PostgreSQL table raw_mail, sha256 = '{sha}'"

    def get(self, sha: str) -> bytes:
        if not _SHA.match(sha):
            raise ValueError(f"{sha!r} is not a lower-case SHA-256 hex digest")
        with self._store._using() as conn:
            row = conn.execute("SELECT raw FROM raw_mail WHERE sha256 = %s", (sha,)).fetchone()
        if row is None:
            raise KeyError(sha)
        return bytes(row[0])

    def __contains__(self, sha: str) -> bool:
        with self._store._using() as conn:
            return conn.execute("SELECT 1 FROM raw_mail WHERE sha256 = %s",
                                (sha,)).fetchone() is not None

    def shas(self) -> list[str]:
        with self._store._connection() as conn:
            return [r[0] for r in conn.execute("SELECT sha256 FROM raw_mail ORDER BY sha256")]


class PgFiles:
    """Bodies and attachments in the files table, under the keys the TinyDB backend uses
    as relative paths ('attachments/1042/report.pdf')."""

    def __init__(self, store: PgStore) -> None:
        self._store = store

    def put_attachment(self, owner: int | str, filename: str, data: bytes) -> str:
        """Store an attachment of a ticket number or message sha; same name and bytes is a no-op."""
        with self._store._using() as conn:
            for key in attachment_keys(owner, filename):
                conn.execute("INSERT INTO files (path, data) VALUES (%s, %s) "
                             "ON CONFLICT DO NOTHING", (key, data))
                held = conn.execute("SELECT data FROM files WHERE path = %s", (key,)).fetchone()
                if bytes(held[0]) == data:
                    return key
        raise AssertionError("unreachable: attachment_keys never ends")

    def read(self, relative: str) -> bytes:
        key = safe_key(relative)
        with self._store._using() as conn:
            row = conn.execute("SELECT data FROM files WHERE path = %s", (key,)).fetchone()
        if row is None:
            raise FileNotFoundError(relative)
        return bytes(row[0])

    def keys(self) -> list[str]:
        with self._store._connection() as conn:
            return [r[0] for r in conn.execute("SELECT path FROM files ORDER BY path")]


class PgLease:
    """A named job only one instance does at a time (reading the mailbox): taken or renewed
    with `take()`, lost when not renewed for LEASE_SECONDS (a dead holder included),
    given up with `release()`. Expiry is judged by the database's clock, the one clock
    every instance shares.

    The lease talks to the database on a connection of its own, never one of the pool:
    when units waiting for the store lock hold every pooled connection, a renewal that
    waited for one would outlast the lease, and another instance would take the mailbox
    while this one, still waiting, reads on. Each statement is bounded by LEASE_WAIT
    seconds, so `take()` answers (False on trouble) well before the lease runs out."""

    def __init__(self, store: PgStore, name: str) -> None:
        self._store = store
        self.name = name
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._conn: psycopg.Connection | None = None
        self._guard = threading.Lock()  # the lease keeper and the reader share it

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.close()
            except psycopg.Error:
                pass

    def _one(self, sql: str, params: tuple) -> tuple | None:
        """One autocommitted statement on the lease's connection, (re)opened as needed;
        a connection the server dropped (a restart) is replaced once."""
        with self._guard:
            for attempt in (1, 2):
                if self._conn is None or self._conn.closed:
                    self._drop()
                    self._conn = connect(self._store.dsn, autocommit=True,
                                         connect_timeout=LEASE_WAIT,
                                         tcp_user_timeout=LEASE_WAIT * 1000)
                    self._conn.execute(f"SET statement_timeout = {LEASE_WAIT * 1000}")
                conn = self._conn
                try:
                    cur = conn.execute(sql, params)
                    return cur.fetchone() if cur.description else None
                except psycopg.Error:
                    broken = conn.closed or conn.broken
                    self._drop()
                    if not broken or attempt == 2:
                        raise
        raise AssertionError("unreachable")

    def take(self) -> bool:
        try:
            row = self._one(
                "INSERT INTO leases (name, holder, expires_at) VALUES "
                "(%s, %s, now() + make_interval(secs => %s)) ON CONFLICT (name) DO UPDATE "
                "SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at "
                "WHERE leases.holder = EXCLUDED.holder OR leases.expires_at < now() "
                "RETURNING holder", (self.name, self.holder, LEASE_SECONDS))
        except psycopg.Error as exc:
            log.warning("cannot renew the %s lease: %s", self.name, one_line(exc))
            return False
        return row is not None

    def holder_now(self) -> str | None:
        row = self._one("SELECT holder FROM leases WHERE name = %s AND expires_at > now()",
                        (self.name,))
        return None if row is None else row[0]

    def release(self) -> None:
        try:
            self._one("DELETE FROM leases WHERE name = %s AND holder = %s",
                      (self.name, self.holder))
        except psycopg.Error:
            log.warning("could not give up the %s lease; it ends by itself", self.name)
        with self._guard:
            self._drop()

    def close(self) -> None:
        with self._guard:
            self._drop()


class _Durable:
    def __enter__(self) -> _Durable:
        return self

    def flush(self) -> None:
        pass

    def __exit__(self, *exc: object) -> None:
        pass


class PgStore:
    backend = "postgresql"

    def __init__(self, dsn: str, data_dir: Path, pool_size: int = 8) -> None:
        self.dsn = dsn
        self.data_dir = data_dir
        self._local = threading.local()
        try:
            with connect(dsn, connect_timeout=10) as conn:
                revision = schema_revision(conn)
        except psycopg.OperationalError as exc:
            raise StoreCorrupt(f"cannot connect to PostgreSQL ({describe_dsn(dsn)}): "
                               f"{one_line(exc)}") from None
        if revision != SCHEMA_HEAD:
            found = "no intakebot schema" if revision is None else f"schema {revision}"
            raise SchemaProblem(f"the database ({describe_dsn(dsn)}) has {found}; this version "
                                f"needs schema {SCHEMA_HEAD}: run `intakebot migrate`")
        self._pool = ConnectionPool(dsn, min_size=1, max_size=pool_size, open=True,
                                    configure=_configure, name="intakebot", timeout=120,
                                    # a connection the server dropped (a restart, a
                                    # failover) is replaced before a unit gets it
                                    check=ConnectionPool.check_connection,
                                    kwargs={"autocommit": False})
        self._leases: list[PgLease] = []
        self.archive = PgRawArchive(self)
        self.files = PgFiles(self)

    # -- connections

    def _take(self, read_only: bool) -> _Transaction:
        if getattr(self._local, "tx", None) is not None:
            raise RuntimeError("this thread already has a unit of work open on this store")
        tx = self._local.tx = _Transaction(self._pool.getconn(), read_only)
        return tx

    def _give_back(self, tx: _Transaction | None) -> None:
        self._local.tx = None
        if tx is not None:
            self._return(tx.conn)

    def _return(self, conn: psycopg.Connection) -> None:
        """Back to the pool, its transaction (and so the store lock) ended."""
        if not conn.closed:
            try:
                conn.rollback()
            except psycopg.Error:
                pass
        self._pool.putconn(conn)

    @contextmanager
    def _connection(self) -> Iterator[psycopg.Connection]:
        """A pooled connection for one short group of statements that commits itself."""
        conn = self._pool.getconn()
        try:
            yield conn
        finally:
            self._return(conn)

    @contextmanager
    def _using(self) -> Iterator[psycopg.Connection]:
        """Where raw mail and files are read and written: inside this thread's unit of work
        when one is open (writes commit with it, reads see it, and no second connection
        is needed while it holds the store lock), else on a connection of their own,
        committed at the end."""
        current = getattr(self._local, "tx", None)
        if current is not None:
            yield current
            return
        with self._connection() as conn:
            yield conn
            conn.commit()

    # -- the Store's interface

    def unit_of_work(self, read_only: bool = False) -> PgUnitOfWork:
        """`read_only` (pages that only show): no turn under the store lock, a consistent
        snapshot instead, and a write in it fails."""
        return PgUnitOfWork(self, read_only)

    @contextmanager
    def job_lock(self, name: str) -> Iterator[bool]:
        """A job that must not run twice at once on any instance: a session advisory lock
        on a connection of its own, dropped by the server with a dead holder."""
        with self._connection() as conn:
            conn.autocommit = True
            try:
                got = conn.execute("SELECT pg_try_advisory_lock(hashtextextended(%s, 0))",
                                   (f"job:{name}",)).fetchone()[0]
                try:
                    yield got
                finally:
                    if got:
                        self._unlock_job(conn, name)
            finally:
                if not (conn.closed or conn.broken):  # a dead one is replaced by the pool
                    conn.autocommit = False

    @staticmethod
    def _unlock_job(conn: psycopg.Connection, name: str) -> None:
        """Give a job lock back; when the server dropped the connection (a restart, a
        failover) it dropped the lock with it, and there is nothing to give back."""
        try:
            conn.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))",
                         (f"job:{name}",))
        except psycopg.OperationalError:
            if not (conn.closed or conn.broken):
                raise
            log.warning("the %s job lock was lost with its connection (a database restart?)",
                        name)

    @contextmanager
    def process_lock(self, name: str) -> Iterator[Held]:
        """One bot per data folder on this machine; other machines share the database."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with process_lock(self.data_dir, name) as held:
            yield held

    def lease(self, name: str) -> PgLease:
        lease = PgLease(self, name)
        self._leases.append(lease)
        return lease

    def deferred_sync(self, flush: bool = True) -> _Durable:
        """The data folder's batched file sync has nothing to do here: each commit is
        durable in the database already."""
        return _Durable()

    def shared_secret(self, name: str) -> bytes:
        """A secret every instance shares (the support center's signing key), made once."""
        with self._connection() as conn:
            conn.execute("INSERT INTO settings (name, value) VALUES (%s, to_jsonb(%s::text)) "
                         "ON CONFLICT DO NOTHING", (name, secrets.token_hex(32)))
            conn.commit()
            value = conn.execute("SELECT value FROM settings WHERE name = %s",
                                 (name,)).fetchone()[0]
        return bytes.fromhex(value)

    def compact(self, now: datetime) -> Compaction:
        """Prune what only the dedupe and the alert keys needed; tickets stay in their table."""
        done = Compaction()
        with self.unit_of_work() as uow:
            conn = uow._active()
            done.inbound = conn.execute("DELETE FROM inbound WHERE recorded_at < %s",
                                        (now - DEDUPE_KEEP,)).rowcount
            done.alerts = conn.execute("DELETE FROM sent_alerts WHERE at < %s",
                                       (now - ALERTS_KEEP,)).rowcount
            uow.commit()
        return done

    def close(self) -> None:
        for lease in self._leases:
            lease.close()
        self._pool.close()

    def __enter__(self) -> PgStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def describe_dsn(dsn: str) -> str:
    """Where the DSN points (host, port, database, user, then the rest), never its password."""
    try:
        params = psycopg.conninfo.conninfo_to_dict(dsn)
    except psycopg.ProgrammingError:
        return "the configured dsn"
    for key in [k for k in params if "password" in k]:  # password, sslpassword
        del params[key]
    first = [k for k in ("host", "port", "dbname", "user") if k in params]
    keys = first + sorted(k for k in params if k not in first)
    return " ".join(f"{k}={params[k]}" for k in keys) or "the default server"


def one_line(exc: BaseException) -> str:
    """libpq's messages run over several lines: one line for the operator's terminal."""
    return " ".join(str(exc).split())
