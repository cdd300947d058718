"""Shared setup for the notifier tests: a configured App on a store in tmp_path, seeded
accounts and contacts, raw customer and agent mails fed through the real intake pipeline,
and readers for what reached the SMTP sink or the Maildir."""

from __future__ import annotations

import email
import itertools
import mailbox
from collections.abc import Iterable
from datetime import date, datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from intake.pipeline import Handled, Incoming
from intakebot.app import App
from intakebot.clock import FixedClock
from intakebot.config import Config, parse
from store.records import Account, Contact

MADRID = ZoneInfo("Europe/Madrid")
SUPPORT = "support@vendor.example"
DOMAIN = "vendor.example"
ANN = "ann@vendor.example"
BOB = "bob@vendor.example"
AGENTS = [ANN, BOB]
BOSS = "boss@vendor.example"
ALICE = "alice@acme.example"  # acme, plus plan
CAROL = "carol@acme.example"  # acme, plus plan
DAN = "dan@globex.example"  # globex, standard plan

_serial = itertools.count(1)


def config(smtp_port: int | None = None, **sections: dict[str, Any]) -> Config:
    """The test desk: two agents, one manager, Madrid with Spain's public holidays.
    With `smtp_port` mail goes to the sink on loopback, else into the Maildir."""
    data: dict[str, Any] = {
        "support": {"address": SUPPORT, "name": "Vendor Support",
                    "timezone": "Europe/Madrid"},
        "holidays": {"country": "ES"},
        "agents": {"addresses": AGENTS, "names": {ANN: "Ann", BOB: "Bob"}},
        "managers": {"addresses": [BOSS]},
    }
    if smtp_port is not None:
        data["smtp"] = {"host": "127.0.0.1", "port": smtp_port, "tls": "none",
                        "timeout_seconds": 5}
    for name, values in sections.items():
        data[name] = {**data.get(name, {}), **values}
    return parse(data)


def seed(app: App, at: datetime, *, quota_extra: dict[str, int] | None = None) -> None:
    """acme (plus: alice, carol) and globex (standard: dan), contracts from 1 Jan 2026."""
    with app.store.unit_of_work() as uow:
        uow.accounts.add(Account(name="acme", plan="plus", domains=["acme.example"],
                                 contract_start=date(2026, 1, 1), created_at=at,
                                 extra_tickets=dict(quota_extra or {})))
        uow.accounts.add(Account(name="globex", plan="standard", domains=["globex.example"],
                                 contract_start=date(2026, 1, 1), created_at=at))
        uow.contacts.add(Contact(email=ALICE, account="acme", name="Alice Ruiz", added_at=at))
        uow.contacts.add(Contact(email=CAROL, account="acme", name="Carol Diaz", added_at=at))
        uow.contacts.add(Contact(email=DAN, account="globex", name="Dan Wu", added_at=at))
        uow.commit()


def make_app(data_dir: Path, now: datetime | FixedClock, smtp_port: int | None = None,
             **sections: dict[str, Any]) -> App:
    clock = now if isinstance(now, FixedClock) else FixedClock(now)
    return App(config(smtp_port, **sections), data_dir, clock)


def message_id(domain: str = "acme.example") -> str:
    return f"<t{next(_serial)}.notifier@{domain}>"


def raw_mail(sender: str, subject: str, body: str = "Hello,\n\nit does not work.\n",
             *, to: str | Iterable[str] = SUPPORT, cc: Iterable[str] = (),
             mid: str | None = None, in_reply_to: str | None = None,
             references: Iterable[str] = (), date: datetime | None = None) -> bytes:
    """A plain mail as a client sends it."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to if isinstance(to, str) else ", ".join(to)
    cc = list(cc)
    if cc:
        msg["Cc"] = ", ".join(cc)
    msg["Subject"] = subject
    msg["Date"] = format_datetime(date or datetime(2026, 3, 2, 9, 0, tzinfo=MADRID))
    msg["Message-ID"] = mid or message_id(sender.rsplit("@", 1)[-1])
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    refs = list(references) or ([in_reply_to] if in_reply_to else [])
    if refs:
        msg["References"] = " ".join(refs)
    msg.set_content(body)
    return msg.as_bytes(policy=policy.SMTP)


def ingest(app: App, raw: bytes) -> Handled:
    """Hand one raw mail to the real pipeline, received now by the app's clock."""
    [handled] = app.pipeline.run([Incoming(raw, app.clock(), source="test")])
    return handled


def open_ticket(app: App, sender: str, subject: str, body: str = "It does not work.\n",
                mid: str | None = None) -> int:
    handled = ingest(app, raw_mail(sender, subject, body, mid=mid))
    assert handled.outcome == "new_ticket", handled.reason
    return handled.ticket


def agent_mail(app: App, agent: str, ticket: int, body: str) -> Handled:
    """An agent's reply on the ticket's thread (found by its [#N] token)."""
    handled = ingest(app, raw_mail(agent, f"Re: issue [#{ticket}]", body,
                                   mid=message_id("vendor.example")))
    assert handled.ticket == ticket, handled.reason
    return handled


def customer_mail(app: App, sender: str, ticket: int, body: str) -> Handled:
    handled = ingest(app, raw_mail(sender, f"Re: issue [#{ticket}]", body))
    assert handled.outcome == "customer_reply", handled.reason
    return handled


def parsed(raw: bytes) -> EmailMessage:
    return email.message_from_bytes(raw, policy=policy.default)


def sink_mails(sink) -> list[EmailMessage]:
    return [parsed(m.content) for m in sink.messages]


def maildir_mails(path: Path) -> list[EmailMessage]:
    box = mailbox.Maildir(path, create=False)
    return [parsed(box.get_bytes(key)) for key in box.keys()]


def text_of(msg: EmailMessage) -> str:
    return msg.get_body(preferencelist=("plain",)).get_content()


def html_of(msg: EmailMessage) -> str:
    return msg.get_body(preferencelist=("html",)).get_content()


def set_contact(app: App, email: str, **changes: Any) -> None:
    """Change a contact's fields (language, timezone ...) as `contact set` does."""
    with app.store.unit_of_work() as uow:
        contact = uow.contacts.get(email)
        for key, value in changes.items():
            setattr(contact, key, value)
        uow.contacts.update(contact)
        uow.commit()


def outbox(app: App) -> list:
    with app.store.unit_of_work() as uow:
        return uow.outbox.all()


def at(*args: int) -> datetime:
    """A Madrid wall-clock instant."""
    return datetime(*args, tzinfo=MADRID)
