"""Leases: a job one instance at a time does (reading the mailbox), held by renewing a row."""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from typing import TYPE_CHECKING

import psycopg

from store.pg.conninfo import connect, one_line

if TYPE_CHECKING:
    from store.pg.db import PgStore

log = logging.getLogger("intakebot.store")

# how long a lease lasts without renewal; its holder renews it well before
LEASE_SECONDS = 15
# how long connecting for a lease, or one of its statements, may take (a renewal that
# cannot be made in time says so, and its holder stops, before the lease runs out)
LEASE_WAIT = 3


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
