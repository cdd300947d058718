"""The support center over HTTP (Starlette's TestClient on the real app and store):
sign-in, authorisation and abuse, and that its changes take the mail path's transitions.

Accounts (tests/mailfactory.py): acme on standard (Alice, Bob), globex on plus
(Carol), initech on basic (Dave); agents Ana and Luis; the manager BOSS.
"""

from __future__ import annotations

import re

import pytest

from tests import mailfactory as mf
from tests.mailfactory import ALICE, ANA, BOB, CAROL, DAVE, STRANGER
from tests.web_helpers import BOSS, Desk, ask_for_link, csrf, use_link


@pytest.fixture
def desk(tmp_path):
    desk = Desk(tmp_path / "data")
    yield desk
    desk.close()


@pytest.fixture
def alice(desk):
    client = desk.client()
    assert desk.sign_in(client, ALICE).headers["location"] == "/tickets"
    return client


def body(response) -> str:
    """The page's text as a person reads it: tags out, white space collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", response.text))


# -- signing in ---------------------------------------------------------------------


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


# -- authorisation ------------------------------------------------------------------


def test_another_account_s_ticket_and_files_answer_404(desk, alice):
    mine = desk.ticket_by_mail(ALICE, "Mine", attachments=[("mine.txt", b"alice's")])
    theirs = desk.ticket_by_mail(CAROL, "Globex secret", attachments=[("plan.pdf", b"%PDF")])

    assert alice.get(f"/tickets/{mine}").status_code == 200
    assert alice.get(f"/tickets/{mine}/files/1/0").content == b"alice's"
    for path in (f"/tickets/{theirs}", f"/tickets/{theirs}/files/1/0", "/tickets/99999",
                 f"/tickets/{mine}/files/1/1", f"/tickets/{mine}/files/2/0", "/staff"):
        response = alice.get(path)
        assert response.status_code == 404, path
        assert "Globex" not in response.text and "plan.pdf" not in response.text
    assert "Globex secret" not in alice.get("/tickets?status=all").text
    token = csrf(alice.get(f"/tickets/{mine}").text)
    assert alice.post(f"/tickets/{theirs}/reply",
                      data={"csrf": token, "text": "hi"}).status_code == 404
    assert desk.outbox("customer_reply") == []


def test_a_download_is_never_rendered_as_a_page(desk, alice):
    number = desk.ticket_by_mail(ALICE, "x", attachments=[("evil.html", b"<script>1</script>")])
    response = alice.get(f"/tickets/{number}/files/1/0")
    assert response.headers["content-type"] == "application/octet-stream"
    assert response.headers["content-disposition"].startswith("attachment")


def test_a_removed_contact_s_session_and_link_stop_at_once(desk, alice):
    bob = desk.client()
    ask_for_link(bob, BOB)
    with desk.store.unit_of_work() as uow:
        uow.contacts.remove(ALICE)
        uow.contacts.remove(BOB)
        uow.commit()

    assert alice.get("/tickets").status_code == 303
    assert use_link(bob, desk.link(BOB)).status_code == 400


def test_staff_get_the_overview_and_contacts_do_not(desk, alice):
    desk.ticket_by_mail(CAROL, "[blocker] Portal down")
    desk.ticket_by_mail(ALICE, "Search is slow")
    boss = desk.client()
    assert desk.sign_in(boss, BOSS).headers["location"] == "/staff"

    page = boss.get("/staff")

    assert page.status_code == 200
    assert "Portal down" in page.text and "Search is slow" in page.text
    assert "<svg" in page.text and "SLA targets met per week and plan" in page.text
    assert page.text.index("Portal down") < page.text.index("Search is slow")  # nearest due
    assert boss.get("/tickets").headers["location"] == "/staff"
    assert alice.get("/staff").status_code == 404


# -- abuse --------------------------------------------------------------------------


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


def test_markup_in_subjects_and_bodies_is_shown_as_text(desk, alice):
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    number = desk.ticket_by_mail(ALICE, f"Broken {evil}", f"It says {evil}\n")
    desk.agent_says(number, f"Please paste {evil}")

    for path in ("/tickets", f"/tickets/{number}"):
        html = alice.get(path).text
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    staff = desk.client()
    desk.sign_in(staff, ANA)
    assert "<script>alert" not in staff.get("/staff").text


# -- what the pages show and do -----------------------------------------------------


def test_the_conversation_shows_what_the_customer_saw_and_nothing_internal(desk, alice):
    number = desk.ticket_by_mail(ALICE, "Search is slow", "It takes a minute.\n")
    desk.agent_says(number, "Clear the cache, please.\n#assign Luis\n#note she is a VIP")

    html = alice.get(f"/tickets/{number}").text

    assert "It takes a minute." in html and "Clear the cache, please." in html
    assert "Ana" in html
    for hidden in ("VIP", "#assign", "#note", "ana@vendor.example", "luis@vendor.example",
                   "Luis"):
        assert hidden not in html, hidden


def test_a_reply_in_the_center_is_the_customer_reply_the_agents_are_told_of(desk, alice):
    number = desk.ticket_by_mail(ALICE, "Search is slow")
    desk.agent_says(number, "Fixed?\n#resolve")
    page = alice.get(f"/tickets/{number}")

    done = alice.post(f"/tickets/{number}/reply", data={"csrf": csrf(page.text),
                                                        "text": "Still slow <b>today</b>."},
                      files=[("files", ("trace.log", b"12:00 slow\n", "text/plain"))])

    assert done.status_code == 303
    ticket = desk.ticket(number)
    assert ticket.status == "open"  # reopened by the reply, as a mail reply would
    [notice] = desk.outbox("customer_reply")
    assert notice.payload.sender == ALICE and notice.payload.reopened
    assert notice.payload.text == "Still slow <b>today</b>."
    assert notice.to == ["ana@vendor.example"]  # the assignee (the agent who answered)
    html = alice.get(f"/tickets/{number}").text
    assert "Still slow &lt;b&gt;today&lt;/b&gt;." in html and "trace.log" in html


def test_the_new_ticket_form_says_what_it_costs_and_opens_like_a_mail(desk):
    carol = desk.client()
    desk.sign_in(carol, CAROL)
    form = carol.get("/tickets/new")
    text = body(form)
    assert "uses 1 of your 50 remaining tickets this contract year" in text
    # plus, 10:00-17:00, from Tue 11:00: critical 2 days = 14 h -> Thu 11:00
    assert "a critical request now gets its first answer by Thu 5 Mar 11:00 (your time)" \
        in text

    done = carol.post("/tickets/new", data={
        "csrf": csrf(form.text), "subject": "Exports fail", "severity": "critical",
        "description": "Every export ends with an error."})

    assert done.status_code == 303
    number = int(done.headers["location"].split("/")[2].split("?")[0])
    ticket = desk.ticket(number)
    assert (ticket.channel, ticket.severity, ticket.requester) == ("web", "critical", CAROL)
    [ack] = desk.outbox("ack", to=CAROL)
    assert ack.ticket == number
    assert "uses 1 of your 49 remaining" in body(carol.get("/tickets/new"))


def test_over_quota_the_refusal_is_shown_and_mailed(desk):
    for n in range(50):  # plus includes 50 a year
        desk.ticket_by_mail(CAROL, f"Question {n}", "How do I export?\n",
                            message_id=mf.new_message_id("globex.example"))
        desk.later(minutes=13)  # under the hourly limit of 5 per sender
    carol = desk.client()
    desk.sign_in(carol, CAROL)
    form = carol.get("/tickets/new")
    assert "no tickets left this contract year" in body(form)

    refused = carol.post("/tickets/new", data={"csrf": csrf(form.text), "subject": "One more",
                                               "severity": "major"})

    assert refused.status_code == 200 and "Not opened:" in refused.text
    assert "the yearly quota" in refused.text
    [mail] = desk.outbox("refused_quota", to=CAROL)
    assert mail.payload.subject == "One more"
    assert desk.ticket(1050) is None


def test_the_phone_line_is_shown_to_standard_only(tmp_path):
    desk = Desk(tmp_path / "data", phone="+34 910 000 000")
    try:
        alice, carol = desk.client(), desk.client()
        desk.sign_in(alice, ALICE)
        desk.sign_in(carol, CAROL)
        assert "+34 910 000 000" in alice.get("/tickets").text
        assert "+34 910 000 000" not in carol.get("/tickets").text
    finally:
        desk.close()


def test_new_tickets_here_are_limited_per_contact_per_hour(desk, alice):
    for n in range(6):
        form = alice.get("/tickets/new")
        done = alice.post("/tickets/new", data={"csrf": csrf(form.text),
                                                "subject": f"Question {n}"})
    assert done.status_code == 400 and "within the hour" in done.text
    assert len(desk.outbox("ack", to=ALICE)) == 5
    desk.later(hours=1, minutes=1)
    form = alice.get("/tickets/new")
    assert alice.post("/tickets/new", data={"csrf": csrf(form.text),
                                            "subject": "Later"}).status_code == 303


def test_closed_tickets_take_no_reply_here(desk):
    number = desk.ticket_by_mail(ALICE, "Old")
    desk.agent_says(number, "#resolve")
    desk.later(days=8)  # past reopen_days: a mail would open a new ticket
    alice = desk.client()
    desk.sign_in(alice, ALICE)

    page = alice.get(f"/tickets/{number}")
    assert "This ticket is closed" in page.text
    refused = alice.post(f"/tickets/{number}/reply", data={"csrf": csrf(page.text),
                                                           "text": "again"})
    assert refused.status_code == 400 and desk.outbox("customer_reply") == []


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


def test_customer_mail_links_the_ticket_page_only_on_plans_with_the_center(desk):
    from notifier.contexts import ContextBuilder

    builder = ContextBuilder(desk.policy, desk.settings.addressing)
    builder.center_url = "https://support.example.com/"
    plus = desk.ticket_by_mail(CAROL, "Exports fail")
    basic = desk.ticket_by_mail(DAVE, "Exports fail")
    with desk.store.unit_of_work() as uow:
        links = {row.ticket: builder.build(uow, row)["center_link"]
                 for row in uow.outbox.all() if row.kind == "ack"}
    assert links == {plus: f"https://support.example.com/tickets/{plus}", basic: None}


def test_a_plan_that_loses_the_center_ends_its_contacts_sessions(desk, alice):
    with desk.store.unit_of_work() as uow:
        account = uow.accounts.get("acme")
        account.plan = "basic"
        uow.accounts.update(account)
        uow.commit()
    assert alice.get("/tickets").status_code == 303


def test_files_ride_along_up_to_the_mail_size_limit(tmp_path):
    desk = Desk(tmp_path / "data", max_upload_bytes=2000)
    try:
        alice = desk.client()
        desk.sign_in(alice, ALICE)
        form = alice.get("/tickets/new")
        done = alice.post("/tickets/new", data={"csrf": csrf(form.text), "subject": "Logs"},
                          files=[("files", ("app.log", b"x" * 600, "text/plain"))])
        number = int(done.headers["location"].split("/")[2].split("?")[0])
        page = alice.get(f"/tickets/{number}")
        assert "app.log" in page.text
        assert alice.get(f"/tickets/{number}/files/1/0").content == b"x" * 600

        too_big = alice.post(f"/tickets/{number}/reply", data={"csrf": csrf(page.text)},
                             files=[("files", ("a.log", b"y" * 1100, "text/plain")),
                                    ("files", ("b.log", b"z" * 1100, "text/plain"))])
        assert too_big.status_code in (400, 413)
        empty = alice.post(f"/tickets/{number}/reply", data={"csrf": csrf(page.text)},
                           files=[("files", ("", b"", "application/octet-stream"))])
        assert empty.status_code == 400 and "Write something" in empty.text
        assert desk.outbox("customer_reply") == []
    finally:
        desk.close()
