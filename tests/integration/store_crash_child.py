"""A writer process for the store's crash and lock tests (run as a script, not collected).

    store_crash_child.py units DATA_DIR LOG [COUNT]   # unit i: ticket + event + outbox + cursor
    store_crash_child.py counter DATA_DIR LOG COUNT TAG  # read-modify-write a shared counter

After each commit returns, the unit's number is appended to LOG: every line
in LOG is a unit the store promised to keep.
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from rules.notices import Ack  # noqa: E402
from rules.plans import Severity  # noqa: E402
from store import Cursor, OutboxRow, Store, Ticket  # noqa: E402

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def one_unit(uow, i: int) -> None:
    at = T0 + timedelta(minutes=i)
    ticket = uow.tickets.add(Ticket(
        account="acme", requester="ana@acme.test", subject=f"unit {i}",
        severity=Severity.MAJOR, created_at=at, contract_year=date(2025, 1, 1),
        message_ids=[f"<unit-{i}@acme.test>"]))
    uow.events.append(ticket.number, "received", at, unit=i)
    uow.outbox.enqueue(OutboxRow(
        id=f"unit-{i}",
        payload=Ack(quota_used=i, quota_included=10**6, quota_extra=0, quota_remaining=1),
        to=["ana@acme.test"], ticket=ticket.number,
        message_id=f"<ack-{i}@support.test>", next_attempt_at=at, created_at=at))
    uow.cursors.set(Cursor(folder="INBOX", uidvalidity=7, last_uid=i))


def units(data_dir: str, log_path: str, count: int | None) -> None:
    store = Store.open(data_dir)
    with store.unit_of_work() as uow:
        cursor = uow.cursors.get("INBOX")
    i = 1 if cursor is None else cursor.last_uid + 1
    with open(log_path, "a") as log:
        while count is None or count > 0:
            with store.unit_of_work() as uow:
                one_unit(uow, i)
                uow.commit()
            log.write(f"{i}\n")
            log.flush()  # the page cache outlives a SIGKILL; no fsync needed
            i += 1
            if count is not None:
                count -= 1


def counter(data_dir: str, log_path: str, count: int, tag: str) -> None:
    """Each unit bumps a shared counter and opens a ticket: lost updates show up."""
    store = Store.open(data_dir)
    with open(log_path, "a") as log:
        for i in range(count):
            with store.unit_of_work() as uow:
                cursor = uow.cursors.get("shared") or Cursor(
                    folder="shared", uidvalidity=1, last_uid=0)
                cursor.last_uid += 1
                uow.cursors.set(cursor)
                uow.tickets.add(Ticket(
                    account=tag, requester=f"{tag}@x.test", subject=f"{tag}-{i}",
                    severity=Severity.TRIVIAL, created_at=T0, contract_year=date(2025, 1, 1)))
                uow.commit()
            log.write(f"{tag}-{i}\n")
            log.flush()
    store.close()


if __name__ == "__main__":
    mode, data_dir, log_path, *rest = sys.argv[1:]
    if mode == "units":
        units(data_dir, log_path, int(rest[0]) if rest else None)
    else:
        counter(data_dir, log_path, int(rest[0]), rest[1])
    os._exit(0)
