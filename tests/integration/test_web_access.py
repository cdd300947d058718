"""The support center over HTTP (Starlette's TestClient on the real app and store):
signing in, sessions, form tokens and the limits against flooding.

Accounts (tests/mailfactory.py): acme on standard (Alice, Bob), globex on plus
(Carol), initech on basic (Dave); agents Ana and Luis; the manager BOSS.
"""

from __future__ import annotations

import pytest

from tests.mailfactory import ALICE, BOB, DAVE, STRANGER
from tests.web_helpers import Desk, ask_for_link, body, csrf, use_link


def test_a_contact_signs_in_by_the_link_and_sees_the_account_s_tickets(desk):
    number = desk.ticket_by_mail(ALICE, "Search is slow")
    client = desk.client()
    assert client.get("/tickets").headers["location"] == "/?next=/tickets"

    done = desk.sign_in(client, ALICE)

    assert (done.status_code, done.headers["location"]) == (303, "/tickets")
    page = client.get("/tickets")
    assert page.status_code == 200
    assert f"#{number}" in page.text and "Search is slow" in page.text
    assert "1 of 125 tickets used this contract year, until 31 Dec 2026" in body(page)


def test_the_answer_is_the_same_for_known_and_unknown_addresses(desk):
    answers = {}
    for email in (ALICE, STRANGER, DAVE, "not an address"):
        client = desk.client()
        response = ask_for_link(client, email)
        answers[email] = (response.status_code,
                          response.text.replace(email, "EMAIL"))
    assert len(set(answers.values())) == 1, answers
    assert [r.to for r in desk.outbox("sign_in")] == [[ALICE]]
    assert desk.outbox("sign_in", to=STRANGER) == []


def test_a_basic_plan_contact_is_told_by_mail_that_the_center_is_not_in_the_plan(desk):
    ask_for_link(desk.client(), DAVE)

    assert desk.outbox("sign_in", to=DAVE) == []
    [refused] = desk.outbox("sign_in_refused", to=DAVE)
    assert (refused.payload.plan, refused.payload.plans_with_it) == \
        ("basic", ("plus", "standard"))


def test_a_link_works_once(desk):
    client = desk.client()
    ask_for_link(client, ALICE)
    link = desk.link(ALICE)
    assert use_link(client, link).status_code == 303

    again = use_link(desk.client(), link)

    assert again.status_code == 400 and "already been used" in again.text


def test_a_link_expires_after_15_minutes(desk):
    client = desk.client()
    ask_for_link(client, ALICE)
    desk.later(minutes=15, seconds=1)

    late = use_link(client, desk.link(ALICE))

    assert late.status_code == 400 and "expired" in late.text
    assert client.get("/tickets").status_code == 303


@pytest.mark.parametrize("tamper", [
    # the signature (not its last character: base64's spare bits there may not count)
    lambda t: t[:-5] + ("A" if t[-5] != "A" else "B") + t[-4:],
    lambda t: "x" + t[1:],                                    # the signed id
    lambda t: t.split(".")[0],                                # no signature at all
])
def test_a_tampered_link_signs_nobody_in(desk, tamper):
    client = desk.client()
    ask_for_link(client, ALICE)
    path = desk.link(ALICE)
    token = path.rsplit("/", 1)[1]

    response = use_link(client, f"/login/{tamper(token)}")

    assert response.status_code == 400 and "not valid" in response.text
    assert client.get("/tickets").status_code == 303
    assert use_link(client, path).status_code == 303  # the real one still works


def test_the_session_cookie_is_httponly_lax_and_secure_only_over_https(desk, tmp_path):
    cookie = desk.sign_in(desk.client(), ALICE).headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie

    https = Desk(tmp_path / "https", base_url="https://support.example.com/")
    try:
        client = https.client()
        cookie = https.sign_in(client, ALICE).headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=lax" in cookie and "; secure" in cookie
    finally:
        https.close()


def test_a_session_ends_after_session_hours_and_at_sign_out(desk, alice):
    desk.later(hours=7, minutes=59)
    assert alice.get("/tickets").status_code == 200
    desk.later(minutes=2)  # session_hours is 8
    assert alice.get("/tickets").status_code == 303

    client = desk.client()
    desk.sign_in(client, ALICE)
    cookie = client.cookies.get("intakebot_session")
    token = csrf(client.get("/tickets").text)
    assert client.post("/logout", data={"csrf": token}).headers["location"] == \
        "/?signed_out=1"
    replay = desk.client()
    replay.cookies.set("intakebot_session", cookie)
    assert replay.get("/tickets").status_code == 303  # the old cookie is dead too


def test_a_removed_contact_s_session_and_link_stop_at_once(desk, alice):
    bob = desk.client()
    ask_for_link(bob, BOB)
    with desk.store.unit_of_work() as uow:
        uow.contacts.remove(ALICE)
        uow.contacts.remove(BOB)
        uow.commit()

    assert alice.get("/tickets").status_code == 303
    assert use_link(bob, desk.link(BOB)).status_code == 400


def test_every_post_needs_the_right_form_token(desk, alice):
    number = desk.ticket_by_mail(ALICE, "Search is slow")
    other = desk.client()
    desk.sign_in(other, BOB)
    wrong = csrf(other.get("/tickets").text)  # a real token, of another session
    for path, data in ((f"/tickets/{number}/reply", {"text": "hi"}),
                       ("/tickets/new", {"subject": "x"}), ("/logout", {})):
        assert alice.post(path, data=data).status_code == 403, path
        assert alice.post(path, data={**data, "csrf": wrong}).status_code == 403, path
    stranger = desk.client()
    assert stranger.post("/login", data={"email": ALICE}).status_code == 403
    assert desk.outbox("customer_reply") == [] and len(desk.outbox("ack")) == 1
    assert alice.get("/tickets").status_code == 200  # the failed sign-out ended nothing


def test_sign_in_mails_are_limited_per_address_and_requests_per_client(desk):
    for _ in range(8):
        assert ask_for_link(desk.client(), ALICE).status_code == 200
    assert len(desk.outbox("sign_in", to=ALICE)) == 5  # per_address_per_hour

    client = desk.client()
    codes = [ask_for_link(client, f"x{n}@acme.example").status_code for n in range(30)]
    assert codes.count(200) == 22 and codes[-1] == 429  # 30 per client address an hour
    desk.later(hours=1, minutes=1)
    assert ask_for_link(client, ALICE).status_code == 200
    assert len(desk.outbox("sign_in", to=ALICE)) == 6


def test_a_ticket_link_from_a_mail_signs_in_to_that_ticket(desk):
    number = desk.ticket_by_mail(ALICE, "Search is slow")
    client = desk.client()

    asked = client.get(f"/tickets/{number}")

    assert asked.headers["location"] == f"/?next=/tickets/{number}"
    form = client.get(asked.headers["location"])
    client.post("/login", data={"csrf": csrf(form.text), "email": ALICE,
                                "next": f"/tickets/{number}"})
    assert use_link(client, desk.link(ALICE)).headers["location"] == f"/tickets/{number}"
    # only a page of ours: another site is never where a sign-in leads
    bob = desk.client()
    bob.post("/login", data={"csrf": csrf(bob.get("/").text), "email": BOB,
                             "next": "//evil.example/"})
    assert use_link(bob, desk.link(BOB)).headers["location"] == "/tickets"


def test_a_plan_that_loses_the_center_ends_its_contacts_sessions(desk, alice):
    with desk.store.unit_of_work() as uow:
        account = uow.accounts.get("acme")
        account.plan = "basic"
        uow.accounts.update(account)
        uow.commit()
    assert alice.get("/tickets").status_code == 303
