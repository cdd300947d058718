"""Capped exponential backoff: the one rule for waiting after failures (IMAP reconnects,
deferred mail)."""

from __future__ import annotations

from datetime import timedelta


def backoff(failures: int, first: timedelta, cap: timedelta) -> timedelta:
    """The wait after `failures` failures: first, 2 x first, 4 x first ... at most `cap`."""
    return min(cap, first * (2 ** min(max(failures, 0), 32)))
