"""What a signed-in contact may read: his own account's tickets, their customer-visible
timeline and its files. Every method is scoped to the account in the call itself, so a
ticket, file or account that is not his answers None (the support center's 404), never
another customer's data. Internal notes, commands, staff notices and escalations are
not on the customer's timeline.
"""

from __future__ import annotations

from datetime import UTC, datetime

from rules.lifecycle import EventKind
from store.records import Account, Event, Ticket

# what the customer saw by mail: his own messages, our acknowledgement, the answers
# relayed to him, resolution, reopening and closing
CUSTOMER_EVENTS = frozenset({EventKind.RECEIVED, EventKind.ACKNOWLEDGED, EventKind.AGENT_REPLY,
                             EventKind.CUSTOMER_REPLY, EventKind.RESOLVED, EventKind.REOPENED,
                             EventKind.CLOSED})


class AccountView:
    """One account's window on the store, inside one unit of work."""

    def __init__(self, uow, account: str) -> None:
        self._uow = uow
        self._key = account.lower()

    def account(self) -> Account | None:
        return self._uow.accounts.get(self._key)

    def page(self, include_closed: bool, start: int, count: int) -> tuple[int, list[Ticket]]:
        """(how many, one page): active tickets first, newest first."""
        return self._uow.tickets.page_for_account(self._key, include_closed, start, count)

    def ticket(self, number: int) -> Ticket | None:
        return self._uow.tickets.get_for_account(number, self._key)

    def timeline(self, number: int) -> list[Event] | None:
        """The ticket's events the customer may see, oldest first; None if not his."""
        ticket = self.ticket(number)
        if ticket is None:
            return None
        events = [e for e in self._uow.events.for_ticket(number) if e.kind in CUSTOMER_EVENTS]
        if ticket.opened_by:
            # an agent's own words when logging a call were written for the agents
            events = [_without_text(e) if e.kind is EventKind.RECEIVED else e for e in events]
        return events

    def attachment(self, number: int, seq: int, index: int) -> str | None:
        """The stored path of a file on a customer-visible message of his ticket."""
        for event in self.timeline(number) or ():
            if event.seq == seq:
                files = event.data.get("attachments") or []
                return files[index] if 0 <= index < len(files) else None
        return None

    def opened_by_since(self, requester: str, since: datetime) -> int:
        """Tickets `requester` opened in the support center since `since` (hourly limit)."""
        return sum(1 for t in self._uow.tickets.for_account(self._key)
                   if t.requester == requester.lower() and t.channel == "web"
                   and t.created_at.astimezone(UTC) >= since.astimezone(UTC))


def _without_text(event: Event) -> Event:
    data = {k: v for k, v in event.data.items() if k not in ("text", "attachments")}
    return Event(ticket=event.ticket, seq=event.seq, at=event.at, kind=event.kind, data=data,
                 raw=None)
