"""Records for the store's tests (test_store.py, test_store_contract.py): a ticket with
defaults, and a Message-ID linked as the outbox writer links one."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta, timezone

from rules.notices import Ack
from rules.plans import Severity
from store import Ticket

MADRID_SUMMER = timezone(timedelta(hours=2))
T0 = datetime(2025, 6, 2, 10, 30, tzinfo=MADRID_SUMMER)
ACK = Ack(quota_used=1, quota_included=50, quota_extra=0, quota_remaining=49)


def ticket(**changes: object) -> Ticket:
    fields: dict[str, object] = dict(
        account="Acme", requester="ana@acme.test", subject="Login page down",
        severity=Severity.BLOCKER, created_at=T0, contract_year=date(2025, 1, 1))
    fields.update(changes)
    return Ticket(**fields)


def link(uow, number: int, mid: str) -> Ticket:
    """Put a Message-ID on a ticket's thread, as the outbox writer does."""
    t = uow.tickets.get(number)
    return uow.tickets.update(dataclasses.replace(t, message_ids=[*t.message_ids, mid]))


def count_and_open(store, tag: str, times: int) -> None:
    """`times` units of work, each adding one to a shared cursor and opening a ticket
    `tag-i`: what concurrent writers must never lose."""
    from store import Cursor

    for i in range(times):
        with store.unit_of_work() as uow:
            cursor = uow.cursors.get("shared") or Cursor(folder="shared", uidvalidity=1,
                                                         last_uid=0)
            cursor.last_uid += 1
            uow.cursors.set(cursor)
            uow.tickets.add(ticket(subject=f"{tag}-{i}"))
            uow.commit()
