"""Realistic raw mails for intake tests (requests, replies, auto-replies, DSNs, own mail, junk),
and the cast they come from: the accounts, contacts and agents `seed` puts in a store.

Every builder returns the bytes a mail server would hold (CRLF line ends, folded
headers). Message-IDs are unique unless the caller passes one.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime

from intake.context import IntakeSettings
from store.records import Account, Contact

SUPPORT = "support@vendor.example"
SUPPORT_DOMAIN = "vendor.example"
_DATE = datetime(2026, 3, 3, 10, 58, tzinfo=UTC)
_serial = itertools.count(1)


def new_message_id(domain: str = "acme.example") -> str:
    return f"<{uuid.uuid4().hex[:16]}.{next(_serial)}@{domain}>"


def mail(
    sender: str,
    subject: str,
    body: str = "Hello,\n\nsomething is wrong.\n\nRegards\n",
    *,
    to: str | Iterable[str] = SUPPORT,
    cc: Iterable[str] = (),
    message_id: str | None = None,
    in_reply_to: str | None = None,
    references: Iterable[str] = (),
    headers: Mapping[str, str] | Iterable[tuple[str, str]] = (),
    date: datetime = _DATE,
    html: str | None = None,
    attachments: Iterable[tuple[str, bytes]] = (),
) -> bytes:
    """One mail as a client would send it. `headers` go on top (e.g. Auto-Submitted)."""
    msg = EmailMessage()
    extra = headers.items() if isinstance(headers, Mapping) else headers
    for name, value in extra:
        msg[name] = value
    msg["From"] = sender
    msg["To"] = to if isinstance(to, str) else ", ".join(to)
    cc = list(cc)
    if cc:
        msg["Cc"] = ", ".join(cc)
    msg["Subject"] = subject
    msg["Date"] = format_datetime(date)
    msg["Message-ID"] = message_id or new_message_id(sender.rpartition("@")[2].strip(">"))
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    refs = list(references)
    if refs:
        msg["References"] = " ".join(refs)
    msg["MIME-Version"] = "1.0"
    msg.set_content(body)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    for name, data in attachments:
        msg.add_attachment(data, maintype="application", subtype="octet-stream", filename=name)
    return msg.as_bytes(policy=SMTP)


def reply(
    sender: str,
    parent_subject: str,
    body: str,
    *,
    parent_id: str | None,
    quoted: str = "",
    thread: Iterable[str] = (),
    **kwargs,
) -> bytes:
    """A reply as Thunderbird writes it: Re: subject, In-Reply-To/References, quote below."""
    subject = parent_subject if parent_subject.lower().startswith("re:") \
        else f"Re: {parent_subject}"
    text = body
    if quoted:
        text += "\n\nOn 3/3/26 11:00, Vendor Support wrote:\n" + "".join(
            f"> {line}\n" for line in quoted.splitlines())
    refs = [*thread, parent_id] if parent_id else list(thread)
    return mail(sender, subject, text, in_reply_to=parent_id, references=refs, **kwargs)


def out_of_office(sender: str, subject: str = "Out of Office: back on Monday",
                  **kwargs) -> bytes:
    """An Outlook-style absence notice that carries no Auto-Submitted header."""
    return mail(sender, subject, "I am out of the office until Monday 9 March.\n", **kwargs)


def dsn(bounced_message_id: str, failed_recipient: str, *,
        original_subject: str = "We received your request",
        mta: str = "mx.vendor.example") -> bytes:
    """A Postfix delivery status notification for one of our own outbound mails."""
    boundary = f"DSN.{next(_serial)}"
    lines = [
        "Return-Path: <>",
        f"From: Mail Delivery System <MAILER-DAEMON@{mta}>",
        f"To: {SUPPORT}",
        "Subject: Undelivered Mail Returned to Sender",
        f"Date: {format_datetime(_DATE)}",
        f"Message-ID: {new_message_id(mta)}",
        "Auto-Submitted: auto-replied",
        "MIME-Version: 1.0",
        "Content-Type: multipart/report; report-type=delivery-status;",
        f'\tboundary="{boundary}"',
        "",
        f"--{boundary}",
        "Content-Description: Notification",
        "Content-Type: text/plain; charset=us-ascii",
        "",
        f"This is the mail system at host {mta}.",
        "",
        "I'm sorry to have to inform you that your message could not",
        "be delivered to one or more recipients.",
        "",
        f"<{failed_recipient}>: host mail said: 550 5.1.1 User unknown",
        "",
        f"--{boundary}",
        "Content-Description: Delivery report",
        "Content-Type: message/delivery-status",
        "",
        f"Reporting-MTA: dns; {mta}",
        "",
        f"Final-Recipient: rfc822; {failed_recipient}",
        "Action: failed",
        "Status: 5.1.1",
        "",
        f"--{boundary}",
        "Content-Description: Undelivered Message Headers",
        "Content-Type: text/rfc822-headers",
        "",
        f"Return-Path: <{SUPPORT}>",
        f"From: Vendor Support <{SUPPORT}>",
        f"To: {failed_recipient}",
        f"Subject: {original_subject}",
        f"Message-ID: {bounced_message_id}",
        "X-Intakebot-Kind: ack",
        "",
        f"--{boundary}--",
        "",
    ]
    return "\r\n".join(lines).encode()


def own_mail(kind: str = "ack", ticket: int = 1000, to: str = "alice@acme.example") -> bytes:
    """A mail intakebot itself sent, come back (a loop, or a Bcc to the support box)."""
    return mail(f"Vendor Support <{SUPPORT}>", f"[#{ticket}] We received your request",
                "Thank you, we have opened a ticket.\n", to=to,
                message_id=new_message_id(SUPPORT_DOMAIN),
                headers={"Return-Path": f"<{SUPPORT}>", "X-Intakebot-Kind": kind,
                         "X-Intakebot-Ticket": str(ticket)})


def nested(depth: int, sender: str = "alice@acme.example") -> bytes:
    """A multipart nested `depth` levels deep: no parser should recurse through it."""
    head = (f"From: {sender}\r\nTo: {SUPPORT}\r\nSubject: nested\r\n"
            f"Message-ID: {new_message_id()}\r\nMIME-Version: 1.0\r\n"
            'Content-Type: multipart/mixed; boundary="b0"\r\n\r\n').encode()
    opening = b"".join(b'--b%d\r\nContent-Type: multipart/mixed; boundary="b%d"\r\n\r\n'
                       % (i - 1, i) for i in range(1, depth))
    leaf = b"--b%d\r\nContent-Type: text/plain\r\n\r\ndeep\r\n--b%d--\r\n" % (depth - 1,
                                                                              depth - 1)
    closing = b"".join(b"--b%d--\r\n" % i for i in range(depth - 2, -1, -1))
    return head + opening + leaf + closing


def without_from(subject: str = "who am I") -> bytes:
    return (f"To: {SUPPORT}\r\nSubject: {subject}\r\nMessage-ID: {new_message_id()}\r\n"
            "MIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\nNo From header here.\r\n"
            ).encode()


def big(sender: str, size: int) -> bytes:
    """A request with an attachment that brings the mail to at least `size` bytes."""
    return mail(sender, "logs attached", "The logs you asked for.\n",
                attachments=[("server.log", b"x" * size)])


def authenticated(raw: bytes, authserv_id: str, results: str) -> bytes:
    """`raw` with an Authentication-Results header prepended, as our MX would add it."""
    return f"Authentication-Results: {authserv_id}; {results}\r\n".encode() + raw


# -- the cast -----------------------------------------------------------------

ALICE, BOB = "alice@acme.example", "bob@acme.example"  # acme: standard plan
CAROL = "carol@globex.example"  # globex: plus plan
DAVE = "dave@initech.example"  # initech: basic plan
ANA, LUIS = "ana@vendor.example", "luis@vendor.example"  # the vendor's agents
STRANGER = "mallory@evil.example"


def settings(**overrides) -> IntakeSettings:
    base = dict(support_addresses=(SUPPORT,), support_domain=SUPPORT_DOMAIN,
                agents=(ANA, LUIS), agent_names={ANA: "Ana", LUIS: "Luis"},
                notify=(ANA, LUIS), reopen_days=7, refusals_per_sender_per_day=3)
    return IntakeSettings(**{**base, **overrides})


CONTRACT_START = date(2026, 1, 1)


def seed(store, contract_start: date = CONTRACT_START) -> None:
    """Three accounts, one per plan, with their authorised contacts."""
    with store.unit_of_work() as uow:
        for name, plan in (("acme", "standard"), ("globex", "plus"), ("initech", "basic")):
            uow.accounts.add(Account(name=name, plan=plan, domains=[f"{name}.example"],
                                     contract_start=contract_start))
        for email, name, account in ((ALICE, "Alice Arias", "acme"), (BOB, "Bob Blanco", "acme"),
                                     (CAROL, "Carol Cano", "globex"),
                                     (DAVE, "Dave Diaz", "initech")):
            uow.contacts.add(Contact(email=email, name=name, account=account))
        uow.commit()
