"""Raw message bytes -> one normalised, sanitised `InboundMail` record.

Pure: no network, no store. Anything that cannot become a record raises `ParseError`.
About 300 lines: hostile header encodings (raw 8-bit, broken words) take room.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from email.header import Header, decode_header, make_header
from email.message import Message
from html.parser import HTMLParser

import mailparser
from mailparser.exceptions import MailParserError

from rules.text import clean_text, decode_bytes, one_line, repair_escapes, safe_filename

# The headers the classifier reads; everything else stays in the raw archive.
CLASSIFIER_HEADERS = (
    "auto-submitted", "precedence", "x-autoreply", "x-autorespond", "list-id",
    "x-intakebot-kind", "x-intakebot-ticket", "authentication-results",
    "x-priority", "importance", "content-type",
)
# Laxer than rules.addresses.MESSAGE_ID on purpose: an inbound id that we would never
# write (no @, 8-bit) is still what the sender's next mail refers to.
_MSGID = re.compile(r"<[^<>\s]+>")
_EMBEDDED_LIMIT = 64 * 1024
_SURROGATE = re.compile("[\ud800-\udfff]")


class ParseError(Exception):
    """The message cannot be turned into a record at all; the reason is the message."""


class HeaderMap(Mapping[str, tuple[str, ...]]):
    """Case-insensitive, read-only: lower-cased name -> every value, in message order."""

    def __init__(self, items: Mapping[str, tuple[str, ...]] | None = None):
        self._items = {k.lower(): tuple(v) for k, v in (items or {}).items() if v}

    def __getitem__(self, name: str) -> tuple[str, ...]:
        return self._items[name.lower()]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._items

    def first(self, name: str, default: str | None = None) -> str | None:
        values = self._items.get(name.lower())
        return values[0] if values else default

    def __eq__(self, other: object) -> bool:
        return isinstance(other, HeaderMap) and self._items == other._items

    def __hash__(self) -> int:
        return hash(tuple(sorted(self._items.items())))

    def __repr__(self) -> str:
        return f"HeaderMap({self._items!r})"


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    payload: bytes


@dataclass(frozen=True)
class InboundMail:
    raw_size: int
    sha256: str
    sender: str  # lower-cased address; "" when the mail has no usable From
    sender_name: str
    return_path: str | None  # None when absent, "" for the null path <>
    to: tuple[str, ...]
    cc: tuple[str, ...]
    subject: str
    message_id: str | None
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    headers: HeaderMap
    text: str
    attachments: tuple[Attachment, ...]
    is_multipart_report: bool
    received_at: datetime
    defects: tuple[str, ...]
    # every address of every From header, and how many From headers there are: a
    # mail with more than one sender cannot be vouched for (sender authentication)
    from_addresses: tuple[str, ...] = ()
    from_headers: int = 1
    # Header blocks of messages carried inside this one (message/rfc822,
    # text/rfc822-headers): where a bounce names the mail it bounces.
    embedded_headers: tuple[str, ...] = ()


def parse(raw: bytes, received_at: datetime, *, max_bytes: int = 25 * 1024 * 1024) -> InboundMail:
    """Parse one message. `received_at` is INTERNALDATE or SMTP receipt time, never Date:.

    A missing or unusable From does not raise: the record gets sender "" and a
    defect, and the handler decides (it can answer no one). Over-size, empty or
    unparseable input raises ParseError with the reason.
    """
    if received_at.tzinfo is None or received_at.utcoffset() is None:
        raise ValueError("received_at must be timezone-aware")
    if len(raw) > max_bytes:
        raise ParseError(f"message is {len(raw)} bytes, over the limit of {max_bytes} "
                         "([intake] max_message_bytes)")
    if not raw.strip():
        raise ParseError("message is empty")
    try:
        parsed = mailparser.parse_from_bytes(raw)
    except MailParserError as exc:
        raise ParseError(f"mail-parser could not parse the message: {exc}") from exc
    except Exception as exc:  # mail-parser raises anything on hostile input
        raise ParseError(f"mail-parser failed: {type(exc).__name__}: {exc}") from exc
    try:
        return _build(parsed, raw, received_at)
    except RecursionError as exc:
        raise ParseError("message structure is nested too deeply") from exc
    except Exception as exc:
        raise ParseError(f"cannot normalise message: {type(exc).__name__}: {exc}") from exc


def _build(parsed, raw: bytes, received_at: datetime) -> InboundMail:
    msg: Message = parsed.message
    defects = set(parsed.defects_categories or ())
    senders = _addresses(parsed.from_)
    if not senders:
        defects.add("NoFromAddress")
    sender, sender_name = senders[0] if senders else ("", "")
    text = "\n\n".join(p for p in parsed.text_plain if p.strip())
    if not text:
        text = "\n\n".join(html_to_text(h) for h in parsed.text_html)
    return InboundMail(
        raw_size=len(raw),
        sha256=hashlib.sha256(raw).hexdigest(),
        sender=sender,
        from_addresses=tuple(a for a, _ in senders),
        from_headers=len(msg.get_all("from") or ()),
        sender_name=sender_name,
        return_path=_return_path(msg),
        to=tuple(a for a, _ in _addresses(parsed.to)),
        cc=tuple(a for a, _ in _addresses(parsed.cc)),
        subject=one_line(_header_text(msg, "subject") or parsed.subject or "", 500),
        message_id=_first_id(msg.get_all("message-id") or ()),
        in_reply_to=_ids(msg.get_all("in-reply-to") or ()),
        references=_ids(msg.get_all("references") or ()),
        headers=HeaderMap({
            name: tuple(_header_value(name, v) for v in msg.get_all(name) or ())
            for name in CLASSIFIER_HEADERS
        }),
        text=clean_text(text),
        attachments=tuple(_attachments(parsed.attachments, raw, defects)),
        is_multipart_report=msg.get_content_type() == "multipart/report",
        received_at=received_at,
        defects=tuple(sorted(defects)),
        embedded_headers=_embedded_headers(msg),
    )


def _addresses(pairs) -> list[tuple[str, str]]:
    out = []
    for pair in pairs or ():
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            continue
        address = one_line(str(pair[1]), 320).lower().strip("<>")
        # kept even when we could never write it back (a quoted local part with a
        # space): it finds a contact or not, and the agents are told who was left out
        if "@" in address:
            out.append((address, one_line(_decode(str(pair[0])), 200)))
    return out


# Authentication-Results is read as our MX wrote it: never RFC 2047-decoded (a
# sender-chosen value copied into it, such as the envelope sender, could decode
# into "; dkim=pass ...") and never cut (a cut could end inside a forged
# header.d); intake/authentication.py refuses values that are too long.
_RAW_HEADERS = frozenset({"authentication-results"})
_RAW_LIMIT = 64 * 1024


def _header_value(name: str, value) -> str:
    if name in _RAW_HEADERS:
        text = value if isinstance(value, str) else str(value)
        return " ".join(text.split())[:_RAW_LIMIT]
    return one_line(_decode(value), 2000)


def _return_path(msg: Message) -> str | None:
    values = msg.get_all("return-path")
    if not values:
        return None
    value = one_line(_decode(values[0]), 320)  # topmost: added by the final delivery
    match = re.search(r"<([^<>]*)>", value)
    return (match.group(1) if match else value).strip().lower()


def _first_id(values) -> str | None:
    ids = _ids(values)
    if ids:
        return ids[0]
    bare = one_line(_decode(values[0]), 998) if values else ""
    # A few clients omit the brackets; keep the id comparable with bracketed ones.
    return f"<{bare}>" if bare and " " not in bare else None


def _ids(values) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for value in values:
        for mid in _MSGID.findall(_decode(value)):
            seen.setdefault(one_line(mid, 998), None)
    return tuple(seen)


def _header_text(msg: Message, name: str) -> str | None:
    value = msg.get(name)
    return None if value is None else _decode(value)


def _decode(value) -> str:
    """A header value as text, whatever charset (declared, unknown or raw 8-bit) it came in."""
    if isinstance(value, str) and "=?" not in value and not _SURROGATE.search(value):
        return value
    try:
        chunks = decode_header(value if isinstance(value, (str, Header)) else str(value))
    except Exception:
        return repair_escapes(str(value))
    if all(charset != "unknown-8bit" for _, charset in chunks):
        try:
            return str(make_header(chunks))
        except Exception:
            pass  # unknown charset: decode chunk by chunk below
    parts = []
    for chunk, charset in chunks:
        if isinstance(chunk, str):
            parts.append(chunk)
        else:
            parts.append(decode_bytes(chunk, charset))
    return " ".join(p.strip() for p in parts)


def _attachments(items, raw: bytes, defects: set[str]) -> Iterator[Attachment]:
    for index, item in enumerate(items, start=1):
        name = item.get("filename") or ""
        if name == item.get("content-id") or (
            re.fullmatch(r"[a-z]{10}\.(txt|rtf)", name) and name.encode() not in raw
        ):
            name = ""  # invented by mail-parser, not the sender's name
        payload = item.get("payload") or ""
        try:
            data = base64.b64decode(payload, validate=False)
        except (binascii.Error, ValueError):
            defects.add("AttachmentPayloadDefect")
            data = payload.encode("utf-8", "replace")
        yield Attachment(
            filename=safe_filename(name, index),
            content_type=one_line(item.get("mail_content_type") or "", 200).lower()
            or "application/octet-stream",
            payload=data,
        )


def _embedded_headers(msg: Message) -> tuple[str, ...]:
    blocks = []
    for part in msg.walk():
        ctype = part.get_content_type()
        if ctype == "message/rfc822" and part.is_multipart():
            inner = part.get_payload()
            inner = inner[0] if isinstance(inner, list) and inner else None
            if isinstance(inner, Message):
                blocks.append("\n".join(f"{k}: {one_line(_decode(v))}" for k, v in inner.items()))
        elif ctype == "text/rfc822-headers":
            data = part.get_payload(decode=True) or b""
            blocks.append(clean_text(decode_bytes(data[:_EMBEDDED_LIMIT], None)))
        if len(blocks) >= 5:
            break
    return tuple(b[:_EMBEDDED_LIMIT] for b in blocks)


_BLOCK_TAGS = {"p", "div", "br", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol",
               "table", "blockquote", "pre", "hr", "li", "section", "article", "header",
               "footer"}
_SKIP_TAGS = {"script", "style", "head", "title", "template", "noscript"}


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip = 0
        self.pre = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in _SKIP_TAGS:
            self.skip += 1
        elif tag == "li":
            self.out.append("\n- ")
        elif tag in ("p", "blockquote", "table", "ul", "ol") or tag.startswith("h"):
            self.out.append("\n\n")
        elif tag in _BLOCK_TAGS:
            self.out.append("\n")
        if tag == "pre":
            self.pre += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self.skip = max(0, self.skip - 1)
        elif tag in _BLOCK_TAGS and tag != "li":
            self.out.append("\n")
        if tag == "pre":
            self.pre = max(0, self.pre - 1)

    def handle_startendtag(self, tag: str, attrs) -> None:
        if tag in ("br", "hr"):
            self.out.append("\n")

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        if not self.pre:
            data = re.sub(r"\s+", " ", data)
            if not self.out or self.out[-1].endswith(("\n", " ")):
                data = data.lstrip(" ")
        self.out.append(data)


def html_to_text(html: str) -> str:
    """Readable text from HTML: paragraphs, line breaks and list items kept; scripts dropped."""
    extractor = _TextExtractor()
    try:
        extractor.feed(html)
        extractor.close()
    except Exception:  # html.parser is lenient; never let markup stop intake
        pass
    lines = [line.rstrip() for line in "".join(extractor.out).split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
