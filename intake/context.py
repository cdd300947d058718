"""What the handling of one inbound message works with: settings, the unit of work, the
outbox writer, and the result it ends in. A leaf: the handling modules import it, it
imports none of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

from intake.parse import InboundMail
from rules.lifecycle import Change, Inbound, Outcome
from rules.notices import Notice
from rules.policy import Policy
from rules.recipients import CcPolicy
from rules.staff import Staff
from rules.text import TEXT_LIMIT
from rules.ticket import Ticket
from store.changes import keep
from store.outbox_writer import Addressing, Answering, OutboxWriter
from store.records import OutboxRow


class Quarantine(Exception):
    """The message cannot be handled as mail; it goes to the quarantine folder with this reason."""


@dataclass(frozen=True)
class IntakeSettings:
    support_addresses: tuple[str, ...]
    support_domain: str
    agents: tuple[str, ...] = ()
    agent_names: Mapping[str, str] = field(default_factory=dict)
    notify: tuple[str, ...] = ()
    managers: tuple[str, ...] = ()
    reopen_days: int = 7
    refusals_per_sender_per_day: int = 3
    # new tickets (and so acknowledgements) per sender per hour; past it mail is
    # recorded for the agents and nothing goes back (a robot cannot make a loop)
    per_sender_per_hour: int = 5
    authserv_id: str | None = None
    cc_policy: CcPolicy = CcPolicy.CONTACTS

    @cached_property
    def staff(self) -> Staff:
        return Staff(agents=tuple(a.lower() for a in self.agents),
                     agent_names=tuple((k.lower(), v) for k, v in self.agent_names.items()),
                     notify=tuple(a.lower() for a in self.notify),
                     managers=tuple(a.lower() for a in self.managers))

    @cached_property
    def addressing(self) -> Addressing:
        return Addressing(self.support_domain, self.staff, CcPolicy(self.cc_policy))

    def is_agent(self, address: str) -> bool:
        return self.staff.is_agent(address)

    def agent_name(self, address: str) -> str:
        return self.staff.name_of(address)


@dataclass
class Result:
    outcome: Outcome
    reason: str
    ticket: Ticket | None = None
    account: str | None = None
    quota_remaining: int | None = None
    outbox: list[OutboxRow] = field(default_factory=list)


class Context:
    """One message's handling: the unit of work, policy, settings, time and the writer."""

    def __init__(self, uow, policy: Policy, settings: IntakeSettings, now: datetime,
                 mail: InboundMail, files=None):
        self.uow = uow
        self.policy = policy
        self.settings = settings
        self.now = now
        self.mail = mail
        self.files = files
        self.writer = OutboxWriter(uow, settings.addressing, now)
        self.auth_reason = ""  # why sender authentication failed, for the outcome

    @property
    def answering(self) -> Answering:
        return Answering(self.mail.sender, self.mail.message_id)

    def keep(self, change: Change) -> Ticket:
        """Store a lifecycle change and queue its mail; mail to a sender answers this one."""
        return keep(self.uow, self.writer, change, self.answering)

    def answer(self, notice: Notice, ticket: Ticket | None = None) -> OutboxRow | None:
        """Queue a mail to this message's sender (a refusal, an error report)."""
        return self.writer.write(notice, ticket=ticket, answering=self.answering)

    def tell(self, notice: Notice, ticket: Ticket | None = None) -> OutboxRow | None:
        """Queue a mail to staff or the ticket's customer."""
        return self.writer.write(notice, ticket=ticket)

    def inbound(self, text: str) -> Inbound:
        """This message as a lifecycle input, its attachments kept as files (filed under
        the message, which exists before any ticket it may open)."""
        attachments: tuple[str, ...] = ()
        if self.files is not None and self.mail.attachments:  # explain writes nothing
            attachments = tuple(
                self.files.put_attachment(self.mail.sha256[:16], a.filename, a.payload)
                for a in self.mail.attachments)
        return Inbound(at=self.mail.received_at, sender=self.mail.sender,
                       text=text[:TEXT_LIMIT], message_id=self.mail.message_id,
                       raw=self.mail.sha256, attachments=attachments)
