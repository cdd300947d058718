"""Real mail servers for tests and benchmarks: pymap and Dovecot (IMAP), aiosmtpd (SMTP sink).

Each runs on a free loopback port in its own process or thread; nothing here mocks a protocol.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from aiosmtpd.controller import Controller
from imapclient import IMAPClient

LOOPBACK = "127.0.0.1"


class ServerUnavailable(RuntimeError):
    """The server software is not installed here (the caller decides: skip or fail)."""


def installed_script(name: str) -> str | None:
    """A console script of this Python's environment: beside `sys.executable` (a venv's
    bin/, used without activating it), else on PATH."""
    beside = Path(sys.executable).with_name(name)
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which(name)


def free_port() -> int:
    """A TCP port nobody listens on right now (aiosmtpd cannot take port 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


def _wait_for_greeting(port: int, proc: subprocess.Popen, log: Path, seconds: float = 15.0):
    """Return once the server sends its IMAP greeting; raise with its log if it dies first."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}:\n{_tail(log)}")
        try:
            with socket.create_connection((LOOPBACK, port), timeout=1) as s:
                if s.recv(64).startswith(b"* OK"):
                    return
        except OSError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"no IMAP greeting on port {port} after {seconds}s:\n{_tail(log)}")


def _tail(log: Path) -> str:
    try:
        return log.read_text(errors="replace")[-3000:]
    except OSError:
        return "(no log)"


def _stop(proc: subprocess.Popen | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


class ImapServer:
    """What tests need from an IMAP server: where it is, who may log in, and direct access
    to its folders over a separate connection (never the connection under test)."""

    name = "imap"
    host = LOOPBACK
    port: int
    username: str
    password: str

    def start(self) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def kick(self) -> None:
        """Cut every open session of the user from the server side."""
        raise NotImplementedError

    _admin: IMAPClient | None = None
    _admin_lock = threading.RLock()

    def _login(self) -> IMAPClient:
        client = IMAPClient(self.host, port=self.port, ssl=False, timeout=10)
        client.normalise_times = False
        client.login(self.username, self.password)
        return client

    @contextmanager
    def connect(self) -> Iterator[IMAPClient]:
        """A logged-in connection of the test's own (pymap spends ~150 ms on every login,
        so the helpers share one and check it is alive before each use)."""
        with self._admin_lock:
            if self._admin is not None:
                try:
                    self._admin.noop()
                except Exception:
                    self._drop_admin()
            if self._admin is None:
                self._admin = self._login()
            yield self._admin

    @contextmanager
    def _folder(self, folder: str, readonly: bool = True) -> Iterator[IMAPClient]:
        """The shared connection with `folder` selected, left again afterwards: servers cut
        off a session whose selected folder someone deletes."""
        with self.connect() as c:
            c.select_folder(folder, readonly=readonly)
            try:
                yield c
            finally:
                if b"UNSELECT" in c.capabilities():
                    c.unselect_folder()
                else:
                    # pymap: no UNSELECT and no CLOSE when read-only; INBOX is never deleted
                    c.select_folder("INBOX", readonly=True)

    def _drop_admin(self) -> None:
        admin, self._admin = self._admin, None
        if admin is not None:
            try:
                admin.shutdown()
            except OSError:
                pass

    def append(
        self,
        raw: bytes,
        folder: str = "INBOX",
        internaldate: datetime | None = None,
        flags: tuple[bytes, ...] = (),
    ) -> int | None:
        """APPEND one message; returns its UID where the server says it (APPENDUID)."""
        with self.connect() as c:
            reply = c.append(folder, raw, flags=flags, msg_time=internaldate)
        found = re.search(rb"APPENDUID \d+ (\d+)", reply or b"")
        return int(found.group(1)) if found else None

    def append_many(self, raws: list[bytes], folder: str = "INBOX") -> None:
        with self.connect() as c:
            for start in range(0, len(raws), 200):
                c.multiappend(folder, raws[start : start + 200])

    def uids(self, folder: str = "INBOX") -> list[int]:
        with self._folder(folder) as c:
            return sorted(c.search(["ALL"]))

    def fetch_all(self, folder: str = "INBOX") -> list[bytes]:
        """Every message in the folder, oldest UID first, without touching \\Seen."""
        with self._folder(folder) as c:
            rows = c.fetch(c.search(["ALL"]), ["BODY.PEEK[]"])
        return [bytes(rows[u][b"BODY[]"]) for u in sorted(rows)]

    def flags(self, folder: str = "INBOX") -> dict[int, tuple[bytes, ...]]:
        with self._folder(folder) as c:
            rows = c.fetch(c.search(["ALL"]), ["FLAGS"])
        return {u: tuple(rows[u][b"FLAGS"]) for u in sorted(rows)}

    def folders(self) -> list[str]:
        with self.connect() as c:
            return sorted(name for _, _, name in c.list_folders())

    def create_folder(self, folder: str) -> None:
        with self.connect() as c:
            c.create_folder(folder)

    def delete_folder(self, folder: str) -> None:
        with self.connect() as c:
            c.delete_folder(folder)

    def uidvalidity(self, folder: str = "INBOX") -> int:
        with self.connect() as c:
            return int(c.folder_status(folder, [b"UIDVALIDITY"])[b"UIDVALIDITY"])

    def clear(self) -> None:
        """Back to an empty INBOX and no other folder (UIDs keep growing: that is IMAP)."""
        with self.connect() as c:
            names = [name for _, _, name in c.list_folders() if name.upper() != "INBOX"]
            for name in sorted(names, key=len, reverse=True):  # children before parents
                c.delete_folder(name)
        with self._folder("INBOX", readonly=False) as c:
            uids = c.search(["ALL"])
            if uids:
                c.add_flags(uids, [b"\\Deleted"], silent=True)
                c.expunge()


class PymapServer(ImapServer):
    """pymap's in-memory backend in a child process: one user, state lost on restart."""

    name = "pymap"

    def __init__(self, username: str = "support", password: str = "pymap-secret") -> None:
        self.username, self.password = username, password
        self.port = free_port()
        self._dir = Path(tempfile.mkdtemp(prefix="intakebot-pymap-"))
        self._proc: subprocess.Popen | None = None

    def start(self) -> None:
        exe = installed_script("pymap")
        if exe is None:
            raise ServerUnavailable(f"no pymap script beside {sys.executable} or on PATH: "
                                    "pip install pymap")
        log = self._dir / "pymap.log"
        cmd = [
            exe,
            "--host",
            LOOPBACK,
            "--port",
            str(self.port),
            "--no-tls",
            "dict",
            "--demo-user",
            self.username,
            "--demo-password",
            self.password,
        ]
        with open(log, "ab") as out:
            self._proc = subprocess.Popen(
                cmd, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, "FQDN": "localhost"}
            )
        _wait_for_greeting(self.port, self._proc, log)

    def stop(self) -> None:
        self._drop_admin()
        _stop(self._proc)
        self._proc = None

    def kick(self) -> None:
        # pymap has no admin command to drop sessions: restart it on the same port
        # (the dict backend starts empty again)
        self.stop()
        self.start()

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self._dir, ignore_errors=True)


_DOVECOT_CONF = """\
protocols = imap
listen = {host}
base_dir = {base}/run
state_dir = {base}/state
log_path = {base}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
# tests try wrong passwords on purpose: no 2 s penalty
auth_failure_delay = 0
first_valid_uid = {uid}
last_valid_uid = {uid}
mail_location = maildir:~/Maildir
# new-mail checks for IDLE when inotify is unavailable (containers)
mailbox_idle_check_interval = 1 secs
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {base}/passwd
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {base}/passwd
}}
namespace inbox {{
  inbox = yes
  separator = /
}}
protocol imap {{
  mail_max_userip_connections = 500
}}
service imap-login {{
  inet_listener imap {{
    address = {host}
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
{extra}"""


def dovecot_binary() -> str | None:
    found = shutil.which("dovecot")
    if found:
        return found
    return "/usr/sbin/dovecot" if os.access("/usr/sbin/dovecot", os.X_OK) else None


class DovecotServer(ImapServer):
    """Dovecot with a private config in a temp folder: passwd-file users, maildir, no TLS."""

    name = "dovecot"

    def __init__(self, username: str = "support", password: str = "dovecot-secret") -> None:
        self.username, self.password = username, password
        self.binary = dovecot_binary()
        if self.binary is None:
            raise ServerUnavailable("dovecot is not installed (apt-get install dovecot-imapd)")
        self.port = free_port()
        # not under pytest's 0700 tmp: the unprivileged login processes must reach base_dir
        self.base = Path(tempfile.mkdtemp(prefix="intakebot-dovecot-"))
        self.base.chmod(0o755)
        self._proc: subprocess.Popen | None = None

    def _write_config(self) -> Path:
        extra = ""
        if os.geteuid() == 0:
            # mail users may not be uid 0; the `mail` system user owns the maildirs
            owner = pwd.getpwnam("mail")
            uid, gid = owner.pw_uid, owner.pw_gid
        else:
            me = pwd.getpwuid(os.geteuid()).pw_name
            uid, gid = os.geteuid(), os.getegid()
            extra = f"default_login_user = {me}\ndefault_internal_user = {me}\n"
        for sub in ("run", "state", "home"):
            (self.base / sub).mkdir(exist_ok=True)
        os.chown(self.base / "home", uid, gid)
        home = self.base / "home" / self.username
        (self.base / "passwd").write_text(
            f"{self.username}:{{PLAIN}}{self.password}:{uid}:{gid}::{home}\n"
        )
        conf = self.base / "dovecot.conf"
        conf.write_text(
            _DOVECOT_CONF.format(
                host=LOOPBACK, base=self.base, uid=uid, port=self.port, extra=extra
            )
        )
        return conf

    def start(self) -> None:
        self.conf = self._write_config()
        self._proc = subprocess.Popen(
            [self.binary, "-F", "-c", str(self.conf)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        _wait_for_greeting(self.port, self._proc, self.base / "dovecot.log")

    def stop(self) -> None:
        self._drop_admin()
        _stop(self._proc)
        self._proc = None

    def kick(self) -> None:
        doveadm = shutil.which("doveadm") or str(Path(self.binary).with_name("doveadm"))
        subprocess.run(
            [doveadm, "-c", str(self.conf), "kick", self.username],
            check=True,
            capture_output=True,
            timeout=15,
        )

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.base, ignore_errors=True)


def start_pymap(**kwargs: str) -> PymapServer:
    server = PymapServer(**kwargs)
    server.start()
    return server


def start_dovecot(**kwargs: str) -> DovecotServer:
    """Raises ServerUnavailable when Dovecot is not installed."""
    server = DovecotServer(**kwargs)
    server.start()
    return server


# -- SMTP -------------------------------------------------------------------


@dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes


class _Recorder:
    """aiosmtpd handler: keeps every accepted message; can refuse the next N on demand."""

    def __init__(self) -> None:
        self.messages: list[Received] = []
        self._lock = threading.Lock()
        self._refusals: list[tuple[str, str]] = []  # (stage, reply) queued for the next mails

    def refuse(self, reply: str, count: int, stage: str) -> None:
        with self._lock:
            self._refusals.extend([(stage, reply)] * count)

    def _take(self, stage: str) -> str | None:
        with self._lock:
            if self._refusals and self._refusals[0][0] == stage:
                return self._refusals.pop(0)[1]
        return None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        reply = self._take("rcpt")
        if reply is not None:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        reply = self._take("data")
        if reply is not None:
            return reply
        with self._lock:
            self.messages.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content))
            )
        return "250 Message accepted"


class SmtpSink:
    """A real SMTP server on loopback that records what it accepts.

    `stop()`/`start()` take it down and bring it back on the same port (for retry tests);
    `fail_next(451)` answers the next message(s) with that code instead of accepting them.
    """

    def __init__(self, port: int | None = None) -> None:
        self.host = LOOPBACK
        self.port = port or free_port()
        self._recorder = _Recorder()
        self._controller: Controller | None = None

    @property
    def messages(self) -> list[Received]:
        return list(self._recorder.messages)

    def start(self) -> None:
        if self._controller is not None:
            return
        # a fresh Controller each time: a stopped one is not meant to be restarted
        controller = Controller(self._recorder, hostname=self.host, port=self.port)
        controller.start()
        self._controller = controller

    def stop(self) -> None:
        controller, self._controller = self._controller, None
        if controller is not None:
            controller.stop()

    @property
    def running(self) -> bool:
        return self._controller is not None

    def fail_next(
        self, code: int, count: int = 1, *, stage: str = "data", text: str | None = None
    ) -> None:
        """Answer the next `count` messages with `code` at RCPT or DATA instead of accepting."""
        if stage not in ("rcpt", "data"):
            raise ValueError("stage is 'rcpt' or 'data'")
        default = "Try again later" if 400 <= code < 500 else "Rejected"
        self._recorder.refuse(f"{code} {text or default}", count, stage)

    def clear(self) -> None:
        with self._recorder._lock:
            self._recorder.messages.clear()
            self._recorder._refusals.clear()
