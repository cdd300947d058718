"""Helpers for the end-to-end suite: the bot as a subprocess with a config file, mail as
customers and agents write it, and the mail the SMTP sink received, parsed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import SMTP, default
from email.utils import format_datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SUPPORT = "support@vendor.example"


# the outcome each kind of mail in bench/mails.py's mix must end in (the kill -9 tests)
EXPECTED = {"new_request": "new_ticket", "reply": "customer_reply",
            "stranger": "refused_unauthorised", "auto_reply": "auto_reply", "bounce": "bounce"}


def sha(raw: bytes) -> str:
    import hashlib

    return hashlib.sha256(raw).hexdigest()


def message_id_of(raw: bytes) -> str:
    """The Message-ID header of a generated mail."""
    for line in raw.split(b"\r\n"):
        if line.lower().startswith(b"message-id:"):
            return line.split(b":", 1)[1].strip().decode()
    raise AssertionError("generated mail without a Message-ID")


def trickle(server, raws: list[bytes], stop, seed: int, most: int,
            pause: tuple[float, float]) -> None:
    """Append the messages a few at a time (1 to `most`, then a pause drawn from `pause`
    seconds), as mail trickles into a support box, until done or `stop` is set."""
    import random
    import time

    rnd = random.Random(seed)
    i = 0
    while i < len(raws) and not stop.is_set():
        n = rnd.randint(1, most)
        server.append_many(raws[i:i + n])
        i += n
        time.sleep(rnd.uniform(*pause))


def child_env(**extra: str) -> dict[str, str]:
    """The environment of a bot process: no $INTAKEBOT_CONFIG, this checkout importable."""
    env = {k: v for k, v in os.environ.items() if k != "INTAKEBOT_CONFIG"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env.update(extra)
    return env


def installed_command() -> list[str]:
    """The `intakebot` console script beside this Python (what pip installed), else the
    module: what an operator or a systemd unit runs."""
    from tests.servers import installed_script

    script = installed_script("intakebot")
    return [script] if script else [sys.executable, "-m", "intakebot"]


def intakebot(*args, cwd: Path, config: Path | None = None, input: bytes | None = None,
              timeout: float = 120) -> Ran:
    """Run the installed command in `cwd` (with $INTAKEBOT_CONFIG when `config` is given);
    a traceback on stderr fails the test whatever the exit code."""
    env = child_env(**({"INTAKEBOT_CONFIG": str(config)} if config else {}))
    proc = subprocess.run([*installed_command(), *map(str, args)], cwd=cwd, env=env,
                          input=input, capture_output=True, timeout=timeout)
    ran = Ran(proc.returncode, proc.stdout.decode(), proc.stderr.decode())
    assert "Traceback" not in ran.err, ran.err
    return ran


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string is a valid TOML basic string
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {_toml_value(v)}"
                               for k, v in value.items()) + "}"
    raise TypeError(f"no TOML form for {value!r}")


def write_config(path: Path, sections: dict[str, dict]) -> Path:
    """Write `sections` ({"support": {...}, ...}) as a TOML file."""
    lines = []
    for name, keys in sections.items():
        lines.append(f"[{name}]")
        lines.extend(f"{key} = {_toml_value(value)}" for key, value in keys.items())
        lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def imap_section(server, **extra) -> dict:
    return {"host": server.host, "port": server.port, "tls": "none",
            "username": server.username, "password": server.password, **extra}


def smtp_section(sink) -> dict:
    return {"host": sink.host, "port": sink.port, "tls": "none"}


@dataclass(frozen=True)
class Ran:
    code: int
    out: str
    err: str

    def json(self):
        return json.loads(self.out)


class Bot:
    """`intakebot --config CFG --data-dir D ...` as a user runs it, in its own process."""

    def __init__(self, config: Path | None, data_dir: Path, cwd: Path):
        self.config = config
        self.data_dir = data_dir
        self.cwd = cwd

    def argv(self, *args) -> list[str]:
        base = [sys.executable, "-m", "intakebot"]
        if self.config is not None:
            base += ["--config", str(self.config)]
        return base + ["--data-dir", str(self.data_dir), *map(str, args)]

    def __call__(self, *args, timeout: float = 120) -> Ran:
        proc = subprocess.run(self.argv(*args), cwd=self.cwd, env=child_env(),
                              capture_output=True, timeout=timeout)
        return Ran(proc.returncode, proc.stdout.decode(), proc.stderr.decode())

    def ok(self, *args) -> Ran:
        ran = self(*args)
        assert ran.code == 0, f"intakebot {' '.join(map(str, args))} -> {ran.code}\n{ran.err}"
        assert "Traceback" not in ran.err, ran.err
        return ran

    def json(self, *args):
        return self.ok(*args, "--json").json()

    def run_once(self, now: datetime) -> Ran:
        return self.ok("run", "--once", "--now", now.isoformat())

    def start(self, *args, log: Path) -> subprocess.Popen:
        """`intakebot args...` in the background; stdout and stderr go to `log`."""
        with open(log, "ab") as out:
            return subprocess.Popen(self.argv(*args), cwd=self.cwd, env=child_env(),
                                    stdout=out, stderr=subprocess.STDOUT)


def mail(sender: str, subject: str, body: str, *, message_id: str, date: datetime,
         to: str = SUPPORT, in_reply_to: str | None = None, **headers: str) -> bytes:
    """A plain-text mail as a mail client writes it (CRLF line ends)."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(date)
    msg["Message-ID"] = message_id
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = in_reply_to
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    return msg.as_bytes(policy=SMTP)


@dataclass(frozen=True)
class Delivered:
    """One message the SMTP sink accepted, parsed as the recipient's client would."""

    rcpt_tos: tuple[str, ...]
    msg: EmailMessage

    @property
    def kind(self) -> str:
        return str(self.msg["X-Intakebot-Kind"] or "")

    @property
    def subject(self) -> str:
        return str(self.msg["Subject"] or "")

    @property
    def to(self) -> set[str]:
        return {a.addr_spec.lower() for a in self.msg["To"].addresses} if self.msg["To"] \
            else set()

    @property
    def rcpts(self) -> set[str]:
        return {a.lower() for a in self.rcpt_tos}

    @property
    def message_id(self) -> str:
        return str(self.msg["Message-ID"] or "").strip()

    @property
    def in_reply_to(self) -> str:
        return str(self.msg["In-Reply-To"] or "").strip()

    @property
    def text(self) -> str:
        part = self.msg.get_body(preferencelist=("plain",))
        return part.get_content() if part is not None else ""


def delivered(sink, since: int = 0) -> list[Delivered]:
    """What the sink accepted, from its `since`-th message on."""
    return [Delivered(tuple(m.rcpt_tos), message_from_bytes(m.content, policy=default))
            for m in sink.messages[since:]]


class SinkReader:
    """Reads the sink step by step: `new()` returns what arrived since the previous call."""

    def __init__(self, sink):
        self.sink = sink
        self.seen = 0

    def new(self) -> list[Delivered]:
        found = delivered(self.sink, self.seen)
        self.seen += len(found)
        return found
