"""Mail from the open internet against the real bot (issue 9): mail goes in through the
embedded SMTP listener over a socket, mail goes out through delivery to an aiosmtpd sink,
and each test checks what people would receive there, and what the store recorded.
"""

from __future__ import annotations

import re
import smtplib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime

import pytest

from intakebot.app import App
from intakebot.clock import FixedClock
from store.quota import quota_for
from store.records import Contact
from tests import mailfactory as mf
from tests.notifier_helpers import (
    ALICE,
    ANN,
    BOB,
    CAROL,
    DAN,
    SUPPORT,
    at,
    html_of,
    make_app,
    parsed,
    seed,
    text_of,
)
from tests.servers import free_port

MONDAY = at(2026, 3, 2, 11, 0)
AGENTS = {ANN, BOB}
MX = "mx.vendor.example"
OUTSIDER = "mallory@evil.example"
EVE = "eve@acme.example"  # at the account's domain, not a contact
AGENT_HOST = "mail.vendor.example"  # where the agents' own mail clients mint Message-IDs
KNOWN_COMMANDS = ("#resolve", "#pending", "#severity", "#assign", "#note")


# -- what reached the sink ------------------------------------------------------------


@dataclass(frozen=True)
class Out:
    """One mail the sink accepted: its envelope recipients and the parsed message."""

    rcpt: frozenset[str]
    msg: EmailMessage
    raw: bytes

    @property
    def kind(self) -> str:
        return str(self.msg["X-Intakebot-Kind"])

    @property
    def message_id(self) -> str:
        return str(self.msg["Message-ID"]).strip()

    @property
    def subject(self) -> str:
        return str(self.msg["Subject"])

    @property
    def headers_to(self) -> frozenset[str]:
        """Every address in To and Cc."""
        found = set()
        for name in ("To", "Cc"):
            if self.msg[name] is not None:
                found |= {a.addr_spec.lower() for a in self.msg[name].addresses}
        return frozenset(found)

    @property
    def in_reply_to(self) -> list[str]:
        return re.findall(r"<[^<>]+>", str(self.msg["In-Reply-To"] or ""))

    @property
    def references(self) -> list[str]:
        return re.findall(r"<[^<>]+>", str(self.msg["References"] or ""))

    @property
    def text(self) -> str:
        return text_of(self.msg)

    @property
    def html(self) -> str:
        return html_of(self.msg)


def of_kind(mails: Iterable[Out], kind: str) -> list[Out]:
    return [m for m in mails if m.kind == kind]


class Desk:
    """The bot as it runs: the App's own listener on a free loopback port, delivery to the
    sink. `send` talks SMTP with smtplib; `deliver` returns what reached the sink since."""

    def __init__(self, app: App, sink) -> None:
        self.app = app
        self.sink = sink
        self.listener = app.listener()
        self.listener.start()
        self.received: list[Out] = []  # every mail the sink got, in order

    @property
    def clock(self) -> FixedClock:
        return self.app.clock

    def send(self, raw: bytes, envelope_from: str, *, utf8: bool = False) -> tuple[str, int | None]:
        """Submit `raw` to support@; returns the outcome and ticket from the 250 reply."""
        with smtplib.SMTP(self.listener.host, self.listener.port, timeout=10) as smtp:
            smtp.ehlo()
            code, reply = smtp.mail(envelope_from, ["SMTPUTF8", "BODY=8BITMIME"] if utf8 else [])
            assert code == 250, reply
            code, reply = smtp.rcpt(SUPPORT)
            assert code == 250, reply
            code, reply = smtp.data(raw)
        assert code == 250, reply
        found = re.fullmatch(r"OK (\w+)(?: ticket #(\d+))?", reply.decode())
        assert found, reply
        return found[1], int(found[2]) if found[2] else None

    def deliver(self) -> list[Out]:
        results = self.app.deliver()
        assert [d.result for d in results] == ["sent"] * len(results), results
        new = [Out(frozenset(r.lower() for r in m.rcpt_tos), parsed(m.content), m.content)
               for m in self.sink.messages[len(self.received):]]
        self.received += new
        return new

    def ticket(self, number: int):
        with self.app.store.unit_of_work() as uow:
            return uow.tickets.get(number)

    def outcomes(self, message_id: str) -> list[str]:
        with self.app.store.unit_of_work() as uow:
            return [str(o.outcome) for o in uow.inbound.by_message_id(message_id)]

    def rows(self) -> list:
        with self.app.store.unit_of_work() as uow:
            return uow.outbox.all()

    def stop(self) -> None:
        self.listener.stop()
        self.app.close()


@pytest.fixture
def start_desk(tmp_path, smtp_sink):
    """`start_desk(**sections)`: a seeded desk with these config sections."""
    desks: list[Desk] = []

    def start(**sections) -> Desk:
        sections.setdefault("smtp_listener", {"host": "127.0.0.1", "port": free_port()})
        app = make_app(tmp_path / f"data{len(desks)}", FixedClock(MONDAY), smtp_sink.port,
                       **sections)
        seed(app, MONDAY)
        desks.append(Desk(app, smtp_sink))
        return desks[-1]

    yield start
    for desk in desks:
        desk.stop()


@pytest.fixture
def desk(start_desk) -> Desk:
    return start_desk()


# -- mails people write -----------------------------------------------------------------


def agent_mid() -> str:
    return f"<{uuid.uuid4().hex[:16]}@{AGENT_HOST}>"


def answer(sender: str, to: Out, body: str, *, message_id: str | None = None,
           **kwargs) -> bytes:
    """A reply to a mail someone received, quoting it, threaded on it."""
    return mf.reply(sender, to.subject, body, parent_id=to.message_id,
                    thread=to.references, quoted=to.text[:400], message_id=message_id,
                    **kwargs)


def agent_answer(to: Out, body: str, agent: str = ANN, *, message_id: str | None = None,
                 **kwargs) -> bytes:
    """An agent's reply from her own mail client (her host mints its Message-ID)."""
    return answer(agent, to, body, message_id=message_id or agent_mid(), **kwargs)


def handwritten(headers: list[tuple[str, str]], body: str = "Please fix it.\n") -> bytes:
    """A mail with exactly these header lines (what EmailMessage would refuse to write:
    two From headers, 8-bit addresses)."""
    lines = [f"{name}: {value}" for name, value in headers]
    lines += [f"Date: {format_datetime(MONDAY)}", "MIME-Version: 1.0",
              "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit",
              "", body]
    return "\r\n".join(lines).encode()


def open_by(desk: Desk, sender: str = ALICE, *, cc: Iterable[str] = (),
            message_id: str | None = None, results: str | None = None,
            envelope_from: str | None = None) -> tuple[int, str]:
    """A contact's first mail; returns the ticket and the mail's Message-ID."""
    mid = message_id or mf.new_message_id()
    raw = mf.mail(sender, "[major] Exports fail with error 500", "Every export fails.\n",
                  cc=cc, message_id=mid)
    if results is not None:
        raw = mf.authenticated(raw, MX, results)
    outcome, number = desk.send(raw, envelope_from or sender)
    assert outcome == "new_ticket", outcome
    return number, mid


# -- 1. spam relay ----------------------------------------------------------------------


def test_forged_contact_with_300_strangers_in_cc_gets_one_ack_to_the_contact_only(desk):
    strangers = [f"target{i:03d}@victim{i % 17}.example" for i in range(300)]

    open_by(desk, ALICE, cc=strangers, envelope_from="bulk@botnet.example")  # From forged
    mails = desk.deliver()

    [ack] = of_kind(mails, "ack")
    assert ack.rcpt == {ALICE} and ack.headers_to == {ALICE}
    assert [m for m in mails if m.rcpt & set(strangers)] == []  # 0 of the 300
    assert set().union(*(m.rcpt for m in mails)) <= {ALICE} | AGENTS


# -- 2. leak via Cc ---------------------------------------------------------------------


def test_ticket_mail_goes_to_contacts_only_and_an_outsiders_reply_changes_nothing(desk):
    number, first = open_by(desk, ALICE, cc=[OUTSIDER, CAROL])
    mails = desk.deliver()
    [ack], [notice] = of_kind(mails, "ack"), of_kind(mails, "agent_new")
    assert OUTSIDER in notice.text  # the agents see whom the customer wrote to

    desk.clock.advance(minutes=30)
    desk.send(agent_answer(notice, "We found the cause and are deploying a fix.\n"), ANN)
    [relayed] = desk.deliver()
    desk.clock.advance(minutes=30)
    desk.send(agent_answer(notice, "The fix is live.\n#resolve\n"), ANN)
    mails = desk.deliver()
    [resolved] = of_kind(mails, "resolved")

    # the outsider answers the customer's own mail, which he was copied on
    desk.clock.advance(minutes=10)
    mid = mf.new_message_id("evil.example")
    outcome, on = desk.send(mf.reply(OUTSIDER, "[major] Exports fail with error 500",
                                     "Still broken for me! Reopen it.\n", parent_id=first,
                                     message_id=mid), OUTSIDER)
    assert (outcome, on) == ("outsider_reply", number)
    assert desk.outcomes(mid) == ["outsider_reply"]
    assert desk.ticket(number).status == "resolved"  # not reopened by him
    [shown] = desk.deliver()
    assert shown.kind == "customer_reply" and shown.rcpt <= AGENTS
    assert "Still broken for me" in shown.text and "was not added to the ticket" in shown.text

    desk.clock.advance(minutes=10)
    outcome, _ = desk.send(answer(ALICE, resolved, "It fails again since this morning.\n"),
                           ALICE)
    assert outcome == "customer_reply" and desk.ticket(number).status == "open"
    [reopened] = of_kind(desk.deliver(), "reopened")

    for mail in (ack, relayed, resolved, reopened):
        assert mail.rcpt == {ALICE, CAROL}, mail.kind
        assert mail.headers_to == {ALICE, CAROL}, mail.kind
    assert relayed.kind == "agent_reply"
    assert [m.kind for m in desk.received if OUTSIDER in m.rcpt | m.headers_to] == []


@pytest.mark.parametrize(("cc_policy", "copied"), [
    ("contacts", {ALICE, CAROL}),
    ("domain", {ALICE, CAROL, EVE}),
    ("all", {ALICE, CAROL, EVE, OUTSIDER}),
])
def test_cc_policy_decides_who_is_copied_on_the_ack(start_desk, cc_policy, copied):
    desk = start_desk(tickets={"cc_policy": cc_policy})

    open_by(desk, ALICE, cc=[CAROL, EVE, OUTSIDER])

    [ack] = of_kind(desk.deliver(), "ack")
    assert ack.rcpt == copied and ack.headers_to == copied


# -- 3. forged agents with authserv_id --------------------------------------------------


def _forged(number: int, headers: list[tuple[str, str]]) -> bytes:
    return handwritten([*headers, ("To", SUPPORT), ("Subject", f"Re: [#{number}] Exports"),
                        ("Message-ID", mf.new_message_id("evil.example"))],
                       "Sorry, this cannot be fixed. Bye.\n#resolve\n")


def _padded_to_cut(cut: int) -> str:
    head = f"{MX}; " + "".join(f"dkim=fail header.d=pad{i}.evil.example header.s=s{i};\r\n "
                                for i in range(30))
    signer = "dkim=pass header.d=vendor.example"
    for n in range(1, cut):  # the filler length that makes a cut land right after signer
        value = (f"{head}dkim=fail header.d=f.evil.example header.s={'x' * n};\r\n {signer}"
                 ".evil.example; dmarc=fail header.from=vendor.example")
        if " ".join(value.split())[:cut].endswith(signer):
            return value
    raise AssertionError("no filler length fits")


FORGERIES = {
    "two From addresses": [
        ("Authentication-Results", f"{MX}; dmarc=pass header.from=vendor.example"),
        ("From", f"Ann <{ANN}>, Eve <eve@evil.example>")],
    "two From headers": [
        ("Authentication-Results", f"{MX}; dmarc=pass header.from=vendor.example"),
        ("From", f"Ann <{ANN}>"), ("From", "Eve <eve@evil.example>")],
    "quoted ; in a property": [
        ("Authentication-Results",
         f'{MX}; dkim=fail header.d="x; dmarc=pass header.from=vendor.example"'),
        ("From", f"Ann <{ANN}>")],
    "dmarc pass for another domain": [
        ("Authentication-Results", f"{MX}; dmarc=pass header.from=evil.example"),
        ("From", f"Ann <{ANN}>")],
    # our MX copies the envelope sender, which the forger chose, into its header; as an
    # RFC 2047 encoded word it would decode into a pass
    "encoded word in a copied value": [
        ("Authentication-Results",
         f"{MX}; dmarc=fail header.from=vendor.example; spf=pass smtp.mailfrom="
         "=?utf-8?q?a=3B_dkim=3Dpass_header.d=3Dvendor.example_header.i=3D?=@evil.example"),
        ("From", f"Ann <{ANN}>")],
    # the forger's own signatures pad our MX's header so that a cut at 2,000 characters
    # would end inside his last header.d, leaving "vendor.example", and drop dmarc=fail
    "padding up to a cut": [("Authentication-Results", _padded_to_cut(2000)),
        ("From", f"Ann <{ANN}>")],
}


@pytest.mark.parametrize("forgery", list(FORGERIES))
def test_forged_agent_mail_neither_relays_nor_resolves(start_desk, forgery):
    desk = start_desk(intake={"authserv_id": MX})
    number, _ = open_by(desk, results="dmarc=pass header.from=acme.example")
    [notice] = of_kind(desk.deliver(), "agent_new")

    outcome, _ = desk.send(_forged(number, FORGERIES[forgery]), ANN)

    assert outcome not in ("agent_reply", "agent_command")
    ticket = desk.ticket(number)
    assert ticket.status == "open" and ticket.first_response_at is None
    assert [m for m in desk.deliver() if ALICE in m.rcpt] == []

    # the genuine agent, vouched for by our MX, still answers and resolves
    genuine = mf.authenticated(agent_answer(notice, "Fixed for you.\n#resolve\n"), MX,
                               "dmarc=pass header.from=vendor.example")
    assert desk.send(genuine, ANN) == ("agent_reply", number)
    assert {m.kind for m in desk.deliver() if m.rcpt == {ALICE}} == {"agent_reply", "resolved"}
    assert desk.ticket(number).status == "resolved"


def test_genuine_agent_with_dmarc_pass_for_its_domain_relays_and_resolves(start_desk):
    desk = start_desk(intake={"authserv_id": MX})
    number, _ = open_by(desk, results="dmarc=pass header.from=acme.example")
    [notice] = of_kind(desk.deliver(), "agent_new")

    raw = mf.authenticated(agent_answer(notice, "The export limit is raised.\n#resolve\n"), MX,
                           "spf=pass smtp.mailfrom=vendor.example; "
                           "dmarc=pass header.from=vendor.example")
    assert desk.send(raw, ANN) == ("agent_reply", number)

    mails = desk.deliver()
    [relayed] = of_kind(mails, "agent_reply")
    assert relayed.rcpt == {ALICE} and "The export limit is raised." in relayed.text
    assert "#resolve" not in relayed.text
    assert of_kind(mails, "resolved") and desk.ticket(number).status == "resolved"


# -- 4. robot contact -------------------------------------------------------------------


def test_robot_at_a_contacts_address_gets_at_most_five_mails_in_thirty_rounds(desk):
    robot = CAROL
    last: Out | None = None
    outcomes = []
    for round_ in range(1, 31):
        # no Auto-Submitted, a new subject and no In-Reply-To: a new thread every time
        body = "This is an automatic confirmation of your message.\n"
        if last is not None:
            body += "\n" + "".join(f"> {line}\n" for line in last.text.splitlines()[:5])
        subject = f"Confirmation {round_:02d}: message received"
        outcomes.append(desk.send(mf.mail(robot, subject, body), robot)[0])
        got = [m for m in desk.deliver() if robot in m.rcpt]
        last = got[-1] if got else last
        desk.clock.advance(minutes=1)

    to_robot = [m for m in desk.received if robot in m.rcpt]
    assert 1 <= len(to_robot) <= 5
    with desk.app.store.unit_of_work() as uow:
        used = quota_for(uow, desk.app.policy.plans, desk.app.policy.tz,
                         uow.accounts.get("acme"), desk.clock()).used
    assert used == outcomes.count("new_ticket") and 1 <= used <= 5
    assert outcomes.count("rate_limited") == 30 - used  # recorded, not dropped
    told = of_kind(desk.received, "rate_limited")
    assert len(told) == 1 and told[0].rcpt == AGENTS
    assert robot in told[0].text
    assert len(of_kind(desk.received, "agent_new")) == used

    # the limit is the robot's, not the account's: a person there is still answered
    open_by(desk, ALICE)
    assert [m.rcpt for m in of_kind(desk.deliver(), "ack")] == [{ALICE}]


# -- 5. one bad token never silences a ticket -------------------------------------------


BAD_TOKENS = [
    pytest.param("cc", "jörg@acme.example", id="8-bit local part"),
    pytest.param("cc", '"john doe"@acme.example', id="quoted local part"),
    pytest.param("cc", "bob@[192.0.2.1]", id="address literal"),
    pytest.param("message_id", "<no-at-sign-here>", id="Message-ID without @"),
]


@pytest.mark.parametrize(("where", "token"), BAD_TOKENS)
def test_one_bad_token_never_silences_the_ticket(start_desk, where, token):
    desk = start_desk(tickets={"cc_policy": "all"})  # so every Cc'd address would be copied
    mid = token if where == "message_id" else mf.new_message_id()
    cc = [EVE, token] if where == "cc" else [EVE]
    outcome, number = desk.send(handwritten([
        ("From", f"Alice Ruiz <{ALICE}>"), ("To", SUPPORT), ("Cc", ", ".join(cc)),
        ("Subject", "[major] Exports fail with error 500"), ("Message-ID", mid)]), ALICE,
        utf8=True)
    assert outcome == "new_ticket"

    mails = desk.deliver()
    [ack], [notice] = of_kind(mails, "ack"), of_kind(mails, "agent_new")
    assert ack.rcpt == {ALICE, EVE} and ack.headers_to == {ALICE, EVE}
    assert "<no-at-sign-here>" not in ack.in_reply_to + ack.references
    if where == "cc":
        [line] = [ln for ln in notice.text.splitlines() if ln.startswith("Not copied:")]
        assert token in line

    desk.clock.advance(hours=1)
    desk.send(agent_answer(notice, "Please try again now.\n"), ANN)
    [relayed] = desk.deliver()
    assert relayed.kind == "agent_reply" and relayed.rcpt == {ALICE, EVE}
    assert "<no-at-sign-here>" not in relayed.in_reply_to + relayed.references
    if where == "message_id":
        # kept for matching: a reply to it still finds the ticket
        reply = mf.mail(ALICE, "still failing", "Still failing.\n", in_reply_to=token,
                        references=[token])
        assert desk.send(reply, ALICE) == ("customer_reply", number)
        desk.deliver()
    assert [r.status for r in desk.rows()] == ["sent"] * len(desk.rows())


# -- 6. our own mail come back ----------------------------------------------------------


def test_own_ack_back_through_a_list_that_rewrote_from_is_own_mail(start_desk):
    desk = start_desk(tickets={"cc_policy": "all"})
    team = "team@lists.acme.example"  # a list support@ is subscribed to
    open_by(desk, ALICE, cc=[team])
    [ack] = of_kind(desk.deliver(), "ack")
    assert team in ack.rcpt

    # the list rewrites From (DMARC), strips our X- and Auto-Submitted headers,
    # keeps the Message-ID and hands the mail, otherwise as it was, to its members
    head, sep, body = ack.raw.partition(b"\r\n\r\n")
    kept = [line for line in re.split(rb"\r\n(?![ \t])", head)
            if not re.match(rb"(?i)(x-[\w-]+|auto-submitted|from):", line)]
    back = b"\r\n".join([f"From: Vendor Support via Team <{team}>".encode(), *kept]) \
        + sep + body
    assert parsed(back)["Message-ID"] == ack.message_id
    assert b"X-Intakebot" not in back and b"support@vendor.example" not in back.split(sep)[0]
    outcome, _ = desk.send(back, "team-bounces@lists.acme.example")

    assert outcome == "own_mail"
    assert desk.outcomes(ack.message_id) == ["own_mail"]
    assert desk.deliver() == []  # no refusal to the list, nothing to anyone


# -- 7. no internal ids in customer headers ---------------------------------------------


def test_customer_headers_carry_only_ids_of_mail_the_customer_sent_or_got(desk):
    number, first = open_by(desk, ALICE)
    customer_sent = [first]
    mails = desk.deliver()
    [notice] = of_kind(mails, "agent_new")

    note_mid = agent_mid()
    assert desk.send(agent_answer(notice, "#note checked the logs, quota table is full\n",
                                  message_id=note_mid), ANN)[0] == "agent_command"
    assert desk.deliver() == []
    # the agent answers on her own note's thread: its ids are in her References
    answer_mid = agent_mid()
    desk.send(mf.reply(ANN, notice.subject, "We cleared the full table; try again.\n",
                       parent_id=note_mid, thread=[notice.message_id],
                       message_id=answer_mid), ANN)
    [relayed] = desk.deliver()
    assert relayed.kind == "agent_reply"

    desk.clock.advance(hours=1)
    reply_mid = mf.new_message_id()
    customer_sent.append(reply_mid)
    desk.send(answer(ALICE, relayed, "Works now, thanks!\n", message_id=reply_mid), ALICE)
    [comment] = desk.deliver()
    assert comment.kind == "customer_reply" and comment.rcpt <= AGENTS
    desk.send(agent_answer(comment, "#resolve\n"), ANN)
    [resolved] = desk.deliver()
    assert resolved.kind == "resolved"

    to_customer = [m for m in desk.received if ALICE in m.rcpt]
    assert [m.kind for m in to_customer] == ["ack", "agent_reply", "resolved"]
    allowed = set(customer_sent) | {m.message_id for m in to_customer}
    staff_ids = {m.message_id for m in desk.received if ALICE not in m.rcpt}
    staff_ids |= {note_mid, answer_mid}
    for mail in to_customer:
        ids = mail.in_reply_to + mail.references
        assert first in mail.references, mail.kind  # threaded, not bare
        assert set(ids) <= allowed, (mail.kind, set(ids) - allowed)
        assert not set(ids) & staff_ids, mail.kind
        assert not [i for i in ids if i.endswith(f"@{AGENT_HOST}>")], mail.kind
    assert resolved.in_reply_to == [reply_mid]  # it answers the customer's latest mail
    assert desk.ticket(number).status == "resolved"


# -- 8. refusals disclose no address ----------------------------------------------------


def test_refusal_names_contacts_by_name_and_counts_the_unnamed(desk):
    with desk.app.store.unit_of_work() as uow:
        uow.contacts.add(Contact(email="ops@acme.example", account="acme", added_at=MONDAY))
        uow.commit()

    outcome, _ = desk.send(mf.mail(EVE, "Need access", "Please open a ticket for me.\n"), EVE)

    assert outcome == "refused_unauthorised"
    [refusal] = desk.deliver()
    assert refusal.kind == "refused_unauthorised" and refusal.rcpt == {EVE}
    for shown in (refusal.text, refusal.html):
        assert "Alice Ruiz" in shown and "Carol Diaz" in shown and "1 more" in shown
    for address in (ALICE, CAROL, "ops@acme.example"):
        assert address not in refusal.text and address not in refusal.html
        assert address.encode() not in refusal.msg.as_bytes()


def test_refusal_for_an_account_whose_contacts_have_no_name_gives_only_their_number(desk):
    with desk.app.store.unit_of_work() as uow:
        uow.contacts.remove(DAN)
        uow.contacts.add(Contact(email=DAN, account="globex", added_at=MONDAY))
        uow.commit()
    stranger = "zed@globex.example"

    desk.send(mf.mail(stranger, "Help", "Our exports fail.\n"), stranger)

    [refusal] = desk.deliver()
    assert refusal.rcpt == {stranger}
    for shown in (refusal.text, refusal.html):
        assert "globex has 1 authorised contact." in " ".join(shown.split())
        assert DAN not in shown
    assert DAN.encode() not in refusal.msg.as_bytes()


# -- 9. a refused mail resent from the right address ------------------------------------


def test_refused_mail_resent_from_the_contact_address_opens_a_ticket(desk):
    mid = mf.new_message_id()
    alias = "alice.ruiz@acme.example"  # Alice's second address, not registered

    assert desk.send(mf.mail(alias, "[major] Exports fail", "Every export fails.\n",
                             message_id=mid), alias)[0] == "refused_unauthorised"
    [refusal] = desk.deliver()
    assert refusal.rcpt == {alias}

    desk.clock.advance(minutes=5)
    outcome, number = desk.send(mf.mail(ALICE, "[major] Exports fail", "Every export fails.\n",
                                        message_id=mid), ALICE)
    assert outcome == "new_ticket" and number is not None
    assert [m.rcpt for m in of_kind(desk.deliver(), "ack")] == [{ALICE}]

    # her client sends it once more (a new Date, the same Message-ID): a duplicate
    desk.clock.advance(minutes=5)
    again = mf.mail(ALICE, "[major] Exports fail", "Every export fails.\n", message_id=mid,
                    date=at(2026, 3, 2, 11, 10))
    assert desk.send(again, ALICE) == ("duplicate", number)
    assert desk.deliver() == []
    assert desk.outcomes(mid) == ["refused_unauthorised", "new_ticket", "duplicate"]
    with desk.app.store.unit_of_work() as uow:
        assert [t.number for t in uow.tickets.all()] == [number]


# -- 10. agents' typos ------------------------------------------------------------------


def test_mistyped_command_relays_nothing_and_tells_the_agent_which_line(desk):
    number, _ = open_by(desk, ALICE)
    [notice] = of_kind(desk.deliver(), "agent_new")
    text = "Hello Alice,\nthe fix is deployed, please try again.\n#reslove\n"

    outcome, _ = desk.send(agent_answer(notice, text), ANN)

    assert outcome == "agent_command"
    [error] = desk.deliver()
    assert error.kind == "command_error" and error.rcpt == {ANN}
    assert 'line 3 "#reslove"' in error.text
    assert all(command in error.text for command in KNOWN_COMMANDS)
    ticket = desk.ticket(number)
    assert ticket.status == "open" and ticket.first_response_at is None

    outcome, _ = desk.send(agent_answer(notice, text.replace("#reslove", "#resolve")), ANN)
    assert outcome == "agent_reply"
    mails = desk.deliver()
    [relayed], [resolved] = of_kind(mails, "agent_reply"), of_kind(mails, "resolved")
    assert relayed.rcpt == {ALICE} and resolved.rcpt == {ALICE}
    assert "the fix is deployed" in relayed.text and "#res" not in relayed.text
    assert desk.ticket(number).status == "resolved"
    assert [m for m in desk.received if ALICE in m.rcpt and m.kind == "agent_reply"] \
        == [relayed]


# -- an agent's reply: only what the agent wrote reaches the customer --------------------


def test_an_agent_reply_with_nothing_new_relays_nothing_of_the_quoted_notice(start_desk):
    desk = start_desk()
    number, _ = open_by(desk, cc=[OUTSIDER])
    [notice] = of_kind(desk.deliver(), "agent_new")
    assert "Not copied" in notice.text  # internal: who was left out, and why

    # tapped Reply on the phone and sent it with only the signature above the quote
    outcome, _ = desk.send(agent_answer(notice, "Sent from my iPhone"), ANN)

    assert outcome == "agent_command"
    mails = desk.deliver()
    assert [m for m in mails if ALICE in m.rcpt] == []
    assert desk.ticket(number).first_response_at is None
    [told] = of_kind(mails, "command_error")  # the agent hears that nothing went out
    assert told.rcpt == {ANN} and "nothing was sent to the customer" in told.text


def test_an_agent_answer_written_between_quotes_is_relayed_and_its_command_applied(start_desk):
    desk = start_desk()
    number, _ = open_by(desk)
    [notice] = of_kind(desk.deliver(), "agent_new")
    body = ("Hi Alice,\n\nOn Monday you wrote:\n> Every export fails.\n\n"
            "We pushed a fix in release 2.1, please try again.\n\n#resolve\n")
    raw = mf.reply(ANN, notice.subject, body, parent_id=notice.message_id,
                   thread=notice.references, message_id=agent_mid())

    assert desk.send(raw, ANN) == ("agent_reply", number)

    [relayed] = [m for m in desk.deliver() if m.kind == "agent_reply"]
    assert "We pushed a fix in release 2.1" in relayed.text
    assert "#resolve" not in relayed.text
    assert desk.ticket(number).status == "resolved"


def test_a_forged_bounce_naming_the_customers_own_message_tells_the_agents_nothing(
        start_desk):
    desk = start_desk()
    number, mid = open_by(desk, cc=[OUTSIDER])  # the outsider saw Alice's Message-ID
    desk.deliver()

    # "your mail bounced: write to alice at my address instead"
    fake = mf.dsn(mid, ALICE, mta="mx.evil.example")
    outcome, _ = desk.send(fake, "")

    assert outcome == "bounce"
    assert of_kind(desk.deliver(), "bounce_notice") == []
