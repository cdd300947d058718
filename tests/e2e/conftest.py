"""Helpers for running the CLI as a user does: in-process through `main(argv)`, or as a subprocess.

Every e2e test runs in an empty working folder with no $INTAKEBOT_CONFIG, so no
configuration on the machine can leak into a result.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from pathlib import Path

import pytest

from intakebot.cli import main
from tests.e2e.e2e_helpers import Ran

REPO = Path(__file__).resolve().parents[2]




@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("INTAKEBOT_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture(params=["tinydb", "postgresql"])
def store_section(request) -> dict:
    """[store] for a test's configuration: the data folder, then a fresh PostgreSQL database
    (migrated), so the commands are tried on both backends."""
    if request.param == "tinydb":
        return {"backend": "tinydb"}
    return {"backend": "postgresql", "dsn": request.getfixturevalue("pg_dsn")}


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]):
    """`cli(*args)` runs `intakebot args...` in-process and returns Ran(code, out, err)."""

    def run(*args: str) -> Ran:
        capsys.readouterr()  # drop whatever an earlier call left behind
        code = main([str(a) for a in args])
        captured = capsys.readouterr()
        return Ran(code, captured.out, captured.err)

    return run


@pytest.fixture
def cli_process(tmp_path: Path):
    """`cli_process(*args, input=b"...")` runs `python -m intakebot args...` in tmp_path."""

    def run(*args: str, input: bytes | None = None) -> Ran:
        env = {k: v for k, v in os.environ.items() if k != "INTAKEBOT_CONFIG"}
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
        proc = subprocess.run([sys.executable, "-m", "intakebot", *map(str, args)],
                              cwd=tmp_path, env=env, input=input, capture_output=True,
                              timeout=120)
        return Ran(proc.returncode, proc.stdout.decode(), proc.stderr.decode())

    return run


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


def eml(sender: str, subject: str, body: str, *, to: str = "support@vendor.example",
        message_id: str = "<first@acme.example>", **headers: str) -> bytes:
    """A plain mail as a mail client writes it."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(datetime(2026, 3, 2, 9, 58, tzinfo=UTC))
    msg["Message-ID"] = message_id
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    return msg.as_bytes(policy=SMTP)


@pytest.fixture
def write_eml(tmp_path: Path):
    """`write_eml(name, sender, subject, body, ...)` writes a message file and returns its path."""

    def write(name: str, sender: str, subject: str, body: str, **kwargs) -> Path:
        path = tmp_path / name
        path.write_bytes(eml(sender, subject, body, **kwargs))
        return path

    return write


def assert_clean_failure(ran: Ran, code: int, *words: str) -> None:
    """A user mistake: the given exit code, a message naming `words`, never a traceback."""
    assert ran.code == code, (ran.code, ran.out, ran.err)
    assert "Traceback" not in ran.err and "Traceback" not in ran.out
    for word in words:
        assert word.lower() in ran.err.lower(), (word, ran.err)


@pytest.fixture
def failure():
    return assert_clean_failure
