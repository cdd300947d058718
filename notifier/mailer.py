"""Delivery transports: hand a composed EmailMessage to an SMTP server or drop it into a Maildir.

Both mailers have the same interface (`open`, `close`, context manager,
`send(msg) -> refused`) and raise `TemporaryFailure` (try again later) or
`PermanentFailure` (retrying will not help).

How SMTP answers map to the two failures:
- refused connection, timeout, dropped connection, any 4xx -> TemporaryFailure;
- 5xx to MAIL FROM, to every RCPT TO, or to DATA -> PermanentFailure;
- a 5xx while setting up the session (greeting, EHLO, STARTTLS, AUTH) is also a
  TemporaryFailure: it is a configuration problem that fails every message alike,
  so the outbox keeps them until an operator fixes it instead of bouncing them all;
- some recipients refused, others accepted: the message counts as sent (the
  accepted ones have it, so a retry would duplicate it) and `send` returns the
  refused ones as {address: (code, text)} for the caller to report. When every
  recipient is refused: TemporaryFailure if any refusal was 4xx, else PermanentFailure.
"""

from __future__ import annotations

import copy
import logging
import mailbox
import smtplib
import ssl
from email import policy
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr
from os import PathLike
from pathlib import Path
from typing import Literal

log = logging.getLogger(__name__)

Refused = dict[str, tuple[int, str]]


class MailerError(Exception):
    """A delivery that did not happen; `code` is the SMTP reply code when there was one."""

    def __init__(self, code: int | None, text: str, refused: Refused | None = None):
        self.code = code
        self.text = text
        self.refused = refused or {}
        super().__init__(f"{code} {text}" if code else text)


class TemporaryFailure(MailerError):
    """Worth retrying later: the server or the network said 'not now'."""


class PermanentFailure(MailerError):
    """Retrying will not help: the server refused this message or its recipients."""


def envelope_recipients(msg: EmailMessage) -> list[str]:
    """Every address in To, Cc and Bcc, once each (compared case-insensitively)."""
    seen: dict[str, str] = {}
    values = [str(v) for name in ("To", "Cc", "Bcc") for v in msg.get_all(name, [])]
    for _, addr in getaddresses(values):
        if addr and addr.lower() not in seen:
            seen[addr.lower()] = addr
    return list(seen.values())


def _envelope(msg: EmailMessage, envelope_from: str | None) -> tuple[str, list[str]]:
    sender = envelope_from or parseaddr(str(msg.get("From", "")))[1]
    recipients = envelope_recipients(msg)
    if not recipients:
        raise PermanentFailure(None, "the message has no recipients")
    return sender, recipients


def _text(raw: bytes | str) -> str:
    return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)


def _by_code(code: int, text: str, refused: Refused | None = None) -> MailerError:
    kind = PermanentFailure if 500 <= code < 600 else TemporaryFailure
    return kind(code, text, refused)


class SmtpMailer:
    """SMTP submission with smtplib; keeps one connection open between open() and close()."""

    def __init__(self, host: str, port: int, tls: Literal["none", "starttls", "ssl"] = "none",
                 username: str | None = None, password: str | None = None,
                 timeout: float = 30, local_hostname: str | None = None,
                 envelope_from: str | None = None, ssl_context: ssl.SSLContext | None = None):
        if tls not in ("none", "starttls", "ssl"):
            raise ValueError(f"tls = {tls!r}: one of none, starttls, ssl")
        self.host, self.port, self.tls = host, port, tls
        self.username, self.password = username, password
        self.timeout = timeout
        self.local_hostname = local_hostname
        self.envelope_from = envelope_from
        self.ssl_context = ssl_context
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> SmtpMailer:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def open(self) -> None:
        """Connect, secure and log in; TemporaryFailure when the session cannot be set up."""
        if self._smtp is not None:
            return
        context = self.ssl_context or ssl.create_default_context()
        smtp: smtplib.SMTP | None = None
        try:
            if self.tls == "ssl":
                smtp = smtplib.SMTP_SSL(self.host, self.port, local_hostname=self.local_hostname,
                                        timeout=self.timeout, context=context)
            else:
                smtp = smtplib.SMTP(self.host, self.port, local_hostname=self.local_hostname,
                                    timeout=self.timeout)
            smtp.ehlo()
            if self.tls == "starttls":
                smtp.starttls(context=context)
                smtp.ehlo()
            if self.username:
                smtp.login(self.username, self.password or "")
        except smtplib.SMTPResponseException as exc:
            _quit(smtp)
            raise TemporaryFailure(exc.smtp_code, _text(exc.smtp_error)) from exc
        except (smtplib.SMTPException, OSError) as exc:
            _quit(smtp)
            raise TemporaryFailure(None, f"cannot reach {self.host}:{self.port}: {exc}") from exc
        self._smtp = smtp

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        _quit(smtp)

    def _alive(self) -> bool:
        """Whether the open connection still answers (servers drop idle sessions)."""
        if self._smtp is None:
            return False
        try:
            return self._smtp.noop()[0] == 250
        except (smtplib.SMTPException, OSError):
            return False

    def send(self, msg: EmailMessage) -> Refused:
        """Deliver one message; returns the recipients refused while others accepted it.

        Outside a `with` block (or open/close) it opens and closes a connection
        around this one message.
        """
        sender, recipients = _envelope(msg, self.envelope_from)
        one_shot = self._smtp is None
        if not one_shot and not self._alive():
            # reconnect before MAIL FROM, never after DATA, so nothing is sent twice
            self.close()
        self.open()
        assert self._smtp is not None
        try:
            refused = self._smtp.send_message(msg, from_addr=sender, to_addrs=recipients)
        except smtplib.SMTPRecipientsRefused as exc:
            self.close()
            every = {a: (code, _text(text)) for a, (code, text) in exc.recipients.items()}
            code = min(code for code, _ in every.values())
            detail = "; ".join(f"{a}: {c} {t}" for a, (c, t) in every.items())
            raise _by_code(code, f"every recipient refused: {detail}", every) from exc
        except smtplib.SMTPNotSupportedError as exc:
            self.close()
            raise PermanentFailure(None, f"the server cannot take this message: {exc}") from exc
        except smtplib.SMTPResponseException as exc:
            self.close()
            raise _by_code(exc.smtp_code, _text(exc.smtp_error)) from exc
        except (smtplib.SMTPException, OSError) as exc:
            self.close()
            raise TemporaryFailure(None, f"connection to {self.host}:{self.port} lost: {exc}") \
                from exc
        finally:
            if one_shot:
                self.close()
        result = {a: (code, _text(text)) for a, (code, text) in refused.items()}
        if result:
            log.warning("%s: some recipients refused: %s", msg.get("Message-ID"), result)
        return result


def _quit(smtp: smtplib.SMTP | None) -> None:
    if smtp is None:
        return
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()


class MaildirMailer:
    """The embedded default without SMTP: each message becomes a file in a Maildir."""

    def __init__(self, path: str | PathLike[str], envelope_from: str | None = None):
        self.path = path
        self.envelope_from = envelope_from

    def __enter__(self) -> MaildirMailer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def open(self) -> None:
        """Nothing to connect; present so callers treat both mailers alike."""

    def close(self) -> None:
        """Nothing to release."""

    def send(self, msg: EmailMessage) -> Refused:
        sender, recipients = _envelope(msg, self.envelope_from)
        stored = copy.deepcopy(msg)
        del stored["Bcc"]  # as an SMTP server would; the envelope below keeps them
        head = f"Return-Path: <{sender}>\nX-Envelope-To: {', '.join(recipients)}\n"
        try:
            data = head.encode("utf-8") + stored.as_bytes(policy=policy.default)
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            mailbox.Maildir(self.path, create=True).add(data)
        except OSError as exc:
            raise TemporaryFailure(None, f"cannot write to the Maildir {self.path}: {exc}") \
                from exc
        return {}
