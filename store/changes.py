"""Keeping a lifecycle `Change`: the ticket, its events, then its notices through the writer."""

from __future__ import annotations

from rules.lifecycle import Change
from rules.ticket import Ticket
from store.outbox_writer import Answering, OutboxWriter


def keep(uow, writer: OutboxWriter, change: Change,
         answering: Answering | None = None) -> Ticket:
    """Store `change` in `uow` (a ticket numbered 0 is added) and queue its notices."""
    ticket = change.ticket
    if ticket.number == 0:
        ticket = uow.tickets.add(ticket)
    else:
        ticket = uow.tickets.update(ticket)
    for event in change.events:
        uow.events.append(ticket.number, event.kind, event.at, raw=event.raw, **event.data)
    for notice in change.notices:
        writer.write(notice, ticket=ticket, answering=answering)
    return uow.tickets.get(ticket.number)
