"""Every benchmark in one command: `python3 bench/run.py [--quick]`.

Prints, in order: the command line's start-up and the running bot's shutdown,
the business-calendar cost, the store's commit cost and start-up time against
closed history, intake throughput from IMAP beside its fetch-and-parse floor,
the acknowledgement latency of the running bot, and the support center's page
latency under 50 clients while intake runs.
Figures only; nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true",
                    help="smaller sizes (store up to 10k tickets, 500 messages, 20 acks)")
    args = ap.parse_args(argv)
    runs = [
        ("command start-up and shutdown",
         ["bench_startup.py"] + (["--runs", "7", "--stops", "1"] if args.quick else [])),
        ("business calendar", ["bench_calendar.py"]),
        ("store", ["bench_store.py"] + (["--sizes", "1000,10000"] if args.quick else [])),
        ("intake", ["bench_intake.py"] + (["--n", "500"] if args.quick else [])),
        ("acknowledgement latency", ["bench_latency.py"] + (["--n", "20"] if args.quick else [])),
        ("support center under load",
         ["bench_web.py"] + (["--seconds", "5", "--clients", "20"] if args.quick else [])),
    ]
    failed = 0
    for title, cmd in runs:
        print(f"\n### {title}", flush=True)
        done = subprocess.run([sys.executable, str(HERE / cmd[0]), *cmd[1:]])
        failed += done.returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
