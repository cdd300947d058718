"""Pure detection on a parsed `InboundMail`: own mail, bounces, auto-replies, thread ids.

The handler decides the order and does the store work; nothing here has side effects.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from intake.parse import InboundMail

_DAEMONS = {"mailer-daemon", "postmaster"}
_MSGID_LINE = re.compile(r"^[ \t>]*message-id:[ \t]*(<[^<>\s]+>)", re.IGNORECASE | re.MULTILINE)
_TOKEN = re.compile(r"\[#(\d{1,9})\]")

# An out-of-office phrase only counts at the start of the subject (after any
# Re:/Fwd: prefixes) and followed by a colon, the end or a date-ish word, so a
# customer's "Automatic reply rules are broken" stays a ticket.
_OOO = re.compile(
    r"^(?:(?:re|aw|rv|fw|fwd|sv|vs)\s*:\s*)*"
    r"(?P<phrase>out of (?:the )?office|automatic reply|auto(?:matic)?[- ]?reply|autoreply"
    r"|auto[- ]?response|respuesta autom[aá]tica|fuera de (?:la )?oficina|ausente"
    r"|ausencia|vacaciones|on vacation|abwesenheitsnotiz)"
    r"\s*(?::|$|-|\(|\b(?:until|till|from|on|hasta|desde|del|el)\b)",
    re.IGNORECASE,
)


def _ours(addresses: Iterable[str]) -> set[str]:
    return {a.strip().lower() for a in addresses}


def is_own_mail(mail: InboundMail, support_addresses: Iterable[str]) -> bool:
    """Mail from one of our support addresses (ours, looped back, or a spoof: never answered)."""
    ours = _ours(support_addresses)
    if mail.sender in ours:
        return True
    return "x-intakebot-kind" in mail.headers and (mail.return_path or "") in ours


def _content_type_param(mail: InboundMail, name: str) -> str | None:
    ctype = mail.headers.first("content-type") or ""
    match = re.search(rf';\s*{name}\s*=\s*"?([^";\s]+)"?', ctype, re.IGNORECASE)
    return match.group(1).lower() if match else None


def is_bounce(mail: InboundMail) -> bool:
    """A delivery status notification: DSN report, mailer-daemon/postmaster, or null return path."""
    if mail.is_multipart_report and _content_type_param(mail, "report-type") == "delivery-status":
        return True
    if mail.sender.partition("@")[0] in _DAEMONS:
        return True
    return mail.return_path == ""


def bounced_message_ids(mail: InboundMail) -> tuple[str, ...]:
    """Message-IDs of the mail a bounce returns: embedded headers first, then the body."""
    found: dict[str, None] = {}
    for block in (*mail.embedded_headers, mail.text):
        for mid in _MSGID_LINE.findall(block):
            if mid != mail.message_id:
                found.setdefault(mid, None)
        if found:
            break  # the embedded original is authoritative; the body may quote others
    return tuple(found)


def auto_reply_reason(mail: InboundMail) -> str | None:
    """Why this mail was written by a machine and must not be answered, or None."""
    headers = mail.headers
    submitted = (headers.first("auto-submitted") or "").split(";")[0].strip().lower()
    if submitted and submitted != "no":
        return f"Auto-Submitted: {submitted}"
    precedence = (headers.first("precedence") or "").strip().lower()
    if precedence in ("bulk", "junk", "list", "auto_reply"):
        return f"Precedence: {precedence}"
    for name in ("x-autoreply", "x-autorespond"):
        if name in headers:
            return f"{name} header present"
    if "list-id" in headers:
        return f"mailing list ({headers.first('list-id')})"
    if mail.is_multipart_report:
        return f"report ({_content_type_param(mail, 'report-type') or 'unknown type'})"
    match = _OOO.match(mail.subject.strip())
    if match:
        return f"out-of-office subject ({match.group('phrase')})"
    return None


def ticket_token(subject: str) -> int | None:
    """The ticket number from a `[#N]` token in the subject (the first one), or None."""
    match = _TOKEN.search(subject)
    if not match or int(match.group(1)) == 0:
        return None
    return int(match.group(1))


def thread_ids(mail: InboundMail) -> tuple[str, ...]:
    """Ids this mail answers, newest first: In-Reply-To, then References from the end."""
    seen: dict[str, None] = {}
    for mid in (*mail.in_reply_to, *reversed(mail.references)):
        seen.setdefault(mid, None)
    return tuple(seen)
