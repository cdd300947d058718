"""SLA escalation timelines on an injected clock across nights, a weekend and Spanish public
holidays: sweep_sla queues exactly the expected warnings and breaches, delivered to a real
SMTP sink, once each, also across restarts and after downtime."""

from __future__ import annotations

from intakebot.clock import FixedClock
from tests.notifier_helpers import (
    ALICE,
    ANN,
    BOB,
    BOSS,
    CAROL,
    DAN,
    agent_mail,
    at,
    customer_mail,
    make_app,
    open_ticket,
    outbox,
    seed,
    sink_mails,
    text_of,
)

# The calendar used below (Europe/Madrid, Spain's national holidays):
#   Thu 24 Dec 2026  working day
#   Fri 25 Dec       Christmas Day, closed
#   Sat 26, Sun 27   weekend
#   Mon 28 - Thu 31  working days (Fri 1 Jan 2027 is New Year's Day, never reached)
# plus:     Mon-Fri 10:00-17:00, one business day = 7 h
# standard: Mon-Fri 09:00-20:00, one business day = 11 h
OPENED = at(2026, 12, 24, 15, 0)
END = at(2026, 12, 31, 16, 0)
AGENTS_AND_BOSS = sorted([ANN, BOB, BOSS])
AGENTS = sorted([ANN, BOB])

# Worked out by hand; each line: (sweep instant, kind, ticket, clock, recipients).
#
# A = acme (plus) blocker, opened Thu 24 Dec 15:00, nobody ever answers or is assigned.
#   response 6 h: Thu 15-17 = 2 h, then Mon 28 from 10:00 4 h -> due Mon 14:00.
#     75 % = 4 h 30: Thu 2 h + Mon 2 h 30 -> warning Mon 12:30 to the agents.
#     Breached once now is past due: the 14:15 sweep, to agents and managers.
#   resolution 10 h: Thu 2 h + Mon 7 h = 9 h, Tue 29 +1 h -> due Tue 11:00.
#     75 % = 7 h 30: Thu 2 h + Mon 5 h 30 -> warning Mon 15:30; breach Tue 11:15.
# B = acme (plus) trivial, opened Thu 24 Dec 15:00.
#   response "> 4 days" = 28 h, best effort: Thu 2, Mon 7 (9), Tue 7 (16), Wed 7 (23),
#     Thu 31 +5 -> due Thu 31 15:00. 75 % = 21 h -> Wed 30 15:00 (16 + 5).
#     Best-effort breach Thu 31 15:15 goes to the agents only, never to managers.
#   resolution "< 30 days" = 210 h: its 75 % lies in February, outside this timeline.
# C = globex (standard) critical, opened Thu 24 Dec 15:00.
#   response 8 h: Thu 15-20 = 5 h, Mon 09:00 +3 h -> due Mon 12:00, warning at 6 h =
#     Mon 10:00. Bob answers Mon 09:30 (5 h 30 used): the clock stops, no response mail.
#     Bob becomes the assignee, so warnings go to him alone.
#   resolution 22 h: without a pause due Tue 29 15:00, warning at 16 h 30 = Tue 09:30.
#     Bob marks it #pending Mon 12:00 (8 h used); Dan answers Tue 14:00. Paused:
#     Mon 12-20 (8 h) + Tue 09-14 (5 h) = 13 h, so nothing at Tue 09:30 or 15:15.
#     Warning at 16 h 30 used: 8 h + Tue 14-20 (6 h) = 14 h, + Wed 30 2 h 30 -> Wed 11:30.
#     Due at 22 + 13 = 35 h from creation: Thu 5, Mon 11 (16), Tue 11 (27),
#     Wed +8 h -> Wed 30 17:00; breach Wed 17:15.
EXPECTED_SLA = [
    (at(2026, 12, 28, 12, 30), "sla_warning", "A", "response", AGENTS),
    (at(2026, 12, 28, 14, 15), "sla_breach", "A", "response", AGENTS_AND_BOSS),
    (at(2026, 12, 28, 15, 30), "sla_warning", "A", "resolution", AGENTS),
    (at(2026, 12, 29, 11, 15), "sla_breach", "A", "resolution", AGENTS_AND_BOSS),
    (at(2026, 12, 30, 11, 30), "sla_warning", "C", "resolution", [BOB]),
    (at(2026, 12, 30, 15, 0), "sla_warning", "B", "response", AGENTS),
    (at(2026, 12, 30, 17, 15), "sla_breach", "C", "resolution", AGENTS_AND_BOSS),
    (at(2026, 12, 31, 15, 15), "sla_breach", "B", "response", AGENTS),
]


def recipients(mail) -> list[str]:
    found = [a.addr_spec for h in ("To", "Cc") if mail[h] for a in mail[h].addresses]
    return sorted(found)


def clock_named(mail) -> str:
    return "response" if "response" in mail["Subject"] else "resolution"


def test_escalation_timeline_over_christmas(tmp_path, smtp_sink):
    data = tmp_path / "data"
    clock = FixedClock(OPENED)
    app = make_app(data, clock, smtp_sink.port)
    seed(app, clock())
    tickets = {
        "A": open_ticket(app, ALICE, "[blocker] Portal down for everyone"),
        "B": open_ticket(app, CAROL, "[trivial] Question about the CSV export",
                         "Hello,\n\nhow do I export a folder to CSV?\n"),
        "C": open_ticket(app, DAN, "[critical] Cannot save documents"),
    }
    label = {n: name for name, n in tickets.items()}
    actions = {
        at(2026, 12, 28, 9, 30): lambda a: agent_mail(a, BOB, tickets["C"],
                                                      "We are looking into it.\n"),
        at(2026, 12, 28, 12, 0): lambda a: agent_mail(a, BOB, tickets["C"], "#pending\n"),
        at(2026, 12, 29, 14, 0): lambda a: customer_mail(a, DAN, tickets["C"],
                                                         "Here are the logs you asked for.\n"),
    }
    app.deliver()
    restarts = 0
    while clock() < END:
        clock.advance(minutes=15)
        now = clock()
        if now in actions:
            actions[now](app)
        queued = app.sweep()
        if queued or now.minute == 0:
            # a restart (on the hour, and right after anything was queued) must not
            # queue anything again, whether or not it was delivered yet
            app.close()
            app = make_app(data, clock, smtp_sink.port)
            restarts += 1
            assert app.sweep() == []
        app.deliver()
    assert restarts > 150

    mails = sink_mails(smtp_sink)
    sla = [m for m in mails if m["X-Intakebot-Kind"].startswith("sla_")]
    got = [(m["Date"].datetime, m["X-Intakebot-Kind"], label[int(m["X-Intakebot-Ticket"])],
            clock_named(m), recipients(m)) for m in sla]
    assert got == EXPECTED_SLA
    # no SLA mail while the business clock of the ticket's plan stood still
    plans = {"A": "plus", "B": "plus", "C": "standard"}
    for when, _, name, _, _ in got:
        assert app.policy.calendar(plans[name]).is_open(when), when
    # the other mails of the timeline: the tickets' own, each once
    others = sorted((m["X-Intakebot-Kind"], label[int(m["X-Intakebot-Ticket"])],
                     recipients(m)) for m in mails if m not in sla)
    assert others == sorted([
        ("ack", "A", [ALICE]), ("agent_new", "A", AGENTS),
        ("ack", "B", [CAROL]), ("agent_new", "B", AGENTS),
        ("ack", "C", [DAN]), ("agent_new", "C", AGENTS),
        ("agent_reply", "C", [DAN]), ("customer_reply", "C", [BOB]),
    ])
    assert all(r.status == "sent" for r in outbox(app))

    by_key = {(k, n, c): m for m in sla
              for k, n, c in [(m["X-Intakebot-Kind"], label[int(m["X-Intakebot-Ticket"])],
                               clock_named(m))]}
    # how long is left or how late, in business time
    assert "1 business hour 30 min left" in by_key["sla_warning", "A", "response"]["Subject"]
    assert "response overdue by 15 business minutes" in \
        by_key["sla_breach", "A", "response"]["Subject"]
    warn_c = text_of(by_key["sla_warning", "C", "resolution"])
    assert "Wed 30 Dec 2026, 17:00 CET (Europe/Madrid)" in warn_c
    assert "5 business hours 30 min left" in warn_c
    best_effort = text_of(by_key["sla_breach", "B", "response"])
    assert "best-effort" in best_effort
    app.close()


def test_after_downtime_past_both_thresholds_one_breach_per_clock(tmp_path, smtp_sink):
    data = tmp_path / "data"
    clock = FixedClock(OPENED)
    app = make_app(data, clock, smtp_sink.port)
    seed(app, clock())
    number = open_ticket(app, ALICE, "[blocker] Portal down for everyone")
    app.deliver()
    smtp_sink.clear()
    app.close()
    # The bot is down from Thu 24 Dec 15:00 to Tue 29 Dec 12:00. Business time used:
    # Thu 2 h + Mon 7 h + Tue 2 h = 11 h. Response (6 h) is 5 h late, resolution (10 h)
    # 1 h late: both warnings were missed and must not be sent now.
    clock.now = at(2026, 12, 29, 12, 0)
    app = make_app(data, clock, smtp_sink.port)

    queued = app.sweep()
    app.deliver()

    assert sorted(queued) == [f"sla_breach #{number} resolution",
                              f"sla_breach #{number} response"]
    mails = sink_mails(smtp_sink)
    assert sorted((m["X-Intakebot-Kind"], clock_named(m), recipients(m)) for m in mails) == [
        ("sla_breach", "resolution", AGENTS_AND_BOSS),
        ("sla_breach", "response", AGENTS_AND_BOSS),
    ]
    subjects = {clock_named(m): m["Subject"] for m in mails}
    assert "response overdue by 5 business hours" in subjects["response"]
    assert "resolution overdue by 1 business hour" in subjects["resolution"]
    # and nothing more for the rest of the day, through a restart
    for _ in range(4 * 8):
        clock.advance(minutes=15)
        assert app.sweep() == []
        if clock().minute == 0:
            app.close()
            app = make_app(data, clock, smtp_sink.port)
    app.deliver()
    assert len(smtp_sink.messages) == 2
    app.close()


def test_after_downtime_past_the_warning_only_one_warning(tmp_path, smtp_sink):
    clock = FixedClock(OPENED)
    app = make_app(tmp_path / "data", clock, smtp_sink.port)
    seed(app, clock())
    number = open_ticket(app, ALICE, "[blocker] Portal down for everyone")
    # First sweep Mon 28 Dec 13:00: response 5 h of 6 h used (83 %), resolution 5 h of
    # 10 h (50 %): a response warning with 1 h left, nothing for the resolution.
    clock.now = at(2026, 12, 28, 13, 0)
    assert app.sweep() == [f"sla_warning #{number} response"]
    app.deliver()
    [warning] = [m for m in sink_mails(smtp_sink) if m["X-Intakebot-Kind"] == "sla_warning"]
    assert "1 business hour left" in warning["Subject"]
    assert "83%" in text_of(warning)
    app.close()


def test_a_first_reply_stops_the_response_clock_even_when_it_came_late(tmp_path, smtp_sink):
    clock = FixedClock(OPENED)
    app = make_app(tmp_path / "data", clock, smtp_sink.port)
    seed(app, clock())
    number = open_ticket(app, ALICE, "[blocker] Portal down for everyone")
    # The sweep did not run over the due time (Mon 14:00); Bob answers at 15:00. The
    # first sweep after that, at 15:15, must not escalate a clock that has stopped:
    # resolution is at 2 h + 5 h 15 = 7 h 15 of 10 h (72 %), not yet at risk.
    clock.now = at(2026, 12, 28, 15, 0)
    agent_mail(app, BOB, number, "Sorry for the wait, we are on it.\n")
    clock.now = at(2026, 12, 28, 15, 15)
    assert app.sweep() == []
    app.close()


def test_warn_at_and_notify_come_from_the_configuration(tmp_path, smtp_sink):
    clock = FixedClock(OPENED)
    app = make_app(tmp_path / "data", clock, smtp_sink.port,
                   escalation={"warn_at": 0.5}, agents={"notify": [ANN]})
    seed(app, clock())
    number = open_ticket(app, ALICE, "[blocker] Portal down for everyone")
    app.deliver()
    smtp_sink.clear()
    # response 6 h, 50 % = 3 h: Thu 15-17 = 2 h, Mon 28 10:00 +1 h -> Mon 11:00, to Ann
    # only (the notify list); the breach after Mon 14:00 goes to Ann and the manager.
    # resolution 10 h, 50 % = 5 h: Thu 2 h + Mon 3 h -> Mon 13:00, to Ann.
    sent = []
    while clock() < at(2026, 12, 28, 14, 30):
        clock.advance(minutes=15)
        sent += [(clock(), q) for q in app.sweep()]
    app.deliver()
    assert sent == [(at(2026, 12, 28, 11, 0), f"sla_warning #{number} response"),
                    (at(2026, 12, 28, 13, 0), f"sla_warning #{number} resolution"),
                    (at(2026, 12, 28, 14, 15), f"sla_breach #{number} response")]
    assert [(m["X-Intakebot-Kind"], recipients(m)) for m in sink_mails(smtp_sink)] == [
        ("sla_warning", [ANN]), ("sla_warning", [ANN]), ("sla_breach", sorted([ANN, BOSS]))]
    app.close()
