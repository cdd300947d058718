"""A realistic, reproducible mix of inbound support mail for the intake benchmarks.

Kinds (header `X-Bench-Kind`): new requests from known contacts, replies to them carrying
`[#N]` and In-Reply-To, new mail from strangers, auto-replies and delivery-failure reports.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from email import message_from_string
from email.message import EmailMessage
from email.policy import SMTP, default
from email.utils import format_datetime

SUPPORT = "support@vendor.example"

# address -> (display name, account); give these accounts to the store under test
CONTACTS = {
    "alice@acme.example": ("Alice Martin", "acme"),
    "bob@acme.example": ("Bob Ortega", "acme"),
    "carmen@globex.example": ("Carmen Ruiz", "globex"),
    "dmitri@globex.example": ("Dmitri Ivanov", "globex"),
    "erin@initech.example": ("Erin Walsh", "initech"),
    "farid@initech.example": ("Farid Haddad", "initech"),
}

KINDS = ("new_request", "reply", "stranger", "auto_reply", "bounce")
# share of each kind in the mix, in per cent
WEIGHTS = (45, 25, 12, 10, 8)

_PROBLEMS = [
    ("Site down", "Nobody can reach the portal since 09:10, we get a 502 on every page."),
    ("Cannot create documents", "Saving a new document fails with 'internal error'."),
    ("Slow search", "Search takes 20-30 seconds since yesterday's update."),
    ("Export to PDF broken", "The PDF export produces an empty file for long reports."),
    ("Question about user roles", "How do we give an editor read-only access to one space?"),
    ("Login fails for some users", "Three users in the Madrid office cannot log in."),
    ("Suggestion: dark mode", "Our team would love a dark theme for the editor."),
    ("Intermittent timeouts", "About one request in twenty times out since Monday."),
]
_OOO = [
    "I am out of the office until Monday with limited access to e-mail.",
    "Estoy fuera de la oficina hasta el lunes. Para urgencias, llame a recepcion.",
]
_STRANGER_DOMAINS = ("gmail.example", "outlook.example", "random-corp.example", "yahoo.example")
_START = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)


def make_mixed_messages(n: int, seed: int = 7) -> list[bytes]:
    """`n` distinct raw messages (CRLF line ends), the same bytes for the same `n` and `seed`."""
    return [raw for _, raw in make_mixed_with_kinds(n, seed)]


def make_mixed_with_kinds(n: int, seed: int = 7) -> list[tuple[str, bytes]]:
    """Like `make_mixed_messages`, with each message's kind.

    Replies cite `[#N]` counting new requests from 1 in the order they appear, so N is the
    ticket number when every new request before it opened a ticket in an empty store; they
    also carry In-Reply-To/References to the request, so threading works either way.
    """
    rnd = random.Random(seed)
    requests: list[tuple[int, str, str, str]] = []  # (N, sender, subject, message id)
    out = []
    for i in range(n):
        kind = rnd.choices(KINDS, WEIGHTS)[0]
        if kind in ("reply", "auto_reply", "bounce") and not requests:
            kind = "new_request"
        when = _START + timedelta(minutes=7 * i)
        mid = f"<bench-{seed}-{i}@{'mail.' + kind.replace('_', '-')}.example>"
        if kind == "new_request":
            sender = rnd.choice(list(CONTACTS))
            msg = _request(rnd, sender, CONTACTS[sender][0], i)
            requests.append((len(requests) + 1, sender, str(msg["Subject"]), mid))
        elif kind == "stranger":
            sender = f"user{rnd.randrange(10_000)}@{rnd.choice(_STRANGER_DOMAINS)}"
            msg = _request(rnd, sender, "", i)
        elif kind == "reply":
            msg = _reply(rnd, rnd.choice(requests), when)
        elif kind == "auto_reply":
            msg = _auto_reply(rnd, rnd.choice(requests))
        else:
            msg = _bounce(rnd.choice(requests), when, seed, i)
        msg["Date"] = format_datetime(when)
        msg["Message-ID"] = mid
        msg["X-Bench-Kind"] = kind
        if msg.is_multipart():
            msg.set_boundary(f"=_bench-{seed}-{i}")  # the email package picks random ones
        out.append((kind, msg.as_bytes(policy=SMTP)))
    return out


def _base(sender: str, name: str, subject: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = f"{name} <{sender}>" if name else sender
    msg["To"] = SUPPORT
    msg["Subject"] = subject
    return msg


def _request(rnd: random.Random, sender: str, name: str, i: int) -> EmailMessage:
    title, text = rnd.choice(_PROBLEMS)
    msg = _base(sender, name, f"{title} ({i})")
    signature = f"\n--\n{name or sender}\nPhone +34 600 000 {i % 1000:03d}\n"
    body = f"Hello support,\n\n{text}\nReference {i}.\n\nThanks,{signature}"
    msg.set_content(body)
    shape = rnd.random()
    if shape < 0.3:
        html = "".join(f"<p>{line}</p>" for line in body.split("\n") if line)
        msg.add_alternative(f"<html><body>{html}</body></html>", subtype="html")
    elif shape < 0.4:
        log = "".join(f"2025-03-03T09:{s:02d}:00Z ERROR request failed id={s}\n" for s in range(40))
        msg.add_attachment(log.encode(), maintype="text", subtype="plain", filename="error.log")
    return msg


def _reply(rnd: random.Random, request: tuple[int, str, str, str], when: datetime):
    number, sender, subject, request_id = request
    msg = _base(sender, CONTACTS[sender][0], f"Re: [#{number}] {subject}")
    msg["In-Reply-To"] = request_id
    msg["References"] = request_id
    quoted = "\n".join(f"> {line}" for line in ("Hello support,", "", "Details as above."))
    new = rnd.choice(
        [
            "It happened again this morning, same error.",
            "Thanks, that fixed it for us.",
            "We tried the workaround, no change. Logs attached earlier.",
            "Gracias, ya funciona.",
        ]
    )
    stamp = format_datetime(when - timedelta(hours=1))
    msg.set_content(f"{new}\n\nOn {stamp}, {sender} wrote:\n{quoted}\n")
    return msg


def _auto_reply(rnd: random.Random, request: tuple[int, str, str, str]) -> EmailMessage:
    number, sender, subject, request_id = request
    msg = _base(sender, CONTACTS[sender][0], f"Out of office: Re: [#{number}] {subject}")
    msg["Auto-Submitted"] = "auto-replied"
    msg["In-Reply-To"] = request_id
    if rnd.random() < 0.5:
        msg["X-Autoreply"] = "yes"
    else:
        msg["Precedence"] = "bulk"
    msg.set_content(rnd.choice(_OOO) + "\n")
    return msg


def _bounce(request: tuple[int, str, str, str], when: datetime, seed: int, i: int):
    number, sender, subject, _ = request
    host = sender.split("@", 1)[1]
    boundary = f"bounce-{seed}-{i}"
    # written out by hand: the email package cannot build message/delivery-status parts
    raw = (
        "Return-Path: <>\n"
        f"From: Mail Delivery System <MAILER-DAEMON@mx.{host}>\n"
        f"To: {SUPPORT}\n"
        "Subject: Undelivered Mail Returned to Sender\n"
        "Auto-Submitted: auto-replied\n"
        "MIME-Version: 1.0\n"
        f'Content-Type: multipart/report; report-type=delivery-status; boundary="{boundary}"\n'
        "\n"
        f"--{boundary}\n"
        "Content-Type: text/plain; charset=us-ascii\n\n"
        f"This is the mail system at mx.{host}.\n\nYour message could not be delivered.\n\n"
        f"--{boundary}\n"
        "Content-Type: message/delivery-status\n\n"
        f"Reporting-MTA: dns; mx.{host}\n\n"
        f"Final-Recipient: rfc822; {sender}\nAction: failed\nStatus: 5.1.1\n"
        "Diagnostic-Code: smtp; 550 5.1.1 user unknown\n\n"
        f"--{boundary}\n"
        "Content-Type: text/rfc822-headers\n\n"
        f"From: Support <{SUPPORT}>\nTo: {sender}\nSubject: [#{number}] {subject}\n"
        f"Message-ID: <ack-{number}-{seed}-{i}@vendor.example>\n"
        f"Date: {format_datetime(when - timedelta(minutes=3))}\n\n"
        f"--{boundary}--\n"
    )
    return message_from_string(raw, policy=default)
