"""The Store on PostgreSQL: a pool of connections, one transaction per unit of work, raw mail
and files in the database, and leases for the jobs one instance at a time may do.

Several instances (machines) share one database: nothing an instance needs lives on
its disk except its own process lock and the outbound Maildir.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import psycopg
from psycopg_pool import ConnectionPool

from store.history import ALERTS_KEEP, DEDUPE_KEEP, Compaction
from store.locks import Held, process_lock
from store.pg import repos
from store.pg.conninfo import BadDsn, check_dsn, configure, connect, describe_dsn, one_line
from store.pg.files import PgFiles, PgRawArchive
from store.pg.lease import LEASE_SECONDS, PgLease
from store.storage import StoreCorrupt

log = logging.getLogger("intakebot.store")

# what callers import from here
__all__ = ["LEASE_SECONDS", "BadDsn", "PgFiles", "PgLease", "PgRawArchive", "PgStore",
           "SchemaProblem", "check_dsn", "connect", "describe_dsn", "one_line",
           "schema_revision"]

# the schema revision this code reads and writes (store/pg/migrations/versions)
SCHEMA_HEAD = "0002"


class SchemaProblem(StoreCorrupt):
    """The database has no intakebot schema, or one this version does not match."""


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
                                    configure=configure, name="intakebot", timeout=120,
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


