"""The log line format: every time in UTC, ISO 8601 with `Z`, so a line reads the same
wherever the bot or its reader runs (the stdlib default is the machine's local time with
no zone at all)."""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class UtcFormatter(logging.Formatter):
    """`2026-03-02T10:00:00.123Z INFO intakebot: ...`"""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        at = datetime.fromtimestamp(record.created, UTC)
        return at.strftime(datefmt) if datefmt else \
            at.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def handler(stream=None) -> logging.Handler:
    """A stderr handler with the UTC format."""
    out = logging.StreamHandler(stream or sys.stderr)
    out.setFormatter(UtcFormatter(FORMAT))
    return out
