"""The unit of work: one lock-holding, all-or-nothing window on the store, with savepoints."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from store.access import Sessions, SignIns
from store.repos import Accounts, Contacts, Cursors, Inbound, Outbox, SentAlerts
from store.tickets import Events, Tickets

if TYPE_CHECKING:
    from store.db import Store


class UnitOfWork:
    """`with store.unit_of_work() as uow: ...; uow.commit()`.

    Holds the store's locks for the whole block; leaving it without commit
    (or after an exception) discards every change made since the last commit.
    """

    accounts: Accounts
    contacts: Contacts
    tickets: Tickets
    events: Events
    outbox: Outbox
    cursors: Cursors
    inbound: Inbound
    sent_alerts: SentAlerts
    sign_ins: SignIns
    sessions: Sessions

    def __init__(self, store: Store) -> None:
        self._store = store
        self._active = False

    def __enter__(self) -> UnitOfWork:
        doc, history = self._store.begin(), self._store.history
        self._active = True
        self._doc = doc
        self.accounts = Accounts(doc)
        self.contacts = Contacts(doc)
        self.tickets = Tickets(doc, history)
        self.events = Events(doc, history)
        self.outbox = Outbox(doc)
        self.cursors = Cursors(doc)
        self.inbound = Inbound(doc)
        self.sent_alerts = SentAlerts(doc)
        self.sign_ins = SignIns(doc)
        self.sessions = Sessions(doc)
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self._doc.rollback_to(0)
        finally:
            self._active = False
            self._store.end()

    def commit(self) -> None:
        """Write everything changed so far in one atomic replace of the hot file."""
        if not self._active:
            raise RuntimeError("commit() outside its `with store.unit_of_work()` block")
        self._store.write()

    def rollback(self) -> None:
        """Discard every change since the last commit; the unit stays usable."""
        self._doc.rollback_to(0)

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """Undo the changes made inside the block if it raises (the error propagates)."""
        mark = self._doc.mark()
        try:
            yield
        except BaseException:
            self._doc.rollback_to(mark)
            raise
