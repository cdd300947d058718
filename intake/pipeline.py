"""One pipeline for every source (IMAP, SMTP listener, pipe): archive, parse, handle, commit.

A batch of messages is handled in one unit of work, each message inside its
own savepoint, and committed in one atomic write: a crash loses at most the
uncommitted batch, whose messages are still at their source. Raw bytes are in
the archive (fsynced) before any of them is handled.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from intake.context import IntakeSettings, Quarantine, Result
from intake.handler import handle_inbound, quarantine_outcome
from intake.parse import ParseError, parse
from rules.lifecycle import Outcome
from rules.policy import Policy
from store.records import Cursor

log = logging.getLogger("intakebot.intake")


@dataclass(frozen=True)
class Incoming:
    raw: bytes
    received_at: datetime
    source: str = ""
    # set when the source did not download the message (over the size limit)
    oversize: int | None = None
    # the archive key when the source archived it already
    archived: str | None = None
    # a quarantined message handled again (`intakebot quarantine release`): its
    # quarantine record gives way to the new outcome; any other record stands
    release: bool = False


@dataclass(frozen=True)
class Handled:
    incoming: Incoming
    outcome: Outcome
    reason: str
    ticket: int | None = None
    account: str | None = None
    queued: int = 0  # outbound mails this message queued

    @property
    def quarantined(self) -> bool:
        return self.outcome is Outcome.QUARANTINE


class Pipeline:
    def __init__(self, store, policy: Policy, settings: IntakeSettings,
                 clock: Callable[[], datetime], max_bytes: int):
        self.store = store
        self.policy = policy
        self.settings = settings
        self.clock = clock
        self.max_bytes = max_bytes
        # called after each commit that queued mail (the runner wakes delivery with it)
        self.after_commit: Callable[[], None] | None = None

    def run(self, batch: Sequence[Incoming], cursor: Cursor | None = None) -> list[Handled]:
        """Handle `batch` and commit it (with `cursor`) in one write; return each outcome."""
        now = self.clock()
        handled: list[Handled] = []
        with self.store.deferred_sync() as files_sync:
            new = self.store.archive.put_many([i.raw for i in batch if not i.archived])
            fresh = iter(new)
            shas = [item.archived or next(fresh) for item in batch]
            with self.store.unit_of_work() as uow:
                uow.inbound.prefetch(shas)
                for item, sha in zip(batch, shas, strict=True):
                    handled.append(self._one(uow, item, sha, now))
                if cursor is not None:
                    uow.cursors.set(cursor)
                # the raw mail, bodies and attachments are on disk before anything
                # that refers to them is committed, and before the source forgets them
                files_sync.flush()
                uow.commit()
        if self.after_commit is not None and any(h.queued for h in handled):
            self.after_commit()
        for h in handled:
            log.info("%s %s: %s%s", h.incoming.source or "message", h.outcome, h.reason,
                     f" (ticket #{h.ticket})" if h.ticket else "")
        return handled

    def _one(self, uow, item: Incoming, sha: str, now: datetime) -> Handled:
        known = uow.inbound.by_sha(sha)
        if item.release and known is not None and known.outcome is Outcome.QUARANTINE:
            known = None  # handled anew below; checked inside this unit of work, so a
            # second release (even one running at the same time) finds the new outcome
        elif item.release and known is not None:
            return Handled(item, known.outcome, f"not in quarantine: already released and "
                           f"handled as {known.outcome} ({known.reason})", known.ticket)
        if known is not None:
            if known.source == item.source or known.outcome is Outcome.QUARANTINE:
                # Seen before (a restart between commit and the mailbox move): the
                # recorded outcome stands, and decides the folder it moves to.
                return Handled(item, known.outcome, f"already handled: {known.reason}",
                               known.ticket)
            return Handled(item, Outcome.DUPLICATE, f"the same message was already handled as "
                           f"{known.outcome} ({known.source})", known.ticket)
        try:
            with uow.savepoint():
                if item.release:
                    uow.inbound.forget(sha)  # else intake sees a duplicate of itself
                if item.oversize is not None:
                    raise Quarantine(f"message is {item.oversize} bytes, over the limit of "
                                     f"{self.max_bytes} ([intake] max_message_bytes); only "
                                     "its headers were downloaded")
                mail = parse(item.raw, item.received_at, max_bytes=self.max_bytes)
                result: Result = handle_inbound(mail, uow, self.policy, self.settings, now,
                                                source=item.source, files=self.store.files)
                return Handled(item, result.outcome, result.reason,
                               result.ticket.number if result.ticket else None, result.account,
                               len(result.outbox))
        except (ParseError, Quarantine) as exc:
            reason = str(exc)
        except Exception as exc:  # one bad message must never stop intake
            log.exception("handling %s failed; quarantined", item.source or sha[:12])
            reason = f"internal error while handling: {type(exc).__name__}: {exc}"
        quarantine_outcome(uow, sha256=sha, message_id=None, sender=None,
                           received_at=item.received_at, now=now, reason=reason,
                           source=item.source, size=item.oversize or len(item.raw))
        return Handled(item, Outcome.QUARANTINE, reason)
