"""Every mail the bot sends, as a typed payload: its kind, who it is for, and the facts
that were true only when it was decided (the relayed text, the quota figures).

Everything else a mail shows is read from the ticket, account and plan when it
is composed. The outbox writer (`store/outbox_writer.py`) turns an audience into
addresses and threading headers; nothing here names an address it was not given.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar


class MailKind(StrEnum):
    ACK = "ack"
    AGENT_NEW = "agent_new"
    AGENT_REPLY = "agent_reply"
    CUSTOMER_REPLY = "customer_reply"
    REFUSED_UNAUTHORISED = "refused_unauthorised"
    REFUSED_QUOTA = "refused_quota"
    RESOLVED = "resolved"
    REOPENED = "reopened"
    SLA_WARNING = "sla_warning"
    SLA_BREACH = "sla_breach"
    BOUNCE_NOTICE = "bounce_notice"
    DIGEST = "digest"
    COMMAND_ERROR = "command_error"
    RATE_LIMITED = "rate_limited"
    SIGN_IN = "sign_in"
    SIGN_IN_REFUSED = "sign_in_refused"
    QUOTA_EXHAUSTED = "quota_exhausted"


class Audience(StrEnum):
    """Who a mail is for; the writer alone turns this into addresses."""

    CUSTOMER = "customer"      # the ticket's requester and the Cc'd people the policy copies
    SENDER = "sender"          # the sender of the mail being answered (refusals, errors)
    AGENTS = "agents"          # the assignee, else every agent in [agents] notify
    ALL_AGENTS = "all_agents"  # every agent in [agents] notify
    ESCALATION = "escalation"  # [agents] notify and the managers
    MANAGERS = "managers"
    # [agents] notify and the managers of the notice's account (else every manager)
    ACCOUNT_TEAM = "account_team"


# mails to the customer's side: their headers carry only the customer's thread
CUSTOMER_AUDIENCES = frozenset({Audience.CUSTOMER, Audience.SENDER})


@dataclass(frozen=True, kw_only=True)
class Notice:
    kind: ClassVar[MailKind]
    audience: ClassVar[Audience]

    def payload(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}


@dataclass(frozen=True, kw_only=True)
class Ack(Notice):
    kind = MailKind.ACK
    audience = Audience.CUSTOMER
    quota_used: int
    quota_included: int
    quota_extra: int
    quota_remaining: int
    overage: bool = False
    opened_by: str | None = None  # an agent opened it for the customer (no mail to answer)


@dataclass(frozen=True, kw_only=True)
class AgentNew(Notice):
    kind = MailKind.AGENT_NEW
    audience = Audience.ALL_AGENTS
    text: str
    attachments: tuple[str, ...] = ()
    opened_by: str | None = None
    severity_requested: str | None = None  # the customer's tag, where it differs


@dataclass(frozen=True, kw_only=True)
class AgentReply(Notice):
    kind = MailKind.AGENT_REPLY
    audience = Audience.CUSTOMER
    text: str
    agent: str
    agent_name: str
    attachments: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class CustomerReply(Notice):
    kind = MailKind.CUSTOMER_REPLY
    audience = Audience.AGENTS
    text: str
    sender: str
    received_at: datetime
    reopened: bool = False
    attachments: tuple[str, ...] = ()
    severity_requested: str | None = None
    # the sender may not add to this ticket: recorded for the agents, not posted
    outsider: bool = False


@dataclass(frozen=True, kw_only=True)
class Resolved(Notice):
    kind = MailKind.RESOLVED
    audience = Audience.CUSTOMER
    reopen_days: int
    resolved_by: str | None = None


@dataclass(frozen=True, kw_only=True)
class Reopened(Notice):
    kind = MailKind.REOPENED
    audience = Audience.CUSTOMER


@dataclass(frozen=True, kw_only=True)
class RefusedUnauthorised(Notice):
    kind = MailKind.REFUSED_UNAUTHORISED
    audience = Audience.SENDER
    subject: str
    sender_name: str
    account: str | None = None
    # names only, never addresses (the sender may be forged), and how many have none
    contact_names: tuple[str, ...] = ()
    unnamed_contacts: int = 0
    spoof_suspected: bool = False
    language: str | None = None  # of the refused mail, when it was clear


@dataclass(frozen=True, kw_only=True)
class RefusedQuota(Notice):
    kind = MailKind.REFUSED_QUOTA
    audience = Audience.SENDER
    subject: str
    account: str
    plan: str
    included: int
    extra: int
    used: int
    year_start: str
    year_end: str
    language: str | None = None  # of the refused mail, when it was clear


@dataclass(frozen=True, kw_only=True)
class QuotaExhausted(Notice):
    """A customer was refused for quota: the agents and the account's managers hear of it
    (they can add tickets), at most once a day per account."""

    kind = MailKind.QUOTA_EXHAUSTED
    audience = Audience.ACCOUNT_TEAM
    account: str
    plan: str
    sender: str
    subject: str
    included: int
    extra: int
    used: int
    year_end: str


@dataclass(frozen=True, kw_only=True)
class SlaAlert(Notice):
    """A warning before, or a report of, a missed target; `breach` picks the kind."""

    kind = MailKind.SLA_WARNING
    audience = Audience.AGENTS
    clock: str
    due: datetime
    left_seconds: float
    fraction: float
    best_effort: bool = False


@dataclass(frozen=True, kw_only=True)
class SlaBreach(SlaAlert):
    kind = MailKind.SLA_BREACH
    audience = Audience.ESCALATION


@dataclass(frozen=True, kw_only=True)
class SlaBreachBestEffort(SlaAlert):
    """A best-effort target missed: the agents' matter, not the managers'."""

    kind = MailKind.SLA_BREACH
    audience = Audience.AGENTS


@dataclass(frozen=True, kw_only=True)
class BounceNotice(Notice):
    kind = MailKind.BOUNCE_NOTICE
    audience = Audience.ALL_AGENTS
    recipients: tuple[str, ...]
    original_kind: str
    original_subject: str
    error: str
    bounced_message_id: str | None = None


@dataclass(frozen=True, kw_only=True)
class CommandError(Notice):
    kind = MailKind.COMMAND_ERROR
    audience = Audience.SENDER
    errors: tuple[str, ...]
    known: str
    subject: str


@dataclass(frozen=True, kw_only=True)
class Digest(Notice):
    kind = MailKind.DIGEST
    audience = Audience.MANAGERS
    since: datetime | None = None


@dataclass(frozen=True, kw_only=True)
class RateLimited(Notice):
    """A sender went over the hourly limit: the agents hear of it once, the sender nothing."""

    kind = MailKind.RATE_LIMITED
    audience = Audience.ALL_AGENTS
    sender: str
    limit: int
    subject: str


_BY_KIND: dict[tuple[str, str], type[Notice]] = {}
for _cls in (Ack, AgentNew, AgentReply, CustomerReply, Resolved, Reopened, RefusedUnauthorised,
             RefusedQuota, SlaAlert, SlaBreach, SlaBreachBestEffort, BounceNotice, CommandError,
             Digest, RateLimited, QuotaExhausted):
    _BY_KIND[(_cls.kind.value, _cls.audience.value)] = _cls


@dataclass(frozen=True, kw_only=True)
class SignInLink(Notice):
    """A one-time link into the support center, for the address that asked for it."""

    kind = MailKind.SIGN_IN
    audience = Audience.SENDER
    link: str
    expires_at: datetime
    staff: bool = False  # an agent or manager: the link opens the staff overview


@dataclass(frozen=True, kw_only=True)
class SignInRefused(Notice):
    """A contact whose plan has no support center asked to sign in."""

    kind = MailKind.SIGN_IN_REFUSED
    audience = Audience.SENDER
    account: str
    plan: str
    plans_with_it: tuple[str, ...] = ()


for _cls in (SignInLink, SignInRefused):
    _BY_KIND[(_cls.kind.value, _cls.audience.value)] = _cls


def notice_class(kind: str, audience: str | None) -> type[Notice]:
    """The payload type a stored row of this kind and audience holds (a row written
    before audiences were stored names only its kind)."""
    if audience is None:
        audience = next((a for k, a in _BY_KIND if k == kind), "")
    try:
        return _BY_KIND[(kind, audience)]
    except KeyError:
        raise ValueError(f"no mail kind {kind!r} for audience {audience!r}") from None


# read once per payload type: every stored outbox row is rebuilt through these
@functools.cache
def field_names(cls: type[Notice]) -> frozenset[str]:
    return frozenset(f.name for f in dataclasses.fields(cls))


@functools.cache
def tuple_fields(cls: type[Notice]) -> frozenset[str]:
    return frozenset(f.name for f in dataclasses.fields(cls) if "tuple" in str(f.type))


@functools.cache
def datetime_fields(cls: type[Notice]) -> frozenset[str]:
    return frozenset(f.name for f in dataclasses.fields(cls) if "datetime" in str(f.type))

