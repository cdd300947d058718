"""The PostgreSQL backend as an operator meets it: `check` before and after `migrate`, the copy
of a data folder made by the demo (tickets, report, digest and raw mail the same after),
a re-run that changes nothing, and the configuration mistakes named."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from intakebot.demo import START, run_demo

AFTER_DEMO = "2026-03-20T12:00:00+01:00"  # after the demo's simulated fortnight


def write_config(folder: Path, store: str) -> Path:
    path = folder / "intakebot.toml"
    path.write_text(f"[support]\ndata_dir = \"data\"\n\n[store]\n{store}\n")
    return path


@pytest.fixture
def empty_dsn(pg_cluster) -> str:
    return pg_cluster.create_database()


def test_check_says_the_schema_is_missing_until_migrate_makes_it(cli, isolated, empty_dsn):
    config = write_config(isolated, f'backend = "postgresql"\ndsn = "{empty_dsn}"')
    ran = cli("--config", config, "check")
    assert ran.code == 1
    assert "has no intakebot schema; this version needs 0002: run `intakebot migrate`" in ran.out
    refused = cli("--config", config, "tickets")
    assert refused.code == 1
    assert "run `intakebot migrate`" in refused.err

    made = cli("--config", config, "migrate")
    assert made.code == 0, made.err
    assert "schema: none -> 0002" in made.out
    again = cli("--config", config, "migrate")
    assert "schema: current (0002)" in again.out
    ok = cli("--config", config, "check")
    assert ok.code == 0, ok.out
    assert "store: ok, PostgreSQL" in ok.out and "schema 0002 is current" in ok.out
    assert "No open tickets." in cli("--config", config, "tickets").out


def test_migrate_from_a_demo_folder_reproduces_tickets_report_and_digest(
        cli, isolated, empty_dsn):
    folder = run_demo(lambda line: None, isolated / "demo-data")
    tiny = write_config(isolated / "demo-data", 'backend = "tinydb"')
    tiny.write_text(tiny.read_text().replace('data_dir = "data"', 'data_dir = "."'))
    pg_home = isolated / "pg"
    pg_home.mkdir()
    pg = write_config(pg_home, f'backend = "postgresql"\ndsn = "{empty_dsn}"')

    copied = cli("--config", pg, "migrate", "--from", folder)
    assert copied.code == 0, copied.err
    assert "4 tickets" in copied.out and "8 raw_mail" in copied.out

    month = START.strftime("%Y-%m")
    for args in (["tickets", "--all", "--json"],
                 ["report", "--month", month, "--json", "--now", AFTER_DEMO],
                 ["digest", "--json", "--now", AFTER_DEMO],
                 ["ticket", "show", "1000"]):
        before = cli("--config", tiny, *args)
        after = cli("--config", pg, *args)
        assert before.code == after.code == 0, (args, before.err, after.err)
        assert after.out == before.out, args
    tickets = json.loads(cli("--config", pg, "tickets", "--all", "--json").out)
    assert len(tickets) == 4

    # the raw mail arrived whole: each archived message hashes to its key
    from store.pg.db import PgStore

    store = PgStore(empty_dsn, pg_home / "data")
    try:
        shas = store.archive.shas()
        on_disk = sorted(p.parent.name + p.stem for p in (folder / "archive").glob("??/*.eml"))
        assert shas == on_disk
        assert all(hashlib.sha256(store.archive.get(s)).hexdigest() == s for s in shas)
        with store.unit_of_work() as uow:
            next_number = uow.tickets.add(uow.tickets.get(1000)).number
        assert next_number == 1004  # numbering goes on after the folder's
    finally:
        store.close()

    # a second run copies the same records over themselves: nothing doubles
    again = cli("--config", pg, "migrate", "--from", folder)
    assert again.code == 0
    assert again.out.splitlines()[-1] == copied.out.splitlines()[-1]
    assert cli("--config", pg, "tickets", "--all", "--json").out == \
        cli("--config", tiny, "tickets", "--all", "--json").out


def test_configuration_mistakes_are_named(cli, isolated, monkeypatch):
    no_dsn = write_config(isolated, 'backend = "postgresql"')
    ran = cli("--config", no_dsn, "check")
    assert ran.code == 2
    assert 'store.backend = "postgresql" is not valid without store.dsn' in ran.err

    unset = write_config(isolated, 'backend = "postgresql"\ndsn_env = "INTAKEBOT_TEST_DSN"')
    monkeypatch.delenv("INTAKEBOT_TEST_DSN", raising=False)
    ran = cli("--config", unset, "tickets")
    assert ran.code == 2
    assert "store.dsn_env names $INTAKEBOT_TEST_DSN, which is not set" in ran.err

    wrong = write_config(isolated, 'backend = "sqlite"')
    ran = cli("--config", wrong, "tickets")
    assert ran.code == 2
    assert "store.backend = 'sqlite' is not valid: allowed: 'tinydb' or 'postgresql'" in ran.err

    tiny = write_config(isolated, 'backend = "tinydb"')
    ran = cli("--config", tiny, "migrate")
    assert ran.code == 2
    assert 'migrate needs store.backend = "postgresql"' in ran.err

    nowhere = write_config(isolated, 'backend = "postgresql"\n'
                                     'dsn = "host=127.0.0.1 port=1 dbname=x connect_timeout=2"')
    ran = cli("--config", nowhere, "migrate")
    assert ran.code == 1
    assert "cannot connect to PostgreSQL (host=127.0.0.1 port=1 dbname=x" in ran.err

    not_a_folder = write_config(isolated, 'backend = "postgresql"\ndsn = "dbname=x"')
    ran = cli("--config", not_a_folder, "migrate", "--from", isolated / "missing")
    assert ran.code == 2
