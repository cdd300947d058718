"""Agents are named in relayed replies and found by name in `#assign`."""

from rules.staff import agent_name, find_agent

AGENTS = ("ana.ruiz@vendor.example", "luis@vendor.example")
NAMES = {"ana.ruiz@vendor.example": "Ana Ruiz"}


def test_configured_names_first_then_the_local_part():
    assert agent_name("Ana.Ruiz@vendor.example", NAMES) == "Ana Ruiz"
    assert agent_name("luis@vendor.example", NAMES) == "Luis"


def test_an_agent_is_found_by_name_local_part_or_address_in_any_case():
    assert find_agent("ana ruiz", AGENTS, NAMES) == "ana.ruiz@vendor.example"
    assert find_agent("LUIS", AGENTS, NAMES) == "luis@vendor.example"
    assert find_agent("luis@vendor.example", AGENTS, NAMES) == "luis@vendor.example"
    assert find_agent("Marta", AGENTS, NAMES) is None
    assert find_agent(None, AGENTS, NAMES) is None
