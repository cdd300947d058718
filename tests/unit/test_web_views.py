"""The support center's pure parts: the quota line, clock words, and the compliance chart
(counted with the report's own definition, names escaped in the SVG)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from rules.entitlements import quota_status
from rules.plans import build_catalogue
from rules.policy import default_policy
from rules.ticket import Ticket
from store.records import Account
from web import chart, views
from web.words import Words

MADRID = ZoneInfo("Europe/Madrid")
POLICY = default_policy()
MON = datetime(2026, 3, 2, 11, 0, tzinfo=MADRID)
EN, ES = Words("en"), Words("es")


def test_the_quota_line_names_used_total_and_the_last_day():
    status = quota_status(build_catalogue()["plus"], date(2026, 1, 1), 31, 0, date(2026, 3, 2))
    assert views.quota_line(status, EN) == \
        "31 of 50 tickets used this contract year, until 31 Dec 2026"
    assert views.quota_line(status, ES) == \
        "31 de 50 tickets usados este año de contrato, hasta el 31 de diciembre de 2026"
    extra = quota_status(build_catalogue()["plus"], date(2026, 4, 1), 3, 5, date(2026, 5, 2))
    assert views.quota_line(extra, EN) == ("3 of 55 tickets used this contract year (50 included "
                                       "+ 5 added), until 31 Mar 2027")


def test_times_read_the_same_whatever_the_process_locale():
    assert EN.when(MON, MADRID) == "Mon 2 Mar 2026, 11:00"
    assert EN.short(MON, ZoneInfo("America/New_York")) == "Mon 2 Mar 05:00"
    assert ES.when(MON, MADRID) == "lun, 2 mar 2026, 11:00"
    assert ES.short(MON, ZoneInfo("America/New_York")) == "lun, 2 mar, 05:00"


def _ticket(n, created, first_response=None):
    return Ticket(number=n, account="acme", requester="a@acme.example", subject="s",
                  severity="blocker", created_at=created, contract_year=date(2026, 1, 1),
                  first_response_at=first_response)


def test_the_chart_counts_decided_clocks_per_week_and_plan():
    accounts = {"acme": Account(name="acme", plan="standard")}
    now = MON + timedelta(days=15)
    tickets = [
        _ticket(1, MON, MON + timedelta(hours=1)),       # response met, resolution breached
        _ticket(2, MON + timedelta(days=7), MON + timedelta(days=7, hours=1)),
        _ticket(3, MON - timedelta(weeks=20)),            # before the chart's weeks
    ]
    days, tally = chart.weekly(tickets, accounts, POLICY, now, weeks=3)
    assert days == [date(2026, 3, 2), date(2026, 3, 9), date(2026, 3, 16)]
    assert tally == {"standard": {date(2026, 3, 2): [1, 2], date(2026, 3, 9): [1, 2]}}
    svg = str(chart.svg(days, {"<b>gold</b>": tally["standard"]}, EN))
    assert svg.startswith("<svg") and "week of 2 Mar: 50% (1 of 2 met)" in svg
    assert "<b>gold" not in svg and "&lt;b&gt;gold&lt;/b&gt;" in svg
