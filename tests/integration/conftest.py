"""Fixtures of the support center's HTTP tests (test_web*.py)."""

from __future__ import annotations

import pytest

from tests.mailfactory import ALICE
from tests.web_helpers import Desk


@pytest.fixture(params=["tinydb", "postgresql"])
def desk(request, tmp_path):
    """The support center on a seeded desk (see tests/web_helpers.py), on each store backend:
    a data folder in tmp_path, then a fresh PostgreSQL database."""
    store = None
    if request.param == "postgresql":
        from store.pg.db import PgStore

        store = PgStore(request.getfixturevalue("pg_dsn"), tmp_path / "data")
    desk = Desk(tmp_path / "data", store=store)
    yield desk
    desk.close()


@pytest.fixture
def alice(desk):
    """A browser session signed in as Alice (acme, standard plan)."""
    client = desk.client()
    assert desk.sign_in(client, ALICE).headers["location"] == "/tickets"
    return client
