"""The IMAP source: fetch mail above a UID cursor, move it away once handled, wait with IDLE.

Network errors surface as `MailboxDisconnected` (intake/reconnect.py reconnects), refusals as
`MailboxError`. Mail leaves the folder only by a move (MOVE, or COPY then UID EXPUNGE).

One class around one IMAP session; it passes ~300 lines because IDLE on a dead link
needs its own careful reads (see LIBRARY-NOTES), kept beside the session they guard.
"""

from __future__ import annotations

import imaplib
import re
import select
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Literal

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError

Tls = Literal["none", "starttls", "ssl"]

# Servers drop idle sessions after 10-30 minutes (RFC 2177 says 29): renew well before.
IDLE_RENEW_SECONDS = 9 * 60
# how often a wait looks at its stop flag (SIGTERM of an idle bot: exit within a second)
STOP_POLL_SECONDS = 0.25


class MailboxError(Exception):
    """The server refused something (login, a folder, a command); retrying as is will not help."""


class MailboxDisconnected(MailboxError):
    """The connection is gone or unusable; build a new one (see `Backoff`)."""


@dataclass(frozen=True)
class Fetched:
    """One message as the mailbox received it. `raw` holds only the headers when `oversize`."""

    uid: int
    internaldate: datetime
    raw: bytes
    size: int
    oversize: bool = False


@dataclass(frozen=True)
class FetchResult:
    uidvalidity: int
    messages: list[Fetched]
    # the stored cursor was for an older UIDVALIDITY, so the whole folder was read again
    rescanned: bool = False


class ImapMailbox:
    """One IMAP connection to the support folder; not thread-safe (one per thread)."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        username: str,
        password: str,
        tls: Tls = "ssl",
        folder: str = "INBOX",
        processed_folder: str = "Processed",
        quarantine_folder: str = "Quarantine",
        timeout: float = 60.0,
        ssl_context: ssl.SSLContext | None = None,
        use_move: bool = True,
        use_idle: bool = True,
        idle_renew_seconds: float = IDLE_RENEW_SECONDS,
        sleep: Callable[[float], None] | None = None,  # None: real time, cut short by stop
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if tls not in ("none", "starttls", "ssl"):
            raise ValueError(f"tls must be none, starttls or ssl, not {tls!r}")
        self.host, self.port, self.tls = host, port, tls
        self.username, self._password = username, password
        self.folder = folder
        self.processed_folder = processed_folder
        self.quarantine_folder = quarantine_folder
        self.timeout = timeout
        self._ssl_context = ssl_context
        # False forces COPY + \Deleted + UID EXPUNGE even where MOVE is offered
        self.use_move = use_move
        self.use_idle = use_idle
        self.idle_renew_seconds = idle_renew_seconds
        self._sleep = sleep
        self._clock = clock
        self._client: IMAPClient | None = None
        self._caps: frozenset[str] = frozenset()
        self._known_folders: set[str] = set()
        self._selected = False
        self._high_uid = 0

    # -- connection -------------------------------------------------------

    def connect(self) -> ImapMailbox:
        self.close()
        context = None
        if self.tls != "none":
            context = self._ssl_context or ssl.create_default_context()
        with self._guard():
            client = IMAPClient(
                self.host,
                port=self.port,
                ssl=self.tls == "ssl",
                ssl_context=context,
                timeout=self.timeout,
            )
            try:
                # the default turns INTERNALDATE into naive local time with today's DST offset
                client.normalise_times = False
                if self.tls == "starttls":
                    client.starttls(context)
                client.login(self.username, self._password)
                self._caps = frozenset(c.decode().upper() for c in client.capabilities())
            except BaseException:
                _shutdown(client)
                raise
        self._client = client
        self._selected = False
        return self

    def close(self) -> None:
        client, self._client = self._client, None
        self._selected = False
        if client is not None:
            try:
                client.logout()
            except Exception:
                _shutdown(client)

    def __enter__(self) -> ImapMailbox:
        return self.connect() if self._client is None else self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def connected(self) -> bool:
        return self._client is not None

    @property
    def capabilities(self) -> frozenset[str]:
        return self._caps

    @property
    def has_idle(self) -> bool:
        return "IDLE" in self._caps

    @property
    def has_move(self) -> bool:
        return "MOVE" in self._caps

    @property
    def has_uidplus(self) -> bool:
        return "UIDPLUS" in self._caps

    # -- reading ----------------------------------------------------------

    def uidvalidity(self) -> int:
        return self._select()

    def fetch_new(
        self,
        last_uid: int,
        uidvalidity: int | None,
        limit: int,
        max_bytes: int | None = None,
    ) -> FetchResult:
        """Up to `limit` messages with UID above `last_uid`, oldest first, without setting \\Seen.

        When the folder's UIDVALIDITY is not `uidvalidity`, the cursor means nothing any
        more and the whole folder is read (the caller dedupes by Message-ID/content hash).
        Messages over `max_bytes` come back with headers only and `oversize=True`.
        """
        if limit < 1:
            raise ValueError("limit must be at least 1")
        current = self._select()
        rescanned = uidvalidity is not None and uidvalidity != current
        after = 0 if rescanned else max(last_uid, 0)
        criteria = ["UID", f"{after + 1}:*"]
        with self._guard():
            client = self._need_client()
            # "n:*" matches the highest UID even when it is below n
            batch = sorted(u for u in client.search(criteria) if u > after)[:limit]
            big: set[int] = set()
            if batch and max_bytes is not None:
                found = client.search([*criteria, "LARGER", str(max_bytes)])
                big = set(found) & set(batch)
            small = [u for u in batch if u not in big]
            rows = {}
            if small:
                rows.update(client.fetch(small, ["BODY.PEEK[]", "INTERNALDATE", "RFC822.SIZE"]))
            if big:
                rows.update(
                    client.fetch(sorted(big), ["BODY.PEEK[HEADER]", "INTERNALDATE", "RFC822.SIZE"])
                )
        messages = []
        for uid in batch:
            row = rows.get(uid)
            if row is None:
                continue  # expunged by someone else between SEARCH and FETCH
            raw = row.get(b"BODY[HEADER]" if uid in big else b"BODY[]")
            if raw is None or b"INTERNALDATE" not in row:
                raise MailboxError(f"server sent no body or INTERNALDATE for UID {uid}")
            messages.append(
                Fetched(
                    uid=uid,
                    internaldate=_aware(row[b"INTERNALDATE"]),
                    raw=bytes(raw),
                    size=int(row.get(b"RFC822.SIZE", len(raw))),
                    oversize=uid in big,
                )
            )
        # what wait() treats as already known: a restarted poller whose folder still holds
        # mail below its cursor must not be woken for it over and over
        self._high_uid = messages[-1].uid if messages else after
        return FetchResult(current, messages, rescanned)

    # -- moving -----------------------------------------------------------

    def move(self, uids: Iterable[int], folder: str) -> None:
        """Move messages out of the support folder in one command, creating `folder` if needed."""
        uids = sorted(set(uids))
        if not uids:
            return
        self.ensure_folder(folder)
        if not self._selected:
            self._select()
        try:
            self._move(uids, folder)
        except MailboxDisconnected:
            raise
        except MailboxError:
            # the folder may have been deleted since it was cached: make sure, then once more
            self._known_folders.discard(folder)
            self.ensure_folder(folder)
            self._move(uids, folder)

    def _move(self, uids: list[int], folder: str) -> None:
        with self._guard():
            client = self._need_client()
            if self.use_move and self.has_move:
                client.move(uids, folder)
                return
            client.copy(uids, folder)
            client.add_flags(uids, [b"\\Deleted"], silent=True)
            if self.has_uidplus:
                client.uid_expunge(uids)
            else:
                # without UIDPLUS only a plain EXPUNGE exists; it also removes mail
                # another client flagged \Deleted, which that client wanted gone anyway
                client.expunge()

    def ensure_folder(self, folder: str) -> None:
        if folder in self._known_folders:
            return
        with self._guard():
            client = self._need_client()
            if not client.folder_exists(folder):
                try:
                    client.create_folder(folder)
                except IMAPClientError:
                    # another client may have created it in between
                    if not client.folder_exists(folder):
                        raise
        self._known_folders.add(folder)

    # -- waiting ----------------------------------------------------------

    def wait(self, timeout_seconds: float, stop: threading.Event | None = None) -> bool:
        """Block until new mail is reported (True) or the timeout passes (False); once
        `stop` is set, return within `STOP_POLL_SECONDS` (False).

        Without IDLE (or with `use_idle=False`) this sleeps and returns True, so the caller
        polls on its own schedule.
        """
        if not (self.use_idle and self.has_idle):
            if self._sleep is not None:
                self._sleep(timeout_seconds)
            elif stop is not None:
                stop.wait(timeout_seconds)
            else:
                time.sleep(timeout_seconds)
            return True
        if not self._selected:
            self._select()
        deadline = self._clock() + timeout_seconds
        with self._guard():
            client = self._need_client()
            # mail that came after the last fetch may have been announced during an
            # earlier command, where IDLE would never see it again; NOOP makes the
            # server bring this session's view up to date before the SEARCH
            client.noop()
            if any(u > self._high_uid for u in client.search(["UID", f"{self._high_uid + 1}:*"])):
                return True
            while True:
                remaining = deadline - self._clock()
                if remaining <= 0 or (stop is not None and stop.is_set()):
                    return False
                if self._idle_once(client, min(remaining, self.idle_renew_seconds), stop):
                    return True

    def _idle_once(self, client: IMAPClient, seconds: float,
                   stop: threading.Event | None = None) -> bool:
        # imapclient's idle_check reads a non-blocking socket and breaks on a line that
        # arrives in pieces ("unterminated line", seen with pymap). So only wait for the
        # socket here and let idle_done() read whatever came, with blocking reads and the
        # read timeout; EOF or BYE then surface as errors instead of an empty list.
        client.idle()
        _readable(client, seconds, self.timeout, stop)
        _, responses = client.idle_done()
        return _has_news(responses)

    # -- internals --------------------------------------------------------

    def _select(self) -> int:
        with self._guard():
            info = self._need_client().select_folder(self.folder)
        self._selected = True
        try:
            return int(info[b"UIDVALIDITY"])
        except KeyError:
            raise MailboxError(f"server sent no UIDVALIDITY for {self.folder!r}") from None

    def _need_client(self) -> IMAPClient:
        if self._client is None:
            raise MailboxDisconnected("not connected: call connect() first")
        return self._client

    @contextmanager
    def _guard(self) -> Iterator[None]:
        """Translate library and socket errors; a broken connection is dropped, never reused."""
        try:
            yield
        except MailboxError as exc:
            if isinstance(exc, MailboxDisconnected):
                self._drop()
            raise
        except LoginError as exc:
            self._drop()
            raise MailboxError(f"login as {self.username!r} refused: {_said(exc)}") from exc
        except (imaplib.IMAP4.abort, OSError, EOFError) as exc:
            self._drop()
            raise MailboxDisconnected(f"{self.host}:{self.port}: {exc!r}") from exc
        except IMAPClientError as exc:
            if _is_bye(exc):
                self._drop()
                raise MailboxDisconnected(f"server closed the session: {exc}") from exc
            raise MailboxError(str(exc)) from exc

    def _drop(self) -> None:
        client, self._client = self._client, None
        self._selected = False
        if client is not None:
            _shutdown(client)


def _has_news(responses: list) -> bool:
    for resp in responses:
        if len(resp) >= 1 and resp[0] == b"BYE":
            raise MailboxDisconnected("server said BYE: " + repr(resp))
        if len(resp) >= 2 and resp[1] in (b"EXISTS", b"RECENT"):
            return True
    return False


def _readable(client: IMAPClient, seconds: float, read_timeout: float,
              stop: threading.Event | None = None) -> bool:
    """Wait until the server sent something (or the link closed), at most `seconds`, and
    no longer than `STOP_POLL_SECONDS` after `stop` is set."""
    sock = client.socket()
    sock.setblocking(False)
    try:
        # lines that came with the IDLE continuation already sit in imaplib's buffer
        # (or the TLS layer's), where polling the socket cannot see them
        if client._imap.file.peek(1) or (isinstance(sock, ssl.SSLSocket) and sock.pending()):
            return True
    except (BlockingIOError, ssl.SSLWantReadError):
        pass
    finally:
        sock.settimeout(read_timeout)
    deadline = time.monotonic() + seconds
    while True:
        remaining = max(deadline - time.monotonic(), 0)
        step = remaining if stop is None else min(remaining, STOP_POLL_SECONDS)
        if select.select([sock], [], [], step)[0]:
            return True
        if step >= remaining or (stop is not None and stop.is_set()):
            return False


def _is_bye(exc: Exception) -> bool:
    return bool(re.search(r"\bBYE\b", str(exc)))


def _aware(value: datetime) -> datetime:
    offset = value.utcoffset()
    if offset is None:
        raise MailboxError(f"INTERNALDATE without a zone: {value!r}")
    # imapclient's FixedOffset is not comparable or picklable like datetime.timezone
    return value.replace(tzinfo=timezone(offset))


def _shutdown(client: IMAPClient) -> None:
    try:
        client.shutdown()
    except Exception:
        pass


def _said(exc: Exception) -> str:
    """What the server said, as text (imaplib hands over its reply as bytes)."""
    arg = exc.args[0] if exc.args else exc
    text = arg.decode("utf-8", "replace") if isinstance(arg, bytes) else str(arg)
    return text[2:-1] if text.startswith(("b'", 'b"')) else text
