"""The scheduled jobs when several instances run them at the same moment, on both backends:
each SLA warning or breach is queued once, the scheduled digest once, and delivery
sends each mail once."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from intake.pipeline import Incoming, Pipeline
from notifier.jobs import queue_digest, sweep_sla
from rules.policy import default_policy
from tests import mailfactory as mf
from tests.mailfactory import ALICE, CAROL

MADRID = ZoneInfo("Europe/Madrid")
T0 = datetime(2026, 3, 3, 11, 0, tzinfo=MADRID)  # a Tuesday, in the support window
POLICY = default_policy()
SETTINGS = mf.settings(managers=("boss@vendor.example",))


def _together(jobs) -> list:
    """Run the jobs in threads released at once; their results in order."""
    start = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)

    def run(i, job):
        start.wait()
        results[i] = job()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def test_instances_sweeping_at_once_queue_each_sla_mail_once(backend) -> None:
    stores = [backend.open(), backend.open()]
    try:
        mf.seed(stores[0])
        pipeline = Pipeline(stores[0], POLICY, SETTINGS, lambda: T0, 1 << 20)
        for sender, subject in ((ALICE, "Production is down for everyone"),
                                (CAROL, "Nobody can open any document")):
            [handled] = pipeline.run([Incoming(
                mf.mail(sender, subject, "Since 10:40 nothing loads, from any browser.\n"),
                T0, source=f"test:{sender}")])
            assert handled.outcome == "new_ticket", handled.reason
        for days in (1, 3, 8):  # warnings, then breaches, as time passes unanswered
            now = T0 + timedelta(days=days)
            _together([lambda s=s, now=now: sweep_sla(s, POLICY, SETTINGS.addressing, now)
                       for s in stores * 2])
        due = _together([lambda s=s: queue_digest(s, SETTINGS.addressing, T0 + timedelta(
            days=9), due=lambda last: last is None) for s in stores * 2])
        with stores[1].unit_of_work() as uow:
            rows = uow.outbox.all()
    finally:
        for s in stores:
            s.close()
    sla = Counter((r.kind, r.ticket, r.payload.clock, getattr(r.payload, "state", None))
                  for r in rows if r.kind in ("sla_warning", "sla_breach"))
    assert sla, "the sweep queued nothing: the test does not test"
    assert {k: n for k, n in sla.items() if n != 1} == {}
    assert sum(1 for r in rows if r.kind == "digest") == 1
    assert sum(1 for d in due if d is not None) == 1
