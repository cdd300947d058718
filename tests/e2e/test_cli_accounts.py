"""`intakebot account ...` and `intakebot contact ...` on a real data folder, and their mistakes.

Exit codes: 0 ok, 1 the command ran and failed, 2 usage. Plan limits (coverage-policy.md):
basic allows 2 contacts and 20 tickets a year, plus 4 and 50, standard 10 and 125.
"""

from __future__ import annotations

from datetime import date

import pytest


@pytest.fixture
def ib(cli, data_dir):
    """`ib(*args)`: the CLI on this test's data folder."""
    return lambda *args: cli("--data-dir", data_dir, *args)


@pytest.fixture
def acme(ib):
    """Account Acme on plus, domain acme.example, no contacts yet."""
    ran = ib("account", "add", "Acme", "--plan", "plus", "--domain", "acme.example")
    assert ran.code == 0, ran.err
    return "Acme"


def add_contacts(ib, account, *emails):
    for email in emails:
        ran = ib("contact", "add", account, email)
        assert ran.code == 0, ran.err


def show(ib, name):
    ran = ib("account", "show", name, "--json")
    assert ran.code == 0, ran.err
    return ran.json()


# -- accounts: what works


def test_add_then_show(ib):
    ran = ib("account", "add", "Acme", "--plan", "plus", "--domain", "ACME.example",
             "--domain", "acme-corp.example", "--contract-start", "2025-04-01")
    assert ran.code == 0, ran.err
    assert "Acme" in ran.out and "plus" in ran.out
    view = show(ib, "Acme")
    assert view["name"] == "Acme"
    assert view["plan"] == "plus"
    assert view["domains"] == ["acme.example", "acme-corp.example"]
    assert view["contract_start"] == "2025-04-01"
    assert (view["contacts"], view["contacts_limit"]) == (0, 4)
    assert (view["tickets_used"], view["tickets_included"], view["tickets_extra"],
            view["tickets_remaining"]) == (0, 50, 0, 50)
    # the contract year runs 1 April to 1 April and holds today
    start = date.fromisoformat(view["contract_year_start"])
    end = date.fromisoformat(view["contract_year_end"])
    assert (start.month, start.day, end.month, end.day) == (4, 1, 4, 1)
    assert end.year == start.year + 1
    assert start <= date.today() < end


def test_plan_names_are_read_without_regard_to_case(ib):
    assert ib("account", "add", "Initech", "--plan", "Standard").code == 0
    assert show(ib, "Initech")["plan"] == "standard"
    assert ib("account", "set-plan", "Initech", "PLUS").code == 0
    assert show(ib, "Initech")["plan"] == "plus"


def test_default_contract_year_is_the_calendar_year(ib, acme):
    view = show(ib, acme)
    year = date.today().year
    assert view["contract_year_start"] == f"{year}-01-01"
    assert view["contract_year_end"] == f"{year + 1}-01-01"


def test_show_text_has_contacts_and_quota(ib, acme):
    add_contacts(ib, acme, "alice@acme.example")
    ran = ib("account", "show", acme)
    assert ran.code == 0
    assert "Contacts:  1/4" in ran.out
    assert "alice@acme.example" in ran.out
    assert "remaining 50" in ran.out


def test_list_json_is_an_array_of_objects(ib, acme):
    assert ib("account", "add", "Globex", "--plan", "standard").code == 0
    ran = ib("account", "list", "--json")
    assert ran.code == 0
    rows = ran.json()
    assert isinstance(rows, list) and all(isinstance(r, dict) for r in rows)
    assert {r["name"]: r["plan"] for r in rows} == {"Acme": "plus", "Globex": "standard"}
    assert {r["name"]: r["contacts_limit"] for r in rows} == {"Acme": 4, "Globex": 10}


def test_list_json_when_empty_is_an_empty_array(ib):
    ran = ib("account", "list", "--json")
    assert ran.code == 0
    assert ran.json() == []


def test_list_text(ib, acme):
    ran = ib("account", "list")
    assert ran.code == 0
    assert "Acme" in ran.out and "plus" in ran.out and "0/50" in ran.out


def test_set_plan(ib, acme):
    ran = ib("account", "set-plan", acme, "standard")
    assert ran.code == 0, ran.err
    view = show(ib, acme)
    assert (view["plan"], view["contacts_limit"], view["tickets_included"]) == (
        "standard", 10, 125)


def test_add_tickets_adds_to_this_contract_year(ib, acme):
    ran = ib("account", "add-tickets", acme, "10")
    assert ran.code == 0, ran.err
    assert "60 remaining" in ran.out
    ib("account", "add-tickets", acme, "5")
    view = show(ib, acme)
    assert (view["tickets_extra"], view["tickets_remaining"]) == (15, 65)


# -- accounts: mistakes


def test_unknown_plan(ib, failure):
    ran = ib("account", "add", "Acme", "--plan", "gold")
    failure(ran, 2, "gold", "basic", "plus", "standard")
    assert ib("account", "list", "--json").json() == []


@pytest.mark.parametrize("start", ["2026-02-30", "01/04/2026", "next year"])
def test_bad_contract_start(ib, failure, start):
    failure(ib("account", "add", "Acme", "--plan", "plus", "--contract-start", start), 2,
            "--contract-start", start, "YYYY-MM-DD")


@pytest.mark.parametrize("domain", ["not a domain", "acme", "@acme.example", "acme..example"])
def test_bad_domain(ib, failure, domain):
    failure(ib("account", "add", "Acme", "--plan", "plus", "--domain", domain), 2,
            "--domain", domain)


@pytest.mark.parametrize("name", ["", ".dot", "a/b", "x" * 81])
def test_bad_account_name(ib, failure, name):
    failure(ib("account", "add", name, "--plan", "plus"), 2, "account name")


def test_missing_plan_option(ib, failure):
    failure(ib("account", "add", "Acme"), 2, "--plan")


@pytest.mark.parametrize("name", ["Acme", "ACME"])
def test_duplicate_account(ib, acme, failure, name):
    ran = ib("account", "add", name, "--plan", "basic")
    failure(ran, 1, "already exists")
    assert show(ib, acme)["plan"] == "plus"


@pytest.mark.parametrize("args", [
    ("account", "show", "Initech"),
    ("account", "set-plan", "Initech", "plus"),
    ("account", "add-tickets", "Initech", "5"),
    ("contact", "add", "Initech", "bob@initech.example"),
    ("contact", "list", "Initech"),
])
def test_unknown_account(ib, acme, failure, args):
    ran = ib(*args)
    failure(ran, 1, "Initech", "account add")


def test_set_plan_to_unknown_plan(ib, acme, failure):
    failure(ib("account", "set-plan", acme, "gold"), 2, "gold", "standard")
    assert show(ib, acme)["plan"] == "plus"


def test_set_plan_refused_while_too_many_contacts(ib, acme, failure):
    add_contacts(ib, acme, "a@acme.example", "b@acme.example", "c@acme.example")
    ran = ib("account", "set-plan", acme, "basic")
    failure(ran, 1, "3 contacts", "allows 2", "contact remove")
    assert show(ib, acme)["plan"] == "plus"
    # the name is matched as the operator typed it, in any case
    failure(ib("account", "set-plan", "acme", "basic"), 1, "3 contacts")
    assert show(ib, acme)["plan"] == "plus"
    assert ib("contact", "remove", "c@acme.example").code == 0
    assert ib("account", "set-plan", acme, "basic").code == 0
    assert show(ib, acme)["plan"] == "basic"


@pytest.mark.parametrize("n", ["0", "abc", "1.5"])
def test_add_tickets_refuses_what_is_not_a_positive_whole_number(ib, acme, failure, n):
    failure(ib("account", "add-tickets", acme, n), 2, "N", n)
    assert show(ib, acme)["tickets_extra"] == 0


def test_add_tickets_refuses_a_negative_number(ib, acme, failure):
    failure(ib("account", "add-tickets", acme, "-1"), 2, "-1")
    failure(ib("account", "add-tickets", acme, "--", "-1"), 2, "-1", "N")
    assert show(ib, acme)["tickets_extra"] == 0


# -- contacts: what works


def test_contact_add_list_remove(ib, acme):
    ran = ib("contact", "add", acme, "Alice.Smith@ACME.example", "--name", "Alice Smith")
    assert ran.code == 0, ran.err
    assert "alice.smith@acme.example" in ran.out
    add_contacts(ib, acme, "bob@acme.example")
    rows = ib("contact", "list", acme, "--json").json()
    assert rows == [
        {"email": "alice.smith@acme.example", "name": "Alice Smith", "account": "Acme",
         "language": None, "timezone": None},
        {"email": "bob@acme.example", "name": None, "account": "Acme", "language": None,
         "timezone": None},
    ]
    assert show(ib, acme)["contacts"] == 2
    ran = ib("contact", "remove", "ALICE.smith@acme.example")
    assert ran.code == 0, ran.err
    assert [r["email"] for r in ib("contact", "list", "--json").json()] == ["bob@acme.example"]


def test_contact_list_of_all_accounts(ib, acme):
    ib("account", "add", "Globex", "--plan", "basic")
    add_contacts(ib, acme, "alice@acme.example")
    add_contacts(ib, "Globex", "hank@globex.example")
    rows = ib("contact", "list", "--json").json()
    assert isinstance(rows, list) and all(isinstance(r, dict) for r in rows)
    assert {r["email"]: r["account"] for r in rows} == {
        "alice@acme.example": "Acme", "hank@globex.example": "Globex"}
    assert [r["email"] for r in ib("contact", "list", "Globex", "--json").json()] == [
        "hank@globex.example"]
    text = ib("contact", "list").out
    assert "alice@acme.example" in text and "hank@globex.example" in text


def test_a_contacts_language_and_zone_are_set_at_add_and_changed_with_set(ib, acme):
    ran = ib("contact", "add", acme, "ana@acme.example", "--name", "Ana",
             "--language", "es", "--timezone", "America/Mexico_City")
    assert ran.code == 0, ran.err
    [row] = ib("contact", "list", acme, "--json").json()
    assert (row["language"], row["timezone"]) == ("es", "America/Mexico_City")
    assert "(es, America/Mexico_City)" in ib("contact", "list").out
    ran = ib("contact", "set", "ANA@acme.example", "--language", "en")
    assert ran.code == 0, ran.err
    assert "language en, time zone America/Mexico_City" in ran.out
    ran = ib("contact", "set", "ana@acme.example", "--timezone", "-")
    assert "time zone default" in ran.out
    [row] = ib("contact", "list", acme, "--json").json()
    assert (row["language"], row["timezone"]) == ("en", None)


def test_a_language_or_zone_the_desk_cannot_use_is_refused(ib, acme, failure):
    failure(ib("contact", "add", acme, "ana@acme.example", "--language", "fr"), 2,
            "--language 'fr'", "en, es")
    failure(ib("contact", "add", acme, "ana@acme.example", "--timezone", "Mars/Base"), 2,
            "--timezone 'Mars/Base'")
    assert ib("contact", "list", acme, "--json").json() == []
    add_contacts(ib, acme, "ana@acme.example")
    failure(ib("contact", "set", "ana@acme.example"), 2, "nothing to change")
    failure(ib("contact", "set", "nobody@acme.example", "--language", "es"), 1,
            "not a contact")


def test_contact_list_empty(ib, acme):
    assert ib("contact", "list", acme, "--json").json() == []


# -- contacts: mistakes


def test_the_fifth_contact_on_plus_is_refused(ib, acme, failure):
    add_contacts(ib, acme, *[f"user{i}@acme.example" for i in range(1, 5)])
    ran = ib("contact", "add", acme, "user5@acme.example")
    failure(ran, 1, "user5@acme.example", "plus plan allows 4", "set-plan")
    assert show(ib, acme)["contacts"] == 4
    # removing one makes room again
    assert ib("contact", "remove", "user1@acme.example").code == 0
    assert ib("contact", "add", acme, "user5@acme.example").code == 0


def test_the_third_contact_on_basic_is_refused(ib, failure):
    ib("account", "add", "Tiny", "--plan", "basic")
    add_contacts(ib, "Tiny", "a@tiny.example", "b@tiny.example")
    failure(ib("contact", "add", "Tiny", "c@tiny.example"), 1, "basic plan allows 2")


@pytest.mark.parametrize("address", ["alice", "alice@", "@acme.example", "alice@acme",
                                     "alice smith@acme.example", "<alice@acme.example>",
                                     "alice@acme.example, bob@acme.example",
                                     # the desk could never write mail to these
                                     "jörg@acme.example", "=?utf-8?q?x?=@acme.example"])
def test_invalid_address(ib, acme, failure, address):
    failure(ib("contact", "add", acme, address), 2, address, "not a valid e-mail address")
    assert show(ib, acme)["contacts"] == 0


def test_address_already_a_contact_of_this_account(ib, acme, failure):
    add_contacts(ib, acme, "Alice@Acme.example")
    failure(ib("contact", "add", acme, "alice@acme.example"), 1, "already a contact", "Acme")
    assert show(ib, acme)["contacts"] == 1


def test_address_already_a_contact_of_another_account(ib, acme, failure):
    ib("account", "add", "Globex", "--plan", "standard")
    add_contacts(ib, acme, "Alice@Acme.example")
    ran = ib("contact", "add", "Globex", "ALICE@acme.EXAMPLE")
    failure(ran, 1, "alice@acme.example", "already a contact", "Acme")
    assert ib("contact", "list", "Globex", "--json").json() == []


def test_name_with_a_line_break_is_refused(ib, acme, failure):
    failure(ib("contact", "add", acme, "eve@acme.example", "--name", "Eve\nBcc: x@y.example"),
            2, "--name")


def test_remove_unknown_contact(ib, acme, failure):
    failure(ib("contact", "remove", "nobody@acme.example"), 1, "nobody@acme.example",
            "not a contact")


def test_missing_arguments_are_usage_errors(ib, failure):
    failure(ib("contact", "add", "Acme"), 2, "EMAIL")
    failure(ib("contact", "remove"), 2, "EMAIL")
    failure(ib("account", "show"), 2, "NAME")
    failure(ib("account", "set-plan", "Acme"), 2, "PLAN")
    failure(ib("account", "add-tickets", "Acme"), 2, "N")


def test_unknown_command_is_a_usage_error(ib, failure):
    failure(ib("account", "delete", "Acme"), 2, "delete")


# -- a corrupt data file


def test_corrupt_data_file_is_refused_naming_the_file(ib, acme, data_dir, failure):
    (data_dir / "intakebot.json").write_text("garbage{")
    for args in [("account", "list"), ("account", "show", acme),
                 ("contact", "add", acme, "x@acme.example"), ("contact", "list")]:
        ran = ib(*args)
        failure(ran, 1, "intakebot.json")
    # never silently replaced
    assert (data_dir / "intakebot.json").read_text() == "garbage{"


def test_data_dir_that_is_a_file_is_a_failure(cli, tmp_path, failure):
    (tmp_path / "plain-file").write_text("x")
    failure(cli("--data-dir", tmp_path / "plain-file", "account", "list"), 1, "plain-file")


def test_data_dir_default_comes_from_config(cli, tmp_path):
    (tmp_path / "c.toml").write_text(f'[support]\ndata_dir = "{tmp_path / "from-config"}"\n')
    assert cli("--config", tmp_path / "c.toml", "account", "add", "Acme", "--plan", "plus") \
        .code == 0
    assert (tmp_path / "from-config" / "intakebot.json").exists()
    ran = cli("--config", tmp_path / "c.toml", "account", "list", "--json")
    assert [r["name"] for r in ran.json()] == ["Acme"]


def test_data_dir_default_is_intakebot_data_in_the_working_folder(cli, tmp_path):
    assert cli("account", "add", "Acme", "--plan", "plus").code == 0
    assert (tmp_path / "intakebot-data" / "intakebot.json").exists()


def test_plan_defined_in_config_is_usable_for_accounts(cli, tmp_path, data_dir):
    (tmp_path / "c.toml").write_text('[plans.plus]\ncontacts = 1\n')
    args = ("--config", tmp_path / "c.toml", "--data-dir", data_dir)
    assert cli(*args, "account", "add", "Acme", "--plan", "plus").code == 0
    assert cli(*args, "contact", "add", "Acme", "a@acme.example").code == 0
    ran = cli(*args, "contact", "add", "Acme", "b@acme.example")
    assert ran.code == 1
    assert "allows 1 authorised contact" in ran.err


def test_accounts_as_a_real_process(cli_process, failure):
    assert cli_process("--data-dir", "d", "account", "add", "Acme", "--plan", "plus").code == 0
    assert cli_process("--data-dir", "d", "contact", "add", "Acme", "a@acme.example").code == 0
    ran = cli_process("--data-dir", "d", "contact", "add", "Acme", "A@ACME.example")
    failure(ran, 1, "already a contact")
    ran = cli_process("--data-dir", "d", "contact", "list", "--json")
    assert ran.code == 0 and '"a@acme.example"' in ran.out


@pytest.mark.parametrize("command", [
    "sla", "severity", "account add", "account list", "account show", "account set-plan",
    "account add-tickets", "contact add", "contact remove", "contact list", "run", "poll",
    "ingest", "explain", "digest", "tickets", "ticket show", "ticket resolve"])
def test_every_command_has_help(cli, command):
    ran = cli(*command.split(), "--help")
    assert ran.code == 0
    assert ran.out.startswith(f"Usage: intakebot {command}")
