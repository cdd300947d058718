"""The support center's pages over HTTP (Starlette's TestClient on the real app and
store): what a contact and the staff may see (another account's ticket or file: 404),
markup shown as text, and that its changes take the mail path's transitions.

Accounts (tests/mailfactory.py): acme on standard (Alice, Bob), globex on plus
(Carol), initech on basic (Dave); agents Ana and Luis; the manager BOSS.
"""

from __future__ import annotations

import html
import re

from tests import mailfactory as mf
from tests.mailfactory import ALICE, ANA, CAROL, DAVE, LUIS
from tests.web_helpers import BOSS, Desk, body, csrf


def text_of(response) -> str:
    """The page's text as a person reads it: each block apart, entities read."""
    page = re.sub(r"<style>.*?</style>", "", response.text, flags=re.S)
    page = re.sub(r"</?(?:strong|a|span)\b[^>]*>", "", page)
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


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


def test_the_staff_ticket_page_is_for_staff_only(desk, alice):
    number = desk.ticket_by_mail(ALICE, "Search is slow", attachments=[("trace.log", b"12:00")])
    boss, agent, stranger = desk.client(), desk.client(), desk.client()
    desk.sign_in(boss, BOSS)
    desk.sign_in(agent, ANA)

    assert boss.get(f"/staff/tickets/{number}").status_code == 200
    assert agent.get(f"/staff/tickets/{number}").status_code == 200
    assert agent.get(f"/staff/tickets/{number}/files/1/0").content == b"12:00"
    # a contact, even on his own account's ticket: the staff pages do not exist for him
    for path in (f"/staff/tickets/{number}", f"/staff/tickets/{number}/files/1/0"):
        response = alice.get(path)
        assert response.status_code == 404, path
        assert "trace.log" not in response.text and "Search is slow" not in response.text
    for path in ("/staff/tickets/99999", f"/staff/tickets/{number}/files/1/5",
                 f"/staff/tickets/{number}/files/9/0"):
        assert boss.get(path).status_code == 404, path
    assert stranger.get(f"/staff/tickets/{number}").headers["location"] == \
        f"/?next=/staff/tickets/{number}"


def test_the_staff_ticket_page_shows_the_whole_timeline(desk, alice):
    number = desk.ticket_by_mail(ALICE, "Search is slow", "It takes a minute.\n",
                                 cc=[mf.BOB, "outsider@elsewhere.example"])
    desk.later(minutes=30)
    desk.agent_says(number, "Clear the cache, please.\n#assign Luis\n#severity critical\n"
                            "#note she is a VIP")
    page = alice.get(f"/tickets/{number}")
    alice.post(f"/tickets/{number}/reply", data={"csrf": csrf(page.text), "text": "Still slow."})
    boss = desk.client()
    desk.sign_in(boss, BOSS)

    overview = boss.get("/staff").text
    assert f'href="/staff/tickets/{number}"' in overview
    text = text_of(boss.get(f"/staff/tickets/{number}"))

    assert "Requester Alice Arias <alice@acme.example>" in text
    assert "Channel mail" in text and "Account acme (plan standard)" in text
    assert "Cc Bob Blanco <bob@acme.example>" in text
    # the clocks: answered at 11:30, critical on standard (8 business hours)
    assert "First response due Tue 3 Mar 2026, 19:00 · met · done Tue 3 Mar 2026, 11:30" in text
    assert "Received from Alice Arias <alice@acme.example> (mail)" in text
    assert "It takes a minute." in text and "Clear the cache, please." in text
    assert "Ana <ana@vendor.example> answered the customer · the first response" in text
    # what the customer never sees: commands, what they changed, the note, staff mail
    assert "Ana <ana@vendor.example> assigned it to Luis internal" in text
    assert re.search(r"Severity changed from \w+ to critical \(set by Ana\) internal", text)
    assert "Internal note by Ana <ana@vendor.example> internal she is a VIP" in text
    assert "Alice Arias <alice@acme.example> replied" in text and "Still slow." in text
    assert "new-ticket notice to the agents To: Ana <ana@vendor.example>, " \
        "Luis <luis@vendor.example>" in text
    assert "acknowledgement to the customer To: Alice Arias <alice@acme.example> · " \
        "Cc: Bob Blanco <bob@acme.example> · queued" in text
    assert "notice of the customer's reply, to the agents To: Luis <luis@vendor.example>" \
        in text
    # the writer left the outsider off the customer's mail: the staff see whom and why
    assert "Left out: outsider@elsewhere.example" in text
    assert text.index("Received from") < text.index("answered the customer") \
        < text.index("replied")


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
    assert "<script>alert" not in staff.get(f"/staff/tickets/{number}").text


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
        "csrf": csrf(form.text), "subject": "New documents cannot be saved",
        "severity": "blocker",
        "description": "Since this morning nobody here can create a document: every save "
                       "ends in an error. Opening and searching work as usual."})

    assert done.status_code == 303
    number = int(done.headers["location"].split("/")[2].split("?")[0])
    ticket = desk.ticket(number)
    # the level the customer picks is a request, as a "Severity:" line in a mail is: the
    # coverage page's definitions set it (creating documents fails, the rest works)
    assert (ticket.channel, ticket.severity, ticket.requester) == ("web", "critical", CAROL)
    [notice] = desk.outbox("agent_new")
    assert notice.ticket == number and notice.payload.severity_requested == "blocker"
    [ack] = desk.outbox("ack", to=CAROL)
    assert ack.ticket == number
    assert "uses 1 of your 49 remaining" in body(carol.get("/tickets/new"))


def _use_up_globex(desk) -> None:
    for n in range(50):  # plus includes 50 a year
        desk.ticket_by_mail(CAROL, f"Question {n}", "How do I export?\n",
                            message_id=mf.new_message_id("globex.example"))
        desk.later(minutes=13)  # under the hourly limit of 5 per sender


def test_over_quota_the_refusal_is_shown_mailed_and_the_account_team_told(desk):
    _use_up_globex(desk)
    carol = desk.client()
    desk.sign_in(carol, CAROL)
    form = carol.get("/tickets/new")
    assert "no tickets left this contract year" in body(form)

    refused = carol.post("/tickets/new", data={"csrf": csrf(form.text), "subject": "One more",
                                               "severity": "major"})

    assert refused.status_code == 200 and "Not opened:" in refused.text
    assert "the yearly quota" in refused.text
    assert "Our account team knows your account has no tickets left" in body(refused)
    [mail] = desk.outbox("refused_quota", to=CAROL)
    assert mail.payload.subject == "One more"
    # what a refused mail brings the desk: the agents (and the account's managers) hear
    [told] = desk.outbox("quota_exhausted")
    assert (told.payload.account, told.payload.sender, told.payload.subject) == \
        ("globex", CAROL, "One more")
    assert (told.payload.used, told.payload.included) == (50, 50)
    assert set(told.to) == {ANA, LUIS, BOSS}  # the agents, and the desk's managers
    assert "We have also mailed you this answer." in body(refused)

    # pressing the button again and again: each try is refused on the page, but the
    # mail went once today, to the contact and to the desk
    for n in range(3):
        form = carol.get("/tickets/new")
        again = carol.post("/tickets/new", data={"csrf": csrf(form.text),
                                                 "subject": f"Still one more {n}"})
        assert "Not opened:" in again.text
        assert "We have also mailed you this answer." not in body(again)
    assert len(desk.outbox("refused_quota", to=CAROL)) == 1
    assert len(desk.outbox("quota_exhausted")) == 1
    desk.later(days=1)
    desk.sign_in(carol, CAROL)  # a session lasts hours, not days
    form = carol.get("/tickets/new")
    carol.post("/tickets/new", data={"csrf": csrf(form.text), "subject": "Next day"})
    assert len(desk.outbox("refused_quota", to=CAROL)) == 2
    assert desk.ticket(1050) is None


def test_the_account_team_hears_once_a_day_whether_mail_or_form_was_refused(desk):
    _use_up_globex(desk)
    refused_mail = desk.mail(mf.mail(CAROL, "By mail", "One more question.\n",
                                     message_id=mf.new_message_id("globex.example")))
    assert refused_mail.outcome == "refused_quota"
    carol = desk.client()
    desk.sign_in(carol, CAROL)
    form = carol.get("/tickets/new")

    again = carol.post("/tickets/new", data={"csrf": csrf(form.text), "subject": "By form"})

    assert "Our account team knows" in body(again)
    assert [r.payload.subject for r in desk.outbox("quota_exhausted")] == ["By mail"]
    assert len(desk.outbox("refused_quota", to=CAROL)) == 2
    desk.later(days=1)
    carol = desk.client()  # the session has ended overnight
    desk.sign_in(carol, CAROL)
    carol.post("/tickets/new", data={"csrf": csrf(carol.get("/tickets/new").text),
                                     "subject": "Next day"})
    assert [r.payload.subject for r in desk.outbox("quota_exhausted")] == \
        ["By mail", "Next day"]


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


def test_the_sign_in_page_names_the_plans_that_include_the_center(desk, tmp_path):
    assert "The support center is part of the plus and standard plans." in \
        body(desk.client().get("/"))
    spanish = desk.client().get("/", headers={"Accept-Language": "es-ES,es;q=0.9"})
    assert "forma parte de los planes plus y standard" in body(spanish)
    # a desk that sells it with basic too says so: the words follow the configuration
    wider = Desk(tmp_path / "wider", plans={"basic": {"support_center": True}})
    try:
        assert "part of the basic, plus, and standard plans" in body(wider.client().get("/"))
    finally:
        wider.close()
