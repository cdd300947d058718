"""After resolution: the reopen window, closing, archiving, and what a late reply does."""

from __future__ import annotations

from datetime import datetime, timedelta

from notifier_helpers import (
    ALICE,
    ANN,
    MADRID,
    agent_mail,
    ingest,
    make_app,
    open_ticket,
    raw_mail,
    seed,
)

from intakebot.cli import main

MONDAY = datetime(2026, 3, 2, 10, 0, tzinfo=MADRID)


def test_resolved_tickets_close_after_the_reopen_window_and_archive_later(tmp_path, capsys):
    app = make_app(tmp_path / "data", MONDAY)
    seed(app, MONDAY)
    number = open_ticket(app, ALICE, "[major] Exports are slow")
    app.clock.advance(hours=1)
    agent_mail(app, ANN, number, "Fixed by the new index.\n#resolve\n")

    app.clock.advance(days=6)  # inside the 7-day window: still resolved
    app.run_once()
    with app.store.unit_of_work() as uow:
        assert uow.tickets.get(number).status == "resolved"

    app.clock.advance(days=2)
    app.run_once()
    with app.store.unit_of_work() as uow:
        ticket = uow.tickets.get(number)
        assert ticket.status == "closed"
        assert ticket.closed_at == MONDAY + timedelta(hours=1, days=7)
        assert [e.kind for e in uow.events.for_ticket(number)][-1] == "closed"

    # a reply now is a new request, not a comment on the closed ticket
    handled = ingest(app, raw_mail(ALICE, f"Re: issue [#{number}]", "Slow again.\n"))
    assert handled.outcome == "new_ticket" and handled.ticket != number

    app.clock.advance(days=40)  # past archive_after_days (30) since closing
    done = app.compact()
    assert done.tickets == 1
    archived = (tmp_path / "data" / "tickets-2026.json").read_text()
    assert "Exports are slow" in archived
    assert "Exports are slow" not in (tmp_path / "data" / "intakebot.json").read_text()
    app.close()
    assert main(["--data-dir", str(tmp_path / "data"), "ticket", "show", str(number),
                 "--json"]) == 0
    assert '"status": "closed"' in capsys.readouterr().out
