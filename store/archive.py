"""Files beside the hot store: the content-addressed raw-mail archive and attachments."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

from rules.text import EXTENSION_MAX, safe_filename
from store.storage import fsync_dir, sync_deferred, temp_name, write_new

_SHA = re.compile(r"^[0-9a-f]{64}$")


def _make_dirs(folder: Path) -> None:
    """mkdir -p that fsyncs each parent whose entry it created, so the path survives a crash."""
    missing = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for f in reversed(missing):
        try:
            f.mkdir()
        except FileExistsError:
            continue
        if not sync_deferred():
            fsync_dir(f.parent)


def _write_once(path: Path, data: bytes) -> None:
    """Durably create `path` with `data`; an existing file is left alone."""
    _make_dirs(path.parent)
    tmp = temp_name(path)
    deferred = sync_deferred()
    try:
        write_new(tmp, data, sync=not deferred)
        # link() refuses to overwrite, so two writers of the same content cannot race
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink(missing_ok=True)
    if not deferred:
        fsync_dir(path.parent)


def _create(path: Path, data: bytes) -> None:
    """Create `path` with `data` in place; FileExistsError when it is there already."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileNotFoundError:
        _make_dirs(path.parent)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        if not sync_deferred():
            os.fsync(fd)
    finally:
        os.close(fd)
    if not sync_deferred():
        fsync_dir(path.parent)


def _replace(path: Path, data: bytes) -> None:
    tmp = temp_name(path)
    try:
        write_new(tmp, data, sync=not sync_deferred())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if not sync_deferred():
        fsync_dir(path.parent)


def numbered_name(stem: str, ext: str, n: int) -> str:
    """`stem-n.ext`, the stem shortened until safe_filename leaves the name as it is, so
    `Files.read` accepts the path handed back."""
    suffix = f"-{n}.{ext}" if ext else f"-{n}"
    while safe_filename(stem + suffix, "") != stem + suffix:
        stem = stem[:-1]
    return stem + suffix


def safe_key(key: str) -> str:
    """A file's key ('attachments/1042/report.pdf') checked part by part: no '..', nothing
    safe_filename would change; ValueError otherwise."""
    parts = [p for p in key.replace("\\", "/").split("/") if p]
    if not parts or any(p in (".", "..") or p != safe_filename(p, "") for p in parts):
        raise ValueError(f"{key!r} is not a safe key: use names like 'bodies/1042/3.txt'")
    return "/".join(parts)


def attachment_keys(owner: int | str, filename: str) -> Iterator[str]:
    """The keys an attachment of a ticket number or message sha may take, in order: its
    safe name, then name-2.ext, name-3.ext... (the first free or same-bytes one wins)."""
    folder = "attachments/" + safe_filename(str(owner), "unknown")
    name = safe_filename(filename, "attachment")
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem or len(ext) > EXTENSION_MAX:
        stem, ext = name, ""
    yield f"{folder}/{name}"
    n = 2
    while True:
        yield f"{folder}/{numbered_name(stem, ext, n)}"
        n += 1


class RawArchive:
    """Inbound messages as received, at archive/ab/cdef....eml, named by SHA-256."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha: str) -> Path:
        if not _SHA.match(sha):
            raise ValueError(f"{sha!r} is not a lower-case SHA-256 hex digest")
        return self.root / sha[:2] / f"{sha[2:]}.eml"

    def put(self, raw: bytes) -> str:
        """Archive `raw` under its SHA-256 (durably, or at the DeferredSync flush)."""
        import hashlib  # here: loading OpenSSL costs every command ~6 ms of start-up

        sha = hashlib.sha256(raw).hexdigest()
        path = self.path(sha)
        try:
            # written in place: one directory change per message instead of three
            # (temp file, link, unlink); a torn file from a crash is caught below
            _create(path, raw)
        except FileExistsError:
            try:
                same = path.read_bytes() == raw
            except OSError:
                same = False
            if not same:  # a write cut short by a crash: replace it whole
                _replace(path, raw)
        return sha

    def where(self, sha: str) -> str:
        """Where an operator finds the message: its file."""
        return str(self.path(sha).resolve())

    def put_many(self, raws: list[bytes]) -> list[str]:
        """`put` each (a batch from the mailbox), in order."""
        return [self.put(raw) for raw in raws]

    def get(self, sha: str) -> bytes:
        try:
            return self.path(sha).read_bytes()
        except FileNotFoundError:
            raise KeyError(sha) from None

    def __contains__(self, sha: str) -> bool:
        return self.path(sha).exists()


class Files:
    """Attachments of tickets and messages; paths returned are relative to `root`."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _key_path(self, key: str) -> Path:
        return self.root.joinpath(*safe_key(key).split("/"))

    def put_attachment(self, owner: int | str, filename: str, data: bytes) -> str:
        """Store an attachment of a ticket number or message sha; same name and bytes is a no-op."""
        for key in attachment_keys(owner, filename):
            path = self.root / key
            if not path.exists():
                _write_once(path, data)
            if path.read_bytes() == data:
                return key

    def read(self, relative: str) -> bytes:
        return self._key_path(relative).read_bytes()

    def path(self, relative: str) -> Path:
        return self._key_path(relative)
