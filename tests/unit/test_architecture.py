"""The import arrows of the layout: rules is pure, intake and notifier meet only in store."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# room -> rooms (and libraries) it must never import
FORBIDDEN = {
    "rules": {"store", "intake", "notifier", "intakebot", "tinydb", "imapclient", "mailparser",
              "jinja2", "apscheduler", "aiosmtpd", "smtplib", "imaplib"},
    "store": {"intake", "notifier", "intakebot"},
    "intake": {"notifier", "intakebot"},
    "notifier": {"intake", "intakebot"},
}
# nothing below the composition root reads the clock: `now` is always an argument
CLOCK_CALLS = {("datetime", "now"), ("datetime", "utcnow"), ("time", "time"),
               ("date", "today"), ("datetime", "today")}


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name.split(".")[0]) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module.split(".")[0]))
    return found


def _clock_reads(path: Path) -> list[int]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [node.lineno for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and (node.func.value.id, node.func.attr) in CLOCK_CALLS]


@pytest.mark.parametrize("room", sorted(FORBIDDEN))
def test_rooms_import_only_what_the_layout_allows(room):
    bad = [f"{path.relative_to(ROOT)}:{line} imports {name}"
           for path in sorted((ROOT / room).rglob("*.py"))
           for line, name in _imports(path) if name in FORBIDDEN[room]]
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("room", sorted(FORBIDDEN))
def test_no_room_below_the_composition_root_reads_the_clock(room):
    bad = [f"{path.relative_to(ROOT)}:{line}"
           for path in sorted((ROOT / room).rglob("*.py")) for line in _clock_reads(path)]
    assert not bad, "clock read at " + ", ".join(bad)


def test_the_scan_sees_a_forbidden_import(tmp_path):
    sample = tmp_path / "x.py"
    sample.write_text("import os\nfrom notifier.jobs import deliver_due\n"
                      "from datetime import datetime\nt = datetime.now()\n")
    assert (2, "notifier") in _imports(sample)
    assert _clock_reads(sample) == [4]
