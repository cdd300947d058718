"""The client's address for the per-client sign-in limit: the socket peer, or, when the peer
is one of our own proxies (`[web] trusted_proxies`), the address those proxies say the
request came from.

X-Forwarded-For is read from the right. Each proxy appends the address it was
connected from, so the rightmost address that is not one of our proxies is the
client. Anything further left was written by the client and is never read.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network

Address = IPv4Address | IPv6Address
Networks = tuple[IPv4Network | IPv6Network, ...]


def networks(values: Iterable[str]) -> Networks:
    """The trusted proxies as networks (a bare address is a network of one); ValueError
    on anything that is not an address or a network without host bits."""
    return tuple(ip_network(v.strip(), strict=True) for v in values)


def _address(text: str) -> Address | None:
    """An address as a proxy writes it ('10.0.0.7', '2001:db8::1', '[2001:db8::1]:443',
    '10.0.0.7:5100'); None for anything else."""
    text = text.strip()
    if text.startswith("["):
        text = text[1:].split("]", 1)[0]
    elif text.count(":") == 1:  # IPv4 with a port; IPv6 has at least two colons
        text = text.split(":", 1)[0]
    try:
        found = ip_address(text)
    except ValueError:
        return None
    # an IPv4 client seen through a dual-stack socket is still that IPv4 client
    if isinstance(found, IPv6Address) and found.ipv4_mapped is not None:
        return found.ipv4_mapped
    return found


def _trusted(address: Address, trusted: Networks) -> bool:
    return any(address.version == net.version and address in net for net in trusted)


def client_address(peer: str | None, forwarded_for: Sequence[str], trusted: Networks) -> str:
    """Who the request is from. Without trusted proxies, or from a peer that is not one,
    the peer: a header anyone can send never changes whose limit a request counts
    against. `forwarded_for` holds every X-Forwarded-For header, in order."""
    if not peer:
        return "unknown"
    hop = _address(peer)
    if hop is None or not _trusted(hop, trusted):
        return peer
    hops = [h for value in forwarded_for for h in value.split(",") if h.strip()]
    for text in reversed(hops):
        found = _address(text)
        if found is None:
            # not an address where one of our proxies should have written one: count
            # the request against the last proxy we know, never against free text
            return str(hop)
        if not _trusted(found, trusted):
            return str(found)
        hop = found
    return str(hop)  # every hop is ours: the request began inside our own networks
