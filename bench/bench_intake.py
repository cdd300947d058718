"""Intake throughput: messages per second from IMAP to committed tickets, beside the floor.

Fills one pymap (or Dovecot) with N mixed messages (`bench/mails.py`), measures the floor
(bare imapclient fetch + mail-parser parse, `bench_fetch.measure_floor`) on them, then runs
`Poller.poll_once` (batch 200) on a fresh store over the same messages: fetch, archive,
parse, handle, commit, move to Processed. Prints the rates and the ratios; with
--profile (or when intake is slower than 1.5x the floor) it refills the server and
prints the top costs of a second intake pass under cProfile.

--backend postgresql (or both) runs intake on a private PostgreSQL cluster on loopback
as well, with fsync on, as a server a desk relies on would run, beside the data folder
on the same mails in the same run.

    python3 bench/bench_intake.py [--n 2000] [--batch 200] [--server pymap|dovecot]
        [--backend tinydb|postgresql|both] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import logging
import pstats
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_fetch import fill, measure_floor, start_server  # noqa: E402
from bench.mails import CONTACTS, SUPPORT, make_mixed_messages  # noqa: E402
from intake.context import IntakeSettings  # noqa: E402
from intake.mailbox import ImapMailbox  # noqa: E402
from intake.pipeline import Pipeline  # noqa: E402
from intake.poller import Poller  # noqa: E402
from rules.policy import default_policy  # noqa: E402
from store import Account, Contact, Store  # noqa: E402

SLOWER_THAN_FLOOR = 1.5
PLANS = {"acme": "standard", "globex": "plus", "initech": "basic"}
AGENTS = ("ana@vendor.example", "luis@vendor.example")


def seed(store: Store, now: datetime) -> None:
    """The mix's accounts and contacts, with tickets enough that no request hits the quota."""
    years = {f"{now.year + k}-01-01": 5000 for k in (-1, 0, 1)}
    with store.unit_of_work() as uow:
        for name, plan in PLANS.items():
            uow.accounts.add(Account(name=name, plan=plan, domains=[f"{name}.example"],
                                     contract_start=date(2000, 1, 1), extra_tickets=years))
        for email, (person, account) in CONTACTS.items():
            uow.contacts.add(Contact(email=email, name=person, account=account))
        uow.commit()


def run_intake(server, data_dir: Path, batch: int,
               profiler: cProfile.Profile | None = None,
               dsn: str | None = None) -> tuple[float, Counter, int]:
    """One timed `poll_once` over everything in INBOX: (seconds, outcomes, tickets).
    With `dsn`, on that (migrated, empty) PostgreSQL database instead of `data_dir`."""
    now = datetime.now(UTC)
    if dsn is None:
        store = Store.open(data_dir)
    else:
        from store.pg.db import PgStore

        store = PgStore(dsn, data_dir)
    try:
        seed(store, now)
        settings = IntakeSettings(support_addresses=(SUPPORT,), support_domain="vendor.example",
                                  agents=AGENTS, notify=AGENTS,
                                  # thousands of mails from a few contacts: load, not robots
                                  per_sender_per_hour=10**6)
        pipeline = Pipeline(store, default_policy(), settings, lambda: now, 25 * 1024 * 1024)
        box = ImapMailbox(server.host, server.port, username=server.username,
                          password=server.password, tls="none", timeout=60)
        poller = Poller(box, pipeline, batch_size=batch, max_bytes=25 * 1024 * 1024)
        box.connect()  # the floor, too, starts timing after LOGIN
        try:
            if profiler is not None:
                profiler.enable()
            started = time.perf_counter()
            handled = poller.poll_once()
            seconds = time.perf_counter() - started
            if profiler is not None:
                profiler.disable()
        finally:
            box.close()
        with store.unit_of_work() as uow:
            tickets = len(uow.tickets.all())
    finally:
        store.close()
    return seconds, Counter(h.outcome for h in handled), tickets


_CLUSTERS: list = []


def postgresql_database(tmp: str) -> str:
    """A private cluster with fsync on (tests/pgcluster.py) and a migrated database."""
    from store.pg.migrate import upgrade
    from tests.pgcluster import start_cluster

    cluster = start_cluster(durable=True)
    _CLUSTERS.append(cluster)
    dsn = cluster.create_database()
    upgrade(dsn)
    return dsn


def profile(server, raws: list[bytes], batch: int, top: int = 25) -> str:
    server.clear()
    fill(server, raws)
    profiler = cProfile.Profile()
    with tempfile.TemporaryDirectory(prefix="intakebot-bench-") as tmp:
        run_intake(server, Path(tmp) / "data", batch, profiler)
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs()
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=2000, help="messages (default 2000)")
    ap.add_argument("--batch", type=int, default=200, help="poller batch size (default 200)")
    ap.add_argument("--floor-repeat", type=int, default=3, help="floor passes (default 3)")
    ap.add_argument("--server", choices=["pymap", "dovecot"], default="pymap")
    ap.add_argument("--profile", action="store_true", help="always profile an intake pass")
    ap.add_argument("--backend", choices=["tinydb", "postgresql", "both"], default="tinydb")
    args = ap.parse_args(argv)
    logging.getLogger("mailparser").setLevel(logging.ERROR)
    logging.getLogger("intakebot").setLevel(logging.WARNING)

    raws = make_mixed_messages(args.n)
    server = start_server(args.server)
    try:
        fill(server, raws)
        floors = [measure_floor(server, batch=args.batch) for _ in range(args.floor_repeat)]
        floor = statistics.median(f.rate for f in floors)
        print(f"{args.n} mixed messages on {args.server}, batch {args.batch}")
        print("floor (imapclient fetch + mail-parser parse): "
              + ", ".join(f"{f.rate:.0f}" for f in floors) + f" msgs/s; median {floor:.0f}")
        backends = ["tinydb", "postgresql"] if args.backend == "both" else [args.backend]
        rates = {}
        for n, backend in enumerate(backends):
            if n:
                server.clear()
                fill(server, raws)
            with tempfile.TemporaryDirectory(prefix="intakebot-bench-") as tmp:
                dsn = postgresql_database(tmp) if backend == "postgresql" else None
                try:
                    seconds, outcomes, tickets = run_intake(server, Path(tmp) / "data",
                                                            args.batch, dsn=dsn)
                finally:
                    if dsn is not None:
                        _CLUSTERS.pop().close()
            left = len(server.uids("INBOX"))
            rate = rates[backend] = args.n / seconds
            ratio = floor / rate
            print(f"intake on {backend} (IMAP -> committed tickets, moved): {seconds:.2f} s = "
                  f"{rate:.0f} msgs/s; floor/intake {ratio:.2f}x")
            print("  outcomes: " + ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items()))
                  + f"; tickets {tickets}; left in INBOX {left}")
            if left or sum(outcomes.values()) != args.n:
                print("WARNING: not every message was handled", file=sys.stderr)
                return 1
        if len(rates) == 2:
            print(f"postgresql/tinydb: {rates['postgresql'] / rates['tinydb']:.2f}")
        ratio = floor / rates[backends[0]]
        if args.profile or ratio > SLOWER_THAN_FLOOR:
            print(f"\nintake is {ratio:.2f}x slower than the floor; cProfile of a second pass:")
            print(profile(server, raws, args.batch))
    finally:
        server.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
