"""`intakebot web`: the support center alone, as a process on the bot's data folder."""

from __future__ import annotations

import http.client
import time

from tests.e2e.e2e_helpers import Bot
from tests.servers import free_port


def test_web_serves_the_sign_in_page_on_the_data_folder(tmp_path):
    bot = Bot(None, tmp_path / "data", tmp_path)
    bot.ok("account", "add", "Acme", "--plan", "plus")
    port = free_port()
    log = tmp_path / "web.log"
    proc = bot.start("web", "--listen", f"127.0.0.1:{port}", log=log)
    try:
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, log.read_text()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            try:
                conn.request("GET", "/")
                response = conn.getresponse()
                page, cookie = response.read().decode(), response.getheader("set-cookie")
                break
            except OSError:
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.1)
            finally:
                conn.close()
        assert response.status == 200 and 'action="/login"' in page
        assert "HttpOnly" in cookie
        assert (tmp_path / "data" / "web-secret").stat().st_mode & 0o777 == 0o600
    finally:
        proc.terminate()
        assert proc.wait(30) == 0, log.read_text()
    # without [web] public_url, links in mail point where it listens
    assert f"support center on http://127.0.0.1:{port}/ (links in mail: " \
        f"http://127.0.0.1:{port}/)" in log.read_text()


def test_a_bad_listen_address_is_a_usage_error(cli, failure):
    failure(cli("web", "--listen", "nowhere"), 2, "--listen")
