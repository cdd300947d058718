"""Start-up and shutdown of the installed `intakebot` command, each run as a whole process.

Start-up: the median wall time of `intakebot --help`, `intakebot tickets` and
`intakebot account list` over --runs runs each, from a folder of its own with
$INTAKEBOT_CONFIG set, on a data folder holding one account and three open tickets
(so `tickets` computes SLA clocks); bare `python -c pass` is printed beside them
as the floor. Shutdown: the time from SIGTERM to exit of an idle `intakebot run`,
with the embedded SMTP listener, and with IMAP IDLE against pymap.

    python3 bench/bench_startup.py [--runs 15] [--stops 3]
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.servers import ServerUnavailable, free_port, installed_script, start_pymap  # noqa: E402

READY = "stop with Ctrl-C or SIGTERM"
MAIL = """From: Alice <alice@acme.example>
To: support@vendor.example
Subject: Export {n} fails
Message-ID: <bench-startup-{n}@acme.example>
Date: Mon, 02 Mar 2026 09:58:00 +0100

The export stops half way.
"""


def command() -> list[str]:
    script = installed_script("intakebot")
    return [script] if script else [sys.executable, "-m", "intakebot"]


class Desk:
    """A configuration file and a data folder in a temporary place, and a folder to run in."""

    def __init__(self, base: Path, extra: str = ""):
        self.base = base
        self.config = base / "etc" / "intakebot.toml"
        self.config.parent.mkdir(parents=True, exist_ok=True)
        self.config.write_text(
            '[support]\naddress = "support@vendor.example"\ndata_dir = "data"\n\n'
            '[agents]\naddresses = ["ana@vendor.example"]\n\n'
            f"[smtp_listener]\nport = {free_port()}\n\n{extra}", encoding="utf-8")
        self.cwd = base / "elsewhere"
        self.cwd.mkdir(exist_ok=True)
        self.env = {**os.environ, "INTAKEBOT_CONFIG": str(self.config)}

    def run(self, *args: str) -> subprocess.CompletedProcess:
        done = subprocess.run([*command(), *args], cwd=self.cwd, env=self.env,
                              capture_output=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"intakebot {' '.join(args)}: {done.stderr.decode()}")
        return done

    def fill(self) -> None:
        self.run("account", "add", "Acme", "--plan", "plus", "--domain", "acme.example")
        self.run("contact", "add", "Acme", "alice@acme.example", "--name", "Alice")
        files = []
        for n in range(3):
            path = self.base / f"mail-{n}.eml"
            path.write_text(MAIL.format(n=n).replace("\n", "\r\n"), encoding="utf-8")
            files.append(str(path))
        self.run("ingest", *files)


def wall(argv: list[str], cwd: Path, env: dict, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def startup(desk: Desk, runs: int) -> None:
    print(f"start-up, median of {runs} runs ({' '.join(command())}):")
    floor = wall([sys.executable, "-c", "pass"], desk.cwd, desk.env, runs)
    print(f"  {'python -c pass (floor)':24} {floor * 1000:6.0f} ms")
    for args in (["--help"], ["tickets"], ["account", "list"]):
        median = wall([*command(), *args], desk.cwd, desk.env, runs)
        print(f"  {'intakebot ' + ' '.join(args):24} {median * 1000:6.0f} ms")


def stop_time(desk: Desk, idle_seconds: float) -> float:
    """Start `intakebot run`, let it sit idle, SIGTERM it: seconds until it has exited."""
    log = desk.base / "run.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([*command(), "run"], cwd=desk.cwd, env=desk.env,
                                stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while READY not in log.read_text(errors="replace"):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"intakebot run did not start:\n{log.read_text()}")
            time.sleep(0.05)
        time.sleep(idle_seconds)
        started = time.perf_counter()
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=120)
        took = time.perf_counter() - started
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if code != 0:
        raise RuntimeError(f"intakebot run exited {code}:\n{log.read_text()}")
    return took


def shutdown(base: Path, stops: int) -> None:
    print(f"shutdown of an idle `intakebot run`, SIGTERM to exit, median of {stops}:")
    desk = Desk(base / "listener")
    desk.fill()
    took = statistics.median(stop_time(desk, 2) for _ in range(stops))
    print(f"  {'SMTP listener':24} {took:6.2f} s")
    try:
        server = start_pymap()
    except ServerUnavailable as exc:
        print(f"  IMAP IDLE: skipped ({exc})")
        return
    try:
        imap = (f'[imap]\nhost = "{server.host}"\nport = {server.port}\ntls = "none"\n'
                f'username = "{server.username}"\npassword = "{server.password}"\n')
        desk = Desk(base / "imap", imap)
        took = statistics.median(stop_time(desk, 3) for _ in range(stops))
        print(f"  {'IMAP IDLE (pymap)':24} {took:6.2f} s")
    finally:
        server.close()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=15, help="runs per command (default 15)")
    ap.add_argument("--stops", type=int, default=3, help="shutdowns per setup (default 3)")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="intakebot-bench-startup-") as tmp:
        desk = Desk(Path(tmp) / "startup")
        desk.fill()
        startup(desk, args.runs)
        shutdown(Path(tmp), args.stops)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
