"""OS locks on a data folder: the bot's process lock, the leases of single-holder jobs, and
the secret file every process on the folder shares. Both store backends use the process
lock (one bot per data folder on a machine); the data folder's store uses the rest."""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Held:
    """The outcome of `Store.process_lock`: whether this process has it, and who does."""

    taken: bool
    pid: int | None = None


@contextmanager
def process_lock(data_dir: Path, name: str) -> Iterator[Held]:
    """An OS lock for a process that must run alone on this data folder (the bot),
    held for the whole block and naming its holder.

    Yields `Held(True)` with this process's pid written in `name.lock`, or (without
    waiting) `Held(False, pid)` with the pid the holder wrote. The kernel drops the
    lock with its holder, so a killed process never leaves it stuck.
    """
    fd = os.open(data_dir / f"{name}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
            yield Held(False, int(text) if text.isdigit() else None)
            return
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        try:
            yield Held(True, os.getpid())
        finally:
            os.ftruncate(fd, 0)
    finally:
        os.close(fd)


class FileLease:
    """A job one process at a time does on this data folder (reading the mailbox): an OS
    lock taken with `take()` and kept until `release()` or the holder's death."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def take(self) -> bool:
        if self._fd is not None:
            return True
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def secret_file(path: Path) -> bytes:
    """The secret in `path`, made (32 random bytes, hex) on first use."""
    import secrets  # here: it loads OpenSSL, which quick commands never need

    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_hex(32))
            out.flush()
            os.fsync(out.fileno())
    for _ in range(50):  # another process may be writing it this instant
        text = path.read_text().strip()
        if text:
            return bytes.fromhex(text)
        time.sleep(0.01)
    raise OSError(f"{path} is empty: delete it and start again")
