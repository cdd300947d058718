"""The clock the composition root injects: the real one, or a fixed instant for --now."""

from __future__ import annotations

from datetime import UTC, datetime


class SystemClock:
    def __call__(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """Always `now`; `advance` moves it (the demo and tests fast-forward with it)."""

    def __init__(self, now: datetime):
        if now.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> datetime:
        from datetime import timedelta

        self.now = self.now + timedelta(**delta)
        return self.now
