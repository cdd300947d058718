"""Shared fixtures: real IMAP servers (pymap, Dovecot) and a real SMTP sink, on loopback.

`imap_server` runs each test against pymap and against Dovecot. The servers live for the
whole session; every test starts from an empty mailbox (`clear()`), so tests stay fast.
Dovecot missing: the Dovecot half is skipped on a laptop and fails when CI=true; the same
for `chromium` (headless Chromium for rendered mail, tests/browser.py).
"""

from __future__ import annotations

import os

import pytest

from tests.browser import BrowserUnavailable, start_chromium
from tests.servers import (
    DovecotServer,
    ImapServer,
    PymapServer,
    ServerUnavailable,
    SmtpSink,
    free_port,
    start_dovecot,
    start_pymap,
)

__all__ = ["free_port"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # so `-m imap` / `-m "not imap"` select every test that talks to a real IMAP server
    for item in items:
        if "imap_server" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.imap)


def _unavailable(reason: str, what: str = "the Dovecot half of the suite") -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI must run {what})", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def pymap_server() -> PymapServer:
    try:
        server = start_pymap()
    except ServerUnavailable as exc:
        pytest.fail(str(exc), pytrace=False)
    yield server
    server.close()


@pytest.fixture(scope="session")
def pg_cluster():
    """The session's private PostgreSQL cluster (CI installs Debian's postgresql)."""
    from tests.pgcluster import start_cluster

    try:
        cluster = start_cluster()
    except ServerUnavailable as exc:
        _unavailable(str(exc), "the PostgreSQL backend's tests")
    yield cluster
    cluster.close()


@pytest.fixture
def pg_dsn(pg_cluster) -> str:
    """A fresh database with intakebot's schema, migrated as `intakebot migrate` does."""
    from store.pg.migrate import upgrade

    dsn = pg_cluster.create_database()
    upgrade(dsn)
    return dsn


class Backend:
    """Opens (and reopens) a store of one backend, for the contract tests both pass."""

    def __init__(self, name: str, data_dir, dsn: str | None) -> None:
        self.name, self.data_dir, self.dsn = name, data_dir, dsn

    def open(self):
        if self.name == "postgresql":
            from store.pg.db import PgStore

            return PgStore(self.dsn, self.data_dir)
        from store import Store

        return Store.open(self.data_dir)

    def reopen(self, store):
        store.close()
        return self.open()


@pytest.fixture(params=["tinydb", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path) -> Backend:
    """Each store backend in turn: the data folder, then a fresh PostgreSQL database."""
    dsn = request.getfixturevalue("pg_dsn") if request.param == "postgresql" else None
    return Backend(request.param, tmp_path / "data", dsn)


@pytest.fixture(scope="session")
def dovecot_server() -> DovecotServer:
    try:
        server = start_dovecot()
    except ServerUnavailable as exc:
        _unavailable(str(exc))
    yield server
    server.close()


@pytest.fixture(params=["pymap", "dovecot"])
def imap_server(request: pytest.FixtureRequest) -> ImapServer:
    """An IMAP server with an empty INBOX and no other folder.

    Attributes: `name`, `host`, `port`, `username`, `password`. Helpers (each over its own
    connection): `append(raw, folder="INBOX", internaldate=None)`, `append_many(raws)`,
    `uids(folder)`, `fetch_all(folder)`, `flags(folder)`, `folders()`, `create_folder(name)`,
    `delete_folder(name)`, `uidvalidity(folder)`, `clear()`, `kick()` (server drops every
    session of the user; pymap does it by restarting, which also empties it).
    """
    server: ImapServer = request.getfixturevalue(f"{request.param}_server")
    server.clear()
    return server


@pytest.fixture(scope="session")
def chromium(tmp_path_factory: pytest.TempPathFactory):
    """A headless Chromium driven by Selenium (tests/browser.py). Missing: the browser
    tests are skipped on a laptop and fail when CI=true."""
    try:
        driver = start_chromium(tmp_path_factory.mktemp("chromium-profile"))
    except BrowserUnavailable as exc:
        _unavailable(str(exc), "the browser tests")
    yield driver
    driver.quit()


@pytest.fixture
def smtp_sink() -> SmtpSink:
    """A running aiosmtpd server that records what it accepts (`messages`: mail_from,
    rcpt_tos, content); `stop()`/`start()` on the same port; `fail_next(code, count)`."""
    sink = SmtpSink()
    sink.start()
    yield sink
    sink.stop()
