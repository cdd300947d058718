"""Who works the support desk: agents' display names and finding an agent by name."""

from __future__ import annotations

from collections.abc import Iterable, Mapping


def agent_name(address: str, names: Mapping[str, str]) -> str:
    """The agent's configured name, else the address's local part ("ana" -> "Ana")."""
    return names.get(address.lower()) or address.split("@")[0].capitalize()


def find_agent(wanted: str | None, agents: Iterable[str],
               names: Mapping[str, str]) -> str | None:
    """The agent address meant by a name, a local part or an address (as in `#assign`)."""
    if not wanted:
        return None
    wanted = wanted.strip().lower()
    for address in agents:
        if wanted in (address.lower(), agent_name(address, names).lower(),
                      address.split("@")[0].lower()):
            return address
    return None
