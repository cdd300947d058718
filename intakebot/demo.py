"""`intakebot demo`: a guided tour on a throwaway data folder, with simulated time.

Everything goes through the real code paths (the intake pipeline, the store,
the SLA sweep, composition and Maildir delivery); only the clock is fake.
"""

from __future__ import annotations

import mailbox
import tempfile
from collections.abc import Callable
from datetime import datetime
from email import message_from_bytes, policy
from email.header import decode_header, make_header
from pathlib import Path
from zoneinfo import ZoneInfo

from intake.pipeline import Incoming
from intakebot.app import App
from intakebot.clock import FixedClock
from intakebot.config import parse
from notifier.contexts import digest_context
from store.records import Account, Contact

START = datetime(2026, 3, 2, 9, 30, tzinfo=ZoneInfo("Europe/Madrid"))  # a Monday

CONFIG = {
    "support": {"address": "support@vendor.example", "name": "Vendor Support"},
    "agents": {"addresses": ["ana@vendor.example"], "names": {"ana@vendor.example": "Ana Ruiz"}},
    "managers": {"addresses": ["boss@vendor.example"]},
    # a small basic quota so the tour can show a refusal over quota
    "plans": {"basic": {"tickets_per_year": 1}},
}


def _mail(sender: str, subject: str, body: str, mid: str, **headers: str) -> bytes:
    extra = "".join(f"{k.replace('_', '-')}: {v}\n" for k, v in headers.items())
    return (f"From: {sender}\nTo: support@vendor.example\nSubject: {subject}\n"
            f"Message-ID: <{mid}>\nDate: Mon, 2 Mar 2026 09:30:00 +0100\n{extra}"
            "Content-Type: text/plain; charset=utf-8\n\n" + body + "\n").encode()


class Tour:
    def __init__(self, data_dir: Path, say: Callable[[str], None]):
        self.clock = FixedClock(START)
        self.app = App(parse(CONFIG, "<demo>"), data_dir, self.clock)
        self.say = say
        self.seen_mail: set[str] = set()

    def step(self, title: str) -> None:
        local = self.clock().astimezone(self.app.policy.tz)
        self.say(f"\n== {local:%a %d %b %H:%M} - {title}")

    def send(self, raw: bytes, note: str) -> int | None:
        handled = self.app.pipeline.run([Incoming(raw, self.clock(), "demo")])[0]
        ticket = f" -> ticket #{handled.ticket}" if handled.ticket else ""
        self.say(f"  {note}: {handled.outcome}{ticket}")
        self.say(f"      {handled.reason}")
        return handled.ticket

    def tick(self, **delta) -> None:
        self.clock.advance(**delta)
        queued = self.app.sweep()
        self.app.deliver()
        for line in queued:
            self.say(f"  SLA sweep queued: {line}")
        self.show_mail()

    def show_mail(self) -> None:
        box = mailbox.Maildir(self.app.maildir, create=True)
        for key in sorted(box.keys()):
            if key in self.seen_mail:
                continue
            self.seen_mail.add(key)
            msg = message_from_bytes(box.get_bytes(key), policy=policy.default)
            subject = str(make_header(decode_header(msg["Subject"] or "")))
            self.say(f"  mail sent -> {msg['To']}: {subject}")

    def ticket_of(self, number: int):
        with self.app.store.unit_of_work() as uow:
            return uow.tickets.get(number)

    def run(self) -> None:
        app = self.app
        self.step("three customers on the three plans")
        with app.store.unit_of_work() as uow:
            for name, plan, people in (
                ("Acme", "plus", [("alice@acme.example", "Alice Moreno")]),
                ("Globex", "standard", [("gina@globex.example", "Gina Park")]),
                ("Initech", "basic", [("ivan@initech.example", "Ivan Soto")]),
            ):
                domain = people[0][0].split("@")[1]
                uow.accounts.add(Account(name=name, plan=plan, domains=[domain],
                                         created_at=self.clock()))
                for email, person in people:
                    uow.contacts.add(Contact(email=email, account=name, name=person,
                                             added_at=self.clock()))
                self.say(f"  {name}: {plan} plan ({app.policy.plan(plan).window}), "
                         f"contact {people[0][0]}")
            uow.commit()

        self.step("mail arrives at support@")
        outage = self.send(_mail("Alice Moreno <alice@acme.example>", "Production is down",
                                 "Since 9:20 nobody can log in, every page gives a 502.",
                                 "d1@acme.example"), "an outage from Acme")
        fault = self.send(_mail("Gina Park <gina@globex.example>",
                                "Cannot upload documents",
                                "The app works but uploading any document fails with an "
                                "error, so we cannot create new documents.",
                                "d2@globex.example"), "a critical fault from Globex")
        self.send(_mail("Alice Moreno <alice@acme.example>", "Pregunta sobre informes",
                        "¿Cómo puedo exportar un informe a PDF? Gracias.",
                        "d3@acme.example"), "a question in Spanish")
        self.send(_mail("Mallory <mallory@elsewhere.example>", "Please help",
                        "Our system is broken.", "d4@elsewhere.example"), "a stranger")
        self.send(_mail("Alice Moreno <alice@acme.example>", "Out of Office: Production",
                        "I am away until Monday.", "d5@acme.example",
                        Auto_Submitted="auto-replied"), "an auto-reply")
        self.send(_mail("Ivan Soto <ivan@initech.example>", "Slow reports",
                        "Reports take a minute to load since yesterday.",
                        "d6@initech.example"), "Initech's first ticket")
        self.send(_mail("Ivan Soto <ivan@initech.example>", "Another question",
                        "How do I rename a folder?", "d7@initech.example"),
                  "Initech over its quota of 1")
        self.tick(minutes=1)

        ack = [r for r in self._rows() if r.kind == "ack" and r.ticket == outage][0]
        self.clock.advance(minutes=45)
        self.step("an agent answers the outage by replying to the notice")
        self.send(_mail("Ana Ruiz <ana@vendor.example>", f"Re: Production is down [#{outage}]",
                        "We are restarting the web tier, back in a few minutes.\n\n"
                        "#assign Ana\n", "d8@vendor.example", In_Reply_To=ack.message_id),
                  "Ana's reply")
        self.tick(minutes=1)
        t = self.ticket_of(outage)
        self.say(f"  ticket #{outage}: first response at "
                 f"{t.first_response_at.astimezone(app.policy.tz):%H:%M}, "
                 f"due {t.response_due.astimezone(app.policy.tz):%H:%M}: met")

        self.step(f"nobody answers Globex's ticket #{fault}: the clock runs on")
        t = self.ticket_of(fault)
        self.say(f"  response due {t.response_due.astimezone(app.policy.tz):%a %d %b %H:%M} "
                 f"(standard plan, 8 business hours)")
        for _ in range(4 * 24):  # a day in 15-minute steps
            self.clock.advance(minutes=15)
            queued = app.sweep()
            if queued:
                self.step("the SLA sweep speaks")
                for line in queued:
                    self.say(f"  queued {line}")
                app.deliver()
                self.show_mail()

        self.step("the managers' digest")
        with app.store.unit_of_work() as uow:
            data = digest_context(uow, app.policy, self.clock(), START)
        _, text, _ = app.composer.render("digest", data, None)
        self.say("\n".join("  " + line for line in text.strip().splitlines()))

        self.step("the tickets now")
        with app.store.unit_of_work() as uow:
            for t in uow.tickets.all():
                self.say(f"  #{t.number} {t.status:8} {t.severity:9} {t.account:8} {t.subject}")
        self.say(f"\nThe mails are in the Maildir {app.maildir}; try\n"
                 f"  intakebot --data-dir {app.data_dir} tickets --all\n"
                 f"  intakebot --data-dir {app.data_dir} ticket show {outage}")

    def _rows(self):
        with self.app.store.unit_of_work() as uow:
            return uow.outbox.all()


def run_demo(say: Callable[[str], None], data_dir: Path | None = None) -> Path:
    folder = Path(data_dir) if data_dir else Path(tempfile.mkdtemp(prefix="intakebot-demo-"))
    tour = Tour(folder, say)
    try:
        tour.run()
    finally:
        tour.app.close()
    return folder

