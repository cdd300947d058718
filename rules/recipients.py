"""Who may be copied on a ticket's mail, and who may add to a ticket: pure decisions.

The outbox writer applies the first to every mail to a customer; intake applies
the second to every reply on a ticket.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class CcPolicy(StrEnum):
    """`[tickets] cc_policy`: whom of the people a customer Cc'd the bot copies."""

    CONTACTS = "contacts"  # authorised contacts of the ticket's account (the default)
    DOMAIN = "domain"      # also anyone at one of the account's domains
    ALL = "all"            # everyone the customer wrote to: an explicit opt-in


def _domain(address: str) -> str:
    return address.rpartition("@")[2].lower()


def not_copied_because(address: str, *, account: str, contact_account: str | None,
                       account_domains: Iterable[str], policy: CcPolicy) -> str | None:
    """None when `address` is copied on the account's ticket mail, else why not."""
    if contact_account is not None and contact_account.lower() == account.lower():
        return None
    if policy is CcPolicy.ALL:
        return None
    if policy is CcPolicy.DOMAIN and _domain(address) in {d.lower() for d in account_domains}:
        return None
    if policy is CcPolicy.DOMAIN:
        return f"not a contact of {account} nor at its domains"
    return f"not an authorised contact of {account}"


def may_add_to(sender: str, *, account: str, contact_account: str | None) -> bool:
    """Only the account's own authorised contacts (and agents, whom intake routes
    before asking) can add to its ticket."""
    return contact_account is not None and contact_account.lower() == account.lower()
