"""Whether our own MX vouches for the From domain of an inbound mail, judged from its
Authentication-Results headers (RFC 8601) as parsed by `authres`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import authres

# authres copies the rest of the text at every token, so its parse time grows with the
# square of the length (about 2 s for 300 kB). Our MX writes a few hundred characters.
_MAX_HEADER = 8192


@dataclass(frozen=True)
class Verdict:
    passed: bool
    reason: str  # one line for logs and agents


def _shown(value: str) -> str:
    # Property values are the sender's words (header.d, header.from): one short line only.
    return re.sub(r"[^\x20-\x7e]", "?", " ".join(value.split()))[:64]


def _parse(value: str) -> tuple[authres.AuthenticationResultsHeader | None, str]:
    """The parsed header, or None and why it could not be read."""
    if len(value) > _MAX_HEADER:
        return None, f"longer than {_MAX_HEADER} characters"
    try:
        return authres.AuthenticationResultsHeader.parse_value(value), ""
    except authres.AuthResError as exc:
        return None, exc.message or type(exc).__name__
    except Exception as exc:
        # Deeply nested comments exhaust the recursion limit; hostile input must not crash us.
        return None, type(exc).__name__


def _topmost_ours(
    headers: Sequence[str], authserv_id: str
) -> tuple[list[authres.AuthenticationResult] | None, str]:
    """The results of the topmost header from our authserv-id, or None and why there are none."""
    unreadable = 0
    for value in headers:
        header, error = _parse(value)
        if header is None:
            # Passing over a broken header of ours would hand the decision to whatever the
            # sender planted below it, so any unreadable header naming us ends the search.
            if authserv_id in value.lower():
                return None, f"unparseable Authentication-Results from {authserv_id}: {error}"
            unreadable += 1
        elif header.authserv_id == authserv_id:
            # "none" may follow other results; it carries no method to look at.
            return [r for r in header.results if isinstance(r, authres.AuthenticationResult)], ""
    skipped = f" ({unreadable} unparseable header(s) skipped)" if unreadable else ""
    return None, f"no Authentication-Results from {authserv_id}{skipped}"


def _values(result: authres.AuthenticationResult, ptype: str, name: str) -> list[str]:
    # Every occurrence, not authres' first-only accessors: a repeated property must not let
    # one good value hide a bad one.
    return [
        (p.value or "").lower() for p in result.properties if (p.type, p.name) == (ptype, name)
    ]


def _signers(result: authres.AuthenticationResult) -> list[str]:
    domains = _values(result, "header", "d")
    return domains or [i.rpartition("@")[2] for i in _values(result, "header", "i") if "@" in i]


def _aligned(signer: str, domain: str) -> bool:
    signer, domain = signer.strip("."), domain.strip(".")
    if signer == domain:
        return True
    parent, child = sorted((signer, domain), key=len)
    # Relaxed alignment: parent and child of one organisation; a bare TLD is no one's parent.
    return "." in parent and child.endswith("." + parent)


def _seen(results: list[authres.AuthenticationResult]) -> str:
    shown = []
    for r in results:
        if r.method == "dmarc":
            props = [f" header.from={v}" for v in _values(r, "header", "from")]
        elif r.method == "dkim":
            props = [f" header.d={v}" for v in _signers(r)]
        else:
            continue
        shown.append(_shown(f"{r.method}={r.result}{''.join(props)}"))
    return ", ".join(shown) or "none"


def verdict(
    results_headers: Sequence[str],
    from_addresses: Sequence[str],
    from_header_count: int,
    authserv_id: str,
) -> Verdict:
    """Whether our MX (`authserv_id`) vouches for the single From domain, and why.

    results_headers: every Authentication-Results value, topmost first (as the message holds them).
    from_addresses: every address in the From header(s), lower-cased, in order.
    from_header_count: how many From headers the message has.

    Only the topmost header with our authserv-id counts: our MX prepends it, and anything
    below it may have been written by the sender.
    """
    ours = authserv_id.strip().lower()
    if not ours:
        return Verdict(False, "no authserv-id configured")
    # With several authors, a pass vouches for one of them and the reader may see another.
    if from_header_count != 1:
        return Verdict(False, f"{from_header_count} From headers, need exactly one")
    if len(from_addresses) != 1:
        return Verdict(False, f"{len(from_addresses)} From addresses, need exactly one")
    local, at, domain = from_addresses[0].strip().lower().rpartition("@")
    if not (local and at and domain):
        return Verdict(False, f"From address {_shown(from_addresses[0])!r} has no domain")
    results, why_not = _topmost_ours(results_headers, ours)
    if results is None:
        return Verdict(False, why_not)
    passes = [r for r in results if r.result == "pass"]
    for r in passes:
        # DMARC vouches for the domain it evaluated, which need not be the one we show.
        evaluated = _values(r, "header", "from")
        if r.method == "dmarc" and evaluated and all(d == domain for d in evaluated):
            return Verdict(True, f"dmarc=pass for {_shown(domain)}")
    for r in passes:
        signers = _signers(r)
        if r.method == "dkim" and signers and all(_aligned(s, domain) for s in signers):
            return Verdict(
                True, f"dkim=pass for {_shown(signers[0])}, aligned with {_shown(domain)}"
            )
    return Verdict(
        False,
        f"no dmarc=pass or aligned dkim=pass for {_shown(domain)} from {ours}"
        f" (saw: {_seen(results)})",
    )
