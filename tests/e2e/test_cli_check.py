"""`intakebot check`: the configuration, then a real IMAP login and SMTP connection."""

from __future__ import annotations

from intakebot.cli import main
from tests.servers import free_port


def _config(path, imap_server, smtp_port, password):
    path.write_text(f"""
[support]
address = "support@vendor.example"

[imap]
host = "{imap_server.host}"
port = {imap_server.port}
tls = "none"
username = "{imap_server.username}"
password = "{password}"

[smtp]
host = "127.0.0.1"
port = {smtp_port}
tls = "none"
""")
    return path


def test_check_reports_each_server_ok(tmp_path, imap_server, smtp_sink, capsys):
    cfg = _config(tmp_path / "bot.toml", imap_server, smtp_sink.port, imap_server.password)

    code = main(["--config", str(cfg), "check"])

    out = capsys.readouterr().out
    assert code == 0, out
    assert "configuration: ok" in out
    assert f"imap: ok, logged in to {imap_server.username}@" in out
    assert f"smtp: ok, connected to 127.0.0.1:{smtp_sink.port}" in out


def test_check_names_what_failed_and_exits_1(tmp_path, imap_server, capsys):
    cfg = _config(tmp_path / "bot.toml", imap_server, free_port(), "wrong-password")

    code = main(["--config", str(cfg), "check"])

    captured = capsys.readouterr()
    assert code == 1
    assert "imap: FAILED" in captured.out and "smtp: FAILED" in captured.out
    assert "2 check(s) failed" in captured.err
    assert "Traceback" not in captured.out + captured.err
