"""The floor for intake speed: bare imapclient fetch plus mail-parser parse, no intakebot code.

Starts its own pymap (or Dovecot), appends N mixed messages, then times fetching them in
batches (`BODY.PEEK[]` + `INTERNALDATE`) and parsing each with `mailparser.parse_from_bytes`,
from just after LOGIN to the last parse. The intake benchmark reuses `start_server`, `fill`
and `measure_floor` so both figures come from the same run and the same messages.

    python3 bench/bench_fetch.py [--n 2000] [--batch 200] [--repeat 3] [--server pymap|dovecot]
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import mailparser  # noqa: E402
from imapclient import IMAPClient  # noqa: E402

from bench.mails import make_mixed_messages  # noqa: E402
from tests.servers import ImapServer, start_dovecot, start_pymap  # noqa: E402

__all__ = ["Floor", "fill", "measure_floor", "start_dovecot", "start_pymap", "start_server"]


@dataclass(frozen=True)
class Floor:
    messages: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.messages / self.seconds


def start_server(kind: str = "pymap") -> ImapServer:
    """A running, empty server of that kind; call `.close()` when done."""
    return start_pymap() if kind == "pymap" else start_dovecot()


def fill(server: ImapServer, messages: int | list[bytes], folder: str = "INBOX") -> list[bytes]:
    """Append the messages (or `make_mixed_messages(n)`) in order; returns what was appended."""
    raws = make_mixed_messages(messages) if isinstance(messages, int) else list(messages)
    server.append_many(raws, folder)
    return raws


def measure_floor(server: ImapServer, *, batch: int = 200, folder: str = "INBOX") -> Floor:
    """Fetch every message of `folder` in batches and parse each; read-only, repeatable."""
    client = IMAPClient(server.host, port=server.port, ssl=False, timeout=60)
    client.normalise_times = False
    client.login(server.username, server.password)
    try:
        started = time.perf_counter()
        client.select_folder(folder, readonly=True)
        uids = sorted(client.search(["ALL"]))
        parsed = 0
        for i in range(0, len(uids), batch):
            rows = client.fetch(uids[i : i + batch], ["BODY.PEEK[]", "INTERNALDATE"])
            for uid in uids[i : i + batch]:
                mail = mailparser.parse_from_bytes(rows[uid][b"BODY[]"])
                parsed += mail.subject is not None
        seconds = time.perf_counter() - started
    finally:
        client.logout()
    if parsed != len(uids):
        raise RuntimeError(f"parsed {parsed} of {len(uids)} messages")
    return Floor(len(uids), seconds)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=2000, help="messages to append (default 2000)")
    ap.add_argument("--batch", type=int, default=200, help="UIDs per FETCH (default 200)")
    ap.add_argument("--repeat", type=int, default=3, help="timed passes (default 3)")
    ap.add_argument("--server", choices=["pymap", "dovecot"], default="pymap")
    args = ap.parse_args(argv)
    # mail-parser logs every MIME part it does not know (delivery reports): not our concern here
    logging.getLogger("mailparser").setLevel(logging.ERROR)

    server = start_server(args.server)
    try:
        fill(server, args.n)
        runs = [measure_floor(server, batch=args.batch) for _ in range(args.repeat)]
    finally:
        server.close()
    for r in runs:
        print(f"  {r.messages} messages in {r.seconds:.2f} s = {r.rate:.0f} msgs/s")
    median = statistics.median(r.rate for r in runs)
    print(f"floor ({args.server}, batch {args.batch}): median {median:.0f} msgs/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
