"""Phone calls logged by mail: an agent's `#open EMAIL` with `#via phone` (and `#force`),
through the real pipeline (archive, parse, handle, commit)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from intake.pipeline import Incoming, Pipeline
from rules.policy import default_policy
from store import Store
from store.quota import quota_for
from tests import mailfactory as mf
from tests.mailfactory import ALICE, ANA, CAROL

MADRID = ZoneInfo("Europe/Madrid")
T0 = datetime(2026, 3, 3, 11, 0, tzinfo=MADRID)
POLICY = default_policy()


@pytest.fixture
def store(tmp_path):
    store = Store.open(tmp_path / "data")
    mf.seed(store)
    yield store
    store.close()


def handle(store, raw: bytes):
    pipeline = Pipeline(store, POLICY, mf.settings(), lambda: T0 + timedelta(minutes=1),
                        128 * 1024)
    [handled] = pipeline.run([Incoming(raw, T0, source="test:INBOX:1")])
    return handled


def rows(store, kind):
    with store.unit_of_work() as uow:
        return [r for r in uow.outbox.all() if r.kind == kind]


def used(store, account):
    with store.unit_of_work() as uow:
        return quota_for(uow, POLICY.plans, POLICY.tz, uow.accounts.get(account), T0).used


def test_a_call_for_a_plus_contact_is_refused_and_the_agent_told_why(store):
    handled = handle(store, mf.mail(ANA, "Call: exports fail",
                                    f"#open {CAROL}\n#via phone\nCarol called: exports fail.\n"))

    assert handled.outcome == "agent_command" and handled.ticket is None
    [error] = rows(store, "command_error")
    assert error.to == [ANA]
    assert "plus plan has no phone support" in error.payload.errors[0]
    assert "#force" in error.payload.errors[0]
    assert rows(store, "ack") == [] and used(store, "globex") == 0


def test_force_logs_the_call_and_records_it_on_the_ticket(store):
    handled = handle(store, mf.mail(ANA, "Call: exports fail",
                                    f"#open {CAROL}\n#via phone\n#force\nCarol called.\n"))

    with store.unit_of_work() as uow:
        ticket = uow.tickets.get(handled.ticket)
        [received] = [e for e in uow.events.for_ticket(ticket.number) if e.kind == "received"]
    assert (ticket.channel, ticket.requester, ticket.opened_by) == ("phone", CAROL, ANA)
    assert received.data["forced"].startswith("the plus plan has no phone support")
    [ack] = rows(store, "ack")
    assert ack.to == [CAROL]
    assert used(store, "globex") == 1


def test_a_call_on_standard_is_a_phone_ticket_counted_in_the_quota(store):
    handled = handle(store, mf.mail(ANA, "Call: search slow",
                                    f"#via phone\n#open {ALICE}\n#severity critical\n"
                                    "Alice called: search takes a minute.\n"))

    assert handled.outcome == "agent_command"
    with store.unit_of_work() as uow:
        ticket = uow.tickets.get(handled.ticket)
    assert (ticket.channel, ticket.severity, ticket.created_at) == ("phone", "critical", T0)
    assert used(store, "acme") == 1
    [ack] = rows(store, "ack")
    assert ack.to == [ALICE]


def test_an_unknown_channel_stops_the_whole_mail(store):
    handled = handle(store, mf.mail(ANA, "Call", f"#open {ALICE}\n#via fax\nShe faxed.\n"))

    assert handled.ticket is None
    [error] = rows(store, "command_error")
    assert "#via needs phone or mail" in error.payload.errors[0]


def test_an_agent_open_without_via_is_still_a_mail_ticket(store):
    handled = handle(store, mf.mail(ANA, "Forwarded", f"#open {ALICE}\nShe wrote to me.\n"))

    with store.unit_of_work() as uow:
        assert uow.tickets.get(handled.ticket).channel == "mail"
