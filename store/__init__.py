"""Persistence for intakebot: records, repositories and crash-safe storage on TinyDB (this
package), or the same repositories on PostgreSQL (store/pg/, for several instances).

Layout of the data folder:
  intakebot.json      the hot TinyDB document (accounts, contacts, open and recent
                      tickets with their events, outbox, cursors, inbound outcomes)
  intakebot.json.bak  the previous committed version (a hard link, rotated at each commit)
  intakebot.lock      the OS lock file
  tickets-YYYY.json   tickets opened in YYYY and closed longer than `archive_after`
  outbox-YYYY.json    outbox rows delivered or failed longer than `archive_after` ago
  archive/ab/cd...eml raw inbound mail by SHA-256;  files/  bodies and attachments

Sharing with the CLI: the bot and the CLI may run at the same time. Each unit of
work takes an exclusive `fcntl.flock` on intakebot.lock (and a thread lock, for
scheduler threads) for its duration only, never for a process's lifetime. On
taking the lock a process reloads the document if anyone else committed since it
last read or wrote (a token in the lock file, written before each replace, plus
the file's inode/mtime/ctime/size). So a CLI command waits at most one unit of
work, and the bot sees its change in the next one.

Each commit writes the whole hot document to a temp file, fsyncs it, links the old
file to .bak, renames the temp over it and fsyncs the folder: a crash leaves the
old or the new version, never a mix. A file that does not parse raises
StoreCorrupt, naming it and the backup; it is never replaced silently.

Retention at `store.compact(now)`: inbound outcomes (the Message-ID and content
hash dedupe, and refusal counts) are kept max(archive_after, 90 days); sent-alert
keys 400 days; mailbox cursors and accounts forever. Ticket numbers come from a
counter in the hot document (from #1000) and are never reused.
"""

from store.archive import Files, RawArchive
from store.db import Store
from store.history import Compaction
from store.records import (
    EVENT_KINDS,
    Account,
    Contact,
    Cursor,
    Event,
    InboundOutcome,
    OutboxRow,
    Ticket,
)
from store.storage import StoreCorrupt
from store.uow import UnitOfWork

__all__ = [
    "EVENT_KINDS", "Account", "Compaction", "Contact", "Cursor", "Event", "Files",
    "InboundOutcome", "OutboxRow", "RawArchive", "Store", "StoreCorrupt", "Ticket",
    "UnitOfWork",
]
