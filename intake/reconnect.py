"""Reconnecting to the mailbox after a dropped connection, with capped exponential waits."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import timedelta

from intake.mailbox import ImapMailbox, MailboxDisconnected
from rules.backoff import backoff


class Backoff:
    """Capped exponential delays between reconnect attempts: 1, 2, 4 ... `cap` seconds."""

    def __init__(
        self,
        base: float = 1.0,
        cap: float = 300.0,
        sleep: Callable[[float], None] | None = None,  # None: real time, cut short by stop
    ) -> None:
        self.base, self.cap, self._sleep = base, cap, sleep
        self.failures = 0

    def next_delay(self) -> float:
        return backoff(self.failures, timedelta(seconds=self.base),
                       timedelta(seconds=self.cap)).total_seconds()

    def pause(self, stop: threading.Event | None = None) -> float:
        """Count one more failure and sleep its delay (less once `stop` is set); returns
        the delay."""
        delay = self.next_delay()
        self.failures += 1
        if self._sleep is not None:
            self._sleep(delay)
        elif stop is not None:
            stop.wait(delay)
        else:
            time.sleep(delay)
        return delay

    def reset(self) -> None:
        self.failures = 0


def reconnect(
    mailbox: ImapMailbox,
    backoff: Backoff,
    *,
    attempts: int | None = None,
    on_failure: Callable[[MailboxDisconnected, float], None] | None = None,
    stop: threading.Event | None = None,
) -> ImapMailbox:
    """Connect, sleeping `backoff` delays between refused attempts; resets it on success.

    Only `MailboxDisconnected` is retried (a refused login is not a passing fault).
    `attempts=None` tries forever (until `stop` is set); otherwise the last failure is
    raised, as it is once `stop` is set.
    """
    tried = 0
    while True:
        try:
            mailbox.connect()
        except MailboxDisconnected as exc:
            tried += 1
            if attempts is not None and tried >= attempts:
                raise
            if stop is not None and stop.is_set():
                raise
            if on_failure is not None:
                on_failure(exc, backoff.next_delay())
            backoff.pause(stop)
            continue
        backoff.reset()
        return mailbox
