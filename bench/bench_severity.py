"""Severity triage on the labelled corpora: accuracy and blocker recall on the tuning part
and on the held-out part, apart, by level and by language; and the cost per mail.

The level scored is the one intake opens the ticket with: the definitions' reading and
the learned one weighed together (rules/severity.py), beside the definitions' reading
alone for comparison. The corpora are labelled by the coverage page's definitions. The
learned model is trained on the tuning part, so its tuning figures are not a test: the
held-out part, and `tools/train_severity.py --folds`, are. A customer's
explicit tag ("Severity: blocker") is only a request beside it, and the corpora label
such a line as one.

The held-out file is only scored here, in aggregate: its misses are not listed, so that
nobody tunes against it. --misses lists the tuning part's. --tuning-only leaves the
held-out part alone altogether (not scored, not timed): that is how to run it while
changing the model. A held-out file not written yet is reported missing.

    python3 bench/bench_severity.py [--runs 20] [--misses] [--tuning-only] [--baseline REV]

--baseline REV scores rules/severity.py as it was at git revision REV beside the
current one (e.g. the commit before the triage model), for before/after figures.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Callable
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rules.plans import Severity  # noqa: E402

DATA = ROOT / "tests" / "data" / "severity"
# which file is which, and their history: tests/data/severity/parts.toml
with (DATA / "parts.toml").open("rb") as _fh:
    _parts = tomllib.load(_fh)
PARTS = {"tuning": tuple(_parts["tuning"]), "held-out": tuple(_parts["held_out"])}


def load(name: str) -> list[dict]:
    with (DATA / name).open("rb") as fh:
        return tomllib.load(fh)["mail"]


def baseline(rev: str):
    """rules/severity.py at `rev`, imported as a module of its own."""
    source = subprocess.run(["git", "-C", str(ROOT), "show", f"{rev}:rules/severity.py"],
                            check=True, capture_output=True, text=True).stdout
    path = Path(tempfile.mkdtemp()) / "severity_baseline.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("severity_baseline", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["severity_baseline"] = module
    spec.loader.exec_module(module)
    return module.infer


def level(infer: Callable, mail: dict) -> str:
    """The level the ticket opens with."""
    return infer(mail["subject"], mail["body"], mail.get("headers")).severity.value


def share(rows: list[tuple[dict, str]]) -> str:
    if not rows:
        return "      -"
    right = sum(got == m["expected"] for m, got in rows)
    return f"{right:3}/{len(rows):<3} {right / len(rows):6.1%}"


def recall(rows: list[tuple[dict, str]]) -> str:
    blockers = [(m, got) for m, got in rows if m["expected"] == "blocker"]
    return share(blockers)


def report(infer: Callable, label: str, show_misses: bool, parts: dict) -> None:
    print(f"\n== {label}")
    print(f"{'':28}{'accuracy':>16}   blocker recall")
    for part, files in parts.items():
        rows: list[tuple[dict, str]] = []
        for name in files:
            if not (DATA / name).exists():
                print(f"{part:9}{name:19}   missing (not written yet)")
                continue
            mails = load(name)
            got = [(m, level(infer, m)) for m in mails]
            rows += got
            print(f"{part:9}{name:19}{share(got):>16}   {recall(got)}")
        if not rows:
            continue
        print(f"{part:9}{'all':19}{share(rows):>16}   {recall(rows)}")
        for sev in Severity:
            print(f"{'':11}{sev.value:17}{share([r for r in rows if r[0]['expected'] == sev]):>16}")
        for lang in ("en", "es"):
            pick = [r for r in rows if r[0]["lang"] == lang]
            print(f"{'':11}{lang:17}{share(pick):>16}   {recall(pick)}")
        if show_misses and part == "tuning":
            for m, got in rows:
                if got != m["expected"]:
                    print(f"{'':11}miss {m['id']}: expected {m['expected']}, read {got}")


def cost(infer: Callable, runs: int, parts: dict, typical: bool = False
         ) -> tuple[float, tuple[int, ...]]:
    """(best mean µs per mail in CPU time over `runs` passes, body lengths). `typical`:
    only the middle half of the mails by body length (lengths: its shortest and longest),
    else every mail (lengths: the median)."""
    mails = [m for files in parts.values() for name in files if (DATA / name).exists()
             for m in load(name)]
    lengths = sorted(len(m["body"]) for m in mails)
    if typical:
        low, high = lengths[len(lengths) // 4], lengths[3 * len(lengths) // 4]
        mails = [m for m in mails if low <= len(m["body"]) <= high]
        shown = (low, high)
    else:
        shown = (int(statistics.median(lengths)),)
    for m in mails:
        infer(m["subject"], m["body"], m.get("headers"))  # warm caches
    best = float("inf")
    for _ in range(runs):
        start = time.process_time()
        for m in mails:
            infer(m["subject"], m["body"], m.get("headers"))
        best = min(best, (time.process_time() - start) / len(mails))
    return best * 1e6, shown


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20, help="timed passes (best is shown)")
    parser.add_argument("--misses", action="store_true", help="list the tuning part's misses")
    parser.add_argument("--tuning-only", action="store_true",
                        help="leave the held-out part alone (not scored, not timed)")
    parser.add_argument("--baseline", metavar="REV", help="also score rules/severity.py at REV")
    args = parser.parse_args(argv)
    parts = {"tuning": PARTS["tuning"]} if args.tuning_only else PARTS

    from rules.severity import infer

    candidates = [("as intake opens the ticket: both readings (working tree)", infer),
                  ("the definitions' reading alone (rules/triage.py, learned=False)",
                   partial(infer, learned=False))]
    if args.baseline:
        candidates.insert(0, (f"rules/severity.py at {args.baseline}", baseline(args.baseline)))
    for label, fn in candidates:
        report(fn, label, args.misses, parts)
    print()
    over = "the tuning corpora" if args.tuning_only else "every corpus"
    for label, fn in candidates:
        for typical in (False, True):
            us, chars = cost(fn, args.runs, parts, typical)
            which = (f"the middle half of the mails by length ({chars[0]}-{chars[1]} "
                     f"characters)" if typical else f"all mails (median {chars[0]} characters)")
            print(f"cost, {label}: {us:.0f} µs per mail, {which}; CPU time, best of "
                  f"{args.runs} passes over {over}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
