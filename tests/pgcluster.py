"""A private PostgreSQL cluster for the test session: initdb in a temp folder, a free port on
loopback, trust authentication, one fresh database per test that asks for one."""

from __future__ import annotations

import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.servers import LOOPBACK, ServerUnavailable, free_port

VERSIONS = ("17", "16", "15", "14", "13")


def pg_bin() -> Path | None:
    """Debian keeps the server binaries off PATH, in /usr/lib/postgresql/N/bin."""
    for version in VERSIONS:
        folder = Path(f"/usr/lib/postgresql/{version}/bin")
        if (folder / "initdb").exists():
            return folder
    found = shutil.which("initdb")
    return Path(found).parent if found else None


class PgCluster:
    """`durable` keeps the server's fsync on (benchmarks); tests run without it."""

    def __init__(self, durable: bool = False) -> None:
        self.durable = durable
        self.bin = pg_bin()
        if self.bin is None:
            raise ServerUnavailable("PostgreSQL is not installed (apt-get install postgresql)")
        self.port = free_port()
        self.base = Path(tempfile.mkdtemp(prefix="intakebot-pg-"))
        self.data = self.base / "data"
        self.user = "intakebot"
        self._names = itertools.count(1)
        # the server refuses to run as root: the postgres system user runs it then
        self._as = []
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.base, owner.pw_uid, owner.pw_gid)
            self._as = ["runuser", "-u", "postgres", "--"]

    def _run(self, *args: str) -> None:
        done = subprocess.run([*self._as, *args], capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise ServerUnavailable(f"{args[0]} failed: {done.stderr.strip() or done.stdout}")

    def start(self) -> None:
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U",
                  self.user, "-E", "UTF8", "--no-locale")
        options = f"-k {self.base} -p {self.port} -c listen_addresses={LOOPBACK} " \
            "-c max_connections=200"
        if not self.durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options,
                  "-l", str(self.base / "server.log"), "-w", "-t", "60", "start")

    def restart(self) -> None:
        """Stop the server (dropping every connection, as a restart or failover does) and
        start it again. The log file matters: without one the new server keeps this
        process's pipe open and the call never returns."""
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w",
                  "-l", str(self.base / "server.log"), "restart")

    def dsn(self, dbname: str = "postgres") -> str:
        return f"host={LOOPBACK} port={self.port} user={self.user} dbname={dbname}"

    def create_database(self) -> str:
        """A new empty database; returns its DSN."""
        import psycopg

        name = f"t{os.getpid()}_{next(self._names)}"
        with psycopg.connect(self.dsn(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.dsn(name)

    def close(self) -> None:
        try:
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
        except (ServerUnavailable, subprocess.TimeoutExpired):
            pass
        shutil.rmtree(self.base, ignore_errors=True)


def start_cluster(durable: bool = False) -> PgCluster:
    cluster = PgCluster(durable)
    try:
        cluster.start()
    except BaseException:
        cluster.close()
        raise
    return cluster
