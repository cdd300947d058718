"""Text that is safe to store, log, template and put in a header: one definition each of
header lines, body text, file names and length caps, for mail in and mail out alike."""

from __future__ import annotations

import codecs
import re
import unicodedata

# The most body text kept from one inbound message.
TEXT_LIMIT = 100_000

FILENAME_MAX = 100
# File systems count bytes (ext4: 255 per name): a name of 100 characters of CJK or emoji
# would not fit, and the store adds "-N" when names collide.
FILENAME_MAX_BYTES = 120
EXTENSION_MAX = 10  # a longer tail after the last dot is part of the name

_ASCII_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Cc except newline and tab, and lone surrogates (Cs)
_TEXT_JUNK = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_ESCAPES = re.compile(r"(?:\\udc[89a-f][0-9a-f])+")
_NOT_IN_FILENAMES = re.compile(r'[<>:"|?*]')
_FOLDERS = re.compile(r"[/\\]")


def one_line(value: str, limit: int = 998) -> str:
    """Text safe for a header, a log line or a template: one line, printable, at most
    `limit` characters.

    Control and line-separator characters become spaces; lone surrogates, private-use,
    unassigned and format characters (bidi overrides, zero-width marks) go, except the
    zero-width joiner that emoji sequences need; whitespace runs become one space.
    """
    # Of the two former cleaners (intake's and the composer's), this keeps the stricter
    # rules: the composer's removed only the bidi controls and kept private-use,
    # unassigned and other format characters; it turned lone surrogates into U+FFFD,
    # and here they go, as they always did for inbound mail.
    if value.isascii() and "\\udc" not in value:
        # the common case, without the per-character walk below
        return " ".join(_ASCII_CONTROL.sub(" ", value).split())[:limit].rstrip()
    value = repair_escapes(value)
    out = []
    for ch in value:
        cat = unicodedata.category(ch)
        if cat in ("Cc", "Zl", "Zp") or ch.isspace():
            out.append(" ")
        elif cat in ("Cs", "Co", "Cn") or cat == "Cf" and ch != "\u200d":
            continue  # surrogates, private use, unassigned, bidi overrides
        else:
            out.append(ch)
    # rstrip: a cut must not leave a trailing space, so a second pass changes nothing
    return " ".join("".join(out).split())[:limit].rstrip()


def clean_text(value: str) -> str:
    """Body text with Unix line ends, no control characters but newline and tab, no lone
    surrogates, and no blank lines before or after."""
    # Lone surrogates are dropped, as in one_line (the composer used to write U+FFFD
    # for them), so inbound text and the mail rendered from it agree.
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return _TEXT_JUNK.sub("", value).strip("\n")


def safe_filename(name: str | None, fallback: int | str) -> str:
    """A file name with no folders, printable, without `<>:"|?*`, at most 100 characters
    (and 120 UTF-8 bytes) keeping its extension.

    `fallback` is used when nothing is left: an attachment's position N gives
    `attachment-N`, a string is taken as it is.
    """
    # The merge of intake's sanitiser and the store's: control characters separate words
    # (as a folded header line does) rather than vanishing; names are NFC so one name
    # has one spelling on disk; the limit is both the 100 characters of the one and the
    # 120 bytes of the other; an extension is at most 10 characters (the store took 16).
    name = unicodedata.normalize("NFC", one_line(name or "", 4000))
    name = _FOLDERS.split(name)[-1]
    name = _NOT_IN_FILENAMES.sub("_", name).strip(" .")
    if len(name) > FILENAME_MAX or len(name.encode("utf-8")) > FILENAME_MAX_BYTES:
        stem, dot, ext = name.rpartition(".")
        ext = f".{ext}" if dot and 0 < len(ext) <= EXTENSION_MAX else ""
        stem = stem if ext else name
        stem = stem[: FILENAME_MAX - len(ext)]
        room = FILENAME_MAX_BYTES - len(ext.encode("utf-8"))
        # a cut inside a multi-byte character drops that character
        stem = stem.encode("utf-8")[:room].decode("utf-8", "ignore")
        name = stem.rstrip(" .") + ext
    if name:
        return name
    return f"attachment-{fallback}" if isinstance(fallback, int) else fallback


def cap(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters; a cut one ends with an ellipsis."""
    if len(text) <= limit:
        return text
    if limit < 1:
        return ""
    return text[: limit - 1].rstrip() + "\u2026"


def decode_bytes(data: bytes, charset: str | None = None) -> str:
    """Bytes as text: in `charset` when it is known and fits, else as UTF-8 with any
    byte that is not UTF-8 read as Windows-1252."""
    if charset and charset not in ("unknown-8bit",):
        try:
            return data.decode(charset)
        except (LookupError, UnicodeDecodeError):
            pass
    # Raw 8-bit headers in the wild are UTF-8 or Windows-1252, sometimes both at once.
    return data.decode("utf-8", errors="intakebot-cp1252")


def _cp1252_fallback(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    bad = exc.object[exc.start:exc.end]
    return bad.decode("cp1252", errors="replace"), exc.end


codecs.register_error("intakebot-cp1252", _cp1252_fallback)


def repair_escapes(value: str) -> str:
    """Undo mail-parser's literal `\\udcXX` escapes and the surrogateescape of raw header
    bytes (the email package's); any other lone surrogate is dropped."""
    def fix(match: re.Match) -> str:
        data = bytes(int(h, 16) for h in re.findall(r"\\udc([89a-f][0-9a-f])", match.group(0)))
        return decode_bytes(data)

    value = _ESCAPES.sub(fix, value)
    if _SURROGATE.search(value):
        # \udc80-\udcff are escaped raw bytes: decode them; any other surrogate is junk.
        value = "".join(c for c in value
                        if not ("\ud800" <= c < "\udc80" or "\udcff" < c <= "\udfff"))
        value = decode_bytes(value.encode("utf-8", "surrogateescape"))
    return value
