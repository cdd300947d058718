"""The per-client sign-in limit behind a proxy, over real HTTP to the support center as
`intakebot run` serves it (uvicorn on a free port, peer 127.0.0.1): X-Forwarded-For
counts only from `[web] trusted_proxies`, read from the right."""

from __future__ import annotations

import http.client
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from intakebot.app import App
from intakebot.clock import FixedClock
from intakebot.config import ConfigError, parse
from intakebot.webserver import WebServer
from tests.servers import free_port

NOW = datetime(2026, 3, 3, 11, 0, tzinfo=ZoneInfo("Europe/Madrid"))
LIMIT = 30  # [web] sign_ins_per_ip_per_hour's default


class Center:
    """The support center on a real socket, and a client that asks it for sign-in links."""

    def __init__(self, tmp_path, **web) -> None:
        self.port = free_port()
        config = parse({"web": {"listen": f"127.0.0.1:{self.port}", **web}})
        self.app = App(config, tmp_path / "data", FixedClock(NOW))
        self.server = WebServer(self.app)
        self.server.start()

    def close(self) -> None:
        self.server.stop()
        self.app.close()

    def _request(self, method: str, path: str, body: str = "", headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            return response, response.read().decode()
        finally:
            conn.close()

    def ask(self, email: str, forwarded_for: str | None = None) -> int:
        """POST /login as a fresh browser (its own nonce cookie and form token)."""
        extra = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
        response, page = self._request("GET", "/", headers=extra)
        nonce = response.getheader("set-cookie").split(";", 1)[0]
        token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
        response, _ = self._request(
            "POST", "/login", body=f"csrf={token}&email={email}",
            headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": nonce,
                     **extra})
        return response.status


@pytest.fixture
def center(tmp_path):
    made = []

    def start(**web) -> Center:
        made.append(Center(tmp_path / str(len(made)), **web))
        return made[-1]

    yield start
    for c in made:
        c.close()


def test_a_forged_forwarded_for_from_an_untrusted_peer_does_not_escape_the_limit(center):
    direct = center()  # no trusted proxies: the socket peer is the client

    codes = [direct.ask(f"x{n}@acme.example", forwarded_for=f"203.0.113.{n}")
             for n in range(LIMIT + 2)]

    # every request came from 127.0.0.1, whatever each one claimed
    assert codes[:LIMIT] == [200] * LIMIT and codes[LIMIT:] == [429, 429]


def test_behind_a_trusted_proxy_each_client_has_its_own_limit(center):
    proxied = center(trusted_proxies=["127.0.0.1", "10.0.0.0/8"])
    first, second = "198.51.100.7", "198.51.100.8"

    # a client that writes its own X-Forwarded-For: the proxy appends the real address,
    # and an inner proxy of ours (10.1.2.3) appends the outer one's
    codes = [proxied.ask(f"y{n}@acme.example", forwarded_for=f"192.0.2.{n}, {first}, 10.1.2.3")
             for n in range(LIMIT + 1)]

    assert codes[:LIMIT] == [200] * LIMIT and codes[LIMIT] == 429
    assert proxied.ask("z@acme.example", forwarded_for=second) == 200
    assert proxied.ask("z@acme.example", forwarded_for=first) == 429
    # what a proxy of ours did not write as an address counts against that proxy
    assert proxied.ask("w@acme.example", forwarded_for="not-an-address") == 200


@pytest.mark.parametrize("value, bad", [
    (["10.0.0.300"], "'10.0.0.300'"),
    (["10.0.0.1/8"], "'10.0.0.1/8'"),   # host bits set: 10.0.0.0/8 or 10.0.0.1 was meant
    (["proxy.example"], "'proxy.example'"),
])
def test_a_bad_trusted_proxy_names_the_setting_and_what_is_allowed(value, bad):
    with pytest.raises(ConfigError) as caught:
        parse({"web": {"trusted_proxies": value}})
    message = str(caught.value)
    assert "web.trusted_proxies" in message and bad in message
    assert "addresses and CIDR networks such as" in message


def test_trusted_proxies_default_to_none():
    assert parse({}).web.trusted_proxies == []
