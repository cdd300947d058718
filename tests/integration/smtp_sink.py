"""A small aiosmtpd peer for mailer tests that need what the shared sink does not record:
which client connection carried each message, and AUTH."""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.servers import free_port


@dataclass(frozen=True)
class Delivery:
    peer: tuple[str, int]
    login: str | None
    mail_from: str
    rcpt_tos: list[str]
    content: bytes


class _Handler:
    def __init__(self) -> None:
        self.deliveries: list[Delivery] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        login = session.auth_data.login.decode() if session.auth_data else None
        with self.lock:
            self.deliveries.append(Delivery(tuple(session.peer[:2]), login, envelope.mail_from,
                                            list(envelope.rcpt_tos), bytes(envelope.content)))
        return "250 OK"


class PeerSink:
    """An SMTP server on loopback recording the client peer of every message.

    With `users`, AUTH PLAIN/LOGIN is offered over plain text (a test only).
    """

    def __init__(self, users: dict[str, str] | None = None) -> None:
        self.host, self.port = "127.0.0.1", free_port()
        self.handler = _Handler()
        kwargs = {}
        if users is not None:
            def check(server, session, envelope, mechanism, auth_data):
                ok = (isinstance(auth_data, LoginPassword)
                      and users.get(auth_data.login.decode()) == auth_data.password.decode())
                return AuthResult(success=ok, handled=False, auth_data=auth_data)
            kwargs = {"authenticator": check, "auth_require_tls": False}
        self.controller = Controller(self.handler, hostname=self.host, port=self.port, **kwargs)

    @property
    def deliveries(self) -> list[Delivery]:
        with self.handler.lock:
            return list(self.handler.deliveries)

    def __enter__(self) -> PeerSink:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()


class SilentServer:
    """Accepts TCP connections (the kernel's backlog does) but never says a word."""

    def __enter__(self) -> SilentServer:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.host, self.port = self.sock.getsockname()
        return self

    def __exit__(self, *exc: object) -> None:
        self.sock.close()
