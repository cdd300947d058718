"""Phone support through the CLI: `ticket open --via phone` takes the path a mail takes.

Plus has no phone support (refused unless --force, which is recorded), standard has;
a logged call counts against the quota, its SLA runs from the call (`--at`), the
customer gets the acknowledgement (with the support line only on standard), and the
channel shows in `tickets --json`, `ticket show`, the report and the digest.
"""

from __future__ import annotations

import email
from datetime import datetime
from email.policy import default as default_policy
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.e2e_helpers import write_config

MADRID = ZoneInfo("Europe/Madrid")
CALL = "2026-03-03T11:00:00+01:00"  # a Tuesday, inside both plans' windows
NOW = "2026-03-03T11:30:00+01:00"


@pytest.fixture
def ib(cli, tmp_path, store_section):
    config = write_config(tmp_path / "bot.toml", {
        "support": {"phone": "+34 910 000 000", "data_dir": str(tmp_path / "data")},
        "agents": {"addresses": ["ana@vendor.example"], "names": {"ana@vendor.example": "Ana"}},
        "plans.plus": {"tickets_per_year": 2},
        "store": store_section,
    })
    run = lambda *args: cli("--config", config, *args)  # noqa: E731
    for args in (("account", "add", "Globex", "--plan", "plus", "--domain", "globex.example"),
                 ("contact", "add", "Globex", "carol@globex.example", "--name", "Carol"),
                 ("account", "add", "Acme", "--plan", "standard", "--domain", "acme.example"),
                 ("contact", "add", "Acme", "alice@acme.example", "--name", "Alice")):
        ran = run(*args)
        assert ran.code == 0, ran.err
    return run


def call(ib, contact, *extra):
    return ib("ticket", "open", "--contact", contact, "--via", "phone", "--subject",
              "Search is slow", "--at", CALL, "--by", "Ana", *extra)


def sent(tmp_path) -> list[email.message.EmailMessage]:
    box = tmp_path / "data" / "sent-mail" / "new"
    return [email.message_from_bytes(p.read_bytes(), policy=default_policy)
            for p in sorted(box.iterdir())] if box.exists() else []


def test_a_call_for_a_plus_contact_is_refused_with_the_reason(ib, failure):
    ran = call(ib, "carol@globex.example")

    failure(ran, 1, "plus plan has no phone support", "--force")
    assert ib("tickets", "--json").json() == []


def test_force_logs_it_anyway_and_the_ticket_says_so(ib):
    ran = call(ib, "carol@globex.example", "--force", "--json")

    assert ran.code == 0, ran.err
    ticket = ran.json()
    assert (ticket["channel"], ticket["requester"]) == ("phone", "carol@globex.example")
    shown = ib("ticket", "show", str(ticket["number"])).out
    assert "channel     phone" in shown
    assert "forced: the plus plan has no phone support; opened anyway by ana@vendor.example" \
        in shown


def test_a_call_on_standard_counts_in_the_quota_and_runs_from_the_call(ib, tmp_path):
    ran = call(ib, "alice@acme.example", "--severity", "critical", "--json")

    assert ran.code == 0, ran.err
    ticket = ran.json()
    assert ticket["created_at"] == datetime.fromisoformat(CALL).isoformat()
    # standard, critical: 8 business hours from Tue 11:00 in 09:00-20:00 -> Tue 19:00
    assert datetime.fromisoformat(ticket["response_due"]) == \
        datetime(2026, 3, 3, 19, 0, tzinfo=MADRID)
    assert ticket["severity_reason"] == "set by Ana when the call was logged"
    report = ib("report", "--json", "--month", "2026-03", "--now", NOW).json()
    [acme] = [a for a in report["accounts"] if a["account"] == "Acme"]
    assert acme["quota"]["used"] == 1
    assert acme["channels"] == {"mail": 0, "web": 0, "phone": 1}
    assert report["channels"]["phone"] == 1
    text = ib("report", "--month", "2026-03", "--now", NOW).out
    assert "tickets per channel: mail 0, web 0, phone 1" in text


def test_the_quota_refuses_a_call_as_it_refuses_a_mail(ib, failure):
    for _ in range(2):  # plus is configured with 2 tickets a year here
        assert call(ib, "carol@globex.example", "--force", "--severity", "major").code == 0

    ran = call(ib, "carol@globex.example", "--force", "--severity", "major")

    failure(ran, 1, "not opened", "quota")
    assert len(ib("tickets", "--json").json()) == 2


def test_the_customer_is_acknowledged_and_only_standard_sees_the_phone_line(ib, tmp_path):
    assert call(ib, "alice@acme.example").code == 0
    assert call(ib, "carol@globex.example", "--force").code == 0

    assert ib("run", "--once").code == 0  # the mail was queued now, after the call

    acks = {m["To"].addresses[0].addr_spec: m for m in sent(tmp_path)
            if m["X-Intakebot-Kind"] == "ack"}
    alice = acks["alice@acme.example"].get_body(("plain",)).get_content()
    carol = acks["carol@globex.example"].get_body(("plain",)).get_content()
    assert "+34 910 000 000" in alice and "Mon-Fri 09:00-20:00" in alice
    assert "+34 910 000 000" not in carol and "phone" not in carol.lower()
    digest = ib("digest", "--now", NOW).out
    assert "Opened by channel: mail 0, support center 0, phone 2." in digest


@pytest.mark.parametrize(("args", "named"), [
    (("--contact", "nobody@acme.example", "--via", "phone", "--subject", "x"), "--contact"),
    (("--contact", "alice@acme.example", "--via", "phone", "--subject", "x",
      "--at", "2999-01-01T10:00"), "--at"),
    (("--contact", "alice@acme.example", "--via", "phone", "--subject", "x",
      "--at", "tuesday"), "--at"),
    (("--contact", "alice@acme.example", "--via", "phone", "--subject", "x",
      "--by", "Zoe"), "--by"),
    (("--contact", "alice@acme.example", "--via", "fax", "--subject", "x"), "--via"),
    (("--contact", "alice@acme.example", "--via", "phone"), "--subject"),
])
def test_usage_errors_exit_2_naming_the_argument(ib, failure, args, named):
    failure(ib("ticket", "open", *args), 2, named)
