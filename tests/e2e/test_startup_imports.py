"""Start-up stays lean: each command imports its own module and no heavy library it does not
use (bench/bench_startup.py prints the times; tests never assert one)."""

from __future__ import annotations

import importlib
import json
import pkgutil
import subprocess
import sys

import pytest

import intakebot
from intakebot.cli import COMMAND_MODULES, EXTENSIONS
from tests.e2e.e2e_helpers import child_env

# libraries a command that only reads the store has no use for
HEAVY = ("pydantic", "jinja2", "apscheduler", "mailparser", "aiosmtpd", "imapclient",
         "babel", "starlette", "uvicorn", "holidays", "intake", "notifier", "rules.severity",
         "_hashlib")


def command_modules():
    for info in pkgutil.iter_modules(intakebot.__path__):
        if info.name.startswith("commands_"):
            yield info.name, importlib.import_module(f"intakebot.{info.name}")


def test_every_command_is_in_the_table_under_its_module():
    for name, module in command_modules():
        for command in getattr(module, "COMMANDS", []):
            assert COMMAND_MODULES.get(command.name) == name, (command.name, name)
        if getattr(module, "SUBCOMMANDS", None):
            assert name in EXTENSIONS, name
    assert set(COMMAND_MODULES.values()) <= {name for name, _ in command_modules()}


def imported_by(tmp_path, *args) -> set[str]:
    """The modules a fresh process has imported after running `intakebot args...`."""
    code = ("import sys, json, contextlib, io\n"
            "from intakebot.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):\n"  # noqa: E501
            f"    main({list(args)!r})\n"
            "print(json.dumps(sorted(sys.modules)))\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=child_env(),
                          capture_output=True, text=True, timeout=60, check=True)
    return set(json.loads(done.stdout))


def heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY))


@pytest.mark.parametrize("args", [["--help"], ["--data-dir", "d", "tickets"],
                                  ["--data-dir", "d", "account", "list"]])
def test_the_quick_commands_import_no_heavy_library(tmp_path, args):
    modules = imported_by(tmp_path, *args)
    assert heavy(modules) == []


def test_a_command_imports_its_own_module_only(tmp_path):
    modules = imported_by(tmp_path, "--data-dir", "d", "tickets")
    loaded = {m.rsplit(".", 1)[1] for m in modules if m.startswith("intakebot.commands_")}
    assert loaded == {"commands_tickets", "commands_bot"}  # build_app lives in commands_bot


def test_tickets_with_open_tickets_reads_the_kept_holidays(tmp_path):
    # SLA clocks need the support calendar; the holidays library imports every country
    # to give one, so the days of the years around now are kept in the data folder
    def run(*args, stdin=None):
        done = subprocess.run([sys.executable, "-m", "intakebot", "--data-dir", "d", *args],
                              cwd=tmp_path, env=child_env(), input=stdin,
                              capture_output=True, timeout=60)
        assert done.returncode == 0, done.stderr
    run("account", "add", "Acme", "--plan", "plus")
    run("contact", "add", "Acme", "alice@acme.example")
    run("ingest", stdin=b"From: alice@acme.example\r\nTo: support@localhost\r\n"
                        b"Subject: Export fails\r\nMessage-ID: <1@acme.example>\r\n\r\n"
                        b"It stops half way.\r\n")
    run("tickets")  # the first one asks the library and keeps the days

    modules = imported_by(tmp_path, "--data-dir", "d", "tickets")
    assert (tmp_path / "d" / "holidays.json").exists()
    assert "rules.calendar" in modules and heavy(modules) == []
