"""The embedded SMTP listener (aiosmtpd): mail for the support addresses enters the pipeline.

A message is answered 250 only after its unit of work has committed, so a
sender never hears "accepted" for mail the bot could still lose; anything
else is a 4xx and the sending server retries.
"""

from __future__ import annotations

import asyncio
import logging

from aiosmtpd.controller import Controller

from intake.pipeline import Incoming, Pipeline

log = logging.getLogger("intakebot.smtp")


class _Handler:
    def __init__(self, pipeline: Pipeline, addresses: list[str]):
        self.pipeline = pipeline
        self.addresses = {a.lower() for a in addresses}

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() not in self.addresses:
            return f"550 5.1.1 <{address}>: this server accepts mail for " \
                   f"{', '.join(sorted(self.addresses))} only"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        # as a final delivery agent does: the envelope sender becomes Return-Path,
        # which is how a bounce (null sender, "<>") is recognised
        raw = f"Return-Path: <{envelope.mail_from or ''}>\r\n".encode() + raw
        incoming = Incoming(raw, self.pipeline.clock(), source="smtp")
        loop = asyncio.get_running_loop()
        try:
            handled = await loop.run_in_executor(None, self.pipeline.run, [incoming])
        except Exception:
            log.exception("could not store an SMTP message; asked the sender to retry")
            return "451 4.3.0 Temporary failure storing the message, try again later"
        outcome = handled[0]
        ticket = f" ticket #{outcome.ticket}" if outcome.ticket else ""
        return f"250 OK {outcome.outcome}{ticket}"


class Listener:
    def __init__(self, pipeline: Pipeline, addresses: list[str], host: str, port: int,
                 max_bytes: int):
        self.controller = Controller(
            _Handler(pipeline, addresses), hostname=host, port=port,
            data_size_limit=max_bytes, enable_SMTPUTF8=True,
        )
        self.host = host
        self.port = port

    def start(self) -> None:
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()

