"""Support-center latency: the ticket list and a ticket page with 50 concurrent clients on an
account with 500 tickets, while intake runs.

Runs the real bot (App + Runner: the SMTP listener, delivery to an aiosmtpd sink, and
the support center in its thread) on a fresh data folder. Acme (standard) gets 500
tickets, half of them answered; the clients are signed-in sessions of one of its
contacts (made in the store: signing in is not what is measured). While they run, a
feeder mails the listener new requests and replies of another account. Prints p50
and p95 per page, the request count, and how much mail intake handled meanwhile.

With --backend postgresql the desk runs on a private PostgreSQL cluster on loopback
(fsync on) instead of a data folder.

    python3 bench/bench_web.py [--tickets 500] [--clients 50] [--seconds 20]
        [--backend tinydb|postgresql]
"""

from __future__ import annotations

import argparse
import http.client
import logging
import random
import secrets
import smtplib
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from intake import service  # noqa: E402
from intakebot.app import App, Runner  # noqa: E402
from intakebot.clock import SystemClock  # noqa: E402
from intakebot.config import parse  # noqa: E402
from intakebot.webserver import SECRET_FILE  # noqa: E402
from notifier.jobs import sweep_sla  # noqa: E402
from rules import lifecycle  # noqa: E402
from rules.lifecycle import Inbound  # noqa: E402
from rules.ticket import Channel  # noqa: E402
from store.access import Session  # noqa: E402
from store.changes import keep  # noqa: E402
from store.outbox_writer import OutboxWriter  # noqa: E402
from store.records import Account, Contact  # noqa: E402
from tests.servers import SmtpSink, free_port  # noqa: E402
from web.auth import SESSION_COOKIE, Keys, session_cookie  # noqa: E402

SUPPORT = "support@vendor.example"
ALICE, ZOE, ANA = "alice@acme.example", "zoe@globex.example", "ana@vendor.example"


def seed(app: App, tickets: int) -> list[int]:
    """Acme with `tickets` tickets (every other one answered by an agent); Globex for the
    feeder. Returns Acme's ticket numbers."""
    now = app.clock()
    with app.store.unit_of_work() as uow:
        start = datetime(now.year, 1, 1).date().isoformat()
        uow.accounts.add(Account(name="Acme", plan="standard", domains=["acme.example"],
                                 contract_start=datetime(2000, 1, 1).date(),
                                 extra_tickets={start: tickets * 2}, created_at=now))
        uow.accounts.add(Account(name="Globex", plan="plus", domains=["globex.example"],
                                 extra_tickets={start: 100_000}, created_at=now))
        uow.contacts.add(Contact(email=ALICE, name="Alice Arias", account="Acme"))
        uow.contacts.add(Contact(email=ZOE, name="Zoe", account="Globex"))
        alice = uow.contacts.get(ALICE)
        writer = OutboxWriter(uow, app.addressing, now)
        numbers = []
        for n in range(tickets):
            at = now - timedelta(hours=3 * (tickets - n))
            request = service.Request(contact=alice, subject=f"Report {n} does not load",
                                      text=f"Report {n} shows an error since this morning.",
                                      at=at, channel=Channel.PHONE if n % 7 == 0
                                      else Channel.MAIL)
            opened = service.open_request(uow, writer, app.policy, request, now=now)
            ticket = opened.ticket
            if n % 2 == 0:
                keep(uow, writer, lifecycle.agent_reply(
                    ticket, Inbound(at=at + timedelta(hours=1), sender=ANA,
                                    text="Please try again now."),
                    agent_name="Ana", now=now))
            numbers.append(ticket.number)
        uow.commit()
    # the SLA mails the backlog is owed (most of it is overdue) are queued now, so that
    # the bench measures a desk in its steady state rather than its first sweep
    sweep_sla(app.store, app.policy, app.addressing, now)
    with app.store.unit_of_work() as uow:
        # the bench measures pages, not 1000 acknowledgements in the sink
        for row in uow.outbox.due(now + timedelta(days=1)):
            uow.outbox.mark_sent(row.id, now)
        uow.commit()
    return numbers


def sessions(app: App, count: int) -> list[str]:
    """Session cookies of Alice's, as signing in would have made them."""
    keys, now = Keys(app.store.shared_secret(SECRET_FILE)), app.clock()
    cookies = []
    with app.store.unit_of_work() as uow:
        for _ in range(count):
            session = uow.sessions.add(Session(
                id=secrets.token_urlsafe(24), email=ALICE, staff=False,
                csrf=secrets.token_urlsafe(24), created_at=now,
                expires_at=now + timedelta(hours=8)))
            cookies.append(session_cookie(keys, session))
        uow.commit()
    return cookies


def client(port: int, cookie: str, numbers: list[int], until: float, out: dict,
           errors: list) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Cookie": f"{SESSION_COOKIE}={cookie}"}
    rnd = random.Random(cookie)
    page = 0
    while time.monotonic() < until:
        kind, path = ("list", "/tickets") if page % 2 == 0 else \
            ("ticket", f"/tickets/{rnd.choice(numbers)}")
        page += 1
        t0 = time.perf_counter()
        try:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
        except OSError as exc:
            errors.append(f"{path}: {exc}")
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            continue
        took = time.perf_counter() - t0
        if response.status != 200:
            errors.append(f"{path}: HTTP {response.status}")
        out[kind].append(took)
    conn.close()


def feeder(port: int, until: float, sent: list) -> None:
    """New requests and replies of Globex by SMTP, about five a second."""
    n = 0
    while time.monotonic() < until:
        raw = (f"From: Zoe <{ZOE}>\r\nTo: {SUPPORT}\r\nSubject: Question {n}\r\n"
               f"Message-ID: <feed-{n}-{time.time_ns()}@globex.example>\r\n"
               f"Date: {datetime.now(UTC):%a, %d %b %Y %H:%M:%S +0000}\r\n\r\n"
               "How do I export a report to PDF?\r\n").encode()
        with smtplib.SMTP("127.0.0.1", port, timeout=60) as smtp:
            smtp.sendmail(ZOE, [SUPPORT], raw)
        sent.append(n)
        n += 1
        time.sleep(0.2)


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else values[0]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tickets", type=int, default=500)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--backend", choices=["tinydb", "postgresql"], default="tinydb")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    sink = SmtpSink()
    sink.start()
    web_port, smtp_port = free_port(), free_port()
    data = Path(tempfile.mkdtemp(prefix="intakebot-web-"))
    cluster, store = None, {"backend": "tinydb"}
    if args.backend == "postgresql":
        from store.pg.migrate import upgrade
        from tests.pgcluster import start_cluster

        cluster = start_cluster(durable=True)
        dsn = cluster.create_database()
        upgrade(dsn)
        store = {"backend": "postgresql", "dsn": dsn, "pool_size": 16}
    config = parse({
        "store": store,
        "support": {"address": SUPPORT, "log_level": "WARNING"},
        "smtp": {"host": sink.host, "port": sink.port, "tls": "none"},
        "smtp_listener": {"enabled": True, "port": smtp_port},
        "agents": {"addresses": [ANA]},
        # one sender writes five mails a second: load, not a robot
        "intake": {"per_sender_per_hour": 100_000},
        "web": {"listen": f"127.0.0.1:{web_port}"},
    }, "<bench>")
    app = App(config, data, SystemClock())
    t0 = time.perf_counter()
    numbers = seed(app, args.tickets)
    cookies = sessions(app, args.clients)
    hot = data / "intakebot.json"
    print(f"seeded {len(numbers)} tickets in {time.perf_counter() - t0:.1f} s on "
          f"{args.backend}" + (f"; hot file {hot.stat().st_size / 1e6:.1f} MB"
                               if hot.exists() else ""))
    runner = Runner(app, deliver_seconds=1)
    runner.start()
    try:
        until = time.monotonic() + args.seconds
        out: dict[str, list[float]] = {"list": [], "ticket": []}
        errors: list[str] = []
        sent: list[int] = []
        threads = [threading.Thread(target=client, args=(web_port, c, numbers, until, out,
                                                          errors)) for c in cookies]
        threads.append(threading.Thread(target=feeder, args=(smtp_port, until, sent)))
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        with app.store.unit_of_work() as uow:
            opened = sum(1 for t in uow.tickets.for_account("Globex"))
    finally:
        runner.stop()
        sink.stop()
        app.close()
        if cluster is not None:
            cluster.close()
    print(f"{args.clients} clients for {args.seconds:.0f} s on {args.tickets} tickets; "
          f"intake meanwhile: {len(sent)} mails sent, {opened} tickets opened")
    for kind, label in (("list", "ticket list (/tickets)"), ("ticket", "ticket page")):
        values = out[kind]
        if not values:
            print(f"{label:24} no answers")
            continue
        print(f"{label:24} n={len(values):5}  p50 {pct(values, 50) * 1000:7.1f} ms  "
              f"p95 {pct(values, 95) * 1000:7.1f} ms")
    if errors:
        print(f"{len(errors)} errors, e.g. {errors[:3]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
