"""Store benchmark: commit cost and start-up time against closed history.

For 1k, 10k and 100k historical tickets (10k open; all open for 1k), build the
store, then time one small unit of work (update one open ticket + one event +
commit) before and after `compact()` moved closed history into the per-year
archives, and time start-up (Store.open + first unit of work) after it.

    python3 bench/bench_store.py [--sizes 1000,10000,100000] [--repeat 30]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rules.plans import Severity  # noqa: E402
from store import Store, Ticket  # noqa: E402

NOW = datetime(2025, 6, 2, 12, 0, tzinfo=UTC)
OPEN_MAX = 10_000


def build(data_dir: Path, total: int) -> list[int]:
    """Fill a store; returns the numbers of the open tickets."""
    n_open = min(total, OPEN_MAX)
    n_closed = total - n_open
    span = timedelta(days=4 * 365)  # closed history spread over four years
    store = Store.open(data_dir)
    open_numbers = []
    with store.unit_of_work() as uow:
        for i in range(total):
            closed = i < n_closed
            created = NOW - span + span * (i / max(total, 1)) if closed \
                else NOW - timedelta(hours=(total - i) % 500)
            t = uow.tickets.add(Ticket(
                account=f"acct{i % 200}", requester=f"user{i % 997}@acct{i % 200}.test",
                cc=["boss@example.test"], subject=f"Ticket {i}: the export page times out",
                severity=Severity.MAJOR, severity_reason="default", created_at=created,
                response_due=created + timedelta(days=2), contract_year=date(2025, 1, 1),
                status="closed" if closed else "open",
                first_response_at=created + timedelta(hours=1),
                resolved_at=created + timedelta(days=1) if closed else None,
                closed_at=created + timedelta(days=8) if closed else None,
                message_ids=[f"<m{i}@acct.test>", f"<ack{i}@support.test>"],
                last_message_id=f"<ack{i}@support.test>", updated_at=created))
            uow.events.append(t.number, "received", created, raw=f"{i:064x}", uid=i)
            uow.events.append(t.number, "acknowledged", created + timedelta(minutes=1))
            if not closed:
                open_numbers.append(t.number)
        uow.commit()
    store.close()
    return open_numbers


def commit_once(store: Store, number: int, k: int) -> float:
    start = time.perf_counter()
    with store.unit_of_work() as uow:
        t = uow.tickets.get(number)
        t.updated_at = NOW + timedelta(seconds=k)
        t.assignee = f"agent{k % 3}"
        uow.tickets.update(t)
        uow.events.append(number, "note", t.updated_at, text="looking into it")
        uow.commit()
    return time.perf_counter() - start


STARTUP = """
import sys, time
sys.path.insert(0, sys.argv[1])
from store import Store
t0 = time.perf_counter()
s = Store.open(sys.argv[2])
with s.unit_of_work() as uow:
    uow.tickets.get(int(sys.argv[3]))
print(time.perf_counter() - t0)
"""


def startup(data_dir: Path, number: int) -> float:
    """Store.open + first unit of work, in a fresh process (imports excluded)."""
    out = subprocess.run([sys.executable, "-c", STARTUP, str(ROOT), str(data_dir), str(number)],
                         check=True, capture_output=True, text=True).stdout
    return float(out)


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def run(total: int, repeat: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(dir=Path.cwd()) as tmp:
        data_dir = Path(tmp)
        open_numbers = build(data_dir, total)
        hot = data_dir / "intakebot.json"
        store = Store.open(data_dir)
        before = [commit_once(store, open_numbers[k % len(open_numbers)], k)
                  for k in range(min(repeat, 5))]
        size_before = hot.stat().st_size
        t0 = time.perf_counter()
        store.compact(NOW)
        compact_s = time.perf_counter() - t0
        after = [commit_once(store, open_numbers[k % len(open_numbers)], k + 100)
                 for k in range(repeat)]
        store.close()
        startups = [startup(data_dir, open_numbers[0]) for _ in range(5)]
        archives = sum(p.stat().st_size for p in data_dir.glob("tickets-*.json"))
        return {
            "total": total, "open": len(open_numbers),
            "hot_before_mb": size_before / 1e6, "commit_before_ms": median_ms(before),
            "compact_s": compact_s, "hot_after_mb": hot.stat().st_size / 1e6,
            "archives_mb": archives / 1e6, "commit_ms": median_ms(after),
            "commit_p90_ms": statistics.quantiles(after, n=10)[-1] * 1000,
            "startup_ms": median_ms(startups),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    header = (f"{'tickets':>8} {'open':>6} {'hot MB':>7} {'commit ms':>10} | {'compact s':>9} "
              f"{'hot MB':>7} {'arch MB':>8} {'commit ms':>10} {'p90 ms':>7} {'start ms':>9}")
    print("before compaction ............... | after compaction")
    print(header)
    for total in (int(s) for s in args.sizes.split(",")):
        r = run(total, args.repeat)
        print(f"{r['total']:>8} {r['open']:>6} {r['hot_before_mb']:>7.1f} "
              f"{r['commit_before_ms']:>10.1f} | {r['compact_s']:>9.2f} {r['hot_after_mb']:>7.1f} "
              f"{r['archives_mb']:>8.1f} {r['commit_ms']:>10.1f} {r['commit_p90_ms']:>7.1f} "
              f"{r['startup_ms']:>9.1f}", flush=True)


if __name__ == "__main__":
    main()
