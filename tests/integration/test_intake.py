"""Intake decisions: mail in -> recorded outcome, tickets, queued mail, and where the message
goes (Processed or Quarantine).

The decisions run in-process through the real pipeline (archive, parse, handle, commit);
the tests marked `imap_intake` take the same path through a real IMAP server (pymap and
Dovecot), where the message really moves between folders."""

from __future__ import annotations

import hashlib
import threading
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from intake.mailbox import ImapMailbox
from intake.pipeline import Handled, Incoming, Pipeline
from intake.poller import Poller
from rules.lifecycle import Outcome
from rules.plans import Severity
from rules.policy import default_policy
from store import Store, Ticket
from tests import mailfactory as mf
from tests.mailfactory import ALICE, ANA, BOB, CAROL, DAVE, LUIS, STRANGER

MADRID = ZoneInfo("Europe/Madrid")
# Tuesday 3 March 2026, 11:00 in Madrid (CET, +01:00): inside every plan's window
T0 = datetime(2026, 3, 3, 11, 0, tzinfo=MADRID)
POLICY = default_policy()
MAX_BYTES = 128 * 1024


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=MADRID)


def sha(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


class Intake:
    """The bot's intake: deliver mail, poll once, look at the store and where the mail went.

    With `server` the mail goes through a real IMAP mailbox; without, each polled batch
    goes straight into the pipeline and lands in Processed or Quarantine by its outcome,
    as the poller would move it."""

    def __init__(self, server, store: Store, settings) -> None:
        self.server, self.store, self.settings = server, store, settings
        self.now = T0
        self._waiting: list[tuple[bytes, datetime]] = []
        self._moved: dict[str, list[bytes]] = {"Processed": [], "Quarantine": []}
        self._uid = 100

    def deliver(self, raw: bytes, received: datetime = T0) -> bytes:
        if self.server is None:
            self._waiting.append((raw, received))
        else:
            self.server.append(raw, internaldate=received)
        return raw

    def poll(self, now: datetime | None = None) -> list[Handled]:
        self.now = now or self.now
        pipeline = Pipeline(self.store, POLICY, self.settings, lambda: self.now, MAX_BYTES)
        if self.server is None:
            batch = []
            for raw, received in self._waiting:
                self._uid += 1
                batch.append(Incoming(raw, received, source=f"test:INBOX:{self._uid}"))
            self._waiting = []
            handled = pipeline.run(batch) if batch else []
            for h in handled:
                self._moved["Quarantine" if h.quarantined else "Processed"].append(
                    h.incoming.raw)
            return handled
        box = ImapMailbox(self.server.host, self.server.port, username=self.server.username,
                          password=self.server.password, tls="none", timeout=10)
        try:
            return Poller(box, pipeline, batch_size=50, max_bytes=MAX_BYTES).poll_once()
        finally:
            box.close()

    def outcome(self, raw: bytes):
        with self.store.unit_of_work() as uow:
            return uow.inbound.by_sha(sha(raw))

    def ticket(self, number: int) -> Ticket:
        with self.store.unit_of_work() as uow:
            return uow.tickets.get(number)

    def tickets(self) -> list[Ticket]:
        with self.store.unit_of_work() as uow:
            return uow.tickets.all()

    def events(self, number: int) -> list[tuple[str, dict]]:
        with self.store.unit_of_work() as uow:
            return [(e.kind, e.data) for e in uow.events.for_ticket(number)]

    def outbox(self, kind: str | None = None):
        with self.store.unit_of_work() as uow:
            return [r for r in uow.outbox.all() if kind is None or r.kind == kind]

    def folder(self, name: str) -> list[bytes]:
        if self.server is None:
            return list(self._moved.get(name, []))
        return self.server.fetch_all(name) if name in self.server.folders() else []

    def assert_moved(self, processed: list[bytes], quarantined: list[bytes] = ()) -> None:
        if self.server is None:
            assert self._waiting == []
        else:
            assert self.server.uids("INBOX") == []
        assert sorted(self.folder("Processed")) == sorted(processed)
        assert sorted(self.folder("Quarantine")) == sorted(quarantined)


@pytest.fixture
def store(tmp_path):
    store = Store.open(tmp_path / "data")
    mf.seed(store)
    yield store
    store.close()


@pytest.fixture
def intake(store) -> Intake:
    return Intake(None, store, mf.settings())


@pytest.fixture
def imap_intake(imap_server, store) -> Intake:
    return Intake(imap_server, store, mf.settings())


def open_ticket(intake: Intake, sender: str = ALICE,
                subject: str = "[critical] Cannot open any document",
                received: datetime = T0) -> tuple[bytes, str, Ticket]:
    """A new request from a contact, polled: (raw, its Message-ID, the ticket)."""
    mid = mf.new_message_id(sender.rpartition("@")[2])
    raw = intake.deliver(mf.mail(sender, subject, "Hello,\n\nevery document fails to open.\n",
                                 message_id=mid), received)
    [handled] = intake.poll(received + timedelta(minutes=1))
    assert handled.outcome == "new_ticket", handled.reason
    return raw, mid, intake.ticket(handled.ticket)


# -- new tickets ----------------------------------------------------------------------


def test_new_request_from_a_contact_opens_an_acknowledged_ticket(imap_intake):
    intake = imap_intake
    mid = "<first-request@acme.example>"
    raw = intake.deliver(mf.mail(f"Alice Arias <{ALICE}>", "[critical] Cannot open any document",
                                 "Since 10:40 no document opens.\n", message_id=mid,
                                 cc=[BOB]), T0)

    [handled] = intake.poll(T0 + timedelta(minutes=2))

    recorded = intake.outcome(raw)
    assert (handled.outcome, recorded.outcome) == ("new_ticket", "new_ticket")
    assert recorded.ticket == 1000 and recorded.sender == ALICE
    assert recorded.received_at == T0  # the INTERNALDATE, not the Date header (10:58 UTC)
    ticket = intake.ticket(1000)
    assert (ticket.account, ticket.requester, ticket.cc) == ("acme", ALICE, [BOB])
    assert (ticket.status, ticket.severity, ticket.overage) == ("open", Severity.CRITICAL, False)
    assert ticket.created_at == T0
    # standard plan, 09:00-20:00: critical response 8 h -> Tue 19:00;
    # resolution 2 days = 22 h -> 9 h Tue, 11 h Wed, 2 h Thu -> Thu 11:00
    assert ticket.response_due == at(3, 19)
    assert ticket.resolution_due == at(5, 11)
    [ack] = intake.outbox("ack")
    assert (ack.to, ack.cc, ack.ticket, ack.in_reply_to) == ([ALICE], [BOB], 1000, mid)
    assert ack.message_id.endswith("@vendor.example>") and mid in ack.references
    [new] = intake.outbox("agent_new")
    assert sorted(new.to) == [ANA, LUIS] and new.ticket == 1000
    assert len(intake.outbox()) == 2
    intake.assert_moved(processed=[raw])


def test_due_times_follow_each_account_plan(intake):
    plus = intake.deliver(mf.mail(CAROL, "[blocker] Portal down", "Nobody can log in.\n"))
    basic = intake.deliver(mf.mail(DAVE, "[major] Exports are slow", "Takes minutes.\n"))

    handled = intake.poll(T0 + timedelta(minutes=1))

    assert [h.outcome for h in handled] == ["new_ticket", "new_ticket"]
    plus_t, basic_t = (intake.ticket(intake.outcome(r).ticket) for r in (plus, basic))
    # plus, 10:00-17:00: blocker response 6 h -> Tue 17:00; resolution 10 h -> Wed 14:00
    assert (plus_t.account, plus_t.severity) == ("globex", Severity.BLOCKER)
    assert (plus_t.response_due, plus_t.resolution_due) == (at(3, 17), at(4, 14))
    # basic: major response 4 days = 28 h -> 6+7+7+7 by Fri, 1 h Mon -> Mon 9 Mar 11:00;
    # the basic plan states no resolution target
    assert (basic_t.account, basic_t.severity) == ("initech", Severity.MAJOR)
    assert (basic_t.response_due, basic_t.resolution_due) == (at(9, 11), None)
    intake.assert_moved(processed=[plus, basic])


# -- refusals -------------------------------------------------------------------------


def test_stranger_is_refused_politely_at_most_three_times_a_day(imap_intake):
    intake = imap_intake
    raws = [intake.deliver(mf.mail(STRANGER, f"Please help {i}")) for i in range(4)]

    handled = intake.poll(T0 + timedelta(minutes=1))

    assert [h.outcome for h in handled] == ["refused_unauthorised"] * 4
    assert [intake.outcome(r).outcome for r in raws] == ["refused_unauthorised"] * 4
    assert intake.tickets() == []
    refusals = intake.outbox("refused_unauthorised")
    assert len(refusals) == 3 and all(r.to == [STRANGER] for r in refusals)
    assert intake.outbox() == refusals
    intake.assert_moved(processed=raws)
    # a day later the sender may be answered again
    again = intake.deliver(mf.mail(STRANGER, "Still need help"), T0 + timedelta(days=1))
    intake.poll(T0 + timedelta(days=1, minutes=2))
    assert len(intake.outbox("refused_unauthorised")) == 4
    intake.assert_moved(processed=[*raws, again])


def test_colleague_who_is_not_a_contact_is_told_who_can_open_tickets(intake):
    raw = intake.deliver(mf.mail("eve@acme.example", "Scanner broken", "It jams.\n"))

    [handled] = intake.poll()

    assert handled.outcome == "refused_unauthorised"
    [refusal] = intake.outbox("refused_unauthorised")
    assert refusal.to == ["eve@acme.example"]
    assert refusal.payload.account == "acme"
    assert sorted(refusal.payload.contact_names) == ["Alice Arias", "Bob Blanco"]
    assert intake.tickets() == []
    intake.assert_moved(processed=[raw])


def _use_up_quota(store, account: str, count: int) -> None:
    with store.unit_of_work() as uow:
        for i in range(count):
            uow.tickets.add(Ticket(account=account, requester=DAVE, subject=f"earlier {i}",
                                   severity=Severity.TRIVIAL, created_at=at(1, 12) - timedelta(
                                       days=20 + i), contract_year=date(2026, 1, 1)))
        uow.commit()


@pytest.mark.parametrize("subject, body", [
    ("Exports", "Severity: blocker\n\nThe CSV export fails for everyone; the rest works.\n"),
    ("Exportación", "Severidad: bloqueante\n\nLa exportación a CSV falla a todos; lo demás "
                    "funciona.\n"),
])
def test_over_quota_a_blocker_asked_for_is_accepted_at_the_assessed_level(intake, store,
                                                                        subject, body):
    # what the quota refusal tells customers to do: it opens the ticket, not a blocker
    _use_up_quota(store, "initech", 20)
    raw = intake.deliver(mf.mail(DAVE, subject, body))

    [handled] = intake.poll()

    assert handled.outcome == "new_ticket", handled.reason
    ticket = intake.ticket(intake.outcome(raw).ticket)
    assert ticket.overage and ticket.severity == Severity.MAJOR
    assert [d["severity_requested"] for k, d in intake.events(ticket.number) if k == "note"] \
        == ["blocker"]
    [notice] = intake.outbox("agent_new")
    assert notice.payload.severity_requested == "blocker"


def test_over_quota_is_refused_but_a_blocker_is_accepted_as_overage(intake, store):
    _use_up_quota(store, "initech", 20)  # basic: 20 tickets a year
    normal = intake.deliver(mf.mail(DAVE, "[major] Exports are slow", "Takes minutes.\n"))
    blocker = intake.deliver(mf.mail(DAVE, "[blocker] Site down", "Nothing loads.\n"))

    handled = intake.poll()

    assert [h.outcome for h in handled] == ["refused_quota", "new_ticket"]
    assert intake.outcome(normal).ticket is None
    [refusal] = intake.outbox("refused_quota")
    assert refusal.to == [DAVE]
    assert (refusal.payload.used, refusal.payload.included, refusal.payload.extra) == (20, 20, 0)
    ticket = intake.ticket(intake.outcome(blocker).ticket)
    assert ticket.number == 1020 and ticket.overage and ticket.severity == Severity.BLOCKER
    [ack] = intake.outbox("ack")
    assert ack.to == [DAVE] and ack.payload.overage is True
    assert len(intake.tickets()) == 21
    intake.assert_moved(processed=[normal, blocker])


# -- replies --------------------------------------------------------------------------


def test_customer_reply_by_subject_token_is_a_comment_on_the_ticket(intake):
    first, _, ticket = open_ticket(intake)
    # a colleague on the same account answers from a fresh mail with only the token
    raw = intake.deliver(mf.mail(BOB, f"Re: [#{ticket.number}] Cannot open any document",
                                 "Same here since 11:00.\n"), T0 + timedelta(minutes=20))

    [handled] = intake.poll(T0 + timedelta(minutes=21))

    assert (handled.outcome, handled.ticket) == ("customer_reply", ticket.number)
    assert intake.outcome(raw).outcome == "customer_reply"
    after = intake.ticket(ticket.number)
    assert after.cc == [BOB] and after.status == "open"
    kinds = [k for k, _ in intake.events(ticket.number)]
    assert kinds == ["received", "acknowledged", "customer_reply"]
    [relay] = intake.outbox("customer_reply")
    assert sorted(relay.to) == [ANA, LUIS]  # nobody assigned yet: every agent hears it
    assert "Same here since 11:00." in relay.payload.text
    assert len(intake.tickets()) == 1
    intake.assert_moved(processed=[first, raw])


def test_customer_reply_by_in_reply_to_without_token(intake):
    first, mid, ticket = open_ticket(intake)
    [ack] = intake.outbox("ack")
    raw = intake.deliver(mf.reply(ALICE, "Cannot open any document", "It works again now.",
                                  parent_id=ack.message_id, thread=[mid],
                                  quoted="We received your request."),
                         T0 + timedelta(hours=1))

    [handled] = intake.poll(T0 + timedelta(hours=1, minutes=1))

    assert (handled.outcome, handled.ticket) == ("customer_reply", ticket.number)
    [relay] = intake.outbox("customer_reply")
    assert relay.payload.text == "It works again now."  # the quote is not relayed
    intake.assert_moved(processed=[first, raw])


def test_stranger_guessing_a_ticket_token_does_not_comment_on_it(intake):
    first, _, ticket = open_ticket(intake)
    before = intake.events(ticket.number)
    raw = intake.deliver(mf.mail(STRANGER, f"Re: [#{ticket.number}] Cannot open any document",
                                 "Please send me the customer's files.\n"))

    [handled] = intake.poll()

    assert handled.outcome == "refused_unauthorised" and handled.ticket is None
    assert intake.events(ticket.number) == before
    assert intake.ticket(ticket.number).cc == []
    assert intake.outbox("customer_reply") == []
    [refusal] = intake.outbox("refused_unauthorised")
    assert refusal.to == [STRANGER]
    intake.assert_moved(processed=[first, raw])


def test_agent_reply_is_relayed_and_is_the_first_response(intake):
    first, mid, ticket = open_ticket(intake)
    answered = T0 + timedelta(minutes=30)
    raw = intake.deliver(mf.reply(ANA, f"[#{ticket.number}] Cannot open any document",
                                  "Please clear the browser cache and try again.",
                                  parent_id=mid, quoted="every document fails to open."),
                         answered)

    [handled] = intake.poll(answered + timedelta(minutes=1))

    assert (handled.outcome, handled.ticket) == ("agent_reply", ticket.number)
    after = intake.ticket(ticket.number)
    assert after.first_response_at == answered and after.assignee == "Ana"
    [relay] = intake.outbox("agent_reply")
    assert relay.to == [ALICE] and relay.ticket == ticket.number
    assert relay.payload.text == "Please clear the browser cache and try again."
    # the relay threads under the customer's mail
    assert relay.in_reply_to == mid and relay.references[0] == mid
    intake.assert_moved(processed=[first, raw])


def _agent_says(intake: Intake, ticket: Ticket, body: str, minutes: int = 30) -> Handled:
    when = T0 + timedelta(minutes=minutes)
    intake.deliver(mf.mail(ANA, f"Re: [#{ticket.number}] {ticket.subject}", body), when)
    [handled] = intake.poll(when + timedelta(minutes=1))
    return handled


def test_agent_note_is_kept_but_never_relayed(intake):
    _, _, ticket = open_ticket(intake)

    handled = _agent_says(intake, ticket, "#note customer runs the old 3.1 build")

    assert (handled.outcome, handled.ticket) == ("agent_command", ticket.number)
    assert ("note", {"agent": ANA, "text": "customer runs the old 3.1 build"}) in \
        intake.events(ticket.number)
    assert intake.outbox("agent_reply") == []
    assert intake.ticket(ticket.number).first_response_at is None


def test_agent_resolve_relays_the_answer_and_resolves(intake):
    _, _, ticket = open_ticket(intake)

    handled = _agent_says(intake, ticket, "#resolve\nThe fix is deployed, please retry.")

    assert handled.outcome == "agent_reply"
    after = intake.ticket(ticket.number)
    assert (after.status, after.resolved_at) == ("resolved", T0 + timedelta(minutes=30))
    [relay] = intake.outbox("agent_reply")
    assert relay.payload.text == "The fix is deployed, please retry."
    [notice] = intake.outbox("resolved")
    assert notice.to == [ALICE] and notice.payload.reopen_days == 7


def test_agent_pending_pauses_until_the_customer_answers(intake):
    _, mid, ticket = open_ticket(intake)

    handled = _agent_says(intake, ticket, "#pending")

    asked = T0 + timedelta(minutes=30)
    assert handled.outcome == "agent_command"
    after = intake.ticket(ticket.number)
    assert (after.status, after.paused) == ("pending-customer", [(asked, None)])
    answered = T0 + timedelta(hours=2)
    intake.deliver(mf.reply(ALICE, f"[#{ticket.number}] {ticket.subject}", "Here is the log.",
                            parent_id=mid), answered)
    [reply] = intake.poll(answered + timedelta(minutes=1))
    assert reply.outcome == "customer_reply"
    resumed = intake.ticket(ticket.number)
    assert (resumed.status, resumed.paused) == ("open", [(asked, answered)])


def test_agent_severity_moves_the_due_times(intake):
    _, _, ticket = open_ticket(intake)

    handled = _agent_says(intake, ticket, "#severity blocker")

    assert handled.outcome == "agent_command"
    after = intake.ticket(ticket.number)
    # standard blocker from Tue 11:00: response 4 h -> 15:00, resolution 7 h -> 18:00
    assert after.severity == Severity.BLOCKER
    assert (after.response_due, after.resolution_due) == (at(3, 15), at(3, 18))
    assert ("severity_changed", {"old": "critical", "new": "blocker", "why": "set by Ana"}) in \
        intake.events(ticket.number)


def test_agent_assign_sends_later_comments_to_the_assignee_only(intake):
    _, _, ticket = open_ticket(intake)

    handled = _agent_says(intake, ticket, "#assign Luis")

    assert handled.outcome == "agent_command"
    assert intake.ticket(ticket.number).assignee == "Luis"
    later = T0 + timedelta(hours=1)
    intake.deliver(mf.mail(ALICE, f"Re: [#{ticket.number}] {ticket.subject}", "Any news?\n"),
                   later)
    intake.poll(later + timedelta(minutes=1))
    [relay] = intake.outbox("customer_reply")
    assert relay.to == [LUIS]


def test_reply_to_a_recently_resolved_ticket_reopens_it(intake):
    _, mid, ticket = open_ticket(intake)
    _agent_says(intake, ticket, "#resolve\nDone.")
    back = T0 + timedelta(days=6)
    raw = intake.deliver(mf.reply(ALICE, f"[#{ticket.number}] {ticket.subject}",
                                  "It fails again.", parent_id=mid), back)

    [handled] = intake.poll(back + timedelta(minutes=1))

    assert (handled.outcome, handled.ticket) == ("customer_reply", ticket.number)
    after = intake.ticket(ticket.number)
    assert (after.status, after.resolved_at) == ("open", None)
    assert ("reopened", {"by": ALICE}) in intake.events(ticket.number)
    assert len(intake.tickets()) == 1
    assert intake.outcome(raw).ticket == ticket.number
    [told] = intake.outbox("reopened")  # the customer hears the ticket is open again
    assert told.to == [ALICE] and told.ticket == ticket.number


def test_reply_to_a_ticket_resolved_long_ago_opens_a_new_one(intake):
    _, mid, ticket = open_ticket(intake)
    _agent_says(intake, ticket, "#resolve\nDone.")
    back = T0 + timedelta(days=8)  # reopen_days is 7
    raw = intake.deliver(mf.reply(ALICE, f"[#{ticket.number}] {ticket.subject}",
                                  "It fails again.", parent_id=mid), back)

    [handled] = intake.poll(back + timedelta(minutes=1))

    assert handled.outcome == "new_ticket" and handled.ticket == ticket.number + 1
    assert intake.ticket(ticket.number).status == "resolved"
    fresh = intake.ticket(ticket.number + 1)
    assert (fresh.requester, fresh.created_at, fresh.status) == (ALICE, back, "open")
    assert intake.outcome(raw).ticket == ticket.number + 1


# -- agent commands -------------------------------------------------------------------


def test_agent_opens_a_ticket_on_behalf_of_a_contact(intake):
    raw = intake.deliver(mf.mail(ANA, "Phone call: scanner import fails",
                                 f"#open Carol Cano <{CAROL}>\n[critical] Carol phoned: "
                                 "scanned files never arrive.\n"))

    [handled] = intake.poll()

    assert handled.outcome == "agent_command"
    ticket = intake.ticket(handled.ticket)
    assert (ticket.account, ticket.requester, ticket.severity) == \
        ("globex", CAROL, Severity.CRITICAL)
    [ack] = intake.outbox("ack")
    assert ack.to == [CAROL] and ack.payload.opened_by == ANA
    # Carol never saw Ana's mail: her acknowledgement starts the thread
    assert ack.in_reply_to is None and ack.references == []
    received = dict(intake.events(ticket.number))["received"]
    assert received["opened_by"] == ANA
    intake.assert_moved(processed=[raw])


def test_an_agents_tag_on_a_ticket_opened_for_a_customer_sets_its_level(intake):
    # the agent is staff: a tag there is their choice, not a customer's request
    intake.deliver(mf.mail(ANA, "Phone call: audit export", f"#open {CAROL}\nSeverity: "
                           "critical\nCarol phoned: the CSV export of the audit folder fails; "
                           "they need it for the regulator today.\n"))

    [handled] = intake.poll()

    ticket = intake.ticket(handled.ticket)
    assert ticket.severity == Severity.CRITICAL  # the reading alone would be major
    assert ticket.severity_reason == 'explicit tag "Severity: critical" in the body'
    assert "note" not in [k for k, _ in intake.events(ticket.number)]


def test_agent_open_with_commands_applies_every_one_and_keeps_the_note_internal(intake):
    intake.deliver(mf.mail(ANA, "Phone call: search is slow",
                           f"#assign Luis\n#open {CAROL}\nCarol phoned: search takes "
                           "a minute.\n#severity critical\n#note she sounded furious\n"))

    [handled] = intake.poll()

    ticket = intake.ticket(handled.ticket)
    assert (ticket.severity, ticket.assignee) == (Severity.CRITICAL, "Luis")
    [notice] = intake.outbox("agent_new")
    assert "furious" not in notice.payload.text and "#severity" not in notice.payload.text
    kinds = [k for k, _ in intake.events(ticket.number)]
    assert {"assigned", "severity_changed", "note"} <= set(kinds)


def test_agent_open_for_someone_who_is_not_a_contact_opens_nothing(intake):
    intake.deliver(mf.mail(ANA, "Phone call", f"#open {STRANGER}\nHe phoned.\n"))

    [handled] = intake.poll()

    assert handled.outcome == "agent_command" and handled.ticket is None
    assert intake.tickets() == []
    [error] = intake.outbox("command_error")
    assert error.to == [ANA] and STRANGER in error.payload.errors[0]


# -- mail that is never answered ------------------------------------------------------


def test_auto_replies_are_recorded_and_never_answered(intake):
    raws = [
        intake.deliver(mf.out_of_office(ALICE)),
        intake.deliver(mf.mail(BOB, "Re: your request", "I am away.\n",
                               headers={"Auto-Submitted": "auto-replied"})),
        intake.deliver(mf.mail("announce@lists.acme.example", "[announce] release 3.2",
                               "New release.\n", headers={"List-Id": "<announce.acme.example>"})),
    ]

    handled = intake.poll()

    assert [h.outcome for h in handled] == ["auto_reply"] * 3
    assert [intake.outcome(r).outcome for r in raws] == ["auto_reply"] * 3
    assert intake.tickets() == [] and intake.outbox() == []
    intake.assert_moved(processed=raws)


def test_bounce_of_our_ack_is_tied_to_the_ticket_and_not_answered(intake):
    first, _, ticket = open_ticket(intake)
    [ack] = intake.outbox("ack")
    queued = len(intake.outbox())
    raw = intake.deliver(mf.dsn(ack.message_id, ALICE))

    [handled] = intake.poll()

    assert (handled.outcome, handled.ticket) == ("bounce", ticket.number)
    notes = [d for k, d in intake.events(ticket.number) if k == "note"]
    assert [n["bounce_of"] for n in notes] == [ack.message_id]
    new_rows = intake.outbox()[queued:]
    # agents are told; nothing goes back to the mailer daemon
    assert [(r.kind, sorted(r.to)) for r in new_rows] == [("bounce_notice", [ANA, LUIS])]
    intake.assert_moved(processed=[first, raw])


def test_bounce_of_mail_we_never_sent_is_recorded_only(intake):
    raw = intake.deliver(mf.dsn("<someone-else@elsewhere.example>", ALICE))

    [handled] = intake.poll()

    assert (handled.outcome, handled.ticket) == ("bounce", None)
    assert intake.outcome(raw).outcome == "bounce"
    assert intake.outbox() == [] and intake.tickets() == []
    intake.assert_moved(processed=[raw])


def test_same_message_id_twice_opens_one_ticket(intake):
    mid = "<resent-1@acme.example>"
    first = intake.deliver(mf.mail(ALICE, "[critical] Cannot open", "Help.\n", message_id=mid))
    intake.poll()
    # the client sends it again (new Date, same Message-ID): different bytes
    again = intake.deliver(mf.mail(ALICE, "[critical] Cannot open", "Help.\n", message_id=mid,
                                   date=datetime(2026, 3, 3, 11, 30, tzinfo=MADRID)))

    [handled] = intake.poll()

    assert handled.outcome == "duplicate"
    assert intake.outcome(again).outcome == "duplicate"
    assert len(intake.tickets()) == 1 and len(intake.outbox("ack")) == 1
    intake.assert_moved(processed=[first, again])


def test_same_bytes_twice_open_one_ticket(imap_intake):
    intake = imap_intake
    raw = mf.mail(ALICE, "[critical] Cannot open", "Help.\n")
    intake.deliver(raw)
    intake.deliver(raw)

    handled = intake.poll()

    assert len(handled) == 2 and handled[0].outcome == "new_ticket"
    assert intake.outcome(raw).outcome == "new_ticket"
    assert len(intake.tickets()) == 1 and len(intake.outbox("ack")) == 1
    intake.assert_moved(processed=[raw, raw])


def test_second_copy_of_the_same_bytes_is_reported_as_a_duplicate(intake):
    raw = mf.mail(ALICE, "[critical] Cannot open", "Help.\n")
    intake.deliver(raw)
    intake.deliver(raw)

    handled = intake.poll()

    assert [h.outcome for h in handled] == ["new_ticket", "duplicate"]


def test_own_mail_looped_back_is_skipped(intake):
    raw = intake.deliver(mf.own_mail())

    [handled] = intake.poll()

    assert handled.outcome == "own_mail" and intake.outcome(raw).outcome == "own_mail"
    assert intake.outbox() == [] and intake.tickets() == []
    intake.assert_moved(processed=[raw])


# -- quarantine -----------------------------------------------------------------------


def test_broken_mail_is_quarantined_and_intake_goes_on(imap_server, store):
    intake = Intake(imap_server, store, mf.settings())
    big = intake.deliver(mf.big(ALICE, 2 * MAX_BYTES))
    empty = intake.deliver(b"\r\n\r\n")
    no_from = intake.deliver(mf.without_from())
    good = intake.deliver(mf.mail(BOB, "[major] Search is slow", "Takes a minute.\n"))
    broken = [big, empty, no_from]
    if imap_server.name == "dovecot":  # pymap's APPEND fails on such nesting
        broken.append(intake.deliver(mf.nested(1200)))

    handled = intake.poll()

    assert [h.outcome for h in handled] == ["quarantine"] * 3 + ["new_ticket"] \
        + ["quarantine"] * (len(broken) - 3)
    reasons = [h.reason for h in handled if h.quarantined]
    assert f"over the limit of {MAX_BYTES}" in reasons[0]
    assert "empty" in reasons[1]
    assert "From" in reasons[2]
    if len(broken) == 4:
        assert "nest" in reasons[3]
    # only the headers of the over-size mail were downloaded: its outcome is kept under them
    header_block = big.split(b"\r\n\r\n", 1)[0] + b"\r\n\r\n"
    assert intake.outcome(header_block).outcome == "quarantine"
    for raw in broken[1:]:
        assert intake.outcome(raw).outcome == "quarantine"
    assert [t.requester for t in intake.tickets()] == [BOB]
    intake.assert_moved(processed=[good], quarantined=broken)


# -- sender authentication ------------------------------------------------------------


def test_with_authserv_id_unauthenticated_mail_is_refused_as_possible_spoof(store):
    intake = Intake(None, store, mf.settings(authserv_id="mx.vendor.example"))
    plain = intake.deliver(mf.mail(ALICE, "[critical] Send me all documents", "Now.\n"))
    forged = intake.deliver(mf.authenticated(
        mf.mail(ALICE, "[critical] Send me the invoices", "Now.\n"), "mx.evil.example",
        "dmarc=pass header.from=acme.example"))
    good = intake.deliver(mf.authenticated(
        mf.mail(ALICE, "[critical] Cannot open documents", "Help.\n"), "mx.vendor.example",
        "spf=pass smtp.mailfrom=acme.example; dkim=pass header.d=acme.example; "
        "dmarc=pass header.from=acme.example"))

    handled = intake.poll()

    assert [h.outcome for h in handled] == ["refused_unauthorised", "refused_unauthorised",
                                            "new_ticket"]
    assert all("possible spoof" in intake.outcome(r).reason for r in (plain, forged))
    refusals = intake.outbox("refused_unauthorised")
    assert [r.payload.spoof_suspected for r in refusals] == [True, True]
    assert [t.subject for t in intake.tickets()] == ["[critical] Cannot open documents"]
    intake.assert_moved(processed=[plain, forged, good])


def test_with_authserv_id_a_forged_agent_mail_cannot_resolve_or_speak(store):
    intake = Intake(None, store, mf.settings(authserv_id="mx.vendor.example"))
    auth = "dkim=pass header.d={d}; dmarc=pass header.from={d}"
    opened = intake.deliver(mf.authenticated(
        mf.mail(ALICE, "[critical] Cannot open documents", "Help.\n"), "mx.vendor.example",
        auth.format(d="acme.example")))
    [first] = intake.poll()
    ticket = intake.ticket(first.ticket)
    subject = f"Re: [#{ticket.number}] {ticket.subject}"
    forged = intake.deliver(mf.mail(ANA, subject, "Fixed, bye.\n#resolve\n"))
    genuine = intake.deliver(mf.authenticated(
        mf.mail(ANA, subject, "Looking into it now.\n"), "mx.vendor.example",
        auth.format(d="vendor.example")))

    handled = intake.poll()

    assert [h.outcome for h in handled] == ["refused_unauthorised", "agent_reply"]
    assert "possible spoof of the agent address" in intake.outcome(forged).reason
    after = intake.ticket(ticket.number)
    assert after.status == "open"  # the forged #resolve did nothing
    [relayed] = intake.outbox("agent_reply")
    assert relayed.payload.text == "Looking into it now."
    intake.assert_moved(processed=[opened, forged, genuine])


def test_a_persistent_stranger_is_answered_again_once_the_day_window_allows(intake):
    answered = []
    for i in range(6):  # one mail every 7 hours
        when = T0 + timedelta(hours=7 * i)
        intake.deliver(mf.mail(STRANGER, f"Please help {i}"), when)
        before = len(intake.outbox("refused_unauthorised"))
        intake.poll(when + timedelta(minutes=1))
        answered.append(len(intake.outbox("refused_unauthorised")) - before)
    # three in the first day; at 28 h only the refusals at 7 h and 14 h are within a day
    assert answered == [1, 1, 1, 0, 1, 1]


def test_a_bounce_of_mail_to_staff_is_recorded_but_never_reported_again(intake):
    _, _, ticket = open_ticket(intake)
    [notice] = intake.outbox("agent_new")
    intake.deliver(mf.dsn(notice.message_id, notice.to[0]))

    [handled] = intake.poll()

    assert (handled.outcome, handled.ticket) == ("bounce", ticket.number)
    assert intake.outbox("bounce_notice") == []  # a dead staff address cannot start a loop


def test_a_bounce_notice_names_the_mail_that_bounced(intake):
    _, _, ticket = open_ticket(intake)
    [ack] = intake.outbox("ack")
    intake.deliver(mf.dsn(ack.message_id, ALICE))

    intake.poll()

    [notice] = intake.outbox("bounce_notice")
    assert notice.payload.recipients == (ALICE,)
    assert notice.payload.original_kind == "ack"
    assert notice.payload.original_subject == ticket.subject


def test_time_spent_resolved_does_not_count_after_a_reopen(intake):
    _, mid, ticket = open_ticket(intake)  # critical on standard: resolution in 2 days
    _agent_says(intake, ticket, "#resolve", minutes=60)
    back = T0 + timedelta(days=5)
    intake.deliver(mf.reply(ALICE, f"[#{ticket.number}] {ticket.subject}", "Broken again.",
                            parent_id=mid), back)
    intake.poll(back + timedelta(minutes=1))

    after = intake.ticket(ticket.number)
    resolved_at = T0 + timedelta(minutes=60)
    assert after.status == "open"
    assert after.paused == [(resolved_at, back)]


def test_a_follow_up_on_the_tagged_thread_does_not_undo_an_agents_severity(intake):
    _, mid, ticket = open_ticket(intake, subject="[blocker] Nothing works")
    _agent_says(intake, ticket, "#severity major\nIt is only the reports page.")
    later = T0 + timedelta(hours=2)
    intake.deliver(mf.mail(ALICE, "Re: [blocker] Nothing works", "Any news?\n",
                           in_reply_to=mid), later)  # no [#N]: found by In-Reply-To

    [handled] = intake.poll(later + timedelta(minutes=1))

    assert (handled.outcome, handled.ticket) == ("customer_reply", ticket.number)
    assert intake.ticket(ticket.number).severity == Severity.MAJOR


def test_with_authserv_id_a_forged_customer_reply_cannot_reopen_a_ticket(store):
    intake = Intake(None, store, mf.settings(authserv_id="mx.vendor.example"))
    auth = "dkim=pass header.d={d}; dmarc=pass header.from={d}"
    intake.deliver(mf.authenticated(mf.mail(ALICE, "[major] Search is slow", "Slow.\n"),
                                    "mx.vendor.example", auth.format(d="acme.example")))
    [first] = intake.poll()
    ticket = intake.ticket(first.ticket)
    subject = f"Re: [#{ticket.number}] {ticket.subject}"
    intake.deliver(mf.authenticated(mf.mail(ANA, subject, "Done.\n#resolve\n"),
                                    "mx.vendor.example", auth.format(d="vendor.example")))
    intake.poll()
    forged = intake.deliver(mf.mail(ALICE, subject, "Severity: blocker\nStill broken!\n"))

    [handled] = intake.poll()

    assert handled.outcome == "refused_unauthorised"
    assert "possible spoof" in intake.outcome(forged).reason
    after = intake.ticket(ticket.number)
    assert (after.status, after.severity) == ("resolved", Severity.MAJOR)


def test_a_customers_severity_line_is_a_request_the_agents_decide_on(intake):
    _, mid, ticket = open_ticket(intake, subject="[major] Search is slow")
    later = T0 + timedelta(hours=1)
    intake.deliver(mf.reply(ALICE, f"[#{ticket.number}] {ticket.subject}",
                            "Severity: blocker\nNobody can search at all now.",
                            parent_id=mid), later)

    [handled] = intake.poll(later + timedelta(minutes=1))

    assert handled.outcome == "customer_reply"
    # unchanged until #severity (it opened at the reading: "every document fails to open")
    assert intake.ticket(ticket.number).severity == ticket.severity == Severity.CRITICAL
    [notice] = intake.outbox("customer_reply")
    assert notice.payload.severity_requested == "blocker"


def test_the_refusal_greets_the_sender_by_the_name_they_use(intake):
    intake.deliver(mf.mail(f"Mallory Jones <{STRANGER}>", "Please help"))

    intake.poll()

    [refusal] = intake.outbox("refused_unauthorised")
    assert refusal.payload.sender_name == "Mallory Jones"


def test_agents_notices_about_a_ticket_thread_under_its_first_notice(intake):
    _, mid, ticket = open_ticket(intake)
    [first] = intake.outbox("agent_new")
    intake.deliver(mf.reply(ALICE, f"[#{ticket.number}] {ticket.subject}", "More detail.",
                            parent_id=mid), T0 + timedelta(hours=1))
    intake.poll(T0 + timedelta(hours=1, minutes=1))

    [notice] = intake.outbox("customer_reply")
    assert notice.in_reply_to == first.message_id and notice.references == [first.message_id]


def test_a_reply_to_the_relayed_answer_finds_its_ticket_without_the_token(intake):
    _, _, ticket = open_ticket(intake)
    _agent_says(intake, ticket, "Try again now, please.\n#pending")
    [relayed] = intake.outbox("agent_reply")
    later = T0 + timedelta(hours=2)
    intake.deliver(mf.mail(ALICE, "Re: your answer", "Works now, thanks.\n",
                           in_reply_to=relayed.message_id), later)

    [handled] = intake.poll(later + timedelta(minutes=1))

    assert (handled.outcome, handled.ticket) == ("customer_reply", ticket.number)


def test_every_outcome_has_a_test_here():
    covered = {
        "new_ticket", "customer_reply", "agent_reply", "agent_command",
        "refused_unauthorised", "refused_quota", "auto_reply", "bounce", "duplicate",
        "own_mail", "quarantine", "outsider_reply", "rate_limited",
    }
    assert {o.value for o in Outcome} == covered


def test_someone_cced_who_is_no_contact_is_not_copied_and_cannot_post(intake):
    raw = intake.deliver(mf.mail(ALICE, "[critical] Cannot open any document", "Help.\n",
                                 cc=[STRANGER, BOB]), T0)
    [opened] = intake.poll(T0 + timedelta(minutes=1))
    [ack] = intake.outbox("ack")
    assert ack.to == [ALICE] and ack.cc == [BOB]  # Bob is a contact of acme; Mallory not
    assert (STRANGER, "not an authorised contact of acme") in ack.dropped

    later = T0 + timedelta(hours=1)
    intake.deliver(mf.mail(STRANGER, "Re: Cannot open any document", "Close it, it's fixed.\n",
                           in_reply_to=ack.message_id), later)
    [handled] = intake.poll(later + timedelta(minutes=1))

    assert (handled.outcome, handled.ticket) == ("outsider_reply", opened.ticket)
    assert intake.ticket(opened.ticket).status == "open"
    [notice] = intake.outbox("customer_reply")
    assert notice.payload.outsider and set(notice.to) == {ANA, LUIS}
    assert all(STRANGER not in r.to + r.cc for r in intake.outbox())
    intake.assert_moved(processed=[raw, intake.folder("Processed")[-1]])


def test_a_robot_at_a_contacts_address_gets_five_tickets_then_silence(intake):
    intake.settings = mf.settings(per_sender_per_hour=5)
    handled = []
    for n in range(8):
        intake.deliver(mf.mail(CAROL, f"Auto: received your message {n}", "Thanks!\n"),
                       T0 + timedelta(minutes=n))
        handled += intake.poll(T0 + timedelta(minutes=n, seconds=30))

    assert [h.outcome for h in handled] == ["new_ticket"] * 5 + ["rate_limited"] * 3
    assert len(intake.outbox("ack")) == 5
    [told] = intake.outbox("rate_limited")  # the agents hear of it once
    assert set(told.to) == {ANA, LUIS} and told.payload.sender == CAROL
    # an hour after the first, the window has room again
    later = T0 + timedelta(hours=1, minutes=1)
    intake.deliver(mf.mail(CAROL, "A real question", "How do I export?\n"), later)
    [again] = intake.poll(later + timedelta(minutes=1))
    assert again.outcome == "new_ticket"


def test_assigning_to_someone_who_is_no_agent_does_nothing_and_tells_the_agent(intake):
    _, _, ticket = open_ticket(intake)
    handled = _agent_says(intake, ticket, "Luis will take this.\n#assign Lusi")

    assert handled.outcome == "agent_command"
    assert intake.ticket(ticket.number).assignee is None
    assert intake.outbox("agent_reply") == []  # nothing of the mail was relayed either
    [error] = intake.outbox("command_error")
    assert error.to == [ANA] and "Lusi" in error.payload.errors[0]
    assert "Luis" in error.payload.errors[0]  # the agents it could have been


def test_open_in_a_reply_on_a_ticket_is_reported_not_silently_ignored(intake):
    _, _, ticket = open_ticket(intake)
    handled = _agent_says(intake, ticket, f"#open {BOB}")

    assert handled.outcome == "agent_command"
    [error] = intake.outbox("command_error")
    assert "send a new mail" in error.payload.errors[0]


def test_a_reader_told_to_stop_ends_after_the_batch_in_hand(pymap_server, store):
    # an instance that loses the mailbox lease (or is shutting down) must not go on
    # reading batch after batch while another instance takes over
    pymap_server.clear()
    raws = [mf.mail(ALICE, f"Question {n}", "How do I export to PDF?\n",
                    message_id=f"<stop-{n}@acme.example>") for n in range(25)]
    pymap_server.append_many(raws)
    stop = threading.Event()
    pipeline = Pipeline(store, POLICY, mf.settings(per_sender_per_hour=1000), lambda: T0,
                        MAX_BYTES)
    pipeline.after_commit = stop.set  # lost the lease while the first batch was handled
    box = ImapMailbox(pymap_server.host, pymap_server.port, username=pymap_server.username,
                      password=pymap_server.password, tls="none", timeout=10)
    try:
        first = Poller(box, pipeline, batch_size=10, max_bytes=MAX_BYTES).poll_once(stop)
        assert len(first) == 10
        assert len(pymap_server.uids("INBOX")) == 15  # left for the next reader
        pipeline.after_commit = None
        rest = Poller(box, pipeline, batch_size=10, max_bytes=MAX_BYTES).poll_once()
    finally:
        box.close()
    assert sorted(h.outcome for h in first + rest if h.outcome == "new_ticket") == \
        ["new_ticket"] * 25
    assert pymap_server.uids("INBOX") == []
