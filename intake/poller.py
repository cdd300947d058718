"""The IMAP poller: batches of mail from the support folder through the pipeline, then moved away.

Order per batch: fetch (one command), archive, handle and commit (one write,
with the new cursor), then move the batch to the processed or quarantine
folder (one command each). A crash before the commit leaves the mail where it
was; a crash after it leaves handled mail in the folder, which the first pass
after every (re)connect reads again from UID 1 and moves by its recorded outcome.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from intake.mailbox import ImapMailbox, MailboxDisconnected, MailboxError
from intake.pipeline import Handled, Incoming, Pipeline
from intake.reconnect import Backoff, reconnect
from store.records import Cursor

log = logging.getLogger("intakebot.imap")

class Poller:
    def __init__(self, mailbox: ImapMailbox, pipeline: Pipeline, *, batch_size: int = 200,
                 max_bytes: int | None = None, backoff: Backoff | None = None):
        self.mailbox = mailbox
        self.pipeline = pipeline
        self.batch_size = batch_size
        self.max_bytes = max_bytes
        self.backoff = backoff or Backoff()
        self._swept = False  # has this connection re-read the folder from the start?

    @property
    def folder(self) -> str:
        return self.mailbox.folder

    def _cursor(self) -> Cursor | None:
        with self.pipeline.store.unit_of_work() as uow:
            return uow.cursors.get(self.folder)

    def connect(self, stop: threading.Event | None = None) -> None:
        reconnect(self.mailbox, self.backoff,
                  on_failure=lambda exc, delay: log.warning(
                      "IMAP %s:%s unreachable (%s); retrying in %.0f s",
                      self.mailbox.host, self.mailbox.port, exc, delay), stop=stop)
        self._swept = False

    def _fetch(self, after: int, validity: int | None):
        """One batch from the server, archived (without waiting for the disk) on arrival."""
        result = self.mailbox.fetch_new(after, validity, self.batch_size, self.max_bytes)
        with self.pipeline.store.deferred_sync(flush=False):
            shas = self.pipeline.store.archive.put_many([m.raw for m in result.messages])
        return result, shas

    def poll_once(self, stop: threading.Event | None = None) -> list[Handled]:
        """Handle everything waiting in the folder, batch by batch; returns every outcome.
        With `stop` set (shutdown, or this instance no longer holds the mailbox) it ends
        after the batch in hand: the rest waits in the folder for the next reader.

        While one batch is handled and committed, the next is already being fetched
        and archived in a second thread (the connection is used by one thread at a
        time: the moves wait until that fetch is back).
        """
        if not self.mailbox.connected:
            self.connect()
        stored = self._cursor()
        sweep = not self._swept
        after = 0 if sweep or stored is None else stored.last_uid
        validity = stored.uidvalidity if stored else None
        done: list[Handled] = []
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="imap-fetch") as pool:
            result, shas = self._fetch(after, validity)
            while result.messages:
                validity = result.uidvalidity
                after = result.messages[-1].uid
                high = after if stored is None or stored.uidvalidity != validity \
                    else max(after, stored.last_uid)
                cursor = Cursor(folder=self.folder, uidvalidity=validity, last_uid=high)
                batch = [Incoming(m.raw, m.internaldate, f"imap:{self.folder}:{m.uid}",
                                  oversize=m.size if m.oversize else None, archived=sha)
                         for m, sha in zip(result.messages, shas, strict=True)]
                full = len(result.messages) >= self.batch_size
                following = pool.submit(self._fetch, after, validity) if full else None
                try:
                    handled = self.pipeline.run(batch, cursor=cursor)
                finally:
                    # never leave the connection to the other thread while we go on
                    nxt = following.result() if following is not None else None
                stored = cursor
                # Only now, with the outcomes committed, does mail leave the folder.
                uids = [m.uid for m in result.messages]
                self._move(uids, handled)
                done.extend(handled)
                if nxt is None or (stop is not None and stop.is_set()):
                    break
                result, shas = nxt
        self._swept = True
        return done

    def _move(self, uids: list[int], handled: list[Handled]) -> None:
        """Move a committed batch away; a refusal (folder over quota, say) is logged and
        the mail stays in the folder, handled, rather than stopping intake."""
        for folder, wanted in ((self.mailbox.quarantine_folder, True),
                               (self.mailbox.processed_folder, False)):
            batch = [u for u, h in zip(uids, handled, strict=True) if h.quarantined == wanted]
            try:
                self.mailbox.move(batch, folder)
            except MailboxDisconnected:
                raise
            except MailboxError as exc:
                log.error("could not move %d handled message(s) to %s: %s; they stay in %s "
                          "and are not handled again", len(batch), folder, exc, self.folder)

    def run(self, stop: threading.Event, poll_seconds: float, *,
            clock=time.monotonic) -> None:
        """Poll, then wait for news (IDLE, else `poll_seconds`), until `stop` is set.

        Every wait (IDLE, the poll interval, a reconnect's backoff) ends within a
        fraction of a second of a stop request (SIGTERM); a batch in flight is always
        finished and committed first.
        """
        last_poll = None
        while not stop.is_set():
            try:
                news = True
                if last_poll is not None:
                    news = self.mailbox.wait(poll_seconds, stop)
                elif not self.mailbox.connected:
                    self.connect(stop)
                if stop.is_set():
                    break
                if news or clock() - last_poll >= poll_seconds:
                    self.poll_once(stop)
                    last_poll = clock()
            except MailboxDisconnected as exc:
                if stop.is_set():
                    break
                log.warning("IMAP connection lost (%s); reconnecting", exc)
                self.mailbox.close()
                last_poll = None
                if stop.wait(self.backoff.next_delay()):
                    break
                self.backoff.failures += 1
            except Exception:
                log.exception("IMAP poll failed; retrying in %s s", poll_seconds)
                self.mailbox.close()
                last_poll = None
                if stop.wait(poll_seconds):
                    break
        self.mailbox.close()
