"""The manager digest: its data (digest_context), its text and HTML, its delivery through
queue_digest to a real SMTP sink, and `intakebot digest --json / --send`."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from intakebot.cli import main
from intakebot.clock import FixedClock
from notifier.contexts import digest_context
from tests.notifier_helpers import (
    ALICE,
    ANN,
    BOB,
    BOSS,
    CAROL,
    DAN,
    agent_mail,
    at,
    html_of,
    make_app,
    open_ticket,
    outbox,
    seed,
    sink_mails,
    text_of,
)

# plus gets 5 tickets a year here, so acme's 4 tickets put it at 80 %
PLANS = {"plus": {"tickets_per_year": 5}}
LAST_DIGEST = at(2026, 3, 2, 8, 0)
NOW = at(2026, 3, 3, 8, 0)  # Tue 3 Mar 2026, before opening time


def build_week(app, clock: FixedClock) -> dict[str, int]:
    """Tickets around a digest on Mon 2 Mar 08:00; returns their numbers by name.

    T0 globex (standard) major, opened Fri 27 Feb 16:00, resolved Mon 10:00 by Bob.
    T1 acme (plus) blocker, opened Mon 10:00, never answered: response 6 h, Mon 10-17
       -> due Mon 16:00; on Tue 08:00 7 h are used: 1 h late.
       Resolution 10 h: 7 h used = 70 %, below the 75 % mark: not at risk.
    T3 acme (plus) trivial, opened Mon 10:30, answered and resolved Mon 12:00 by Ann.
    T4, T5 acme (plus) major, opened Mon 11:00 / 11:30: response 21 h, 6 h used: fine.
    T2 globex (standard) blocker, opened Mon 14:00, Bob answers 15:00 (response met).
       Resolution 7 h: Mon 14-20 = 6 h used (86 %) -> at risk, 1 h left, due Tue 10:00.
    """
    clock.now = at(2026, 2, 27, 16, 0)
    t = {"T0": open_ticket(app, DAN, "[major] Slow reports")}
    clock.now = LAST_DIGEST
    app.queue_digest()
    clock.now = at(2026, 3, 2, 10, 0)
    t["T1"] = open_ticket(app, ALICE, "[blocker] Portal down")
    agent_mail(app, BOB, t["T0"], "Fixed the index.\n#resolve\n")
    clock.now = at(2026, 3, 2, 10, 30)
    t["T3"] = open_ticket(app, CAROL, "[trivial] Where is the API doc?",
                          "Hello,\n\nwhere can I find the API documentation?\n")
    clock.now = at(2026, 3, 2, 11, 0)
    t["T4"] = open_ticket(app, ALICE, "[major] Search is slow")
    clock.now = at(2026, 3, 2, 11, 30)
    t["T5"] = open_ticket(app, ALICE, "[major] Search times out")
    clock.now = at(2026, 3, 2, 12, 0)
    agent_mail(app, ANN, t["T3"], "It is at docs.vendor.example/api\n#resolve\n")
    clock.now = at(2026, 3, 2, 14, 0)
    t["T2"] = open_ticket(app, DAN, "[blocker] Nothing loads")
    clock.now = at(2026, 3, 2, 15, 0)
    agent_mail(app, BOB, t["T2"], "Restarting the cluster.\n")
    app.deliver()
    clock.now = NOW
    return t


@pytest.fixture
def week(tmp_path, smtp_sink):
    clock = FixedClock(NOW)
    app = make_app(tmp_path / "data", clock, smtp_sink.port, plans=PLANS)
    seed(app, clock())
    tickets = build_week(app, clock)
    smtp_sink.clear()
    yield app, clock, tickets
    app.close()


def test_digest_context_lists_what_needs_attention_and_how_the_month_went(week):
    app, clock, t = week
    with app.store.unit_of_work() as uow:
        ctx = digest_context(uow, app.policy, NOW, LAST_DIGEST)

    [late] = ctx["breached"]
    assert (late["number"], late["account"], late["severity"], late["clock"]) == \
        (t["T1"], "acme", "blocker", "response")
    assert late["due"] == at(2026, 3, 2, 16, 0)
    assert late["left"] == -timedelta(hours=1)
    [risky] = ctx["at_risk"]
    assert (risky["number"], risky["clock"], risky["assignee"]) == (t["T2"], "resolution", "Bob")
    assert risky["due"] == at(2026, 3, 3, 10, 0)
    assert risky["left"] == timedelta(hours=1)
    assert [o["number"] for o in ctx["opened"]] == [t["T1"], t["T3"], t["T4"], t["T5"], t["T2"]]
    assert sorted((r["number"], r["at"]) for r in ctx["resolved"]) == sorted([
        (t["T0"], at(2026, 3, 2, 10, 0)), (t["T3"], at(2026, 3, 2, 12, 0))])
    # March targets that are decided. Response: plus T1 missed (T3 is best effort, T4/T5
    # are not due yet), standard T2 met. Resolution: plus T3 met (its "< 30 days" is
    # firm), T1's is due only at Tue 13:00; standard T2's is due at 10:00, not yet
    # decided. T0 was opened in February.
    assert ctx["compliance"] == [
        {"plan": "plus", "response": {"met": 0, "total": 1, "percent": 0},
         "resolution": {"met": 1, "total": 1, "percent": 100}},
        {"plan": "standard", "response": {"met": 1, "total": 1, "percent": 100},
         "resolution": {"met": 0, "total": 0, "percent": None}}]
    assert ctx["quota_alerts"] == [{"account": "acme", "plan": "plus", "used": 4,
                                    "included": 5, "extra": 0}]


def test_digest_rendered_says_how_late_how_long_left_and_quota(week):
    app, clock, t = week
    with app.store.unit_of_work() as uow:
        ctx = digest_context(uow, app.policy, NOW, LAST_DIGEST)
    subject, text, html = app.composer.render("digest", ctx, None)

    assert subject.strip() == \
        "Support digest 3 Mar 2026: 1 breached, 1 at risk, 1 account near quota"
    assert "Since the last digest (Mon 2 Mar 2026, 08:00 CET (Europe/Madrid)): " \
           "5 opened, 2 resolved." in text
    assert f"#{t['T1']} [blocker] Portal down" in text
    assert "response overdue by 1 business hour, due Mon 2 Mar 2026, 16:00 CET " \
        "(Europe/Madrid), unassigned" in text
    assert "resolution 1 business hour left, due Tue 3 Mar 2026, 10:00 CET (Europe/Madrid), " \
        "Bob" in text
    assert "acme (plus): 4 of 5 used (80%)" in text
    assert "response    [....................] 0% (0 of 1 met)" in text
    assert "resolution  [####################] 100% (1 of 1 met)" in text
    assert "resolution  [....................] no targets due yet" in text
    assert "Nothing needs you" not in text
    # the HTML carries the same facts, with inline bars and no remote images
    assert "overdue by 1 business hour" in html and "1 business hour left" in html
    assert "4 of 5 used (80%)" in html
    assert "width:100%" in html
    assert "<img" not in html and "http://" not in html and "https://" not in html


def test_queued_digest_goes_to_the_managers_and_the_next_one_covers_the_time_since(
        week, smtp_sink):
    app, clock, t = week
    row = app.queue_digest()
    assert row.to == [BOSS]

    [d] = app.deliver()

    assert (d.kind, d.result) == ("digest", "sent")
    [mail] = sink_mails(smtp_sink)
    assert [a.addr_spec for a in mail["To"].addresses] == [BOSS]
    assert mail["Message-ID"] == row.message_id
    assert mail["Auto-Submitted"] == "auto-generated"
    assert mail["Subject"] == \
        "Support digest 3 Mar 2026: 1 breached, 1 at risk, 1 account near quota"
    body = text_of(mail)
    assert "Since the last digest (Mon 2 Mar 2026, 08:00 CET" in body
    assert "overdue by 1 business hour" in body and "1 business hour left" in body
    assert "overdue by 1 business hour" in html_of(mail)

    # a day later: nothing was opened or resolved since this digest
    smtp_sink.clear()
    clock.now = at(2026, 3, 4, 8, 0)
    app.queue_digest()
    app.deliver()
    [mail] = sink_mails(smtp_sink)
    assert "Since the last digest (Tue 3 Mar 2026, 08:00 CET (Europe/Madrid)): " \
           "0 opened, 0 resolved." in text_of(mail)


def test_nothing_needs_you_today_when_all_is_well(tmp_path, smtp_sink):
    clock = FixedClock(at(2026, 3, 2, 8, 0))
    app = make_app(tmp_path / "data", clock, smtp_sink.port)
    seed(app, clock())
    app.queue_digest()
    clock.now = at(2026, 3, 2, 10, 0)
    number = open_ticket(app, ALICE, "[major] Search is slow")
    clock.now = at(2026, 3, 2, 11, 0)
    agent_mail(app, ANN, number, "Fixed, please try again.\n#resolve\n")
    clock.now = at(2026, 3, 3, 8, 0)
    app.deliver()
    smtp_sink.clear()

    app.queue_digest()
    app.deliver()

    [mail] = sink_mails(smtp_sink)
    assert mail["Subject"] == "Support digest 3 Mar 2026: nothing needs you today"
    body = text_of(mail)
    assert "Nothing needs you today" in body
    assert "1 opened, 1 resolved" in body
    assert "BREACHED" not in body and "AT RISK" not in body
    assert "response    [####################] 100% (1 of 1 met)" in body
    assert "Nothing needs you today." in html_of(mail)
    app.close()


def test_no_managers_no_digest(tmp_path):
    clock = FixedClock(NOW)
    app = make_app(tmp_path / "data", clock, managers={"addresses": []})
    assert app.queue_digest() is None
    assert outbox(app) == []
    app.close()


def write_config(tmp_path, smtp_port: int):
    path = tmp_path / "intakebot.toml"
    path.write_text(f"""
[support]
address = "support@vendor.example"
name = "Vendor Support"
timezone = "Europe/Madrid"

[holidays]
country = "ES"

[smtp]
host = "127.0.0.1"
port = {smtp_port}
tls = "none"

[agents]
addresses = ["{ANN}", "{BOB}"]
names = {{ "{ANN}" = "Ann", "{BOB}" = "Bob" }}

[managers]
addresses = ["{BOSS}"]

[plans.plus]
tickets_per_year = 5
""", encoding="utf-8")
    return path


def test_cli_digest_json_and_send(week, tmp_path, smtp_sink, capsys):
    app, clock, t = week
    app.close()
    config = write_config(tmp_path, smtp_sink.port)
    base = ["--config", str(config), "--data-dir", str(tmp_path / "data"), "digest",
            "--now", "2026-03-03T08:00"]

    assert main([*base, "--json"]) == 0

    data = json.loads(capsys.readouterr().out)
    [late] = data["breached"]
    assert (late["number"], late["clock"], late["left"]) == (t["T1"], "response", -3600.0)
    assert late["due"] == "2026-03-02T16:00:00+01:00"
    [risky] = data["at_risk"]
    assert (risky["number"], risky["left"]) == (t["T2"], 3600.0)
    assert data["since"] == "2026-03-02T08:00:00+01:00"
    assert len(data["opened"]) == 5 and len(data["resolved"]) == 2
    assert data["quota_alerts"] == [{"account": "acme", "plan": "plus", "used": 4,
                                     "included": 5, "extra": 0}]
    assert smtp_sink.messages == []  # showing sends nothing

    assert main([*base, "--send"]) == 0

    out = capsys.readouterr()
    assert "response overdue by 1 business hour" in out.out
    assert "digest sent to boss@vendor.example" in out.err
    [mail] = sink_mails(smtp_sink)
    assert mail["X-Intakebot-Kind"] == "digest"
    assert [a.addr_spec for a in mail["To"].addresses] == [BOSS]
    assert "acme (plus): 4 of 5 used (80%)" in text_of(mail)


def test_the_first_digest_does_not_say_nothing_was_opened(tmp_path, smtp_sink):
    clock = FixedClock(at(2026, 3, 2, 10, 0))
    app = make_app(tmp_path / "data", clock, smtp_sink.port)
    seed(app, clock())
    number = open_ticket(app, ALICE, "[major] Search is slow")
    clock.now = NOW
    app.deliver()
    smtp_sink.clear()

    app.queue_digest()
    app.deliver()

    [mail] = sink_mails(smtp_sink)
    body = text_of(mail)
    assert "Opened: 0" not in body
    assert f"#{number} acme, major: [major] Search is slow" in body
    app.close()


def test_a_digest_from_a_future_dated_test_run_does_not_stop_todays(tmp_path, smtp_sink):
    clock = FixedClock(at(2026, 3, 2, 7, 0))  # Monday before the 08:00 digest
    app = make_app(tmp_path / "data", clock, smtp_sink.port)
    seed(app, clock())
    clock.now = at(2026, 3, 4, 8, 5)  # someone tried `run --once --now` on Wednesday
    app.queue_digest()
    clock.now = at(2026, 3, 2, 8, 5)  # back to the real Monday morning

    assert app.digest_due(clock())
    app.close()


def test_digest_and_report_give_the_same_compliance_for_each_clock(tmp_path, smtp_sink,
                                                                   capsys):
    clock = FixedClock(at(2026, 3, 2, 10, 0))
    app = make_app(tmp_path / "data", clock, smtp_sink.port)
    seed(app, clock())
    # plus, blocker: response due 6 business hours after opening (Mon 16:00)
    answered = [open_ticket(app, ALICE, f"[blocker] Portal down {n}") for n in range(3)]
    clock.now = at(2026, 3, 2, 11, 0)
    agent_mail(app, ANN, answered[0], "On it.\n")
    agent_mail(app, ANN, answered[1], "On it.\n")
    clock.now = at(2026, 3, 3, 12, 0)  # the third was never answered: 2 of 3 met
    with app.store.unit_of_work() as uow:
        ctx = digest_context(uow, app.policy, clock(), None)
    _, text, _ = app.composer.render("digest", ctx, None)
    app.close()

    assert "66% (2 of 3 met)" in text  # rounded down, never up to 67%
    config = write_config(tmp_path, smtp_sink.port)
    assert main(["--config", str(config), "--data-dir", str(tmp_path / "data"), "report",
                 "--month", "2026-03", "--now", "2026-03-03T12:00"]) == 0
    out = capsys.readouterr().out
    assert "plan plus: 3 tickets, response 66%" in out
