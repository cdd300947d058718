"""Raw mail and attachments in the database (tables raw_mail and files), so that an
instance needs no shared disk."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from store.archive import _SHA, attachment_keys, safe_key

if TYPE_CHECKING:
    from store.pg.db import PgStore


class PgRawArchive:
    """Inbound messages as received, by SHA-256, in the raw_mail table."""

    def __init__(self, store: PgStore) -> None:
        self._store = store

    def put(self, raw: bytes) -> str:
        """Archive `raw` under its SHA-256, committed before this returns."""
        return self.put_many([raw])[0]

    def put_many(self, raws: list[bytes]) -> list[str]:
        shas = [hashlib.sha256(r).hexdigest() for r in raws]
        if raws:
            with self._store._using() as conn, conn.cursor() as cur:
                cur.executemany("INSERT INTO raw_mail (sha256, raw) VALUES (%s, %s) "
                                "ON CONFLICT DO NOTHING", list(zip(shas, raws, strict=True)))
        return shas

    def where(self, sha: str) -> str:
        """Where an operator finds the message (`intakebot quarantine show` prints it)."""
        if not _SHA.match(sha):
            raise ValueError(f"{sha!r} is not a lower-case SHA-256 hex digest")
        return f"PostgreSQL table raw_mail, sha256 = '{sha}'"

    def get(self, sha: str) -> bytes:
        if not _SHA.match(sha):
            raise ValueError(f"{sha!r} is not a lower-case SHA-256 hex digest")
        with self._store._using() as conn:
            row = conn.execute("SELECT raw FROM raw_mail WHERE sha256 = %s", (sha,)).fetchone()
        if row is None:
            raise KeyError(sha)
        return bytes(row[0])

    def __contains__(self, sha: str) -> bool:
        with self._store._using() as conn:
            return conn.execute("SELECT 1 FROM raw_mail WHERE sha256 = %s",
                                (sha,)).fetchone() is not None

    def shas(self) -> list[str]:
        with self._store._connection() as conn:
            return [r[0] for r in conn.execute("SELECT sha256 FROM raw_mail ORDER BY sha256")]


class PgFiles:
    """Bodies and attachments in the files table, under the keys the TinyDB backend uses
    as relative paths ('attachments/1042/report.pdf')."""

    def __init__(self, store: PgStore) -> None:
        self._store = store

    def put_attachment(self, owner: int | str, filename: str, data: bytes) -> str:
        """Store an attachment of a ticket number or message sha; same name and bytes is a no-op."""
        with self._store._using() as conn:
            for key in attachment_keys(owner, filename):
                conn.execute("INSERT INTO files (path, data) VALUES (%s, %s) "
                             "ON CONFLICT DO NOTHING", (key, data))
                held = conn.execute("SELECT data FROM files WHERE path = %s", (key,)).fetchone()
                if bytes(held[0]) == data:
                    return key
        raise AssertionError("unreachable: attachment_keys never ends")

    def read(self, relative: str) -> bytes:
        key = safe_key(relative)
        with self._store._using() as conn:
            row = conn.execute("SELECT data FROM files WHERE path = %s", (key,)).fetchone()
        if row is None:
            raise FileNotFoundError(relative)
        return bytes(row[0])

    def keys(self) -> list[str]:
        with self._store._connection() as conn:
            return [r[0] for r in conn.execute("SELECT path FROM files ORDER BY path")]
