"""Mail through the CLI: ingest, explain, tickets, ticket show/resolve, run --once, poll.

No configuration file: the embedded default (support@localhost, outbound mail
written to the Maildir `<data-dir>/sent-mail`), as a first-time user runs it.
"""

from __future__ import annotations

import email
import json
import re
from datetime import UTC, datetime, timedelta
from email.policy import default as default_policy

import pytest

SUPPORT = "support@localhost"
TICKET_KEYS = {"number", "account", "requester", "subject", "severity", "severity_reason",
               "status", "created_at", "response_due", "resolution_due", "first_response_at",
               "resolved_at", "overage"}
EXPLAIN_KEYS = {"outcome", "account", "ticket", "severity", "severity_reason", "response_due",
                "resolution_due", "quota_remaining"}


@pytest.fixture
def ib(cli, data_dir):
    return lambda *args: cli("--data-dir", data_dir, *args)


@pytest.fixture
def acme(ib):
    """Acme on plus with one authorised contact, alice@acme.example."""
    for args in (("account", "add", "Acme", "--plan", "plus", "--domain", "acme.example"),
                 ("contact", "add", "Acme", "alice@acme.example", "--name", "Alice")):
        ran = ib(*args)
        assert ran.code == 0, ran.err
    return "Acme"


@pytest.fixture
def request_eml(write_eml):
    return write_eml("request.eml", "Alice <Alice@ACME.example>",
                     "[Critical] cannot open documents",
                     "Hello,\n\nNo document opens since this morning.\n\nAlice\n", to=SUPPORT,
                     message_id="<req-1@acme.example>")


def ticket_numbers(ib, *args):
    ran = ib("tickets", "--json", *args)
    assert ran.code == 0, ran.err
    return [t["number"] for t in ran.json()]


def ingest(ib, path):
    ran = ib("ingest", path)
    assert ran.code == 0, ran.err
    found = re.search(r"#(\d+)", ran.out)
    return ran, int(found.group(1)) if found else None


def sent_mail(data_dir):
    new = data_dir / "sent-mail" / "new"
    files = sorted(new.iterdir()) if new.exists() else []
    return [email.message_from_bytes(p.read_bytes(), policy=default_policy) for p in files]


# -- ingest


def test_the_log_lines_of_a_command_say_their_zone(cli_process, write_eml):
    path = write_eml("lost.eml", "zed@nowhere.example", "Hello", "Is anyone there?\n",
                     to=SUPPORT)
    ran = cli_process("--data-dir", "data", "ingest", str(path))
    assert ran.code == 0, ran.err
    lines = [line for line in ran.err.splitlines() if " INFO " in line]
    assert lines, ran.err
    # UTC with Z (or an offset): never a bare local time
    assert all(re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z INFO ", line)
               for line in lines), lines


def test_ingest_opens_a_ticket_for_an_authorised_contact(ib, acme, request_eml):
    ran, number = ingest(ib, request_eml)
    assert "new_ticket" in ran.out
    assert number is not None
    [t] = ib("tickets", "--json").json()
    assert t["number"] == number
    assert (t["account"], t["requester"], t["status"]) == ("Acme", "alice@acme.example", "open")
    assert t["subject"] == "[Critical] cannot open documents"
    assert t["severity"] == "critical"
    # the definitions' reading ("No document opens"); the "[Critical]" tag is a request
    assert t["severity_reason"].startswith("critical: opening documents fails")
    assert t["first_response_at"] is None and t["resolved_at"] is None
    assert t["overage"] is False
    assert show_account(ib)["tickets_used"] == 1


def show_account(ib):
    return ib("account", "show", "Acme", "--json").json()


def test_ingest_the_same_message_twice_opens_one_ticket(ib, acme, request_eml):
    _, number = ingest(ib, request_eml)
    ran = ib("ingest", request_eml)
    assert ran.code == 0
    # the first outcome stands and is reported as already handled
    assert "already handled" in ran.out
    assert ticket_numbers(ib) == [number]


def test_ingest_from_a_stranger_opens_nothing(ib, acme, write_eml):
    path = write_eml("stranger.eml", "mallory@acme.example", "Please help",
                     "The site is down.\n", to=SUPPORT)
    ran = ib("ingest", path)
    assert ran.code == 0, ran.err
    assert "refused_unauthorised" in ran.out
    assert ticket_numbers(ib) == []
    assert show_account(ib)["tickets_used"] == 0


def test_ingest_from_stdin_as_a_real_process(cli_process, write_eml):
    assert cli_process("--data-dir", "d", "account", "add", "Acme", "--plan", "plus").code == 0
    assert cli_process("--data-dir", "d", "contact", "add", "Acme", "alice@acme.example").code == 0
    raw = write_eml("in.eml", "alice@acme.example", "Exports are slow",
                    "Exports take ten minutes.\n", to=SUPPORT).read_bytes()
    ran = cli_process("--data-dir", "d", "ingest", input=raw)
    assert ran.code == 0, ran.err
    assert "stdin" in ran.out and "new_ticket" in ran.out
    listed = cli_process("--data-dir", "d", "tickets", "--json")
    assert '"requester": "alice@acme.example"' in listed.out


def test_ingest_empty_stdin_is_a_usage_error(cli_process, failure):
    failure(cli_process("--data-dir", "d", "ingest", input=b""), 2, "empty")


def test_ingest_unreadable_file_is_a_usage_error(ib, tmp_path, failure):
    failure(ib("ingest", tmp_path / "missing.eml"), 2, "missing.eml")


def test_ingest_empty_file_is_a_usage_error(ib, tmp_path, failure):
    (tmp_path / "empty.eml").write_bytes(b"")
    failure(ib("ingest", tmp_path / "empty.eml"), 2, "empty")


# -- explain


def test_explain_says_what_would_happen_and_changes_nothing(ib, acme, request_eml, data_dir):
    ran = ib("explain", request_eml, "--json", "--now", "2026-03-02T16:00+01:00")
    assert ran.code == 0, ran.err
    out = ran.json()
    assert EXPLAIN_KEYS <= set(out)
    assert out["outcome"] == "new_ticket"
    assert out["account"] == "Acme"
    assert isinstance(out["ticket"], int)
    assert out["severity"] == "critical"
    assert out["severity_reason"].startswith("critical: opening documents fails")
    # plus critical from Monday 16:00: 2 days of 7 h -> Wednesday 16:00; 5 days -> next Monday
    assert out["response_due"] == "2026-03-04T16:00:00+01:00"
    assert out["resolution_due"] == "2026-03-09T16:00:00+01:00"
    assert out["quota_remaining"] == 49
    # nothing was written: no ticket, no quota used, no mail queued, not remembered as seen
    assert ticket_numbers(ib, "--all") == []
    assert show_account(ib)["tickets_used"] == 0
    assert ib("run", "--once").code == 0
    assert sent_mail(data_dir) == []
    ran, number = ingest(ib, request_eml)
    assert "new_ticket" in ran.out


def test_explain_now_decides_at_that_instant(ib, acme, request_eml):
    # opened on a Saturday, counting starts Monday 10:00: 14 h end at Tuesday's close
    out = ib("explain", request_eml, "--json", "--now", "2026-03-07T12:00:00+01:00").json()
    assert out["response_due"] == "2026-03-10T17:00:00+01:00"
    # without an offset --now is read in the support zone (Madrid)
    out = ib("explain", request_eml, "--json", "--now", "2026-03-02T16:00").json()
    assert out["response_due"] == "2026-03-04T16:00:00+01:00"


def test_explain_of_a_stranger(ib, acme, write_eml):
    path = write_eml("stranger.eml", "mallory@acme.example", "hi", "hello\n", to=SUPPORT)
    out = ib("explain", path, "--json").json()
    assert out["outcome"] == "refused_unauthorised"
    assert out["ticket"] is None
    assert out["account"] == "Acme"


def test_explain_of_a_message_already_ingested_is_a_duplicate(ib, acme, request_eml):
    _, number = ingest(ib, request_eml)
    out = ib("explain", request_eml, "--json").json()
    assert out["outcome"] == "duplicate"
    assert out["ticket"] == number
    assert ticket_numbers(ib) == [number]


def test_explain_text_output(ib, acme, request_eml):
    ran = ib("explain", request_eml, "--now", "2026-03-02T16:00+01:00")
    assert ran.code == 0
    assert "new_ticket" in ran.out and "critical" in ran.out and "Acme" in ran.out


def test_explain_mistakes(ib, acme, request_eml, tmp_path, failure):
    failure(ib("explain", tmp_path / "missing.eml"), 2, "missing.eml")
    failure(ib("explain", request_eml, "--now", "monday"), 2, "--now", "monday")


# -- tickets, ticket show, ticket resolve


def test_tickets_json_keys(ib, acme, request_eml):
    ingest(ib, request_eml)
    rows = ib("tickets", "--json").json()
    assert isinstance(rows, list) and len(rows) == 1
    assert TICKET_KEYS <= set(rows[0])


def test_tickets_filtered_by_account(ib, acme, request_eml, failure):
    ib("account", "add", "Globex", "--plan", "basic")
    _, number = ingest(ib, request_eml)
    assert ticket_numbers(ib, "--account", "Acme") == [number]
    assert ticket_numbers(ib, "--account", "Globex") == []
    failure(ib("tickets", "--account", "Initech"), 1, "Initech")


def test_tickets_text(ib, acme, request_eml):
    assert "No open tickets" in ib("tickets").out
    _, number = ingest(ib, request_eml)
    out = ib("tickets").out
    assert str(number) in out and "cannot open documents" in out


def test_tickets_text_shows_each_clocks_state_beside_its_own_due(ib, acme, request_eml):
    _, number = ingest(ib, request_eml)
    [t] = ib("tickets", "--json").json()
    # an hour past the response target, long before the resolution target
    late = (datetime.fromisoformat(t["response_due"]) + timedelta(hours=1)).isoformat()
    out = ib("tickets", "--now", late).out
    header, row = [line for line in out.splitlines() if "RESPONSE DUE" in line
                   or line.lstrip().startswith(str(number))]
    assert header.index("RESPONSE DUE") < header.index("RESOLUTION DUE")
    response = row[header.index("RESPONSE DUE"):header.index("RESOLUTION DUE")]
    resolution = row[header.index("RESOLUTION DUE"):header.index("SUBJECT")]
    assert response.split()[-1] == "breached" and resolution.split()[-1] == "ok"


def test_ticket_show_json_has_the_timeline(ib, acme, request_eml):
    _, number = ingest(ib, request_eml)
    ran = ib("ticket", "show", str(number), "--json")
    assert ran.code == 0, ran.err
    data = ran.json()
    assert TICKET_KEYS <= set(data)
    assert data["number"] == number
    kinds = [e["kind"] for e in data["events"]]
    assert kinds[:2] == ["received", "acknowledged"]
    assert all({"at", "kind", "data"} <= set(e) for e in data["events"])
    assert data["events"][0]["data"]["sender"] == "alice@acme.example"


def test_ticket_show_text(ib, acme, request_eml):
    _, number = ingest(ib, request_eml)
    ran = ib("ticket", "show", str(number))
    assert ran.code == 0
    assert f"Ticket #{number}" in ran.out and "Timeline:" in ran.out and "received" in ran.out
    assert "assignee    nobody yet" in ran.out
    assert "confidence" not in ran.out  # the classifier's internals are not for people


def test_ticket_resolve(ib, acme, request_eml, data_dir, failure):
    _, number = ingest(ib, request_eml)
    ran = ib("ticket", "resolve", str(number))
    assert ran.code == 0, ran.err
    assert f"#{number}" in ran.out
    data = ib("ticket", "show", str(number), "--json").json()
    assert data["status"] == "resolved"
    assert data["resolved_at"] is not None
    assert "resolved" in [e["kind"] for e in data["events"]]
    assert ticket_numbers(ib) == []
    assert ticket_numbers(ib, "--all") == [number]
    failure(ib("ticket", "resolve", str(number)), 1, "already resolved")
    # the requester is told
    assert ib("run", "--once").code == 0
    kinds = [m["X-Intakebot-Kind"] for m in sent_mail(data_dir)]
    assert sorted(kinds) == ["ack", "resolved"]


@pytest.mark.parametrize("command", ["show", "resolve"])
def test_unknown_ticket(ib, acme, failure, command):
    failure(ib("ticket", command, "4242"), 1, "#4242")


@pytest.mark.parametrize("value", ["0", "abc", "#", "1.5"])
def test_ticket_number_must_be_a_positive_number(ib, failure, value):
    failure(ib("ticket", "show", value), 2, value)


def test_ticket_number_may_be_written_as_mails_write_it(ib, acme, request_eml):
    _, number = ingest(ib, request_eml)
    shown = ib("ticket", "show", f"#{number}", "--json")
    assert shown.code == 0 and shown.json()["number"] == number


# -- run and poll


def test_run_once_delivers_the_ack_into_the_maildir(ib, acme, request_eml, data_dir):
    _, number = ingest(ib, request_eml)
    assert sent_mail(data_dir) == []  # ingest only queues
    ran = ib("run", "--once")
    assert ran.code == 0, ran.err
    assert "ack" in ran.out and "alice@acme.example" in ran.out
    [ack] = sent_mail(data_dir)
    assert ack["To"] == "alice@acme.example"
    assert ack["From"].addresses[0].addr_spec == SUPPORT
    assert f"#{number}" in ack["Subject"]
    assert ack["In-Reply-To"] == "<req-1@acme.example>"
    body = ack.get_body(preferencelist=("plain",)).get_content()
    assert f"#{number}" in body
    # delivered once: another run sends nothing more
    assert ib("run", "--once").code == 0
    assert len(sent_mail(data_dir)) == 1


def test_run_once_as_a_real_process(cli_process, tmp_path, write_eml):
    for args in (("account", "add", "Acme", "--plan", "plus"),
                 ("contact", "add", "Acme", "alice@acme.example")):
        assert cli_process("--data-dir", "d", *args).code == 0
    path = write_eml("in.eml", "alice@acme.example", "Question", "How do I export?\n", to=SUPPORT)
    assert cli_process("--data-dir", "d", "ingest", path).code == 0
    ran = cli_process("--data-dir", "d", "run", "--once")
    assert ran.code == 0, ran.err
    assert len(sent_mail(tmp_path / "d")) == 1


def test_run_now_without_once_is_a_usage_error(ib, failure):
    failure(ib("run", "--now", "2026-03-02T10:00+01:00"), 2, "--now", "--once")


def test_run_once_with_a_bad_now(ib, failure):
    failure(ib("run", "--once", "--now", "soon"), 2, "--now", "soon")


def test_poll_without_imap_is_a_usage_error(ib, failure):
    failure(ib("poll", "--once"), 2, "[imap]")
    failure(ib("poll"), 2, "[imap]")


def test_commands_on_a_corrupt_data_file_fail_cleanly(ib, acme, request_eml, data_dir, failure):
    (data_dir / "intakebot.json").write_text("{not json")
    for args in (("tickets",), ("ticket", "show", "1000"), ("run", "--once"),
                 ("explain", request_eml)):
        failure(ib(*args), 1, "intakebot.json")


def test_tickets_account_filter_ignores_case_like_every_other_command(ib, acme, request_eml):
    _, number = ingest(ib, request_eml)
    assert ib("account", "show", "acme", "--json").json()["tickets_used"] == 1
    assert ticket_numbers(ib, "--account", "acme") == [number]


# -- coverage as intake applies it after operator changes


@pytest.fixture
def one_ticket_plan(cli, tmp_path, data_dir):
    """Acme on a plus plan reduced to 1 ticket a year by configuration; alice is its contact."""
    (tmp_path / "c.toml").write_text("[plans.plus]\ntickets_per_year = 1\n")

    def run(*args):
        return cli("--config", tmp_path / "c.toml", "--data-dir", data_dir, *args)

    assert run("account", "add", "Acme", "--plan", "plus").code == 0
    assert run("contact", "add", "Acme", "alice@acme.example").code == 0
    return run


def test_quota_refusal_then_add_tickets_makes_room(one_ticket_plan, write_eml):
    run = one_ticket_plan
    mails = [write_eml(f"{n}.eml", "alice@acme.example", f"How do I {what}?", "Thanks.\n",
                       to=SUPPORT, message_id=f"<{n}@acme.example>")
             for n, what in enumerate(["export", "import", "print"])]
    assert "new_ticket" in run("ingest", mails[0]).out
    refused = run("ingest", mails[1])
    assert refused.code == 0
    assert "refused_quota" in refused.out
    assert len(run("tickets", "--json").json()) == 1
    assert run("account", "add-tickets", "Acme", "1").code == 0
    assert "new_ticket" in run("ingest", mails[2]).out
    assert len(run("tickets", "--json").json()) == 2


def test_a_blocker_over_quota_is_accepted_as_overage(one_ticket_plan, write_eml):
    run = one_ticket_plan
    run("ingest", write_eml("a.eml", "alice@acme.example", "A question", "How?\n", to=SUPPORT,
                            message_id="<a@acme.example>"))
    ran = run("ingest", write_eml("b.eml", "alice@acme.example", "[Blocker] site down",
                                  "Nothing loads.\n", to=SUPPORT, message_id="<b@acme.example>"))
    assert "new_ticket" in ran.out
    overage = {t["subject"]: t["overage"] for t in run("tickets", "--json").json()}
    assert overage == {"A question": False, "[Blocker] site down": True}


def test_add_tickets_reports_the_remaining_count_account_show_gives(one_ticket_plan, write_eml):
    run = one_ticket_plan
    run("ingest", write_eml("a.eml", "alice@acme.example", "A question", "How?\n", to=SUPPORT,
                            message_id="<a@acme.example>"))
    run("ingest", write_eml("b.eml", "alice@acme.example", "[Blocker] site down",
                            "Nothing loads.\n", to=SUPPORT, message_id="<b@acme.example>"))
    # 2 used (one of them overage) of 1 included: one extra ticket leaves 0
    ran = run("account", "add-tickets", "Acme", "1")
    assert ran.code == 0
    shown = run("account", "show", "Acme", "--json").json()["tickets_remaining"]
    assert shown == 0
    assert re.search(r"(\d+) remaining", ran.out).group(1) == "0"


def test_a_removed_contact_can_no_longer_open_tickets(ib, acme, request_eml):
    assert ib("contact", "remove", "alice@acme.example").code == 0
    ran = ib("ingest", request_eml)
    assert ran.code == 0
    assert "refused_unauthorised" in ran.out
    assert ticket_numbers(ib) == []


def test_tickets_now_shows_a_breach(ib, acme, request_eml):
    _, number = ingest(ib, request_eml)
    [fresh] = ib("tickets", "--json").json()
    assert fresh["response_state"] == "ok"
    # plus critical: 2 business days; two months later it is long past
    later = (datetime.now(UTC) + timedelta(days=60)).isoformat()
    [late] = ib("tickets", "--json", "--now", later).json()
    assert late["response_state"] == "breached"


def test_report_and_tickets_as_a_real_process(cli_process, write_eml):
    assert cli_process("--data-dir", "d", "account", "add", "Acme", "--plan", "plus").code == 0
    assert cli_process("--data-dir", "d", "contact", "add", "Acme", "alice@acme.example").code == 0
    raw = write_eml("in.eml", "alice@acme.example", "[critical] Cannot open documents",
                    "No document opens.\n", to=SUPPORT).read_bytes()
    assert cli_process("--data-dir", "d", "ingest", input=raw).code == 0
    [t] = json.loads(cli_process("--data-dir", "d", "tickets", "--json").out)
    late = (datetime.fromisoformat(t["response_due"]) + timedelta(hours=1)).isoformat()
    month = late[:7]

    ran = cli_process("--data-dir", "d", "report", "--month", month, "--now", late)

    assert ran.code == 0, ran.err
    # the one response target is missed: 0 of 1, as the digest would count it
    assert "plan plus: 1 ticket, response 0%, resolution -" in ran.out
    bad = cli_process("--data-dir", "d", "report", "--month", "2026-13")
    assert bad.code == 2 and "--month '2026-13' is not a month" in bad.err
