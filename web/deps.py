"""What the support center is built from (a leaf: every web module imports it)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from rules.policy import Policy
from rules.staff import Staff
from store.outbox_writer import Addressing


@dataclass(frozen=True)
class WebSettings:
    base_url: str  # where customers reach it, ending in "/": links in mail start with it
    support_name: str = "Support"
    language: str = "en"  # the desk's ([support] language): pages when nothing else says
    support_address: str = "support@localhost"
    session_hours: int = 8
    per_address_per_hour: int = 5  # sign-in mails per address
    per_ip_per_hour: int = 30      # sign-in requests per client address
    link_minutes: int = 15
    max_upload_bytes: int = 25 * 1024 * 1024
    reopen_days: int = 7
    per_contact_per_hour: int = 5  # new tickets one contact may open here per hour
    # our proxies (addresses, CIDR networks): only their X-Forwarded-For is believed
    trusted_proxies: tuple[str, ...] = ()

    @property
    def secure(self) -> bool:
        """Cookies only over https when customers reach it over https."""
        return self.base_url.startswith("https://")


@dataclass(frozen=True)
class Deps:
    store: object
    policy: Policy
    addressing: Addressing
    settings: WebSettings
    secret: bytes
    clock: Callable[[], datetime]
    # called after a commit that queued mail (the running bot wakes its delivery)
    after_commit: Callable[[], None] | None = None

    @property
    def staff(self) -> Staff:
        return self.addressing.staff

    def queued(self) -> None:
        if self.after_commit is not None:
            self.after_commit()
