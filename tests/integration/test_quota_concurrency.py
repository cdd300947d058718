"""The yearly quota under concurrency, on both backends: mail intake in two instances (two
stores on the same data) and the support center's form, all at once, for one account
on the basic plan (20 tickets a year, the rest refused). Together they never open
more than the quota allows."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from intake import service
from intake.pipeline import Incoming, Pipeline
from rules.policy import default_policy
from rules.ticket import Channel
from store.outbox_writer import OutboxWriter
from tests import mailfactory as mf
from tests.mailfactory import DAVE

MADRID = ZoneInfo("Europe/Madrid")
T0 = datetime(2026, 3, 3, 11, 0, tzinfo=MADRID)
POLICY = default_policy()
QUOTA = POLICY.plans["basic"].tickets_per_year
PER_WRITER = 8
WRITERS = 3  # per kind: intake on each store, and the support center


def _mails(tag: str) -> list[bytes]:
    return [mf.mail(DAVE, f"Export question {tag}-{n}",
                    "Hello,\n\nhow do I export last month's invoices to a spreadsheet?\n\n"
                    "Thanks,\nDave\n", message_id=f"<{tag}-{n}@initech.example>")
            for n in range(PER_WRITER)]


def test_two_instances_and_the_support_center_never_exceed_the_quota(backend) -> None:
    first, second = backend.open(), backend.open()
    mf.seed(first)
    settings = mf.settings(per_sender_per_hour=1000)
    now = T0 + timedelta(minutes=1)
    results: dict[str, list] = {}
    start = threading.Barrier(3 * WRITERS)

    def intake(store, tag: str) -> None:
        pipeline = Pipeline(store, POLICY, settings, lambda: now, 128 * 1024)
        start.wait()
        for n, raw in enumerate(_mails(tag)):
            [handled] = pipeline.run([Incoming(raw, T0, source=f"imap:INBOX:{tag}{n}")])
            results.setdefault(tag, []).append(
                "opened" if str(handled.outcome) == "new_ticket" else str(handled.outcome))

    def web(tag: str) -> None:
        start.wait()
        for n in range(PER_WRITER):
            with second.unit_of_work() as uow:
                contact = uow.contacts.get(DAVE)
                opened = service.open_request(
                    uow, OutboxWriter(uow, settings.addressing, now), POLICY,
                    service.Request(contact=contact, subject=f"Form question {tag}-{n}",
                                    text="How do I add a user?", at=T0, channel=Channel.WEB),
                    now=now)
                uow.commit()
            results.setdefault(tag, []).append(
                "opened" if opened.ticket else "refused_quota")

    threads = [threading.Thread(target=job, args=args) for w in range(WRITERS)
               for job, args in ((intake, (first, f"a{w}")), (intake, (second, f"b{w}")),
                                 (web, (f"web{w}",)))]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        with first.unit_of_work() as uow:
            tickets = uow.tickets.for_account("initech")
    finally:
        first.close()
        second.close()
    outcomes = [o for done in results.values() for o in done]
    assert len(outcomes) == 3 * WRITERS * PER_WRITER
    assert len(tickets) == outcomes.count("opened") == QUOTA
    assert outcomes.count("refused_quota") == len(outcomes) - QUOTA
    assert len({t.number for t in tickets}) == QUOTA
