"""A desk for support-center tests: a data folder with the three seeded accounts (acme on
standard, globex on plus, initech on basic), the real mail pipeline to make tickets
with, and the support center over the same store, on a clock the test moves."""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime
from zoneinfo import ZoneInfo

from starlette.testclient import TestClient

from intake.pipeline import Incoming, Pipeline
from intakebot.clock import FixedClock
from rules.plans import build_catalogue
from rules.policy import default_policy
from store import Store
from tests import mailfactory as mf
from web.app import create_app
from web.deps import Deps, WebSettings

MADRID = ZoneInfo("Europe/Madrid")
T0 = datetime(2026, 3, 3, 11, 0, tzinfo=MADRID)  # a Tuesday, inside every plan's window
BOSS = "boss@vendor.example"
SECRET = b"0123456789abcdef0123456789abcdef"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


class Desk:
    def __init__(self, folder, *, base_url: str = "http://testserver/",
                 clock: FixedClock | None = None, phone: str | None = None, store=None,
                 plans: dict | None = None, **web) -> None:
        self.store = store if store is not None else Store.open(folder)
        mf.seed(self.store)
        self.clock = clock or FixedClock(T0)
        self.policy = dataclasses.replace(default_policy(), phone=phone)
        if plans is not None:  # overrides, as [plans.NAME] in the configuration
            self.policy = dataclasses.replace(self.policy, plans=build_catalogue(plans))
        self.settings = mf.settings(managers=(BOSS,))
        self.web = WebSettings(base_url=base_url, support_name="Vendor Support",
                               support_address=mf.SUPPORT, **web)
        self.deps = Deps(store=self.store, policy=self.policy,
                         addressing=self.settings.addressing, settings=self.web,
                         secret=SECRET, clock=self.clock)
        self.app = create_app(self.deps)

    def close(self) -> None:
        self.store.close()

    # -- mail in, and what went out

    def mail(self, raw: bytes):
        pipeline = Pipeline(self.store, self.policy, self.settings, self.clock, 1 << 20)
        [handled] = pipeline.run([Incoming(raw, self.clock(), source="test")])
        return handled

    def ticket_by_mail(self, sender: str = mf.ALICE, subject: str = "Search is slow",
                       body: str = "Search takes a minute.\n", **kwargs) -> int:
        handled = self.mail(mf.mail(sender, subject, body, **kwargs))
        assert handled.outcome == "new_ticket", handled.reason
        return handled.ticket

    def agent_says(self, number: int, text: str, agent: str = mf.ANA) -> None:
        handled = self.mail(mf.mail(agent, f"Re: [#{number}]", text))
        assert handled.ticket == number, handled.reason

    def outbox(self, kind: str | None = None, to: str | None = None):
        with self.store.unit_of_work() as uow:
            return [r for r in uow.outbox.all()
                    if (kind is None or r.kind == kind) and (to is None or to in r.to)]

    def ticket(self, number: int):
        with self.store.unit_of_work() as uow:
            return uow.tickets.get(number)

    # -- the browser's side

    def client(self) -> TestClient:
        return TestClient(self.app, base_url=self.web.base_url.rstrip("/"),
                          follow_redirects=False)

    def link(self, email: str) -> str:
        """The path of the newest sign-in link mailed to `email`."""
        rows = self.outbox("sign_in", to=email)
        assert rows, f"no sign-in mail to {email}"
        return "/" + rows[-1].payload.link.split("/", 3)[3]

    def sign_in(self, client: TestClient, email: str):
        ask_for_link(client, email)
        return use_link(client, self.link(email))

    def later(self, **delta) -> None:
        self.clock.advance(**delta)


def body(response) -> str:
    """The page's text as a person reads it: tags out, white space collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", response.text))


def csrf(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "no form token on the page"
    return found.group(1)


def ask_for_link(client: TestClient, email: str, **extra):
    token = csrf(client.get("/").text)
    return client.post("/login", data={"csrf": token, "email": email, **extra})


def use_link(client: TestClient, path: str):
    page = client.get(path)
    if page.status_code != 200:
        return page
    return client.post(path, data={"csrf": csrf(page.text)})

