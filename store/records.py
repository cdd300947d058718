"""The records the store keeps, and their explicit JSON form (no pickles).

Datetimes must be timezone-aware and are written as ISO 8601 with their offset;
dates are ISO strings. `to_dict`/`from_dict` are the only (de)serialisers.
One record type after another, each with its pair of (de)serialisers: long, flat.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum
from typing import Any

from rules.lifecycle import EventKind, Outcome
from rules.notices import (
    Audience,
    MailKind,
    Notice,
    datetime_fields,
    field_names,
    notice_class,
    tuple_fields,
)
from rules.plans import Severity
from rules.ticket import Channel, Ticket, TicketStatus

__all__ = ["Account", "Contact", "Cursor", "Event", "InboundOutcome", "OutboxRow", "Ticket",
           "ticket_from_dict", "ticket_to_dict", "normalise_message_id"]

OUTBOX_STATUSES = ("pending", "sent", "failed")
EVENT_KINDS = frozenset(k.value for k in EventKind)


def _dt(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"naive datetime {value!r}: the store keeps aware times only")
    return value.isoformat()


def _parse_dt(value: str | None) -> datetime | None:
    if value is None:
        return None
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError(f"stored time {value!r} has no offset")
    return parsed


def _d(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _parse_d(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)


def _json_value(value: Any) -> Any:
    """Free-form `data` dicts: times become ISO strings (and stay strings on reading)."""
    if isinstance(value, datetime):
        return _dt(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k): _json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_json_value(v) for v in value]
    return value


def _check(value: str, allowed: tuple[str, ...] | frozenset[str], what: str) -> None:
    if value not in allowed:
        raise ValueError(f"{what} {value!r} is not one of {', '.join(sorted(allowed))}")


def normalise_message_id(mid: str) -> str:
    """The form Message-IDs are compared in: no angle brackets or surrounding space."""
    return mid.strip().strip("<>").strip()


@dataclass(kw_only=True)
class Account:
    name: str
    plan: str
    domains: list[str] = field(default_factory=list)
    contract_start: date = date(2000, 1, 1)
    # extra tickets bought, keyed by the ISO start date of the contract year they apply to
    extra_tickets: dict[str, int] = field(default_factory=dict)
    overage_policy: str | None = None
    timezone: str | None = None
    created_at: datetime | None = None
    # the vendor's managers of this account (told when it runs out of tickets);
    # empty: the desk's [managers]
    managers: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "plan": self.plan,
            "domains": [d.lower() for d in self.domains],
            "contract_start": _d(self.contract_start),
            "extra_tickets": {str(k): int(v) for k, v in self.extra_tickets.items()},
            "overage_policy": self.overage_policy, "timezone": self.timezone,
            "created_at": _dt(self.created_at),
            "managers": [m.lower() for m in self.managers],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Account:
        return cls(
            name=d["name"], plan=d["plan"], domains=list(d["domains"]),
            contract_start=_parse_d(d["contract_start"]),
            extra_tickets=dict(d["extra_tickets"]), overage_policy=d["overage_policy"],
            timezone=d["timezone"], created_at=_parse_dt(d["created_at"]),
            managers=list(d.get("managers", [])),
        )


@dataclass(kw_only=True)
class Contact:
    email: str
    account: str
    name: str | None = None
    added_at: datetime | None = None
    # what mail to them is written in and shown in; None: guessed per ticket / the desk's
    language: str | None = None
    timezone: str | None = None

    def __post_init__(self) -> None:
        self.email = self.email.strip().lower()

    def to_dict(self) -> dict[str, Any]:
        return {"email": self.email, "name": self.name, "account": self.account,
                "added_at": _dt(self.added_at), "language": self.language,
                "timezone": self.timezone}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Contact:
        # contacts stored before language and timezone existed have neither key
        return cls(email=d["email"], name=d["name"], account=d["account"],
                   added_at=_parse_dt(d["added_at"]), language=d.get("language"),
                   timezone=d.get("timezone"))


def ticket_to_dict(ticket: Ticket) -> dict[str, Any]:
    return {
        "number": ticket.number, "account": ticket.account, "requester": ticket.requester,
        "cc": list(ticket.cc), "subject": ticket.subject,
        "severity": Severity(ticket.severity).value, "severity_reason": ticket.severity_reason,
        "status": TicketStatus(ticket.status).value, "created_at": _dt(ticket.created_at),
        "first_response_at": _dt(ticket.first_response_at),
        "resolved_at": _dt(ticket.resolved_at), "closed_at": _dt(ticket.closed_at),
        "response_due": _dt(ticket.response_due), "resolution_due": _dt(ticket.resolution_due),
        "contract_year": _d(ticket.contract_year), "overage": bool(ticket.overage),
        "assignee": ticket.assignee,
        "paused": [[_dt(s), _dt(e)] for s, e in ticket.paused],
        "message_ids": list(ticket.message_ids),
        "customer_thread": list(ticket.customer_thread),
        "notice_message_id": ticket.notice_message_id, "opened_by": ticket.opened_by,
        "channel": Channel(ticket.channel).value,
        "language": ticket.language, "updated_at": _dt(ticket.updated_at),
    }


def ticket_from_dict(d: dict[str, Any]) -> Ticket:
    # data folders written before the two threads kept only the latest customer id
    thread = d.get("customer_thread")
    if thread is None:
        thread = [d["last_message_id"]] if d.get("last_message_id") else []
    return Ticket(
        number=d["number"], account=d["account"], requester=d["requester"],
        cc=list(d["cc"]), subject=d["subject"], severity=Severity(d["severity"]),
        severity_reason=d["severity_reason"], status=TicketStatus(d["status"]),
        created_at=_parse_dt(d["created_at"]),
        first_response_at=_parse_dt(d["first_response_at"]),
        resolved_at=_parse_dt(d["resolved_at"]), closed_at=_parse_dt(d["closed_at"]),
        response_due=_parse_dt(d["response_due"]),
        resolution_due=_parse_dt(d["resolution_due"]),
        contract_year=_parse_d(d["contract_year"]), overage=d["overage"],
        assignee=d["assignee"],
        paused=[(_parse_dt(s), _parse_dt(e)) for s, e in d["paused"]],
        message_ids=list(d["message_ids"]), customer_thread=list(thread),
        notice_message_id=d.get("notice_message_id"), opened_by=d.get("opened_by"),
        # tickets stored before channels existed all came by mail
        channel=Channel(d.get("channel", "mail")),
        language=d.get("language"), updated_at=_parse_dt(d["updated_at"]),
    )


@dataclass(kw_only=True)
class Event:
    ticket: int
    seq: int
    at: datetime
    kind: EventKind
    data: dict[str, Any] = field(default_factory=dict)
    raw: str | None = None  # sha256 of the raw message in the archive, if any

    def __post_init__(self) -> None:
        self.kind = EventKind(self.kind)

    def to_dict(self) -> dict[str, Any]:
        return {"ticket": self.ticket, "seq": self.seq, "at": _dt(self.at),
                "kind": self.kind.value, "data": _json_value(self.data), "raw": self.raw}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Event:
        return cls(ticket=d["ticket"], seq=d["seq"], at=_parse_dt(d["at"]), kind=d["kind"],
                   data=dict(d["data"]), raw=d["raw"])


def _payload_to_dict(notice: Notice) -> dict[str, Any]:
    return _json_value(notice.payload())


def _upgrade(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    """A payload written before the typed notices, in their terms (rows still pending
    or kept for bounces when the bot is upgraded)."""
    if kind == "refused_unauthorised" and "contacts" in data:
        data = dict(data)
        # the old rows kept a name, or else the address: addresses are never shown now
        listed = data.pop("contacts") or []
        data["contact_names"] = [c for c in listed if "@" not in c]
        data["unnamed_contacts"] = sum(1 for c in listed if "@" in c)
    return data


def _payload_from_dict(kind: str, audience: str | None, data: dict[str, Any]) -> Notice:
    cls = notice_class(kind, audience)
    times, tuples = datetime_fields(cls), tuple_fields(cls)
    known = field_names(cls)
    values = {}
    for name, value in _upgrade(kind, data).items():
        if name not in known:
            continue  # a key an older version wrote (e.g. the refused sender's address)
        if name in times:
            value = _parse_dt(value)
        elif name in tuples:
            value = tuple(value)
        values[name] = value
    return cls(**values)


@dataclass(kw_only=True)
class OutboxRow:
    """One mail to send. Only the outbox writer (`store/outbox_writer.py`) creates them."""

    id: str  # minted by the outbox writer
    payload: Notice
    to: list[str]
    cc: list[str] = field(default_factory=list)
    ticket: int | None = None
    message_id: str
    in_reply_to: str | None = None
    references: list[str] = field(default_factory=list)
    # addresses the writer left out of this mail, with why: [(address, why)]
    dropped: list[tuple[str, str]] = field(default_factory=list)
    status: str = "pending"
    attempts: int = 0
    next_attempt_at: datetime
    created_at: datetime
    sent_at: datetime | None = None
    last_attempt_at: datetime | None = None
    last_error: str | None = None

    @property
    def kind(self) -> MailKind:
        return self.payload.kind

    @property
    def audience(self) -> Audience:
        return self.payload.audience

    def to_dict(self) -> dict[str, Any]:
        _check(self.status, OUTBOX_STATUSES, "outbox status")
        return {
            "id": self.id, "kind": self.kind.value, "audience": self.audience.value,
            "to": list(self.to), "cc": list(self.cc),
            "ticket": self.ticket, "message_id": self.message_id,
            "in_reply_to": self.in_reply_to, "references": list(self.references),
            "data": _payload_to_dict(self.payload),
            "dropped": [list(d) for d in self.dropped], "status": self.status,
            "attempts": self.attempts,
            "next_attempt_at": _dt(self.next_attempt_at), "created_at": _dt(self.created_at),
            "sent_at": _dt(self.sent_at), "last_attempt_at": _dt(self.last_attempt_at),
            "last_error": self.last_error,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> OutboxRow:
        return cls(
            id=d["id"], payload=_payload_from_dict(d["kind"], d.get("audience"), d["data"]),
            to=list(d["to"]), cc=list(d["cc"]), ticket=d["ticket"],
            message_id=d["message_id"], in_reply_to=d["in_reply_to"],
            references=list(d["references"]),
            dropped=[(a, w) for a, w in d.get("dropped", [])], status=d["status"],
            attempts=d["attempts"], next_attempt_at=_parse_dt(d["next_attempt_at"]),
            created_at=_parse_dt(d["created_at"]), sent_at=_parse_dt(d["sent_at"]),
            last_attempt_at=_parse_dt(d["last_attempt_at"]), last_error=d["last_error"],
        )


@dataclass(kw_only=True)
class Cursor:
    folder: str
    uidvalidity: int
    last_uid: int

    def to_dict(self) -> dict[str, Any]:
        return {"folder": self.folder, "uidvalidity": self.uidvalidity,
                "last_uid": self.last_uid}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Cursor:
        return cls(folder=d["folder"], uidvalidity=d["uidvalidity"], last_uid=d["last_uid"])


@dataclass(kw_only=True)
class InboundOutcome:
    sha256: str
    message_id: str | None
    outcome: Outcome
    ticket: int | None = None
    received_at: datetime
    recorded_at: datetime
    sender: str | None = None
    reason: str = ""
    source: str = ""  # "imap:INBOX:1234", "smtp", "pipe"
    # whether a mail was queued back to the sender (refusal limits count only these)
    answered: bool = False
    # a quarantined message's size as received (its archive holds only the headers
    # when the mailbox said it was over the limit and it was not downloaded)
    size: int | None = None

    def __post_init__(self) -> None:
        self.outcome = Outcome(self.outcome)
        if self.sender is not None:
            self.sender = self.sender.strip().lower()

    @property
    def refused(self) -> bool:
        return self.outcome.refused

    @property
    def quarantined(self) -> bool:
        return self.outcome is Outcome.QUARANTINE

    def to_dict(self) -> dict[str, Any]:
        return {
            "sha256": self.sha256, "message_id": self.message_id,
            "outcome": self.outcome.value,
            "ticket": self.ticket, "received_at": _dt(self.received_at),
            "recorded_at": _dt(self.recorded_at), "sender": self.sender,
            "reason": self.reason, "source": self.source, "answered": self.answered,
            "size": self.size,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> InboundOutcome:
        return cls(
            sha256=d["sha256"], message_id=d["message_id"], outcome=d["outcome"],
            ticket=d["ticket"], received_at=_parse_dt(d["received_at"]),
            recorded_at=_parse_dt(d["recorded_at"]), sender=d["sender"],
            reason=d["reason"], source=d["source"], answered=d.get("answered", False),
            size=d.get("size"),
        )
