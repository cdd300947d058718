"""A ticket as the desk's rules see it: its state, its clocks' inputs and its two threads.

Pure data. How it changes is decided in `rules/lifecycle.py`; how it is kept is
`store/records.py`'s business.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from rules.plans import Severity


class Channel(StrEnum):
    """How a ticket reached the desk."""

    MAIL = "mail"
    WEB = "web"      # the support center
    PHONE = "phone"  # a call an agent logged


class TicketStatus(StrEnum):
    OPEN = "open"
    PENDING = "pending-customer"  # waiting on the customer: the resolution clock pauses
    RESOLVED = "resolved"         # the customer can still reopen it by replying
    CLOSED = "closed"             # final: a reply opens a new ticket

    @property
    def active(self) -> bool:
        """Open or waiting on the customer: its clocks run (or are paused), not stopped."""
        return self in (TicketStatus.OPEN, TicketStatus.PENDING)


@dataclass(kw_only=True)
class Ticket:
    number: int = 0  # assigned by the store when the ticket is added
    account: str
    requester: str
    # everyone else the customer wrote to; who of them is copied is the outbox
    # writer's decision (`[tickets] cc_policy`), made at each mail
    cc: list[str] = field(default_factory=list)
    subject: str
    severity: Severity
    severity_reason: str = ""
    status: TicketStatus = TicketStatus.OPEN
    created_at: datetime
    first_response_at: datetime | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    response_due: datetime | None = None
    resolution_due: datetime | None = None
    contract_year: date
    overage: bool = False
    assignee: str | None = None
    # waiting-on-customer intervals (and time spent resolved before a reopen);
    # an open interval has end None
    paused: list[tuple[datetime, datetime | None]] = field(default_factory=list)
    # every Message-ID that finds this ticket (both threads, and inbound ids we
    # would never write into a header): for matching replies only
    message_ids: list[str] = field(default_factory=list)
    # the customer's thread: valid Message-IDs of mail the customer sent or
    # received, oldest first; the only ids a customer's headers ever carry
    customer_thread: list[str] = field(default_factory=list)
    # the staff thread's root: the first notice to agents
    notice_message_id: str | None = None
    opened_by: str | None = None  # the agent who opened it for the customer, if any
    channel: Channel = Channel.MAIL
    # the language the opening mail was written in ("en", "es"), when it was clear
    language: str | None = None
    updated_at: datetime | None = None

    def __post_init__(self) -> None:
        self.status = TicketStatus(self.status)
        self.severity = Severity(self.severity)
        self.channel = Channel(self.channel)

    @property
    def ref(self) -> str:
        """How people see the number: `#1042`."""
        return f"#{self.number}"
