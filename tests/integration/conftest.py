"""Fixtures of the support center's HTTP tests (test_web*.py)."""

from __future__ import annotations

import pytest

from tests.mailfactory import ALICE
from tests.web_helpers import Desk


@pytest.fixture
def desk(tmp_path):
    """The support center on a seeded desk in tmp_path (see tests/web_helpers.py)."""
    desk = Desk(tmp_path / "data")
    yield desk
    desk.close()


@pytest.fixture
def alice(desk):
    """A browser session signed in as Alice (acme, standard plan)."""
    client = desk.client()
    assert desk.sign_in(client, ALICE).headers["location"] == "/tickets"
    return client
