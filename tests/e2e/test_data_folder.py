"""The data folder follows the configuration: the README's systemd setup, run as written.

`INTAKEBOT_CONFIG` names a file in one folder and the commands run from others
(the unit's WorkingDirectory, an operator's home): every command uses the one
data folder beside the configuration, through the installed `intakebot` command.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.e2e.e2e_helpers import intakebot, mail, write_config

SENT = "2026-03-02T10:00:00+01:00"


@pytest.fixture
def places(tmp_path):
    etc, workdir, home = tmp_path / "etc", tmp_path / "var-lib", tmp_path / "home"
    for folder in (etc, workdir, home):
        folder.mkdir()
    return etc, workdir, home


@pytest.mark.parametrize("data_dir", [None, "data", "./state/intakebot"])
def test_commands_from_other_folders_share_the_folder_beside_the_configuration(places,
                                                                               data_dir):
    etc, workdir, home = places
    support = {"address": "support@vendor.example"} | ({"data_dir": data_dir} if data_dir
                                                       else {})
    config = write_config(etc / "intakebot.toml", {
        "support": support, "agents": {"addresses": ["ana@vendor.example"]}})
    expected = (etc / (data_dir or "intakebot-data")).resolve()

    added = intakebot("account", "add", "Globex", "--plan", "plus", "--domain",
                      "globex.example", cwd=home, config=config)
    assert added.code == 0, added.err
    assert f"created data folder {expected}" in added.err

    contact = intakebot("contact", "add", "Globex", "hank@globex.example", cwd=workdir,
                        config=config)
    assert contact.code == 0, contact.err
    assert "created data folder" not in contact.err  # it exists now: said once

    message = home / "first.eml"
    message.write_bytes(mail("Hank <hank@globex.example>", "Invoices do not export",
                             "The export stops half way.", message_id="<1@globex.example>",
                             date=datetime.fromisoformat(SENT)))
    assert intakebot("ingest", message, cwd=workdir, config=config).code == 0

    listed = intakebot("tickets", "--json", cwd=home, config=config)
    assert listed.code == 0, listed.err
    assert [t["account"] for t in listed.json()] == ["Globex"]

    ran = intakebot("run", "--once", cwd=workdir, config=config)
    assert ran.code == 0, ran.err
    assert "sent ack to hank@globex.example" in ran.out
    assert list((expected / "sent-mail" / "new").iterdir())  # the Maildir beside it too

    for folder in (workdir, home):  # nothing was made where the commands ran
        assert sorted(p.name for p in folder.iterdir()) == \
            (["first.eml"] if folder == home else [])

    check = intakebot("check", cwd=home, config=config)
    assert check.code == 0, check.err
    assert f"data folder: {expected}\n" in check.out


def test_an_absolute_data_dir_is_used_as_it_is(places, tmp_path):
    etc, workdir, _ = places
    target = tmp_path / "srv" / "desk"
    config = write_config(etc / "intakebot.toml", {"support": {"data_dir": str(target)}})

    ran = intakebot("account", "add", "Acme", "--plan", "plus", cwd=workdir, config=config)

    assert ran.code == 0, ran.err
    assert f"created data folder {target}" in ran.err
    assert (target / "intakebot.json").exists()


def test_without_a_configuration_file_the_working_folder_holds_the_data(places):
    _, workdir, _ = places

    ran = intakebot("account", "add", "Acme", "--plan", "plus", cwd=workdir)

    assert ran.code == 0, ran.err
    assert f"created data folder {(workdir / 'intakebot-data').resolve()}" in ran.err
    check = intakebot("check", cwd=workdir)
    assert f"data folder: {(workdir / 'intakebot-data').resolve()}\n" in check.out


def test_data_dir_on_the_command_line_is_read_from_the_working_folder(places):
    etc, workdir, _ = places
    config = write_config(etc / "intakebot.toml", {"support": {"data_dir": "data"}})

    ran = intakebot("--data-dir", "here", "account", "add", "Acme", "--plan", "plus",
                    cwd=workdir, config=config)

    assert ran.code == 0, ran.err
    assert f"created data folder {(workdir / 'here').resolve()}" in ran.err
    assert not (etc / "data").exists()


def test_check_says_a_data_folder_will_be_created_and_does_not_create_it(places):
    etc, workdir, _ = places
    config = write_config(etc / "intakebot.toml", {"agents": {"addresses": ["a@v.example"]}})

    check = intakebot("check", cwd=workdir, config=config)

    assert check.code == 0, check.err
    assert f"data folder: {(etc / 'intakebot-data').resolve()} (created when a command " \
        "first needs it)" in check.out
    assert not (etc / "intakebot-data").exists()
