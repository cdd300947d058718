"""Who works the support desk: agents' display names and finding an agent by name."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass


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


@dataclass(frozen=True)
class Staff:
    """Who works the desk: agents (with names), who is told of new tickets, managers."""

    agents: tuple[str, ...] = ()
    agent_names: tuple[tuple[str, str], ...] = ()
    notify: tuple[str, ...] = ()
    managers: tuple[str, ...] = ()

    def is_agent(self, address: str) -> bool:
        return address.lower() in self.agents

    def is_staff(self, address: str) -> bool:
        address = address.lower()
        return address in self.agents or address in self.notify or address in self.managers

    def name_of(self, address: str) -> str:
        return agent_name(address, dict(self.agent_names))

    def address_of(self, name: str | None) -> str | None:
        return find_agent(name, self.agents, dict(self.agent_names))
