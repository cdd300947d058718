"""Crash-safe file primitives: atomic replace with fsync, the TinyDB storage, the OS lock."""

from __future__ import annotations

import ctypes
import fcntl
import os
import threading
from pathlib import Path
from typing import Any

import orjson
from tinydb.storages import Storage

TMP_SUFFIX = ".tmp"


class StoreCorrupt(Exception):
    """A data file cannot be read; the message names it and the backup to go back to."""


def fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def temp_name(path: Path) -> Path:
    # Same folder as the target so os.replace stays a rename on one file system.
    return path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}{TMP_SUFFIX}")


def write_new(tmp: Path, data: bytes, sync: bool = True) -> None:
    """Write a brand-new file and (unless `sync` is False) force it to disk."""
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        if sync:
            os.fsync(fd)
    finally:
        os.close(fd)


_deferred = threading.local()


def sync_deferred() -> bool:
    """Whether this thread is inside `DeferredSync`: file fsyncs wait for its flush."""
    return getattr(_deferred, "active", False)


def _syncfs(folder: Path) -> None:
    """Flush every dirty page of the file system holding `folder` in one call."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if getattr(libc, "syncfs", None) is not None and libc.syncfs(fd) == 0:
            return
    except OSError:
        pass
    finally:
        os.close(fd)
    os.sync()


class DeferredSync:
    """Many archive and body files made durable by one syncfs instead of two fsyncs each.

    Inside the block (this thread only) the raw archive and the files area write
    without fsync; `flush()` (called at the latest on a clean exit) syncs the file
    system once. Callers flush before they commit anything that refers to the files,
    and before the source of the mail may forget it. The hot document's own atomic
    commit is never deferred.
    """

    def __init__(self, folder: Path, flush: bool = True) -> None:
        self.folder = folder
        # flush=False: the writes are made durable by another thread's later flush
        self._flushed = not flush

    def __enter__(self) -> DeferredSync:
        self._outer = sync_deferred()
        _deferred.active = True
        return self

    def flush(self) -> None:
        _syncfs(self.folder)
        self._flushed = True

    def __exit__(self, exc_type, *exc: object) -> None:
        _deferred.active = self._outer
        if exc_type is None and not self._outer and not self._flushed:
            self.flush()


def atomic_write(path: Path, data: bytes, backup: Path | None = None) -> None:
    """Replace `path` with `data` so a crash leaves either the old or the new file.

    With `backup`, the previous version stays there (a hard link, so no copy).
    """
    tmp = temp_name(path)
    try:
        write_new(tmp, data)
        if backup is not None and path.exists():
            link = temp_name(backup)
            try:
                os.link(path, link)
            except OSError:  # file systems without hard links
                write_new(link, path.read_bytes())
            os.replace(link, backup)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def file_signature(path: Path) -> tuple[int, int, int, int] | None:
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_ctime_ns, st.st_size)


def load_json(path: Path, backup: Path | None = None) -> dict[str, dict[str, Any]] | None:
    """Parse a TinyDB document; None when absent. Never repairs: raises StoreCorrupt."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        if backup is not None and backup.exists():
            raise StoreCorrupt(
                f"{path} is missing but its backup {backup} exists: restore it with "
                f"`cp {backup} {path}` (or move the backup away to start empty)"
            ) from None
        return None
    try:
        doc = orjson.loads(raw)  # an empty file is as broken as a cut one
        if not isinstance(doc, dict) or not all(isinstance(t, dict) for t in doc.values()):
            raise ValueError("not a TinyDB document (an object of tables)")
    except ValueError as exc:
        raise corrupt(path, backup, exc) from exc
    return doc


def corrupt(path: Path, backup: Path | None, problem: object) -> StoreCorrupt:
    if backup is not None and backup.exists():
        hint = (f"the last good version is kept beside it as {backup}; inspect both, "
                f"then `cp {backup} {path}` to go back to it (later commits are lost)")
    else:
        hint = "no backup is kept beside it; restore it from your own backups"
    return StoreCorrupt(f"{path} is not valid: {problem}; {hint}")


class AtomicJSONStorage(Storage):
    """TinyDB storage that keeps the document in memory and writes only on `flush()`.

    `write()` just replaces the in-memory document: nothing reaches the disk until
    the unit of work commits, and then in one atomic replace (keeping `.bak`).
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.backup = self.path.with_name(self.path.name + ".bak")
        self.data: dict[str, dict[str, Any]] = {}
        self.signature: tuple[int, int, int, int] | None = None
        self.reload()

    def reload(self) -> None:
        self.data = load_json(self.path, self.backup) or {}
        self.signature = file_signature(self.path)

    def corrupt(self, problem: object) -> StoreCorrupt:
        return corrupt(self.path, self.backup, problem)

    def read(self) -> dict[str, dict[str, Any]] | None:
        return self.data or None

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        self.data = data

    def flush(self) -> None:
        atomic_write(self.path, orjson.dumps(self.data), self.backup)
        self.signature = file_signature(self.path)

    def changed_on_disk(self) -> bool:
        return file_signature(self.path) != self.signature

    def close(self) -> None:
        self.data = {}


class FileLock:
    """An exclusive flock on a lock file, plus a change token other processes can read.

    Every commit writes a fresh token *before* replacing the data file, so a
    process that crashes between the two can only cause a needless reload.
    """

    TOKEN_SIZE = 16

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd: int | None = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)

    def acquire(self) -> None:
        if self.fd is None:
            raise RuntimeError("the store is closed")
        fcntl.flock(self.fd, fcntl.LOCK_EX)

    def release(self) -> None:
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)

    def read_token(self) -> bytes:
        return os.pread(self.fd, self.TOKEN_SIZE, 0)

    def new_token(self) -> bytes:
        # os.urandom is what secrets.token_hex reads; secrets itself loads OpenSSL (hmac)
        token = os.urandom(self.TOKEN_SIZE // 2).hex().encode()
        os.pwrite(self.fd, token, 0)
        return token

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
