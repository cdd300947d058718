"""`intakebot init` writes a file that documents every setting with its real default."""

from __future__ import annotations

import re
import tomllib
import typing

from intakebot.cli import main
from intakebot.commands_setup import default_config_text
from intakebot.config import Config, parse
from intakebot.schema import fields


def test_the_written_file_parses_to_the_built_in_defaults():
    written = parse(tomllib.loads(default_config_text()), "intakebot.toml")
    defaults = parse({})
    assert written == defaults  # where each came from is not compared


def test_every_setting_is_mentioned_in_the_file():
    text = default_config_text()
    missing = []
    hints = typing.get_type_hints(Config)
    for section in fields(Config):
        if section in ("source", "base", "plans"):
            continue
        model = hints[section]
        model = getattr(model, "__args__", (model,))[0]  # Imap | None -> Imap
        assert re.search(rf"^#?\s*\[{section}\]", text, re.M), section
        for key in fields(model):
            if not re.search(rf"^#?\s*({key}\s*=|\[+{section}\.{key}\]+)", text, re.M):
                missing.append(f"{section}.{key}")
    assert not missing, missing


def test_init_writes_and_refuses_to_overwrite(tmp_path, capsys):
    target = tmp_path / "bot.toml"
    assert main(["init", str(target)]) == 0
    assert target.read_text() == default_config_text()
    assert main(["init", str(target)]) == 1
    assert "already exists" in capsys.readouterr().err
