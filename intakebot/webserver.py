"""Serving the support center: its parts built from the configuration, its signing secret
in the data folder, and uvicorn in a thread of the running bot (or alone, `intakebot web`).

The web process and the bot share the data folder the way the CLI does: each
request is one unit of work on the store, under the store's locks.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from intakebot.app import App

log = logging.getLogger("intakebot.web")
SECRET_FILE = "web-secret"


def base_url(app: App, listen: str | None = None) -> str:
    """Where links in mail point: [web] public_url, else the address it listens on."""
    web = app.config.web
    if web.public_url or not listen:
        return web.base_url
    return f"http://{listen}/"


def build(app: App, after_commit=None, listen: str | None = None):
    """The Starlette application over the bot's store, policy and configuration."""
    from web.app import create_app
    from web.deps import Deps, WebSettings

    config = app.config
    settings = WebSettings(
        base_url=base_url(app, listen), support_name=config.support.name,
        language=config.support.language,
        support_address=config.support.address, session_hours=config.web.session_hours,
        per_address_per_hour=config.web.sign_ins_per_address_per_hour,
        per_ip_per_hour=config.web.sign_ins_per_ip_per_hour,
        max_upload_bytes=config.intake.max_message_bytes,
        reopen_days=config.intake.reopen_days,
        per_contact_per_hour=config.intake.per_sender_per_hour,
        trusted_proxies=tuple(config.web.trusted_proxies))
    return create_app(Deps(store=app.store, policy=app.policy, addressing=app.addressing,
                           settings=settings, secret=app.store.shared_secret(SECRET_FILE),
                           clock=app.clock, after_commit=after_commit))


def uvicorn_config(app: App, after_commit=None, listen: str | None = None):
    import uvicorn

    host, _, port = (listen or app.config.web.listen).rpartition(":")
    # proxy_headers off: uvicorn would otherwise believe X-Forwarded-For from any local
    # peer; which proxies to believe is [web] trusted_proxies, decided in web/proxies.py
    return uvicorn.Config(build(app, after_commit, listen), host=host.strip("[]"),
                          port=int(port), proxy_headers=False,
                          log_level="warning", access_log=False, lifespan="off")


class WebServer:
    """uvicorn in a thread of the running bot; `start` returns once it listens."""

    def __init__(self, app: App, after_commit=None) -> None:
        import uvicorn

        self.address = app.config.web.listen
        self.server = uvicorn.Server(uvicorn_config(app, after_commit))
        self.thread = threading.Thread(target=self.server.run, name="support-center",
                                       daemon=True)

    def start(self, seconds: float = 10) -> None:
        """OSError when it cannot listen (the port is taken, the address is not ours)."""
        self.thread.start()
        deadline = time.monotonic() + seconds
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise OSError(f"the support center cannot listen on {self.address}")
            time.sleep(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
