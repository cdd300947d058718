"""The Store: one data folder, its locks, the hot TinyDB document and the files beside it."""

from __future__ import annotations

import fcntl
import gc
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from os import PathLike
from pathlib import Path

from store.archive import Files, RawArchive
from store.document import Document
from store.history import Compaction, History, compact
from store.locks import FileLease, Held, process_lock, secret_file
from store.storage import TMP_SUFFIX, AtomicJSONStorage, DeferredSync, FileLock
from store.uow import UnitOfWork

__all__ = ["FileLease", "Held", "Store", "process_lock"]

HOT_FILE = "intakebot.json"
LOCK_FILE = "intakebot.lock"


@contextmanager
def _gc_paused() -> Iterator[None]:
    # Loading builds ~10^5 containers at once; collections during it only cost time
    # (about a third of start-up for 10k open tickets).
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class Store:
    backend = "tinydb"

    def __init__(self, data_dir: Path, archive_after: timedelta) -> None:
        self.data_dir = data_dir
        self.archive_after = archive_after
        self.archive = RawArchive(data_dir / "archive")
        self.files = Files(data_dir / "files")
        self.history = History(data_dir)
        self._thread_lock = threading.Lock()
        self._owner: int | None = None
        self._stale = False
        self._lock = FileLock(data_dir / LOCK_FILE)
        try:
            self._lock.acquire()
            try:
                # Temp files in the root are only written under the lock: any seen now
                # are leftovers of a crash.
                for leftover in data_dir.glob(f".*{TMP_SUFFIX}"):
                    leftover.unlink(missing_ok=True)
                with _gc_paused():
                    self._storage = AtomicJSONStorage(data_dir / HOT_FILE)
                    self._doc = self._build()
                self._token = self._lock.read_token()
            finally:
                self._lock.release()
        except BaseException:
            self._lock.close()
            raise

    @classmethod
    def open(cls, data_dir: str | PathLike[str],
             archive_after: timedelta = timedelta(days=30)) -> Store:
        """Open (creating if needed) the store in `data_dir`; StoreCorrupt if unreadable."""
        folder = Path(data_dir)
        folder.mkdir(parents=True, exist_ok=True)
        return cls(folder, archive_after)

    def unit_of_work(self, read_only: bool = False) -> UnitOfWork:
        """`read_only` says the unit only reads (the PostgreSQL store then needs no turn
        under its lock); the data folder's units always take its lock."""
        return UnitOfWork(self)

    @contextmanager
    def job_lock(self, name: str) -> Iterator[bool]:
        """An OS lock for a job that must not run twice at once, in any process.

        Yields False (without waiting) when another holder has it. The kernel drops
        the lock with its holder, so a killed process never leaves it stuck.
        """
        fd = os.open(self.data_dir / f"{name}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            yield True
        finally:
            os.close(fd)

    @contextmanager
    def process_lock(self, name: str) -> Iterator[Held]:
        """One bot per data folder (see `process_lock`)."""
        with process_lock(self.data_dir, name) as held:
            yield held

    def lease(self, name: str) -> FileLease:
        return FileLease(self.data_dir / f"{name}.lock")

    def shared_secret(self, name: str) -> bytes:
        """A secret every process on the data folder shares (the support center's signing
        key), made on first use in the file `name`; deleting it makes a new one."""
        return secret_file(self.data_dir / name)

    def deferred_sync(self, flush: bool = True) -> DeferredSync:
        """Archive and body writes in this block share one file-system sync (see DeferredSync)."""
        return DeferredSync(self.data_dir, flush=flush)

    @contextmanager
    def snapshot(self) -> Iterator[tuple[dict, list, list, list]]:
        """Every record as stored, under the store's lock, for a copy to another backend:
        (the hot tables, archived tickets, their events, archived outbox rows)."""
        with self.unit_of_work():
            ranges = self._doc.meta["archives"]
            tickets = self.history.tickets(ranges)
            events = [e for t in tickets for e in self.history.events(ranges, t["number"])]
            yield self._doc.tables, tickets, events, self.history.outbox_rows()

    def compact(self, now: datetime) -> Compaction:
        """Move tickets closed longer than `archive_after` (and old outbox/inbound rows) out."""
        with self.unit_of_work() as uow:
            done = compact(self._doc, self.history, now, self.archive_after)
            uow.commit()
        return done

    def close(self) -> None:
        with self._thread_lock:
            self._lock.close()
            self._storage.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the unit of work's window on the store: begin, write (commit), end

    def _build(self) -> Document:
        try:
            return Document(self._storage.data)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            # valid JSON, but not records this store wrote (a hand edit gone wrong)
            raise self._storage.corrupt(f"a record is malformed ({exc!r})") from exc

    def begin(self) -> Document:
        """Take the locks and return the current document (reloaded if another wrote)."""
        if self._owner == threading.get_ident():
            raise RuntimeError("this thread already has a unit of work open on this store")
        self._thread_lock.acquire()
        try:
            self._lock.acquire()
            try:
                self._refresh()
            except BaseException:
                self._lock.release()
                raise
        except BaseException:
            self._thread_lock.release()
            raise
        self._owner = threading.get_ident()
        return self._doc

    def _refresh(self) -> None:
        token = self._lock.read_token()
        if self._stale or token != self._token or self._storage.changed_on_disk():
            with _gc_paused():
                self._storage.reload()
                self._doc = self._build()
            self._token = token
            self._stale = False

    def write(self) -> None:
        """Make every change to the document durable in one atomic replace."""
        if not self._doc.undo:
            return
        try:
            # the token goes first: a crash after it costs others only a reload
            self._token = self._lock.new_token()
            self._storage.flush()
        except BaseException:
            self._stale = True  # memory may now differ from disk: reload next time
            raise
        self._doc.forget_undo()

    def end(self) -> None:
        """Give the locks back (after the unit of work rolled back what it did not write)."""
        self._owner = None
        try:
            self._lock.release()
        finally:
            self._thread_lock.release()
