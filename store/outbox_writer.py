"""The one writer of outbox rows: it alone turns a notice's audience into addresses, mints
Message-IDs and builds In-Reply-To/References.

It lives in store/ because intake (acknowledgements), the notifier's jobs (SLA
mails, bounce notices, the digest) and the CLI all queue mail, and store/ is the
room all of them may import.

Each ticket has two threads. The customer's thread holds only mail the customer
sent or received; the staff thread holds the notices to agents and managers.
A customer's headers never carry an id of the staff thread, of an agent's own
mail, or an inbound id that is not a valid Message-ID.
"""

from __future__ import annotations

import dataclasses
import os
import random
import re
from dataclasses import dataclass
from datetime import datetime

from rules.addresses import valid_message_id, writable_address
from rules.notices import CUSTOMER_AUDIENCES, Audience, MailKind, Notice
from rules.recipients import CcPolicy, not_copied_because
from rules.staff import Staff
from rules.ticket import Ticket
from store.records import OutboxRow

MAX_REFERENCES = 10
_UNWRITABLE = "the address cannot be written in a mail header"


@dataclass(frozen=True)
class Addressing:
    """What the writer needs to know of the desk."""

    support_domain: str
    staff: Staff = Staff()
    cc_policy: CcPolicy = CcPolicy.CONTACTS


@dataclass(frozen=True)
class Answering:
    """The inbound mail a SENDER-audience notice answers."""

    sender: str
    message_id: str | None = None


# 80 random bits per id, from a generator seeded once per process by the OS: as
# unguessable to a stranger as uuid4, without a system call per mail (which cost
# a tenth of a millisecond each here, two per queued mail)
_random = random.Random(os.urandom(32))


def mint_message_id(kind: MailKind, ticket: int | None, domain: str) -> str:
    """A fresh Message-ID under the support domain; it names the kind and ticket so a
    person reading headers (or a bounce) sees what it was."""
    tag = f"{ticket}." if ticket is not None else ""
    return f"<{kind.value}.{tag}{_random.getrandbits(80):020x}@{domain}>"


def new_row_id() -> str:
    return f"{_random.getrandbits(128):032x}"


def minted_here(message_id: str | None, domain: str) -> bool:
    """Whether a Message-ID has the form this desk mints: our own mail come back."""
    if not message_id:
        return False
    kinds = "|".join(k.value for k in MailKind)
    return re.fullmatch(rf"<(?:{kinds})\.(?:\d+\.)?[0-9a-f]{{20}}@{re.escape(domain)}>",
                        message_id.strip(), re.IGNORECASE) is not None


def copy_decisions(uow, ticket: Ticket,
                   policy: CcPolicy) -> tuple[list[str], list[tuple[str, str]]]:
    """(copied, [(not copied, why)]) among the people on a ticket's thread besides its
    requester, as of now (a contact removed since is no longer copied)."""
    account = uow.accounts.get(ticket.account)
    domains = account.domains if account else []
    copied, left_out = [], []
    for address in ticket.cc:
        contact = uow.contacts.get(address)
        why = not_copied_because(address, account=ticket.account,
                                 contact_account=contact.account if contact else None,
                                 account_domains=domains, policy=policy)
        if why is None and not writable_address(address):
            why = _UNWRITABLE
        if why is None:
            copied.append(address)
        else:
            left_out.append((address, why))
    return copied, left_out


class OutboxWriter:
    """Queues mail in one unit of work: `write(notice, ticket=..., answering=...)`."""

    def __init__(self, uow, addressing: Addressing, now: datetime) -> None:
        self.uow = uow
        self.addressing = addressing
        self.now = now
        self.written: list[OutboxRow] = []

    def write(self, notice: Notice, *, ticket: Ticket | None = None,
              answering: Answering | None = None) -> OutboxRow | None:
        """Queue `notice`; None when nobody it is for can be written to."""
        if ticket is not None:
            ticket = self.uow.tickets.get(ticket.number) or ticket  # the latest copy
        to, cc, dropped = self._recipients(notice, ticket, answering)
        if not to:
            return None
        number = ticket.number if ticket is not None else None
        mid = mint_message_id(notice.kind, number, self.addressing.support_domain)
        in_reply_to, references = self._thread(notice.audience, ticket, answering)
        row = OutboxRow(id=new_row_id(), payload=notice, to=to, cc=cc, ticket=number,
                        message_id=mid, in_reply_to=in_reply_to, references=references,
                        dropped=dropped, next_attempt_at=self.now, created_at=self.now)
        self.uow.outbox.enqueue(row)
        if ticket is not None:
            self._link(ticket, mid, audience=notice.audience)
        self.written.append(row)
        return row

    # -- who

    def _recipients(self, notice: Notice, ticket: Ticket | None,
                    answering: Answering | None):
        staff = self.addressing.staff
        audience = notice.audience
        dropped: list[tuple[str, str]] = []
        cc: list[str] = []
        if audience is Audience.CUSTOMER:
            if ticket is None:
                raise ValueError("a mail to the customer needs its ticket")
            to = [ticket.requester]
            cc, dropped = copy_decisions(self.uow, ticket, self.addressing.cc_policy)
        elif audience is Audience.SENDER:
            if answering is None:
                raise ValueError("a mail answering a sender needs the mail it answers")
            to = [answering.sender]
        elif audience is Audience.AGENTS:
            assignee = staff.address_of(ticket.assignee) if ticket is not None else None
            to = [assignee] if assignee else list(staff.notify)
        elif audience is Audience.ALL_AGENTS:
            to = list(staff.notify)
        elif audience is Audience.ESCALATION:
            to = [*staff.notify, *staff.managers]
        elif audience is Audience.ACCOUNT_TEAM:
            name = ticket.account if ticket is not None else getattr(notice, "account", None)
            account = self.uow.accounts.get(name) if name else None
            to = [*staff.notify, *((account.managers if account else None) or staff.managers)]
        else:
            to = list(staff.managers)
        kept = []
        for address in dict.fromkeys(a.lower() for a in to):
            if writable_address(address):
                kept.append(address)
            else:
                dropped.append((address, _UNWRITABLE))
        cc = [a for a in dict.fromkeys(cc) if a not in kept]
        return kept, cc, dropped

    # -- threading

    def _thread(self, audience: Audience, ticket: Ticket | None,
                answering: Answering | None) -> tuple[str | None, list[str]]:
        if audience is Audience.SENDER:
            mid = answering.message_id if answering else None
            if mid and valid_message_id(mid):
                return mid, [mid]
            return None, []
        if ticket is None:
            return None, []
        if audience in CUSTOMER_AUDIENCES:
            thread = [m for m in ticket.customer_thread if valid_message_id(m)]
            if not thread:
                return None, []
            # answer the customer's latest mail (ours when they have not written)
            domain = self.addressing.support_domain
            theirs = [m for m in thread if not minted_here(m, domain)]
            parent = theirs[-1] if theirs else thread[-1]
            recent = [m for m in thread[1:] if m != parent][-(MAX_REFERENCES - 2):]
            refs = list(dict.fromkeys([thread[0], *recent, parent]))
            return parent, refs
        root = ticket.notice_message_id
        return (root, [root]) if root else (None, [])

    def _link(self, ticket: Ticket, mid: str, *, audience: Audience) -> None:
        """Replies to this mail find the ticket; mail to the customer joins their thread,
        the first notice to staff roots the staff thread. `ticket` is the latest copy."""
        changes: dict = {"message_ids": [*ticket.message_ids, mid]}
        if audience is Audience.CUSTOMER:
            changes["customer_thread"] = [*ticket.customer_thread, mid]
        elif audience is not Audience.SENDER and not ticket.notice_message_id:
            changes["notice_message_id"] = mid
        self.uow.tickets.update(dataclasses.replace(ticket, **changes))
