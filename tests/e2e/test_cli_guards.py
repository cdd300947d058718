"""Configuration that would fail silently: nobody to tell, addresses mail cannot carry, and a
second bot on the same data folder, through the installed `intakebot` command."""

from __future__ import annotations

import signal
import subprocess
import time

import pytest

from tests.e2e.e2e_helpers import child_env, installed_command, intakebot, write_config
from tests.servers import free_port

READY = "stop with Ctrl-C or SIGTERM"


def config(tmp_path, **sections):
    base = {"support": {"address": "support@vendor.example", "data_dir": "data"},
            "smtp_listener": {"port": free_port()}}
    return write_config(tmp_path / "intakebot.toml", base | sections)


def test_check_and_run_warn_when_no_agent_is_configured(tmp_path):
    cfg = config(tmp_path)

    for args in (["check"], ["run", "--once"]):
        ran = intakebot(*args, cwd=tmp_path, config=cfg)
        assert ran.code == 0, ran.err
        assert "[agents] addresses is empty" in ran.err
        assert "nobody will be told of new tickets" in ran.err
        assert "severity requests" in ran.err


def test_no_warning_with_agents(tmp_path):
    cfg = config(tmp_path, agents={"addresses": ["ana@vendor.example"]})
    assert "[agents]" not in intakebot("check", cwd=tmp_path, config=cfg).err


@pytest.mark.parametrize("section, key, value", [
    ("agents", "addresses", ["ana at vendor"]),
    ("agents", "notify", ["ana@vendor.example", "luis@"]),
    ("agents", "names", {"ana vendor.example": "Ana Ruiz"}),
    ("managers", "addresses", ["Boss <boss@vendor.example>"]),
])
def test_addresses_mail_cannot_carry_are_refused_naming_key_value_and_allowed(tmp_path,
                                                                             section, key,
                                                                             value):
    cfg = config(tmp_path, **{section: {key: value}})

    for args in (["tickets"], ["check"], ["run", "--once"]):
        ran = intakebot(*args, cwd=tmp_path, config=cfg)
        assert ran.code == 2, (args, ran)
        assert f"{section}.{key}" in ran.err
        bad = next(v for v in (value if isinstance(value, list) else list(value))
                   if "@" not in v or " " in v or v.endswith("@"))
        assert repr(bad) in ran.err
        assert "a plain address such as ana@vendor.example" in ran.err
    assert not (tmp_path / "data").exists()  # refused before anything was opened


def start_bot(tmp_path, cfg, log):
    out = open(log, "ab")  # noqa: SIM115 (closed by stop_bot)
    proc = subprocess.Popen([*installed_command(), "run"], cwd=tmp_path,
                            env=child_env(INTAKEBOT_CONFIG=str(cfg)), stdout=out,
                            stderr=subprocess.STDOUT)
    proc.log_file = out
    deadline = time.monotonic() + 60
    while READY not in log.read_text(errors="replace"):
        assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
        time.sleep(0.05)
    return proc


def stop_bot(proc, sig=signal.SIGTERM) -> int:
    try:
        proc.send_signal(sig)
        return proc.wait(60)
    finally:
        proc.log_file.close()


def test_a_second_bot_on_the_same_data_folder_is_refused_until_the_first_is_gone(tmp_path):
    cfg = config(tmp_path, agents={"addresses": ["ana@vendor.example"]})
    first = start_bot(tmp_path, cfg, tmp_path / "first.log")
    try:
        for args in (["run"], ["run", "--once"]):
            second = intakebot(*args, cwd=tmp_path, config=cfg, timeout=60)
            assert second.code == 1, second
            assert "another intakebot is already running" in second.err
            assert f"(pid {first.pid})" in second.err
            assert str((tmp_path / "data").resolve()) in second.err
        # the CLI's other commands still work beside the running bot
        assert intakebot("account", "list", cwd=tmp_path, config=cfg).code == 0
    finally:
        killed = stop_bot(first, signal.SIGKILL)  # a killed bot must not leave it held
    assert killed == -signal.SIGKILL

    again = start_bot(tmp_path, cfg, tmp_path / "again.log")
    assert stop_bot(again) == 0
