"""The support center as a person uses it: `intakebot run` (SMTP listener in, an SMTP sink
out, the support center on a free port) and a real headless Chromium driven by Selenium.

A contact signs in with the link from the mail at the sink, lists and opens his
tickets, replies (the agent gets the notice), opens a new ticket (the acknowledgement
arrives) and signs out; a contact who reads Spanish sees his pages in Spanish; a
manager signs in, looks at the staff overview and opens one ticket's staff page. Each page
is saved as a screenshot ($INTAKEBOT_SCREENSHOTS, else the test's tmp_path).
Without Chromium the test is skipped on a laptop and fails when CI=true.
"""

from __future__ import annotations

import re
import smtplib
import socket
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.browser import screenshot_dir
from tests.e2e.e2e_helpers import SUPPORT, Bot, delivered, mail, smtp_section, write_config
from tests.servers import free_port

MADRID = ZoneInfo("Europe/Madrid")
ALICE, CAROL = "alice@acme.example", "carol@globex.example"
BRUNO = "bruno@acme.example"  # reads Spanish (his contact's language)
ANA, BOSS = "ana@vendor.example", "boss@vendor.example"
WAIT = 30

pytestmark = pytest.mark.timeout(300)


def _left(page):
    """A wait condition: the browser has left `page`. Selenium's staleness_of expects a
    stale-element error, but during the navigation Chromium may answer "Node with given
    id does not belong to the document" instead, which says the same."""
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException

    def gone(driver) -> bool:
        try:
            page.is_enabled()
        except StaleElementReferenceException:
            return True
        except WebDriverException as exc:
            if "does not belong to the document" in str(exc):
                return True
            raise
        return False

    return gone


class Desk:
    """The running bot, its mail in (SMTP) and out (the sink), and the browser on it."""

    def __init__(self, tmp_path: Path, sink, driver) -> None:
        self.sink, self.driver = sink, driver
        self.web, self.smtp = free_port(), free_port()
        self.base = f"http://127.0.0.1:{self.web}"
        config = write_config(tmp_path / "bot.toml", {
            "support": {"address": SUPPORT, "name": "Vendor Support",
                        "phone": "+34 910 000 000"},
            "smtp": smtp_section(sink),
            "smtp_listener": {"enabled": True, "port": self.smtp},
            "agents": {"addresses": [ANA], "names": {ANA: "Ana Ruiz"}},
            "managers": {"addresses": [BOSS]},
            "web": {"listen": f"127.0.0.1:{self.web}"},
        })
        self.bot = Bot(config, tmp_path / "data", tmp_path)
        self.log = tmp_path / "bot.log"
        self.shots = screenshot_dir(tmp_path)
        self.proc = None

    def start(self) -> None:
        self.proc = self.bot.start("run", log=self.log)
        for port in (self.smtp, self.web):
            deadline = time.monotonic() + WAIT
            while True:
                assert self.proc.poll() is None, self.log.read_text()
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    assert time.monotonic() < deadline, self.log.read_text()
                    time.sleep(0.1)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(60)

    # -- mail

    def send(self, sender: str, subject: str, body: str) -> None:
        raw = mail(sender, subject, body, date=datetime.now(MADRID),
                   message_id=f"<{time.monotonic_ns()}@{sender.split('@')[1]}>")
        with smtplib.SMTP("127.0.0.1", self.smtp, timeout=WAIT) as client:
            assert client.sendmail(sender, [SUPPORT], raw) == {}

    def count(self, kind: str, to: str) -> int:
        return len([m for m in delivered(self.sink) if m.kind == kind and to in m.rcpts])

    def wait_mail(self, kind: str, to: str, seen: int = 0):
        """The newest mail of `kind` to `to` once more than `seen` of them arrived."""
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            found = [m for m in delivered(self.sink) if m.kind == kind and to in m.rcpts]
            if len(found) > seen:
                return found[-1]
            time.sleep(0.2)
        raise AssertionError(f"no {kind} mail to {to} within {WAIT} s:\n"
                             + self.log.read_text()[-3000:])

    # -- the browser

    def shot(self, name: str) -> None:
        d = self.driver
        d.set_window_size(1100, 900)
        height = d.execute_script("return document.documentElement.scrollHeight")
        d.set_window_size(1100, min(int(height) + 20, 4000))
        d.save_screenshot(str(self.shots / f"support-center-{name}.png"))

    def text(self) -> str:
        return self.driver.execute_script("return document.body.innerText")

    def submit(self, form_action: str, **fields: str) -> None:
        from selenium.webdriver.common.by import By

        form = self.driver.find_element(By.CSS_SELECTOR, f'form[action="{form_action}"]')
        for name, value in fields.items():
            element = form.find_element(By.NAME, name)
            if element.tag_name == "select":
                from selenium.webdriver.support.ui import Select

                Select(element).select_by_value(value)
            else:
                element.clear()
                element.send_keys(value)
        page = self.driver.find_element(By.TAG_NAME, "html")
        form.find_element(By.CSS_SELECTOR, 'button[type="submit"]').click()
        self.wait(_left(page))  # the answer is a new page (every POST redirects)
        self.wait(lambda d: d.execute_script("return document.readyState") == "complete")

    def wait(self, condition) -> None:
        """Until `condition(driver)` holds, at most WAIT seconds."""
        from selenium.webdriver.support.ui import WebDriverWait

        WebDriverWait(self.driver, WAIT).until(condition)

    def sign_in(self, email: str, shots: bool = False,
                asks: str = "Sign in to the support center as {email}?") -> None:
        seen = self.count("sign_in", email)
        self.driver.get(self.base + "/")
        if shots:
            self.shot("1-sign-in")
        self.submit("/login", email=email)
        assert "Check your mail" in self.text()
        link = re.search(r"http://\S+/login/\S+", self.wait_mail("sign_in", email, seen).text)
        assert link, "no link in the sign-in mail"
        self.driver.get(link.group(0))
        assert asks.format(email=email) in self.text()  # in the contact's language
        if shots:
            self.shot("2-confirm")
        self.submit(link.group(0).split(str(self.web), 1)[1])
        self.wait(lambda d: "/login/" not in d.current_url)


@pytest.fixture
def desk(tmp_path, smtp_sink, chromium):
    desk = Desk(tmp_path, smtp_sink, chromium)
    bot = desk.bot
    bot.ok("account", "add", "Acme", "--plan", "standard", "--domain", "acme.example")
    bot.ok("contact", "add", "Acme", ALICE, "--name", "Alice Arias")
    bot.ok("contact", "add", "Acme", BRUNO, "--name", "Bruno Bravo", "--language", "es")
    bot.ok("account", "add", "Globex", "--plan", "plus", "--domain", "globex.example")
    bot.ok("contact", "add", "Globex", CAROL, "--name", "Carol Cano")
    # calls logged over the past weeks, for the staff chart and the lists
    now = datetime.now(MADRID).replace(minute=0, second=0, microsecond=0)
    for weeks, contact, subject, severity in (
            (3, ALICE, "Invoices export slowly", "major"),
            (2, CAROL, "Login page times out", "critical"),
            (1, ALICE, "Search ignores accents", "trivial")):
        bot.ok("ticket", "open", "--contact", contact, "--via", "phone", "--subject", subject,
               "--severity", severity, "--force", "--by", "Ana",
               "--at", (now - timedelta(weeks=weeks)).isoformat())
    desk.start()
    chromium.get(desk.base + "/")
    chromium.delete_all_cookies()  # the session-wide browser may hold another test's
    yield desk
    desk.stop()


def test_a_contact_and_a_manager_walk_the_support_center(desk):
    from selenium.webdriver.common.by import By

    d = desk.driver
    desk.wait_mail("ack", ALICE, seen=1)  # the two calls logged for Alice
    desk.send(f"Alice Arias <{ALICE}>", "Reports <b>fail</b> to load",
              "Since this morning no report loads.\n")
    ack = desk.wait_mail("ack", ALICE, seen=2)
    number = re.search(r"\[#(\d+)\]", ack.subject).group(1)
    desk.send(ANA, f"Re: Reports fail to load [#{number}]",
              "Please try again now.\n#note cache was full")
    desk.wait_mail("agent_reply", ALICE)

    # sign in with the link from the mail
    desk.sign_in(ALICE, shots=True)
    assert d.current_url == desk.base + "/tickets"
    page = desk.text()
    assert "Reports <b>fail</b> to load" in page  # the markup shown as text
    assert "tickets used this contract year, until" in page and "standard" in page
    assert "+34 910 000 000" in page
    desk.shot("3-tickets")

    # open the ticket: the conversation as the mail showed it, nothing internal
    d.find_element(By.LINK_TEXT, f"#{number}").click()
    desk.wait(lambda drv: drv.current_url.endswith(f"/tickets/{number}"))
    page = desk.text()
    assert "Since this morning no report loads." in page
    assert "Ana Ruiz" in page and "Please try again now." in page
    assert "cache was full" not in page and ANA not in page
    desk.shot("4-ticket")

    # reply: the agent gets the notice
    desk.submit(f"/tickets/{number}/reply", text="Still failing for the March report.")
    assert "Still failing for the March report." in desk.text()
    notice = desk.wait_mail("customer_reply", ANA, seen=0)
    assert "Still failing for the March report." in notice.text
    desk.shot("5-replied")

    # a new ticket: the form says what it costs; the acknowledgement arrives
    d.find_element(By.LINK_TEXT, "New ticket").click()
    desk.wait(lambda drv: drv.current_url.endswith("/tickets/new"))
    page = desk.text()
    assert re.search(r"uses 1 of your \d+ remaining tickets this contract year", page)
    assert "a critical request now gets its first answer by" in page
    desk.shot("6-new-ticket")
    acks = desk.count("ack", ALICE)
    desk.submit("/tickets/new", subject="Dashboard charts are empty",
                description="The sales dashboard shows no charts.", severity="critical")
    assert "is open. We have mailed you its acknowledgement" in desk.text()
    ack = desk.wait_mail("ack", ALICE, seen=acks)
    assert "Dashboard charts are empty" in ack.subject
    desk.shot("7-opened")

    # sign out: the session is over
    desk.submit("/logout")
    assert "You are signed out." in desk.text()
    desk.shot("8-signed-out")
    d.get(desk.base + "/tickets")
    assert "Sign in" in desk.text() and "/?next=/tickets" in d.current_url

    # a contact who reads Spanish: the same pages in his language
    desk.sign_in(BRUNO, asks="¿Iniciar sesión en el centro de soporte como {email}?")
    page = desk.text()
    assert "Acme: tickets abiertos" in page and "Mis tickets" in page
    assert "tickets usados este año de contrato, hasta el 31 de diciembre de" in page
    assert "Reports <b>fail</b> to load" in page and "abierto" in page and "mayor" in page
    desk.shot("10-tickets-es")
    d.find_element(By.LINK_TEXT, "Nuevo ticket").click()
    desk.wait(lambda drv: drv.current_url.endswith("/tickets/new"))
    page = desk.text()
    assert "Abrir un ticket nuevo" in page
    assert "una solicitud crítica enviada ahora recibe su primera respuesta, como máximo" in page
    desk.shot("11-new-ticket-es")
    desk.submit("/logout")
    assert "Ha cerrado la sesión." in desk.text()

    # a manager: the staff overview with the compliance chart
    desk.sign_in(BOSS)
    assert d.current_url == desk.base + "/staff"
    page = desk.text()
    for subject in ("Reports <b>fail</b> to load", "Login page times out",
                    "Dashboard charts are empty"):
        assert subject in page
    assert "overdue" in page
    assert d.find_elements(By.CSS_SELECTOR, "svg rect")
    desk.shot("9-staff")

    # one ticket's staff page: the whole timeline, the internal note and addresses too
    d.find_element(By.LINK_TEXT, f"#{number}").click()
    desk.wait(lambda drv: drv.current_url.endswith(f"/staff/tickets/{number}"))
    page = desk.text()
    assert "Timeline" in page and "Alice Arias <alice@acme.example>" in page
    assert f"Internal note by Ana Ruiz <{ANA}>" in page and "cache was full" in page
    assert f"Ana Ruiz <{ANA}> answered the customer" in page
    assert "Still failing for the March report." in page
    assert "Mail: acknowledgement to the customer" in page
    desk.shot("12-staff-ticket")
    desk.submit("/logout")
