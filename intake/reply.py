"""Reply text: the new part of a reply (quotes and signatures removed) and agent command lines.

Pure string functions. Quote headers come from mail-parser-reply's language
patterns plus the Spanish forms it misses; signatures are cut conservatively.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mailparser_reply.parser import EmailMessage

from rules.plans import Severity

# the vendor's customers write English and Spanish; their colleagues' mail clients
# may quote in German, French or Italian
_LANGUAGES = ["en", "es", "de", "fr", "it"]
_HEADER_RE = EmailMessage(text="", languages=list(_LANGUAGES)).HEADER_REGEX

# Forms mail-parser-reply 1.36 misses (its Spanish pattern wants two spaces
# before "escribió", and it knows only the English separator line).
_EXTRA_HEADERS = [
    re.compile(r"^(?:> ?)*El\s.{5,}?\s?escribi[oó]:\s*$", re.IGNORECASE | re.MULTILINE),
    re.compile(r"^(?:> ?)*On\s.{5,}?\s?wrote:\s*$", re.IGNORECASE | re.MULTILINE),
    re.compile(r"^(?:> ?)*-{3,}\s*(?:Original Message|Mensaje original)\s*-{3,}\s*$",
               re.IGNORECASE | re.MULTILINE),
]
# An Outlook header block counts only when it names the sender and the time, so
# two pasted lines such as "To: ..." and "Subject: ..." do not cut a reply short.
_BLOCK_FROM = re.compile(r"^[>* ]*(?:From|De|Von|Da)\s?:", re.IGNORECASE | re.MULTILINE)
_BLOCK_WHEN = re.compile(r"^[>* ]*(?:Sent|Date|Enviado|Fecha|Gesendet|Datum|Envoy[ée]|Inviato|Data)"
                         r"\s?:", re.IGNORECASE | re.MULTILINE)
_SENT_FROM = re.compile(
    r"^(?:Sent from my\b|Sent from Outlook\b|Get Outlook for\b|Enviado desde mi\b"
    r"|Enviado desde Outlook\b|Obtener Outlook para\b)(?:\s+[\w.-]+){0,3}\s*$",
    re.IGNORECASE,
)


def _header_lines(text: str) -> list[tuple[int, int]]:
    """(first line, last line) of every quote header found in `text`."""
    stripped = "\n".join(line.strip() for line in text.split("\n"))
    spans = []
    for match in _HEADER_RE.finditer(stripped):
        block = match.group(0)
        if not block.strip():
            continue
        is_attribution = re.search(r"(?:wrote|escribi[oó]|schrieb.*|a écrit.*|ha scritto)\s?:\s*$",
                                   block, re.IGNORECASE)
        if "\n" in block.strip() and not is_attribution \
                and not (_BLOCK_FROM.search(block) and _BLOCK_WHEN.search(block)):
            continue
        spans.append((match.start() + len(block) - len(block.lstrip()), match.end()))
    for pattern in _EXTRA_HEADERS:
        spans.extend((m.start(), m.end()) for m in pattern.finditer(stripped))
    return sorted((stripped.count("\n", 0, s), stripped.count("\n", 0, max(s, e - 1)))
                  for s, e in spans)


def _is_quoted(line: str) -> bool:
    return line.lstrip().startswith(">")


def _strip_signature(lines: list[str]) -> list[str]:
    content = [i for i, line in enumerate(lines) if line.strip()]
    for i in content[1:]:  # a delimiter on the first line is content, not a signature
        if lines[i].rstrip() == "--":
            lines = lines[:i]
            break
    content = [i for i, line in enumerate(lines) if line.strip()]
    for i in content[-3:]:
        if _SENT_FROM.match(lines[i].strip()):
            lines = lines[:i]
            break
    return lines


def _trim(lines: list[str]) -> str:
    while lines and (not lines[-1].strip() or _is_quoted(lines[-1])
                     or re.fullmatch(r"\s*[_\-=]{8,}\s*", lines[-1])):
        lines = lines[:-1]
    return "\n".join(lines).strip("\n")


_ATTRIBUTION = re.compile(r"(?:wrote|escribi[oó]|schrieb|a écrit|ha scritto)\s?:\s*$",
                          re.IGNORECASE)


def _interleaved(lines: list[str], headers: list[tuple[int, int]]) -> str:
    """Answers written between '>' quotes below an "On ... wrote:" line (an agent's
    "On Tuesday you wrote: > it is broken / We pushed a fix"), up to the next quote
    header. After an Outlook-style header block the lines are the quoted original
    itself, unmarked, and nothing counts."""
    if not headers:
        return ""
    first, last = headers[0]
    if first != last or not _ATTRIBUTION.search(lines[first].strip()):
        return ""
    ends = {n for a, b in headers[1:] for n in range(a, b + 1)}
    kept, seen_quote = [], False
    for n in range(last + 1, len(lines)):
        if n in ends:
            break
        if _is_quoted(lines[n]):
            seen_quote = True
        elif seen_quote:
            kept.append(lines[n])
    return _trim(_strip_signature(kept)).strip()


def new_text(text: str) -> str:
    """The new part of a reply; "" only when the mail holds nothing but quotes and signature."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    headers = _header_lines(text)
    cut = headers[0][0] if headers else len(lines)
    head = _trim(_strip_signature(lines[:cut]))
    if any(line.strip() and not _is_quoted(line) for line in head.split("\n")):
        answers = _interleaved(lines, headers)
        return "\n\n".join([head, answers]) if answers else head
    # Nothing above the first quote: bottom-posted or interleaved. Keep every
    # line that is neither quoted nor a quote header.
    skip = {n for first, last in headers for n in range(first, last + 1)}
    rest = [line for n, line in enumerate(lines) if n not in skip and not _is_quoted(line)]
    return _trim(_strip_signature(rest)).strip()


@dataclass(frozen=True)
class AgentCommand:
    """One valid command line from an agent."""

    name: str  # resolve, pending, severity, assign, note, open, via, force
    argument: str | None = None


@dataclass(frozen=True)
class CommandProblem:
    """A command line that cannot be carried out, and what the agent may write instead."""

    line: int  # 1-based, in the text given to parse_commands
    text: str  # the line as written, stripped
    problem: str


@dataclass(frozen=True)
class ParsedCommands:
    """The commands of an agent's mail, the text left to relay, and the bad command lines."""

    commands: tuple[AgentCommand, ...]
    text: str
    problems: tuple[CommandProblem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def describe(problem: CommandProblem) -> str:
    """One line for the mail that tells an agent why his mail was rejected."""
    return f'line {problem.line} "{problem.text}": {problem.problem}'


_ALIASES = {
    "resolve": "resolve", "resolved": "resolve", "resolver": "resolve", "resuelto": "resolve",
    "pending": "pending", "pendiente": "pending",
    "severity": "severity", "severidad": "severity", "gravedad": "severity",
    "assign": "assign", "asignar": "assign",
    "note": "note", "nota": "note",
    "open": "open", "abrir": "open",
    "via": "via", "por": "via",
    "force": "force", "forzar": "force",
}
# how a ticket an agent opens reached the desk (`#via phone`: a call the agent took)
_CHANNELS = {"phone": "phone", "telefono": "phone", "teléfono": "phone", "mail": "mail",
             "email": "mail", "correo": "mail"}
_LEVELS = {s.value: s.value for s in Severity} | {
    "bloqueante": "blocker", "bloqueo": "blocker", "critico": "critical",
    "crítico": "critical", "crítica": "critical", "critica": "critical", "mayor": "major",
    "menor": "trivial",
}
KNOWN = ("#resolve, #pending, #severity LEVEL, #assign NAME, #note TEXT, #open EMAIL, "
         "#via phone, #force")
# '#' and a letter make a command line; "#1042 is fixed" and "# heading" are text.
_COMMAND_LINE = re.compile(r"\s*#(?P<word>[^\W\d_][\w-]*)(?P<rest>.*)", re.DOTALL)
# a bare address, or "Name <address>" with nothing after it
_ADDRESS = re.compile(r"(?:.*<(?P<bracketed>[^<>]*)>|(?P<bare>[^\s<>]+))", re.DOTALL)
_EMAIL = re.compile(r"[^\s<>@,;]+@[^\s<>@,;.]+(?:\.[^\s<>@,;.]+)+")


def _got(arg: str | None) -> str:
    return f' (got "{arg}")' if arg else ""


def _command(word: str, arg: str | None) -> AgentCommand | str:
    """The command for a known `#word` and its argument, or what is wrong with them."""
    name = _ALIASES[word.lower()]
    if name in ("resolve", "pending", "force"):
        if arg:
            return f"#{word} takes no argument{_got(arg)}"
        return AgentCommand(name)
    if name == "severity":
        level = _LEVELS.get((arg or "").lower())
        if level is None:
            allowed = ", ".join(s.value for s in Severity)
            return f"#{word} needs one of {allowed}{_got(arg)}"
        return AgentCommand(name, level)
    if name == "via":
        channel = _CHANNELS.get((arg or "").lower())
        if channel is None:
            return f"#{word} needs phone or mail{_got(arg)}"
        return AgentCommand(name, channel)
    if name == "assign":
        if not arg:
            return f"#{word} needs a name"
        return AgentCommand(name, arg)
    match = _ADDRESS.fullmatch(arg or "")
    address = (match["bracketed"] or match["bare"] or "").strip() if match else ""
    if not _EMAIL.fullmatch(address):
        return f"#{word} needs one e-mail address{_got(arg)}"
    return AgentCommand(name, address.lower())


def parse_commands(text: str) -> ParsedCommands:
    """The commands in an agent's new text, the text left to relay, and the bad command lines.

    Every line of the agent's own (not in '>' quotes) that starts with '#' and a
    letter is a command line, wherever it stands, so a typo is never relayed to
    the customer. `#note` takes the rest of the mail as an internal note: the
    lines after it are not read as commands. Bad lines are reported, not
    dropped; the valid commands are still returned, so the caller can say what
    it did not do.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    commands: list[AgentCommand] = []
    problems: list[CommandProblem] = []
    kept: list[str] = []
    for number, line in enumerate(lines, start=1):
        match = _COMMAND_LINE.match(line)  # never matches a '>' quoted line
        if match is None:
            kept.append(line)
            continue
        word, rest = match["word"], match["rest"]
        name = _ALIASES.get(word.lower())
        result: AgentCommand | str
        if name is None:
            result = f"unknown command #{word}; known: {KNOWN}"
        elif rest and not rest[0].isspace():
            result = f"#{word} must be followed by a space or the end of the line"
        elif name == "note":
            note = "\n".join([rest, *lines[number:]]).strip()
            result = AgentCommand(name, note) if note else f"#{word} needs some text"
        else:
            result = _command(word, rest.strip() or None)
        if isinstance(result, AgentCommand):
            commands.append(result)
        else:
            problems.append(CommandProblem(number, line.strip(), result))
        if name == "note":
            break
    return ParsedCommands(tuple(commands), "\n".join(kept).strip("\n"), tuple(problems))
