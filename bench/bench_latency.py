"""Acknowledgement latency: a customer's mail appended to IMAP -> the ack received by SMTP.

Runs the real bot (App + Runner: IMAP poller with IDLE, APScheduler delivery)
against a pymap server and an aiosmtpd sink, one message at a time, and prints
the median and 95th percentile over N messages.

    python3 bench/bench_latency.py [--n 50] [--server pymap|dovecot]
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_fetch import start_server  # noqa: E402
from intakebot.app import App, Runner  # noqa: E402
from intakebot.clock import SystemClock  # noqa: E402
from intakebot.config import parse  # noqa: E402
from store.records import Account, Contact  # noqa: E402
from tests.servers import SmtpSink  # noqa: E402


def _mail(i: int) -> tuple[str, bytes]:
    mid = f"<latency-{i}-{time.time_ns()}@acme.example>"
    raw = (f"From: Alice <alice@acme.example>\r\nTo: support@vendor.example\r\n"
           f"Subject: Report export question {i}\r\nMessage-ID: {mid}\r\n"
           "Date: Mon, 2 Mar 2026 10:00:00 +0100\r\n\r\n"
           "How can I export a report to PDF?\r\n").encode()
    return mid, raw


def measure(n: int = 50, server_kind: str = "pymap") -> list[float]:
    imap = start_server(server_kind)
    sink = SmtpSink()
    sink.start()
    data = Path(tempfile.mkdtemp(prefix="intakebot-latency-"))
    config = parse({
        "support": {"address": "support@vendor.example", "log_level": "WARNING"},
        "imap": {"host": imap.host, "port": imap.port, "tls": "none",
                 "username": imap.username, "password": imap.password, "idle": True,
                 "poll_seconds": 60},
        "smtp": {"host": sink.host, "port": sink.port, "tls": "none"},
        # one contact sends every message within a minute: load, not a robot
        "intake": {"per_sender_per_hour": 100_000},
    }, "<bench>")
    app = App(config, data, SystemClock())
    with app.store.unit_of_work() as uow:
        uow.accounts.add(Account(name="Acme", plan="standard", created_at=datetime.now(UTC)))
        uow.contacts.add(Contact(email="alice@acme.example", account="Acme"))
        uow.commit()
    runner = Runner(app, deliver_seconds=5)
    runner.start()
    latencies: list[float] = []
    try:
        time.sleep(1.0)  # the poller's first pass and IDLE are under way
        for i in range(n):
            mid, raw = _mail(i)
            started = time.perf_counter()
            imap.append(raw)
            deadline = started + 30
            while time.perf_counter() < deadline:
                if any(mid.encode() in m.content for m in sink.messages):
                    latencies.append(time.perf_counter() - started)
                    break
                time.sleep(0.002)
            else:
                raise RuntimeError(f"no acknowledgement for message {i} within 30 s")
    finally:
        runner.stop()
        app.close()
        sink.stop()
        imap.stop()
    return latencies


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=50)
    parser.add_argument("--server", choices=("pymap", "dovecot"), default="pymap")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    lat = sorted(measure(args.n, args.server))
    p95 = lat[max(0, int(round(0.95 * len(lat))) - 1)]
    print(f"acknowledgement latency over {len(lat)} messages ({args.server}, IDLE): "
          f"median {statistics.median(lat) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, "
          f"max {lat[-1] * 1000:.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
