"""What the bot will write into a header: an address it can send to, a Message-ID it can
thread on. Both answer yes or no; they never repair a value."""

from __future__ import annotations

import re

# RFC 5322 atext: what a dot-atom local part is made of
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LOCAL = re.compile(rf"{_ATOM}(?:\.{_ATOM})*")
# one hostname label (RFC 1123): letters, digits, inner hyphens, at most 63 characters
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOSTNAME = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")

# Printable ASCII but <, >, @ on each side of the one @: no space, control or 8-bit byte.
_ID_PART = r"[!-;=?A-~]+"
MESSAGE_ID = re.compile(rf"<{_ID_PART}@{_ID_PART}>")


_ENCODED_WORD = re.compile(r"=\?.*\?=")


def writable_address(addr: str) -> bool:
    """True when `addr` can go in a To/Cc header as it is: ASCII, a dot-atom local part
    (nothing that would need quotes), one @, and a hostname (no address literal)."""
    if not addr.isascii() or addr.count("@") != 1 or _ENCODED_WORD.search(addr):
        # "=?...?=" would read as an RFC 2047 encoded word to the header parser
        return False
    local, _, domain = addr.partition("@")
    return _LOCAL.fullmatch(local) is not None and _HOSTNAME.fullmatch(domain) is not None


def valid_message_id(mid: str) -> bool:
    """True for `<left@right>` in printable ASCII with no space, no <> inside and exactly
    one @ between two non-empty sides."""
    return MESSAGE_ID.fullmatch(mid) is not None
