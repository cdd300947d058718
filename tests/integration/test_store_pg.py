"""What only the PostgreSQL backend has to get right: a server restart (or failover) under
a running store, and a database that has no schema or another revision."""

from __future__ import annotations

import threading
import time

import pytest

from store import Account
from store.pg.db import PgStore, SchemaProblem


def test_after_a_server_restart_the_next_unit_of_work_just_works(pg_cluster, pg_dsn, tmp_path):
    store = PgStore(pg_dsn, tmp_path / "data")
    try:
        with store.unit_of_work() as uow:
            uow.accounts.add(Account(name="Acme", plan="plus"))
            uow.commit()
        lease = store.lease("imap-reader")
        assert lease.take()
        pg_cluster.restart()  # every pooled connection is now dead
        with store.unit_of_work() as uow:
            assert [a.name for a in uow.accounts.all()] == ["Acme"]
        assert lease.take()  # the lease row outlived the restart: still ours
        assert store.archive.put(b"Subject: x\r\n\r\ny\r\n") in store.archive.shas()
    finally:
        store.close()


def test_a_database_without_the_schema_is_refused_naming_the_command(pg_cluster, tmp_path):
    dsn = pg_cluster.create_database()
    with pytest.raises(SchemaProblem, match="has no intakebot schema.*run `intakebot migrate`"):
        PgStore(dsn, tmp_path / "data")


@pytest.mark.parametrize("dsn, secret", [
    ("host=127.0.0.1 port=1 dbname=x password=top secret", "secret"),
    ("postgresql://intakebot:s3cr%zzet@127.0.0.1:1/x", "s3cr"),
    ("host=127.0.0.1 port=1 dbname=x password='unterminated", "unterminated"),
])
def test_a_malformed_dsn_is_refused_without_showing_any_of_it(dsn, secret, tmp_path):
    # libpq's parse errors quote the text around the mistake: often the password itself
    from store import StoreCorrupt
    from store.pg.db import connect, describe_dsn

    with pytest.raises(StoreCorrupt) as refused:
        PgStore(dsn, tmp_path / "data")
    assert secret not in str(refused.value)
    assert "not a valid" in str(refused.value)
    import psycopg

    with pytest.raises(psycopg.OperationalError) as failed:  # migrate and check catch these
        connect(dsn, connect_timeout=2)
    assert secret not in str(failed.value)
    assert secret not in describe_dsn(dsn)


def test_describe_dsn_drops_every_kind_of_password() -> None:
    from store.pg.db import describe_dsn

    shown = describe_dsn("host=db1 dbname=intakebot user=bot password=pw1 sslpassword=pw2 "
                         "sslkey=/etc/bot.key")
    assert shown == "host=db1 dbname=intakebot user=bot sslkey=/etc/bot.key"
    assert "pw" not in describe_dsn("postgresql://bot:pw1@db1/intakebot?sslpassword=pw2")


def test_the_mailbox_lease_is_renewed_while_every_pooled_connection_is_busy(pg_dsn, tmp_path):
    # Units waiting for the store lock can hold every connection of an instance's pool.
    # A renewal that waited for one (up to the pool's 120 s) let the lease run out after
    # 15 s: another instance took the mailbox while this one, its keeper stuck, read on.
    busy = PgStore(pg_dsn, tmp_path / "busy", pool_size=1)
    other = PgStore(pg_dsn, tmp_path / "other")
    held, done = threading.Event(), threading.Event()

    def hold_the_only_connection() -> None:
        with busy.unit_of_work() as uow:
            uow.accounts.all()
            held.set()
            done.wait(30)

    holder = threading.Thread(target=hold_the_only_connection)
    try:
        mine, theirs = busy.lease("imap-reader"), other.lease("imap-reader")
        assert mine.take()
        holder.start()
        assert held.wait(10)
        started = time.monotonic()
        assert mine.take()  # renewed at once, on the lease's own connection
        assert time.monotonic() - started < 2
        assert not theirs.take()
        assert mine.holder_now() == mine.holder
    finally:
        done.set()
        holder.join(10)
        busy.close()
        other.close()


def test_a_job_lock_lost_with_its_connection_ends_quietly(pg_cluster, pg_dsn, tmp_path):
    # A restart or failover during delivery drops the lock with the connection; the
    # deliveries were recorded by units of their own and must not be reported as failed
    # by an error from giving back a lock that no longer exists.
    store = PgStore(pg_dsn, tmp_path / "data")
    try:
        with store.job_lock("deliver") as mine:
            assert mine
            pg_cluster.restart()
        with pytest.raises(KeyError), store.job_lock("deliver") as mine:
            assert mine
            pg_cluster.restart()
            raise KeyError("the job's own error")  # comes out as it went in
        with store.job_lock("deliver") as mine:
            assert mine
    finally:
        store.close()
