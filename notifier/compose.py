"""Composition: renders every mail the bot sends from templates/ into a threaded, safe EmailMessage.

Each kind has `{kind}.subject.txt`, `{kind}.txt` and `{kind}.html` (which extends
`base.html`). Every context also gets `ticket` (the `ticket` argument),
`support_name` and `support_address`. `tz` is always the RECIPIENT's IANA zone:
the requester's for customer mail, the support team's (or the agent's) for
internal mail. Types: dt = aware datetime, td = timedelta, `day_length` = the
plan's daily window length (one business day). Keys marked ? may be left out.
`quota` may be a `rules.entitlements.QuotaStatus` or a mapping with the same
names; list rows may be mappings or objects with the named attributes.

kind (sent to)           context keys
-----------------------  ---------------------------------------------------------
ack (requester)          tz, requester_name str, subject str, severity str,
                         severity_reason str, created_at dt, response_due dt,
                         response_business td, response_best_effort bool,
                         resolution_due dt|None, resolution_business td|None,
                         day_length td, plan str, support_hours str
                         ("Mon-Fri 10:00-17:00"), support_tz str, quota
                         {used, included, extra, remaining int, year_end date},
                         overage? bool
agent_new (agents)       tz, account str, plan str, requester_name str,
                         requester_email str, cc? list[str], subject str,
                         body str, severity str, severity_reason str,
                         created_at dt, response_due dt, response_best_effort
                         bool, resolution_due dt|None, attachments? list[str],
                         overage? bool, severity_requested? str (the customer's
                         tag, where it differs from severity)
agent_reply (requester   tz, agent_name str, requester_name str, subject str,
  + cc)                  body str, waiting_on_customer? bool
customer_reply           tz, account str, author_name str, author_email str,
  (assignee or agents)   subject str, body str, severity str, assignee str|None,
                         received_at dt, reopened? bool, severity_requested? str
refused_unauthorised     sender_name str, sender_email str, subject str,
  (sender)               account str|None (None: the domain is unknown),
                         contacts list[str] (NAMES of the account's authorised
                         contacts, never addresses: the sender may be spoofed),
                         sales_address? str
refused_quota            requester_name str, subject str, account str, plan str,
  (requester)            quota (as for ack), blocker_accepted? bool
resolved (requester)     tz, requester_name str, subject str, resolved_at dt,
                         resolved_by str|None, resolution str|None,
                         reopen_days int, reopen_until dt
reopened (requester)     tz, requester_name str, subject str, reopened_at dt
sla_warning (assignee    tz, account str, plan str, severity str, subject str,
  or agents)             clock "response"|"resolution", due dt, left td
                         (business time left), fraction float (share of the
                         allowed time used), day_length td, best_effort bool,
                         assignee str|None
sla_breach (agents,      the sla_warning keys; left is negative (business time
  + managers if firm)    late)
bounce_notice (agents)   tz, failed_at dt, recipients list[str], original_kind
                         str, original_subject str, error str
digest (managers)        tz, generated_at dt, since dt|None, breached list[row],
                         at_risk list[row], opened list[done], resolved
                         list[done], compliance list[{plan str, met int,
                         total int}], quota_alerts list[{account str, plan str,
                         used, included, extra int}]
                         row: {number int, subject str, account str, severity
                         str, clock str, due dt, left td (negative = late),
                         day_length td, assignee str|None}
                         done: {number int, subject str, account str,
                         severity str, at dt}

Subjects: the token `[#N]` always ends the subject, so the normalised subject
("Re: <customer's subject> [#N]") stays the same on every message of a
customer's thread (Gmail and Outlook group by it). `Auto-Submitted` is
`auto-replied` on mail answering an inbound message (ack, refusals) and
`auto-generated` on the other automatic kinds (RFC 3834); agent_reply was
written by a person and carries none.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from email import message_from_bytes, policy
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from notifier import i18n
from notifier.wording import GLOBALS, Wording
from rules.addresses import valid_message_id, writable_address
from rules.notices import MailKind
from rules.text import cap, clean_text, one_line

KINDS = tuple(k.value for k in MailKind)
# kinds that answer an inbound message; the other automatic ones are auto-generated
_REPLY_KINDS = frozenset({"ack", "refused_unauthorised", "refused_quota"})
_HUMAN_KINDS = frozenset({"agent_reply"})

SUBJECT_MAX = 250
NAME_MAX = 100
_MAX_REFERENCES = 10

_REPLY_PREFIX = re.compile(r"^\s*((re|fw|fwd|aw|wg|sv|vs|antw|rif|r)\s*(\[\d+\])?\s*:\s*)+",
                           re.IGNORECASE)
_TOKEN = re.compile(r"\s*\[#\d+\]\s*")
NO_SUBJECT = "(no subject)"


class CompositionError(ValueError):
    """The caller asked for a mail that cannot be built (unknown kind, bad address or id)."""


def bare_subject(subject: str) -> str:
    """The subject without reply prefixes ('Re:', 'AW:', ...) and ticket tokens."""
    text = one_line(str(subject))
    text = _REPLY_PREFIX.sub("", _TOKEN.sub(" ", text))
    return " ".join(text.split()) or NO_SUBJECT


def _address(item: str | tuple[str, str]) -> Address:
    """One address. A string must hold exactly one well-formed address; anything
    with a sender-written display name should come as a (name, address) pair."""
    if isinstance(item, tuple):
        name, addr = one_line(str(item[0])), one_line(str(item[1]))
    else:
        parsed = policy.default.header_factory("To", one_line(item))
        if len(parsed.addresses) != 1 or parsed.defects:
            raise CompositionError(f"not exactly one e-mail address: {item!r}")
        name, addr = parsed.addresses[0].display_name, parsed.addresses[0].addr_spec
    if not writable_address(addr):
        raise CompositionError(f"not an e-mail address: {addr!r}")
    local, _, domain = addr.partition("@")
    return Address(display_name=cap(name, NAME_MAX), username=local, domain=domain)


def _addresses(items: str | tuple[str, str] | Iterable[str | tuple[str, str]]) -> list[Address]:
    if isinstance(items, str | tuple):
        items = [items]
    return [_address(i) for i in items]


def _format_addresses(name: str, addresses: Sequence[Address]) -> str:
    """Each address on its own line and no line over 78 characters, so serialising
    never refolds them (CPython's refolding can unquote a decoded display name)."""
    parts = []
    for a in addresses:
        plain = formataddr((a.display_name, a.addr_spec))
        if not a.display_name or (plain.isascii() and len(plain) <= 70):
            parts.append(plain)
        else:
            phrase = Header(a.display_name, "utf-8", maxlinelen=78, header_name=name)
            parts.append(f"{phrase.encode(linesep=chr(10))}\n <{a.addr_spec}>")
    return ",\n ".join(parts)


def _set_header(msg: EmailMessage, name: str, value: str | Sequence[Address]) -> None:
    # CPython 3.11's folder drops the spaces between encoded words when a non-ASCII
    # value spans several lines, so these headers are encoded here with the legacy
    # encoder, which keeps the spaces inside the words, and stored as they are.
    if isinstance(value, str):
        charset = "us-ascii" if value.isascii() else "utf-8"
        folded = Header(value, charset, maxlinelen=78, header_name=name).encode(linesep="\n")
    else:
        folded = _format_addresses(name, value)
    msg.set_raw(name, folded)


def _msgid(value: str) -> str:
    mid = one_line(value)
    if not valid_message_id(mid):
        raise CompositionError(f"not a Message-ID: {value!r}")
    return mid


def _references(references: Sequence[str], in_reply_to: str | None) -> list[str]:
    """Root first, parent last, no repeats; long threads keep root + the newest ids."""
    ids: list[str] = []
    for ref in [*references, *([in_reply_to] if in_reply_to else [])]:
        mid = one_line(ref)
        if valid_message_id(mid) and mid not in ids:
            ids.append(mid)
    if in_reply_to and ids and ids[-1] != _msgid(in_reply_to):
        ids.remove(_msgid(in_reply_to))
        ids.append(_msgid(in_reply_to))
    if len(ids) > _MAX_REFERENCES:
        ids = [ids[0], *ids[-(_MAX_REFERENCES - 1):]]
    return ids


class Composer:
    """Builds EmailMessages for every mail kind; one per process, it caches templates.

    A context's `lang` picks the language (else `language`, the desk's); each
    language has its own Jinja environment with its catalog installed."""

    def __init__(self, support_address: str, support_name: str, support_domain: str,
                 templates_package: str = "templates", language: str = i18n.SOURCE):
        self.support = _address(support_address)
        self.support_name = one_line(support_name) or "Support"
        self.support_domain = support_domain
        self.templates_package = templates_package
        self.language = i18n.check(language)
        self._envs: dict[str, Environment] = {}

    def env(self, lang: str) -> Environment:
        env = self._envs.get(lang)
        if env is None:
            env = Environment(
                loader=PackageLoader(self.templates_package, "."),
                autoescape=select_autoescape(["html"]),
                undefined=StrictUndefined,
                keep_trailing_newline=True,
                trim_blocks=True,
                lstrip_blocks=True,
                extensions=["jinja2.ext.i18n"],
            )
            # {% trans %} blocks are one line each in the catalog, however the template
            # wraps them (tools/catalogs.py extracts with the same setting)
            env.policies["ext.i18n.trimmed"] = True
            env.install_gettext_translations(i18n.translations(lang), newstyle=True)
            env.filters.update(Wording(lang).filters())
            words = Wording(lang)
            env.filters["bare"] = lambda subject, _w=words: (
                bare_subject(subject) if bare_subject(subject) != NO_SUBJECT
                else _w._("(no subject)"))
            env.globals.update(GLOBALS)
            self._envs[lang] = env
        return env

    def language_of(self, context: Mapping[str, Any]) -> str:
        return i18n.pick(context.get("lang"), default=self.language)

    def render(self, kind: str, context: Mapping[str, Any],
               ticket: int | None = None) -> tuple[str, str, str]:
        """(subject, text, html) for a kind, before any header work."""
        if kind not in KINDS:
            raise CompositionError(f"unknown mail kind {kind!r}: one of {', '.join(KINDS)}")
        lang = self.language_of(context)
        env = self.env(lang)
        ctx = {"support_name": self.support_name, "support_address": self.support.addr_spec,
               **context, "lang": lang, "ticket": ticket}
        subject = env.get_template(f"{kind}.subject.txt").render(ctx)
        text = env.get_template(f"{kind}.txt").render(ctx)
        # the HTML page's title is the mail's subject, as a client would show it
        html = env.get_template(f"{kind}.html").render(
            {**ctx, "title": self.subject(subject, ticket)})
        return subject, clean_text(text), clean_text(html)

    def subject(self, rendered: str, ticket: int | None) -> str:
        text = one_line(rendered)
        if ticket is None:
            return cap(text, SUBJECT_MAX)
        token = f"[#{int(ticket)}]"
        text = " ".join(_TOKEN.sub(" ", text).split())
        return f"{cap(text, SUBJECT_MAX - len(token) - 1)} {token}".lstrip()

    def compose(self, kind: str, to: Any, context: Mapping[str, Any], *,
                message_id: str, date: datetime, in_reply_to: str | None = None,
                references: Sequence[str] = (), cc: Any = (), ticket: int | None = None,
                from_name: str | None = None, reply_to: str | None = None,
                auto_submitted: bool | None = None) -> EmailMessage:
        """One ready-to-send message.

        `to`/`cc`: an address string ("Name <a@b>" or "a@b"), a (name, address)
        pair, or a list of them. `date` is the Date header (aware; the moment the
        mail was composed). `auto_submitted=None` follows the kind (every kind
        but agent_reply is automatic). For agent_reply, `from_name` defaults to
        "<agent_name> via <support name>".
        """
        if date.tzinfo is None:
            raise CompositionError("date must be timezone-aware")
        subject, text, html = self.render(kind, context, ticket)
        lang = self.language_of(context)
        if from_name is None and kind == "agent_reply":
            from_name = Wording(lang)._("%(agent)s via %(desk)s", agent=context["agent_name"],
                                        desk=self.support_name)
        automatic = (kind not in _HUMAN_KINDS) if auto_submitted is None else auto_submitted
        # an acknowledgement of a ticket an agent opened answers no mail of the customer's
        answers = kind in _REPLY_KINDS and not (kind == "ack" and context.get("opened_by"))

        msg = EmailMessage(policy=policy.default)
        sender = (one_line(from_name or self.support_name), self.support.addr_spec)
        _set_header(msg, "From", [_address(sender)])
        _set_header(msg, "To", _addresses(to))
        if cc:
            _set_header(msg, "Cc", _addresses(cc))
        if reply_to:
            _set_header(msg, "Reply-To", _addresses(reply_to))
        _set_header(msg, "Subject", self.subject(subject, ticket))
        msg["Date"] = format_datetime(date)
        msg["Message-ID"] = _msgid(message_id)
        refs = _references(references, in_reply_to)
        if in_reply_to:
            msg["In-Reply-To"] = _msgid(in_reply_to)
        if refs:
            msg["References"] = " ".join(refs)
        if automatic:
            msg["Auto-Submitted"] = "auto-replied" if answers else "auto-generated"
            # Outlook/Exchange honour this and send no out-of-office back to us
            msg["X-Auto-Response-Suppress"] = "All"
        msg["X-Intakebot-Kind"] = kind
        if ticket is not None:
            msg["X-Intakebot-Ticket"] = str(int(ticket))
        msg.set_content(text)
        msg.add_alternative(html, subtype="html")
        # after the body: set_content and add_alternative move Content-* headers away
        msg["Content-Language"] = lang
        _check_addresses(msg)
        return msg


def _check_addresses(msg: EmailMessage) -> None:
    """Refuse a message whose address headers would read back differently on the wire."""
    wire = message_from_bytes(msg.as_bytes(policy=policy.SMTP), policy=policy.default)
    for name in ("From", "To", "Cc", "Reply-To"):
        if msg[name] is None:
            continue
        meant = [a.addr_spec for a in msg[name].addresses]
        if [a.addr_spec for a in wire[name].addresses] != meant or wire[name].defects:
            raise CompositionError(f"{name} would not survive serialisation: {meant!r}")
