"""An account's quota use this contract year: the entitlement rules applied to stored tickets."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, time
from zoneinfo import ZoneInfo

from rules.entitlements import QuotaStatus, contract_year, quota_status
from rules.plans import Plan
from store.records import Account


def quota_for(uow, plans: Mapping[str, Plan], tz: ZoneInfo, account: Account,
              at: datetime) -> QuotaStatus:
    """Tickets used, included, extra and remaining in the contract year that contains `at`."""
    local = at.astimezone(tz).date()
    start, end = contract_year(account.contract_start, local)
    used = uow.tickets.count_opened(account.name, datetime.combine(start, time(), tz),
                                    datetime.combine(end, time(), tz))
    extra = account.extra_tickets.get(start.isoformat(), 0)
    return quota_status(plans[account.plan], account.contract_start, used, extra, local)
