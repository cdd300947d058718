"""Ticket and event repositories: hot tickets in the document, closed history in the archives."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from functools import lru_cache
from typing import Any

from store.document import Document
from store.history import History
from store.records import Event, Ticket, normalise_message_id, ticket_from_dict, ticket_to_dict

# Quota checks read every creation time of an account per new ticket: parse each once.
_instant = lru_cache(maxsize=65536)(datetime.fromisoformat)


def thread_union(first: list[str], second: list[str]) -> list[str]:
    """`first` then the ids of `second` it lacks (compared without angle brackets)."""
    known = {normalise_message_id(m) for m in first}
    extra = [m for m in second if normalise_message_id(m) not in known]
    return [*first, *extra] if extra else list(first)


class Tickets:
    def __init__(self, doc: Document, history: History) -> None:
        self._doc = doc
        self._history = history

    @property
    def _ranges(self) -> dict[str, list[int]]:
        return self._doc.meta["archives"]

    def add(self, ticket: Ticket) -> Ticket:
        """Store a new ticket under the next number (monotonic, never reused)."""
        number = self._doc.meta["next_ticket"]
        self._doc.set_meta(next_ticket=number + 1)
        ticket = dataclasses.replace(ticket, number=number)
        self._doc.put("tickets", str(number), ticket_to_dict(ticket))
        return ticket

    def get(self, number: int) -> Ticket | None:
        d = self._doc.get("tickets", str(number))
        if d is None:
            d = self._history.ticket(self._ranges, number)
        return None if d is None else ticket_from_dict(d)

    def update(self, ticket: Ticket) -> Ticket:
        """Write a changed ticket; an archived one comes back into the hot file.

        A ticket's threads only grow: Message-IDs linked since the caller read its
        copy are kept, so a stale copy can never unlink a mail from its ticket.
        """
        current = self.get(ticket.number)
        if current is None:
            raise KeyError(ticket.number)
        ticket = dataclasses.replace(
            ticket, message_ids=thread_union(current.message_ids, ticket.message_ids),
            customer_thread=thread_union(current.customer_thread, ticket.customer_thread),
            notice_message_id=ticket.notice_message_id or current.notice_message_id)
        self._doc.put("tickets", str(ticket.number), ticket_to_dict(ticket))
        return ticket

    def open(self) -> list[Ticket]:
        """Hot tickets not closed, by number."""
        return [ticket_from_dict(d) for d in self._sorted_hot() if d["status"] != "closed"]

    def all(self, include_archived: bool = False) -> list[Ticket]:
        docs = {d["number"]: d for d in self._history.tickets(self._ranges)} \
            if include_archived else {}
        docs.update((d["number"], d) for d in self._doc.docs("tickets"))
        return [ticket_from_dict(docs[n]) for n in sorted(docs)]

    def for_account(self, account: str, include_archived: bool = False) -> list[Ticket]:
        """One account's tickets by number, hot (and with `include_archived`, archived):
        the support center's listing, scoped to the account in the query itself."""
        key = account.lower()
        docs = {d["number"]: d for d in self._history.tickets(self._ranges)
                if d["account"].lower() == key} if include_archived and self._ranges else {}
        docs.update((d["number"], d) for d in self._doc.find_all("tickets", "account", key))
        return [ticket_from_dict(docs[n]) for n in sorted(docs)]

    def get_for_account(self, number: int, account: str) -> Ticket | None:
        """Ticket `number` only if it is `account`'s (hot or archived); else None."""
        d = self._doc.get("tickets", str(number))
        if d is None:
            d = self._history.ticket(self._ranges, number)
        if d is None or d["account"].lower() != account.lower():
            return None
        return ticket_from_dict(d)

    def page_for_account(self, account: str, include_archived: bool, start: int,
                         count: int) -> tuple[int, list[Ticket]]:
        """(how many, one page of them): an account's tickets, active ones first (only
        those without `include_archived`), newest first; only the page is read whole."""
        key = account.lower()
        docs = {d["number"]: d for d in self._history.tickets(self._ranges)
                if d["account"].lower() == key} if include_archived and self._ranges else {}
        docs.update((d["number"], d) for d in self._doc.find_all("tickets", "account", key))
        active = {"open", "pending-customer"}
        found = sorted((d for d in docs.values() if include_archived or d["status"] in active),
                       key=lambda d: (d["status"] not in active, -d["number"]))
        return len(found), [ticket_from_dict(d) for d in found[start:start + count]]

    def _sorted_hot(self) -> list[dict[str, Any]]:
        return sorted(self._doc.docs("tickets"), key=lambda d: d["number"])

    def by_message_id(self, mid: str) -> Ticket | None:
        """The ticket whose thread holds this Message-ID, hot first, then the archives.
        Of two tickets holding it the first keeps it (the lower number: the index alone
        would answer whichever was written last, so a thread moved at every update)."""
        key = normalise_message_id(mid)
        d = min(self._doc.find_all("tickets", "mid", key), key=lambda t: t["number"],
                default=None)
        if d is None:
            d = self._history.by_message_id(self._ranges, key)
            if d is not None and self._doc.get("tickets", str(d["number"])) is not None:
                d = None  # the hot copy is newer and no longer holds this id
        return None if d is None else ticket_from_dict(d)

    def count_opened(self, account: str, since: datetime, until: datetime) -> int:
        """Tickets of `account` opened in [since, until), hot and archived (for quotas)."""
        key = account.lower()
        hot = self._doc.find_all("tickets", "account", key)
        n = sum(1 for d in hot if since <= _instant(d["created_at"]) < until)
        skip = {d["number"] for d in hot}
        if self._ranges:
            n += self._history.count_opened(self._ranges, key, since, until, skip)
        return n


class Events:
    """The append-only log of each ticket."""

    def __init__(self, doc: Document, history: History) -> None:
        self._doc = doc
        self._history = history

    def _archived(self, number: int) -> list[dict[str, Any]]:
        ranges = self._doc.meta["archives"]
        return self._history.events(ranges, number) if ranges else []

    def append(self, number: int, kind: str, at: datetime, raw: str | None = None,
               **data: Any) -> Event:
        """Add an event; `raw` is the archive sha of the message behind it, if any."""
        hot = self._doc.find_all("events", "ticket", number)
        seq = 1 + max((e["seq"] for e in hot + self._archived(number)), default=0)
        event = Event(ticket=number, seq=seq, at=at, kind=kind, data=data, raw=raw)
        self._doc.put("events", self._doc.new_id("events"), event.to_dict())
        return event

    def for_ticket(self, number: int) -> list[Event]:
        by_seq = {e["seq"]: e for e in self._archived(number)}
        by_seq.update((e["seq"], e) for e in self._doc.find_all("events", "ticket", number))
        return [Event.from_dict(by_seq[s]) for s in sorted(by_seq)]
