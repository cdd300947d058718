"""The sender's own words of a mail, as tokens for severity triage.

Quoted history ("On ... wrote:", "-----Original Message-----", an Outlook header block
of a reply, "> " lines), signatures and legal disclaimers are dropped; a forwarded
colleague's report is kept (the forwarder sends it as theirs). The text is then folded
(lower case, no accents) and cut into word tokens and clause marks in one regex pass.
"""

from __future__ import annotations

import re
import unicodedata

# The problem is described at the top; pasted logs below it would only cost time.
MAX_CHARS = 20_000

_HTML = re.compile(r"<br\s*/?>|</?p>|&nbsp;|<[a-z/][^<>\n]{0,60}>", re.I)


def _html(match: re.Match[str]) -> str:
    tag = match.group(0).lower()
    return " " if tag == "&nbsp;" or not tag.startswith(("<br", "<p", "</p")) else "\n"


# What a line is, for the lines that can be a marker (see _candidate); the first group
# that matches decides.
_LINE = re.compile(r"""(?ix)
    (?P<fwd> -{2,}\s*(?:forwarded\ message|mensaje\ reenviado|begin\ forwarded\ message)
             \s*-{2,}$ | begin\ forwarded\ message:$ | inicio\ del\ mensaje\ reenviado:$)
  | (?P<hist> -{2,}\s*(?:original\ message|mensaje\ original)\s*-{2,}$
             | (?:on|el)\b.{0,300}\b(?:wrote|escribi[oó])\s*:$)
  | (?P<outlook> \*?(?:from|de)\s*:\s*\S)
  | (?P<sig> --(?:\s|$) | -{5,}$ | _{8,}$ | (?:sent\ from\ my|enviado\ desde\ mi
             |get\ outlook\ for)\b)
  | (?P<bye> (?:(?:kind|best|warm|warmest|many|with\ best)\s+)?(?:regards|thanks|thank\ you
             |cheers|best|best\ wishes|sincerely|yours\ (?:sincerely|faithfully|truly)
             |thanks\ in\ advance|thx|un\ saludo|saludos(?:\ cordiales)?|atentamente
             |cordialmente|gracias|muchas\ gracias(?:\ de\ antemano)?|gracias\ de\ antemano
             |un\ abrazo|quedo\ atent[oa]|thanks\ /\ gracias)[\s,.!]*$)
""")
_STARTS = ("on ", "el ", "from", "de", "*", "sent ", "enviado", "get outlook", "begin",
           "inicio")
# A legal disclaimer starts wherever one of these is said; found once over the whole text
# (lower-cased: a case-insensitive alternation is several times slower), and only where
# a word each of them has is there at all (see own_text).
_LEGAL = re.compile(r"confidentiality notice|aviso legal|is confidential|son confidenciales"
                    r"|es confidencial|intended (?:solely )?for the|if you are not the intended"
                    r"|si (?:no es usted|lo ha recibido|ha recibido este)")
_HEADER = re.compile(r"(?i)^\*?(?:from|de|to|para|cc|sent|date|fecha|enviado(?: el)?|subject|"
                     r"asunto)\s*:")
_SENT = re.compile(r"(?i)^\*?(?:sent|date|enviado(?: el)?|fecha)\s*:")
_FORWARD_SUBJECT = re.compile(r"(?i)^\s*(?:fwd?|rv|tr|reenv(?:iado)?)\s*:")
REPLY_SUBJECT = re.compile(r"(?i)^\s*(?:re|aw|sv|antw|resp)\s*:")


# The first characters a marker line can start with (_LINE, lower-cased): "-", "_", "*"
# and the first letters of its words ("begin", "on", "from", "sent", "kind regards"...).
_FIRST = frozenset("-_*biofdsgkwmrtcyueaq")


def _kind(line: str) -> str | None:
    """What a line is: fwd, hist, outlook, sig, bye, or None for text. Only short lines
    and lines that start like a marker are matched at all."""
    first = line[0]
    if first.isascii() and first.lower() not in _FIRST:
        return None
    if len(line) > 40 and line[0] not in "-_*" and not line[:12].lower().startswith(_STARTS):
        return None
    m = _LINE.match(line)
    return m.lastgroup if m else None


def own_text(body: str, forwarded: bool = False) -> str:
    """The lines of `body` its sender wrote or forwarded as theirs. `forwarded`: the subject
    says so, which makes an Outlook header block the start of the forwarded mail."""
    text = _HTML.sub(_html, body[:MAX_CHARS * 2]) if "<" in body or "&" in body else body
    lowered = text.lower()
    legal = set()
    if ("confiden" in lowered or "intended" in lowered or "aviso legal" in lowered
            or "si no es usted" in lowered or "recibido" in lowered):  # in each of _LEGAL's
        legal = {text.count("\n", 0, m.start()) for m in _LEGAL.finditer(lowered)}
    lines = text.splitlines()
    kept: list[str] = []
    skipping = headers = False  # in a signature; in the header block of a forwarded mail
    for i, raw in enumerate(lines):
        line = raw.strip()
        if headers:
            if not line or _HEADER.match(line):
                continue
            headers = False
        if not line:
            continue
        first = line[0]
        if first == ">":
            continue
        if i in legal:
            kind = "legal"
        elif first.isascii() and first.lower() not in _FIRST:
            kind = None  # (_kind's first test, here: most lines are text)
        else:
            kind = _kind(line)
        if kind == "outlook":
            if not any(_SENT.match(n.strip()) for n in lines[i + 1:i + 5]):
                kind = None
            elif not forwarded:
                break  # the mail this one replies to
        if kind == "hist" or (kind is None and line[:3].lower() in ("on ", "el ")
                              and i + 1 < len(lines) and _wrote(line, lines[i + 1])):
            break
        if kind in ("fwd", "outlook"):
            skipping, headers = False, True
            continue
        if kind in ("sig", "legal") or (kind == "bye" and kept):
            skipping = True
            continue
        if not skipping:
            kept.append(line)
    return "\n".join(kept)[:MAX_CHARS]


def _wrote(line: str, following: str) -> bool:
    """An "On <date>, <name> <address>" line whose "wrote:" wrapped onto the next one."""
    m = _LINE.match(line + " " + following.strip())
    return bool(m and m.lastgroup == "hist")


def is_forward(subject: str) -> bool:
    return bool(_FORWARD_SUBJECT.match(subject))


_COMBINING = re.compile("[\u0300-\u036f]+")
# one str.replace per quote present: translate() goes char by char on non-ASCII text
_QUOTES = (("’", "'"), ("‘", "'"), ("´", "'"), ("“", '"'), ("”", '"'), ("«", '"'), ("»", '"'))


def fold(text: str) -> str:
    """Lower case without accents ("Caído" -> "caido", "ñ" -> "n"), typographic quotes
    as plain ones; the vocabulary and the operators' rules are folded alike."""
    text = unicodedata.normalize("NFD", text.lower())
    if text.isascii():
        return text
    text = _COMBINING.sub("", text)
    for typographic, plain in _QUOTES:
        if typographic in text:
            text = text.replace(typographic, plain)
    return text


# The same, one character for one, so a match in the folded text is a match in the original.
_SAME_LENGTH = {c: unicodedata.normalize("NFD", chr(c))[0].lower()
                for c in range(0xC0, 0x250) if len(unicodedata.normalize("NFD", chr(c))) > 1}


def fold_in_place(text: str) -> str:
    return unicodedata.normalize("NFC", text).lower().translate(_SAME_LENGTH)


# Kept as they are: the HTTP codes that say what failed, and 0 ("0 bytes").
_KEPT_NUMBERS = frozenset({"0", "403", "404", "500", "502", "503", "504"})
# Addresses and hosts become one word, a paragraph break a full stop, a dash between
# words a comma; "'s" goes ("tuesday's" -> "tuesday", "it's" -> "it"); other numbers
# become "#". Plain substitutions (no callback), then one findall.
_TLD = r"(?:example|com|net|org|cloud|io|es|eu|uk|co|app|de|fr|it|pt|mx|ar|cl|pe|info|biz|dev)"
_HAS_HOST = re.compile(r"@|\." + _TLD + r"\b")
# Each branch is tried only where a run of its characters starts (a match inside a run
# implies one from its start, which is found first): otherwise every position inside
# every word is tried, and that was a fifth of the tokenising.
_HOSTS = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
                    r"|(?<![a-z0-9-])(?:https?://)?(?:[a-z0-9-]+\.)+" + _TLD +
                    r"\b(?:/[^\s)>\"']*)?")
_POSSESSIVE = re.compile(r"'s\b")
_NETFAIL = re.compile(r"\b(?:net::)?(?:err|dns_probe)_\w*")  # ERR_CONNECTION_REFUSED...
_PARAGRAPH = re.compile(r"\n[ \t]*\n")
_DASH = re.compile(r"[ \t]-+[ \t]")
# An error code ("AUTH-503", "E-STOR-500") is one word: its number is not an HTTP status.
_CODE = re.compile(r"\b(?!http-|error-|err-)[a-z][a-z0-9-]*-\d+\b")
_CODE_HINT = re.compile(r"[a-z]-\d")
# 10:20 is a word. Words that start with a letter come first (most do): a digit only
# decides between a time and a word where a word starts with one.
_WORD = re.compile(r"[a-z_#][a-z0-9_#]*(?:'[a-z]+)?|\d+(?::\d+)+|[0-9][a-z0-9_#]*(?:'[a-z]+)?"
                   r"|[.!?;:()\"¿¡,]")
_NUMBER_WORDS = """two three four five six seven eight nine ten eleven twelve fifteen twenty
    thirty forty fifty sixty hundred dos tres cuatro cinco seis siete ocho nueve diez doce
    quince veinte treinta cuarenta cincuenta sesenta cien"""
_TOKEN_OF = {"!": ".", ";": ".", ":": ",", "¿": ",", "¡": ",",
             **{w: "#" for w in _NUMBER_WORDS.split()}}
HOST, MAIL, NUMBER = "urlsite", "mailaddress", "#"


def _host(m: re.Match[str]) -> str:
    return f" {MAIL} " if "@" in m.group() else f" {HOST} "


def _hosts(folded: str) -> str:
    """`folded` with its addresses and hosts as words (_HOSTS). No address spans a space or
    a line break, and none is found without a hint (_HAS_HOST) in it: only the words around
    each hint are searched, which is the same as searching the whole text (a lookbehind or
    a word boundary at the edge of a word sees a space either way) at a fraction of the
    cost."""
    pieces, done = [], 0
    for hint in _HAS_HOST.finditer(folded):
        at = hint.start()
        if at < done:
            continue  # in the word just searched
        start = max(folded.rfind(" ", done, at), folded.rfind("\n", done, at), done - 1) + 1
        end = min(e for e in (folded.find(" ", hint.end()), folded.find("\n", hint.end()),
                              len(folded)) if e >= 0)
        pieces += folded[done:start], _HOSTS.sub(_host, folded[start:end])
        done = end
    return "".join(pieces) + folded[done:] if pieces else folded


def tokens(text: str) -> list[str]:
    """Folded word tokens of `text`, with "." for the end of a sentence, "?" for the end of
    a question, "(", ")" and '"' (quotes, typographic ones folded to it), and "," for
    other clause marks."""
    get = _TOKEN_OF.get
    folded = fold(text)
    folded = _hosts(folded)
    if "'" in folded:
        folded = _POSSESSIVE.sub("", folded)
    if "err_" in folded or "dns_" in folded:
        folded = _NETFAIL.sub(" netfail ", folded)
    if "\n" in folded:
        folded = _PARAGRAPH.sub(" . ", folded)
    if "-" in folded:
        folded = _DASH.sub(" , ", folded)
        if _CODE_HINT.search(folded):
            folded = _CODE.sub(" errcode ", folded)
    return ["#" if t.isdigit() and t not in _KEPT_NUMBERS else get(t, t)
            for t in _WORD.findall(folded)]
