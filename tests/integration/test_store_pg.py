"""What only the PostgreSQL backend has to get right: a server restart (or failover) under
a running store, and a database that has no schema or another revision."""

from __future__ import annotations

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
