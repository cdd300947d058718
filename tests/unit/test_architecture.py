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
    # the support center uses the intake service functions (intake/service.py), not the
    # mail parsing, and never the notifier: the bot's delivery sends what it queues
    "web": {"notifier", "intakebot", "imapclient", "mailparser", "aiosmtpd", "smtplib",
            "imaplib"},
}
# nothing below the composition root reads the clock: `now` is always an argument
CLOCK_CALLS = {("datetime", "now"), ("datetime", "utcnow"), ("time", "time"),
               ("date", "today"), ("datetime", "today")}


def _imports(path: Path, full: bool = False) -> list[tuple[int, str]]:
    """(line, top-level package imported), or with `full` the whole module name."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name if full else a.name.split(".")[0])
                      for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if full and node.module == "intake":
                found += [(node.lineno, f"intake.{a.name}") for a in node.names]
            else:
                found.append((node.lineno, node.module if full else node.module.split(".")[0]))
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


def test_the_support_center_uses_only_the_intake_service():
    # the same opening and reply path as mail, not the mail handling itself
    bad = [f"{path.relative_to(ROOT)}:{line}" for path in sorted((ROOT / "web").rglob("*.py"))
           for line, name in _imports(path, full=True)
           if name.startswith("intake") and name not in ("intake", "intake.service")]
    assert not bad, bad


def test_the_scan_sees_a_forbidden_import(tmp_path):
    sample = tmp_path / "x.py"
    sample.write_text("import os\nfrom notifier.jobs import deliver_due\n"
                      "from datetime import datetime\nt = datetime.now()\n")
    assert (2, "notifier") in _imports(sample)
    assert _clock_reads(sample) == [4]


# -- no import cycles between modules ---------------------------------------------------

ROOMS = ("rules", "store", "intake", "notifier", "intakebot", "web")


def _modules() -> dict[str, Path]:
    found = {}
    for room in ROOMS:
        for path in sorted((ROOT / room).rglob("*.py")):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


def _type_checking_only(tree: ast.AST) -> set[int]:
    """ids of import nodes under `if TYPE_CHECKING:` (no import happens at run time)."""
    skipped = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            skipped |= {id(n) for child in node.body for n in ast.walk(child)}
    return skipped


def import_graph(modules: dict[str, Path]) -> dict[str, set[str]]:
    """module -> project modules it imports anywhere (module level or inside functions)."""
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skipped = _type_checking_only(tree)
        for node in ast.walk(tree):
            if id(node) in skipped:
                continue
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            else:
                continue
            graph[name] |= {t for t in targets if t in modules and t != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every group of modules that import each other, directly or round a loop."""
    order: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        order[v] = low[v] = len(order)
        stack.append(v)
        for w in sorted(graph[v]):
            if w not in order:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], order[w])
        if low[v] == order[v]:
            group = []
            while True:
                w = stack.pop()
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in sorted(graph):
        if v not in order:
            visit(v)
    return found


def test_no_two_modules_import_each_other():
    # e.g. intake.handler <-> intake.conversation, intakebot.cli <-> intakebot.commands_*:
    # shared types go into a leaf module instead
    assert cycles(import_graph(_modules())) == []


def test_every_command_module_imports_on_its_own():
    import importlib
    import subprocess
    import sys

    names = [n for n in _modules() if n.startswith("intakebot.commands_")]
    assert names
    for name in names:
        importlib.import_module(name)  # in this process, after the others...
        done = subprocess.run([sys.executable, "-c", f"import {name}"], cwd=ROOT,
                              capture_output=True, text=True)
        assert done.returncode == 0, done.stderr  # ...and first, in a fresh one


def test_the_cycle_finder_sees_a_loop():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []
