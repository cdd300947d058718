"""A ticket's life (rules/lifecycle.py): what each transition does to the ticket, what it
records and whom it tells, and the invariants no sequence of inputs may break."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rules.addresses import valid_message_id
from rules.lifecycle import (
    Change,
    EventKind,
    Inbound,
    LifecycleError,
    ReplyRoute,
    agent_reply,
    assign,
    bounce,
    change_severity,
    close_if_settled,
    customer_reply,
    escalate,
    link,
    note,
    open_ticket,
    outsider_reply,
    pending,
    reply_route,
    resolve,
)
from rules.notices import (
    Ack,
    AgentNew,
    AgentReply,
    Audience,
    BounceNotice,
    CustomerReply,
    MailKind,
    Reopened,
    Resolved,
    SlaAlert,
    SlaBreach,
    SlaBreachBestEffort,
)
from rules.plans import Severity
from rules.policy import default_policy
from rules.sla import SlaState, deadlines
from rules.ticket import Ticket, TicketStatus

MADRID = ZoneInfo("Europe/Madrid")
POLICY = default_policy()
PLAN = POLICY.plan("plus")  # Mon-Fri 10:00-17:00, a business day is 7 h
CAL = POLICY.calendar(PLAN)
REOPEN_DAYS = 7

REQUESTER = "carla@customer.example"
COLLEAGUE = "pau@customer.example"
AGENT = "ana@desk.example"
OUTSIDER = "someone@elsewhere.example"


def at(d, h, mi=0, mo=3):
    return datetime(2026, mo, d, h, mi, tzinfo=MADRID)


T0 = at(3, 11)  # Tue 3 Mar 2026 11:00, inside plus business hours


def mail(when, sender=REQUESTER, mid=None, text="hello", attachments=()):
    return Inbound(at=when, sender=sender, text=text, message_id=mid, raw=f"raw/{mid}",
                   attachments=tuple(attachments))


def opening(severity=Severity.MAJOR, *, when=T0, mid="<first@customer.example>",
            opened_by=None, sender=REQUESTER, cc=(), subject="Exports fail",
            quota_used=3, included=50, extra=0, overage=False, now=None,
            severity_requested=None) -> Change:
    return open_ticket(
        account="acme", requester=REQUESTER, cc=list(cc), subject=subject,
        severity=severity, severity_reason="keyword", due=deadlines(PLAN, severity, when, CAL),
        contract_year=date(2026, 1, 1), overage=overage, quota_used=quota_used,
        quota_included=included, quota_extra=extra,
        mail=mail(when, sender=sender, mid=mid, text="exports fail since this morning"),
        now=now or when, opened_by=opened_by, severity_requested=severity_requested)


def fresh(severity=Severity.MAJOR, **kw) -> Ticket:
    return opening(severity, **kw).ticket


def resolved(when, ticket=None) -> Ticket:
    ticket = ticket or fresh()
    return resolve(ticket, when, by=AGENT, by_name="Ana", reopen_days=REOPEN_DAYS,
                   now=when).ticket


def reply(ticket, when, sender=REQUESTER, mid=None, **kw) -> Change:
    return customer_reply(ticket, mail(when, sender=sender, mid=mid), reopen_days=REOPEN_DAYS,
                          now=when, **kw)


def kinds(change: Change) -> list[EventKind]:
    return [e.kind for e in change.events]


def only(notices, cls):
    found = [n for n in notices if type(n) is cls]
    assert len(found) == 1, notices
    return found[0]


# --- open_ticket -----------------------------------------------------------------------

def test_a_new_ticket_is_open_from_the_mailbox_receipt_time_with_the_plans_due_times():
    received = T0
    change = opening(Severity.MAJOR, when=received, now=received + timedelta(minutes=5))
    t = change.ticket
    assert t.status is TicketStatus.OPEN
    assert t.created_at == received  # the receipt time, not when the bot got round to it
    # plus major: response 3 days = 21 h (Tue 11:00 -> Fri 11:00), resolution 10 days
    assert t.response_due == at(6, 11)
    assert t.resolution_due == at(17, 11)
    assert t.first_response_at is None and t.resolved_at is None and t.closed_at is None
    assert t.paused == []
    received_events = [e for e in change.events if e.kind is EventKind.RECEIVED]
    assert len(received_events) == 1 and received_events[0].at == received
    assert change.events[0] is received_events[0]  # the timeline starts with the mail


def test_a_new_ticket_keeps_each_cc_once_and_never_has_an_empty_subject():
    t = fresh(cc=[COLLEAGUE, "x@customer.example", COLLEAGUE], subject="")
    assert t.cc == [COLLEAGUE, "x@customer.example"]
    assert t.subject == "(no subject)"


def test_the_customers_first_message_id_threads_both_ways():
    t = fresh(mid="<first@customer.example>")
    assert t.message_ids == ["<first@customer.example>"]
    assert t.customer_thread == ["<first@customer.example>"]


@pytest.mark.parametrize("bad", ["<no-at-sign>", "<a b@c>"])
def test_an_invalid_opening_message_id_finds_the_ticket_but_is_never_written(bad):
    t = fresh(mid=bad)
    assert bad in t.message_ids
    assert t.customer_thread == []


@pytest.mark.parametrize("used, included, extra, shown_used, remaining", [
    (3, 50, 0, 4, 46),     # the fourth ticket of fifty
    (49, 50, 0, 50, 0),    # the last included one
    (50, 50, 0, 51, 0),    # over quota (overage): never a negative remaining
    (80, 50, 0, 81, 0),
    (52, 50, 5, 53, 2),    # extra tickets bought this year count as included
])
def test_the_ack_counts_this_ticket_and_never_shows_a_negative_remainder(
        used, included, extra, shown_used, remaining):
    change = opening(quota_used=used, included=included, extra=extra,
                     overage=used >= included + extra)
    ack = only(change.notices, Ack)
    assert ack.audience is Audience.CUSTOMER
    assert (ack.quota_used, ack.quota_remaining) == (shown_used, remaining)
    assert (ack.quota_included, ack.quota_extra) == (included, extra)
    assert ack.overage is (used >= included + extra)


def test_the_agents_hear_of_a_new_ticket_with_its_text_and_attachments():
    change = open_ticket(
        account="acme", requester=REQUESTER, cc=[], subject="Down",
        severity=Severity.BLOCKER, severity_reason="",
        due=deadlines(PLAN, Severity.BLOCKER, T0, CAL), contract_year=date(2026, 1, 1),
        overage=False, quota_used=0, quota_included=50, quota_extra=0,
        mail=mail(T0, mid="<d@customer.example>", text="all down", attachments=["log.txt"]),
        now=T0)
    new = only(change.notices, AgentNew)
    assert new.audience is Audience.ALL_AGENTS
    assert new.text == "all down" and new.attachments == ("log.txt",)
    assert new.opened_by is None


def test_a_ticket_an_agent_opens_for_a_customer_keeps_the_agents_mail_off_the_customer_thread():
    change = opening(opened_by=AGENT, sender=AGENT, mid="<agent-open@desk.example>")
    t = change.ticket
    assert t.requester == REQUESTER and t.opened_by == AGENT
    assert t.message_ids == ["<agent-open@desk.example>"]  # the agent's own replies find it
    assert t.customer_thread == []  # the customer never saw that mail
    assert only(change.notices, Ack).opened_by == AGENT
    assert only(change.notices, AgentNew).opened_by == AGENT


# --- customer_reply --------------------------------------------------------------------

def test_a_customer_comment_on_an_open_ticket_reaches_the_agents_and_threads():
    t = fresh()
    change = reply(t, at(4, 12), mid="<r1@customer.example>")
    assert change.ticket.status is TicketStatus.OPEN
    assert change.ticket.customer_thread == ["<first@customer.example>", "<r1@customer.example>"]
    assert change.ticket.message_ids[-1] == "<r1@customer.example>"
    assert kinds(change) == [EventKind.CUSTOMER_REPLY]
    assert not [n for n in change.notices if isinstance(n, Reopened)]
    notice = only(change.notices, CustomerReply)
    assert notice.audience is Audience.AGENTS
    assert notice.received_at == at(4, 12)
    assert notice.reopened is False and notice.outsider is False


def test_a_pending_ticket_goes_back_to_open_on_the_customers_reply_and_the_pause_ends_then():
    t = pending(fresh(), at(4, 11), by=AGENT, now=at(4, 11)).ticket
    assert t.status is TicketStatus.PENDING
    back = reply(t, at(5, 11)).ticket
    assert back.status is TicketStatus.OPEN
    assert back.paused == [(at(4, 11), at(5, 11))]
    # the day spent waiting does not count: Tue 11-17 (6 h) + Wed 10-11 (1 h)
    _, resolution = POLICY.clocks(back, "plus", at(5, 11))
    assert resolution.elapsed == timedelta(hours=7)


def test_a_reply_from_another_contact_copies_them_from_then_on():
    t = fresh(cc=["x@customer.example"])
    after = reply(t, at(4, 12), sender=COLLEAGUE).ticket
    assert after.cc == ["x@customer.example", COLLEAGUE]
    again = reply(after, at(4, 13), sender=COLLEAGUE).ticket
    assert again.cc == ["x@customer.example", COLLEAGUE]
    from_requester = reply(again, at(4, 14)).ticket
    assert REQUESTER not in from_requester.cc


@pytest.mark.parametrize("bad", ["<no-at-sign>", "<a b@c>"])
def test_an_invalid_inbound_message_id_matches_replies_but_never_goes_on_the_customer_thread(bad):
    t = reply(fresh(), at(4, 12), mid=bad).ticket
    assert bad in t.message_ids
    assert bad not in t.customer_thread
    assert all(valid_message_id(m) for m in t.customer_thread)


def test_the_same_message_id_twice_is_kept_once():
    t = reply(fresh(), at(4, 12), mid="<r1@customer.example>").ticket
    t = reply(t, at(4, 12), mid="<r1@customer.example>").ticket
    assert t.message_ids.count("<r1@customer.example>") == 1
    assert t.customer_thread.count("<r1@customer.example>") == 1


def test_a_customers_severity_request_is_a_note_for_the_agents_not_a_change():
    change = reply(fresh(Severity.MAJOR), at(4, 12), severity_requested=Severity.BLOCKER)
    assert change.ticket.severity is Severity.MAJOR
    assert change.ticket.response_due == at(6, 11)
    notes = [e for e in change.events if e.kind is EventKind.NOTE]
    assert len(notes) == 1 and notes[0].data["severity_requested"] == "blocker"
    assert only(change.notices, CustomerReply).severity_requested == "blocker"


def test_a_severity_asked_for_in_the_first_mail_is_a_note_and_shown_in_the_new_ticket_notice():
    change = opening(Severity.MAJOR, severity_requested=Severity.BLOCKER)
    assert change.ticket.severity is Severity.MAJOR  # the assessed level, not the request
    assert change.ticket.response_due == deadlines(PLAN, Severity.MAJOR, T0, CAL).response_due
    assert kinds(change)[:2] == [EventKind.RECEIVED, EventKind.ACKNOWLEDGED]
    [note] = [e for e in change.events if e.kind is EventKind.NOTE]
    assert note.data == {"by": REQUESTER, "severity_requested": "blocker",
                         "text": "customer asks for severity blocker (now major)"}
    assert only(change.notices, AgentNew).severity_requested == "blocker"
    same = opening(Severity.MAJOR, severity_requested=Severity.MAJOR)
    assert kinds(same) == [EventKind.RECEIVED, EventKind.ACKNOWLEDGED]
    assert only(same.notices, AgentNew).severity_requested is None


def test_asking_for_the_severity_the_ticket_already_has_asks_nothing():
    change = reply(fresh(Severity.MAJOR), at(4, 12), severity_requested=Severity.MAJOR)
    assert kinds(change) == [EventKind.CUSTOMER_REPLY]
    assert only(change.notices, CustomerReply).severity_requested is None


def test_a_reply_within_the_reopen_window_reopens_and_the_resolved_time_does_not_count():
    t = resolved(at(4, 11))  # 7 business hours after opening
    assert reply_route(t, at(5, 15), REOPEN_DAYS) is ReplyRoute.REOPEN
    change = reply(t, at(5, 15), mid="<again@customer.example>")
    after = change.ticket
    assert after.status is TicketStatus.OPEN
    assert after.resolved_at is None and after.closed_at is None
    assert (at(4, 11), at(5, 15)) in after.paused
    assert EventKind.REOPENED in kinds(change)
    reopened = only(change.notices, Reopened)
    assert reopened.audience is Audience.CUSTOMER
    assert only(change.notices, CustomerReply).reopened is True
    assert "<again@customer.example>" in after.customer_thread
    # the resolution clock stood still while it was resolved: Wed 11:00 - Thu 15:00 (11 h)
    # is not counted, and the due moves later by that much business time
    _, resolution = POLICY.clocks(after, "plus", at(5, 15))
    assert resolution.elapsed == timedelta(hours=7)
    assert resolution.due == at(18, 15)  # Tue 17 Mar 11:00 + 11 business hours


def test_a_reply_on_the_last_instant_of_the_window_still_reopens():
    t = resolved(at(4, 11))
    last = at(4, 11) + timedelta(days=REOPEN_DAYS)
    assert reply_route(t, last, REOPEN_DAYS) is ReplyRoute.REOPEN
    assert reply(t, last).ticket.status is TicketStatus.OPEN


def test_a_reply_after_the_reopen_window_must_open_a_new_ticket():
    t = resolved(at(4, 11))
    late = at(4, 11) + timedelta(days=REOPEN_DAYS, minutes=1)
    assert reply_route(t, late, REOPEN_DAYS) is ReplyRoute.NEW_TICKET
    with pytest.raises(LifecycleError):
        reply(t, late)


def test_a_reply_to_a_closed_ticket_is_refused():
    t = resolved(at(4, 11))
    closed = close_if_settled(t, at(12, 11), REOPEN_DAYS).ticket
    assert reply_route(closed, at(12, 12), REOPEN_DAYS) is ReplyRoute.NEW_TICKET
    with pytest.raises(LifecycleError):
        reply(closed, at(12, 12))


def test_closed_is_final_even_if_the_reopen_window_is_widened_later():
    # an operator raises reopen_days from 7 to 30 after the ticket was closed
    closed = close_if_settled(resolved(at(4, 11)), at(12, 11), REOPEN_DAYS).ticket
    assert reply_route(closed, at(12, 12), 30) is ReplyRoute.NEW_TICKET
    with pytest.raises(LifecycleError):
        customer_reply(closed, mail(at(12, 12)), reopen_days=30, now=at(12, 12))


@pytest.mark.parametrize("status", [TicketStatus.OPEN, TicketStatus.PENDING])
def test_a_reply_on_an_active_ticket_is_a_comment(status):
    t = fresh()
    if status is TicketStatus.PENDING:
        t = pending(t, at(4, 11), by=AGENT, now=at(4, 11)).ticket
    assert reply_route(t, at(30, 11), REOPEN_DAYS) is ReplyRoute.COMMENT


# --- outsider_reply --------------------------------------------------------------------

@pytest.mark.parametrize("state", ["pending", "resolved"])
def test_an_outsiders_mail_changes_nothing_but_the_agents_see_it_marked(state):
    t = reply(fresh(cc=[COLLEAGUE]), at(3, 12), mid="<r1@customer.example>").ticket
    if state == "pending":
        t = pending(t, at(4, 11), by=AGENT, now=at(4, 11)).ticket
    else:
        t = resolved(at(4, 11), t)
    change = outsider_reply(t, mail(at(5, 11), sender=OUTSIDER, mid="<o@elsewhere.example>",
                                    text="me too"), now=at(5, 11))
    after = change.ticket
    assert after.status is t.status
    assert after.paused == t.paused and after.resolved_at == t.resolved_at
    assert after.cc == [COLLEAGUE]
    assert after.customer_thread == t.customer_thread
    assert "<o@elsewhere.example>" in after.message_ids
    assert kinds(change) == [EventKind.OUTSIDER_REPLY]
    notice = only(change.notices, CustomerReply)
    assert notice.outsider is True and notice.sender == OUTSIDER and notice.text == "me too"
    assert not [n for n in change.notices if isinstance(n, Reopened)]


# --- agent_reply -----------------------------------------------------------------------

def test_the_first_agent_reply_stops_the_response_clock_and_takes_the_ticket():
    t = fresh()
    change = agent_reply(t, mail(at(4, 12), sender=AGENT, mid="<a1@desk.example>",
                                 text="looking into it"), agent_name="Ana", now=at(4, 12))
    after = change.ticket
    assert after.first_response_at == at(4, 12)
    assert after.assignee == "Ana"
    assert change.events[0].kind is EventKind.AGENT_REPLY
    assert change.events[0].data["first_response"] is True
    relayed = only(change.notices, AgentReply)
    assert relayed.audience is Audience.CUSTOMER
    assert (relayed.text, relayed.agent, relayed.agent_name) == (
        "looking into it", AGENT, "Ana")
    response, _ = POLICY.clocks(after, "plus", at(20, 12))
    assert response.state is SlaState.MET
    assert response.elapsed == timedelta(hours=6 + 2)  # Tue 11-17, Wed 10-12


def test_a_later_agent_reply_keeps_the_first_response_time_and_the_assignee():
    t = agent_reply(fresh(), mail(at(4, 12), sender=AGENT), agent_name="Ana",
                    now=at(4, 12)).ticket
    t = assign(t, "Bea", at(4, 13), by=AGENT, now=at(4, 13)).ticket
    change = agent_reply(t, mail(at(5, 12), sender="luis@desk.example"), agent_name="Luis",
                         now=at(5, 12))
    assert change.ticket.first_response_at == at(4, 12)
    assert change.ticket.assignee == "Bea"
    assert change.events[0].data["first_response"] is False


def test_an_agents_message_id_finds_the_ticket_but_never_goes_on_the_customer_thread():
    t = fresh()
    after = agent_reply(t, mail(at(4, 12), sender=AGENT, mid="<a1@desk.example>"),
                        agent_name="Ana", now=at(4, 12)).ticket
    assert "<a1@desk.example>" in after.message_ids
    assert after.customer_thread == ["<first@customer.example>"]


# --- link ------------------------------------------------------------------------------

def test_link_makes_a_staff_mail_findable_but_not_part_of_the_customer_thread():
    t = fresh()
    after = link(t, "<cmd@desk.example>", now=at(4, 12)).ticket
    assert after.message_ids == ["<first@customer.example>", "<cmd@desk.example>"]
    assert after.customer_thread == ["<first@customer.example>"]


@pytest.mark.parametrize("mid", [None, "", "<first@customer.example>"])
def test_link_with_nothing_new_leaves_the_ticket_as_it_was(mid):
    t = fresh()
    change = link(t, mid, now=at(4, 12))
    assert change.ticket == t
    assert change.events == () and change.notices == ()


# --- pending ---------------------------------------------------------------------------

def test_pending_pauses_the_resolution_clock_until_the_customer_answers():
    change = pending(fresh(), at(4, 11), by=AGENT, now=at(4, 11))
    t = change.ticket
    assert t.status is TicketStatus.PENDING
    assert t.paused == [(at(4, 11), None)]
    assert kinds(change) == [EventKind.PENDING] and change.notices == ()
    _, resolution = POLICY.clocks(t, "plus", at(6, 16))
    assert resolution.elapsed == timedelta(hours=7)  # stopped at Wed 11:00


def test_pending_twice_opens_no_second_pause():
    t = pending(fresh(), at(4, 11), by=AGENT, now=at(4, 11)).ticket
    change = pending(t, at(4, 15), by=AGENT, now=at(4, 15))
    assert change.ticket.paused == [(at(4, 11), None)]
    assert change.events == ()


def test_pending_does_not_touch_a_resolved_ticket():
    t = resolved(at(4, 11))
    change = pending(t, at(4, 15), by=AGENT, now=at(4, 15))
    assert change.ticket.status is TicketStatus.RESOLVED
    assert change.ticket.paused == [] and change.events == ()


# --- resolve ---------------------------------------------------------------------------

def test_resolve_stops_the_resolution_clock_and_tells_the_customer_how_long_to_reopen():
    change = resolve(fresh(), at(4, 11), by=AGENT, by_name="Ana", reopen_days=REOPEN_DAYS,
                     now=at(4, 11))
    t = change.ticket
    assert t.status is TicketStatus.RESOLVED and t.resolved_at == at(4, 11)
    assert kinds(change) == [EventKind.RESOLVED]
    notice = only(change.notices, Resolved)
    assert notice.audience is Audience.CUSTOMER
    assert (notice.reopen_days, notice.resolved_by) == (REOPEN_DAYS, "Ana")
    _, resolution = POLICY.clocks(t, "plus", at(20, 11))
    assert resolution.state is SlaState.MET and resolution.elapsed == timedelta(hours=7)


def test_resolving_before_any_answer_is_the_first_response():
    # the customer gets the resolution mail: the response clock stops then, met or not
    t = resolve(fresh(), at(3, 11, 5), by=AGENT, by_name="Ana", reopen_days=REOPEN_DAYS,
                now=at(3, 11, 5)).ticket
    assert t.first_response_at == at(3, 11, 5)
    response, _ = POLICY.clocks(t, "plus", at(20, 11))
    assert response.state is SlaState.MET
    answered = agent_reply(fresh(), mail(at(3, 12), sender=AGENT), agent_name="Ana",
                           now=at(3, 12)).ticket
    later = resolve(answered, at(4, 11), by=AGENT, by_name="Ana", reopen_days=REOPEN_DAYS,
                    now=at(4, 11)).ticket
    assert later.first_response_at == at(3, 12)  # an earlier answer stands


def test_resolving_a_pending_ticket_ends_its_pause_at_the_resolution():
    t = pending(fresh(), at(4, 11), by=AGENT, now=at(4, 11)).ticket
    after = resolve(t, at(5, 11), by=AGENT, by_name=None, reopen_days=REOPEN_DAYS,
                    now=at(5, 11)).ticket
    assert after.status is TicketStatus.RESOLVED
    assert after.paused == [(at(4, 11), at(5, 11))]


@pytest.mark.parametrize("state", [TicketStatus.RESOLVED, TicketStatus.CLOSED])
def test_resolving_a_finished_ticket_changes_nothing_and_sends_nothing(state):
    t = resolved(at(4, 11))
    if state is TicketStatus.CLOSED:
        t = close_if_settled(t, at(20, 11), REOPEN_DAYS).ticket
    change = resolve(t, at(25, 11), by=AGENT, by_name="Ana", reopen_days=REOPEN_DAYS,
                     now=at(25, 11))
    assert change.ticket == t
    assert change.ticket.resolved_at == at(4, 11)
    assert change.events == () and change.notices == ()


# --- close_if_settled ------------------------------------------------------------------

@pytest.mark.parametrize("later", [timedelta(hours=1), timedelta(days=REOPEN_DAYS)])
def test_a_resolved_ticket_inside_its_reopen_window_stays_resolved(later):
    t = resolved(at(4, 11))
    assert close_if_settled(t, at(4, 11) + later, REOPEN_DAYS) is None


def test_a_resolved_ticket_closes_once_the_window_has_passed_as_of_the_windows_end():
    t = resolved(at(4, 11))
    change = close_if_settled(t, at(20, 9), REOPEN_DAYS)  # the job ran late
    assert change is not None
    assert change.ticket.status is TicketStatus.CLOSED
    assert change.ticket.closed_at == at(11, 11)  # resolved_at + 7 days, not the job's time
    assert change.ticket.resolved_at == at(4, 11)
    assert kinds(change) == [EventKind.CLOSED] and change.events[0].at == at(11, 11)
    assert change.notices == ()


@pytest.mark.parametrize("state", ["open", "pending", "closed"])
def test_only_a_resolved_ticket_is_closed(state):
    t = fresh()
    if state == "pending":
        t = pending(t, at(4, 11), by=AGENT, now=at(4, 11)).ticket
    elif state == "closed":
        t = close_if_settled(resolved(at(4, 11)), at(20, 11), REOPEN_DAYS).ticket
    assert close_if_settled(t, at(30, 11), REOPEN_DAYS) is None


# --- change_severity, assign, note, bounce ---------------------------------------------

def test_a_new_severity_brings_its_due_times_counted_from_creation():
    t = fresh(Severity.MAJOR)
    due = deadlines(PLAN, Severity.BLOCKER, t.created_at, CAL)
    change = change_severity(t, Severity.BLOCKER, due, at(3, 12), why="#severity", now=at(3, 12))
    after = change.ticket
    assert after.severity is Severity.BLOCKER and after.severity_reason == "#severity"
    assert after.response_due == at(3, 17)        # 6 business hours from Tue 11:00
    assert after.resolution_due == at(4, 14)      # 10 business hours
    assert kinds(change) == [EventKind.SEVERITY_CHANGED]
    assert (change.events[0].data["old"], change.events[0].data["new"]) == ("major", "blocker")


def test_changing_to_the_same_severity_is_a_no_op():
    t = fresh(Severity.MAJOR)
    due = deadlines(PLAN, Severity.BLOCKER, t.created_at, CAL)  # would move the dues if used
    change = change_severity(t, Severity.MAJOR, due, at(3, 12), why="again", now=at(3, 12))
    assert change.ticket == t
    assert change.events == () and change.notices == ()


def test_assign_sets_the_assignee_and_records_who_did_it():
    change = assign(fresh(), "Bea", at(4, 9), by=AGENT, now=at(4, 9))
    assert change.ticket.assignee == "Bea"
    assert kinds(change) == [EventKind.ASSIGNED]
    assert change.events[0].data == {"agent": AGENT, "assignee": "Bea"}
    assert change.notices == ()


def test_a_note_is_on_the_timeline_and_sent_to_nobody():
    t = fresh()
    change = note(t, "called them", at(4, 9), by=AGENT)
    assert change.ticket == t
    assert kinds(change) == [EventKind.NOTE] and change.events[0].data["text"] == "called them"
    assert change.notices == ()


def test_a_bounce_is_noted_and_the_agents_are_told_only_when_a_report_is_given():
    t = fresh()
    report = BounceNotice(recipients=(REQUESTER,), original_kind="ack",
                          original_subject="Exports fail", error="550 no such user")
    told = bounce(t, mail(at(3, 12), sender="mailer-daemon@mx.example"),
                  bounced_message_id="<ack@desk.example>", subject="Exports fail",
                  report=report)
    assert told.ticket == t
    assert kinds(told) == [EventKind.NOTE]
    assert told.events[0].data["bounce_of"] == "<ack@desk.example>"
    assert told.notices == (report,)
    quiet = bounce(t, mail(at(3, 12), sender="mailer-daemon@mx.example"),
                   bounced_message_id="<ack@desk.example>", subject="Exports fail", report=None)
    assert quiet.notices == () and kinds(quiet) == [EventKind.NOTE]


# --- escalate --------------------------------------------------------------------------

def test_a_clock_at_risk_gives_the_agents_a_warning():
    t = fresh(Severity.MAJOR)  # response due Fri 11:00 after 21 business hours
    now = at(5, 13)            # 16 h used: over the 75 % mark
    response, _ = POLICY.clocks(t, "plus", now)
    assert response.state is SlaState.AT_RISK
    change = escalate(t, response, now=now)
    alert = change.notices[0]
    assert type(alert) is SlaAlert and len(change.notices) == 1
    assert alert.kind is MailKind.SLA_WARNING and alert.audience is Audience.AGENTS
    assert alert.due == at(6, 11) and alert.clock == "response"
    assert alert.left_seconds == timedelta(hours=5).total_seconds()
    assert alert.best_effort is False
    assert change.events[0].data["level"] == "warn" and change.events[0].at == now
    assert change.ticket == t


def test_a_firm_breach_goes_to_the_managers():
    t = fresh(Severity.MAJOR)
    now = at(6, 12)  # an hour past the Fri 11:00 response due
    response, _ = POLICY.clocks(t, "plus", now)
    assert response.state is SlaState.BREACHED
    change = escalate(t, response, now=now)
    breach = change.notices[0]
    assert type(breach) is SlaBreach
    assert breach.kind is MailKind.SLA_BREACH and breach.audience is Audience.ESCALATION
    assert breach.best_effort is False
    assert breach.left_seconds == -3600
    assert change.events[0].data["level"] == "breach"


def test_a_best_effort_breach_is_the_agents_matter_only():
    t = fresh(Severity.TRIVIAL)  # plus trivial response "> 4 days": Mon 9 Mar 11:00
    now = at(9, 12)
    response, _ = POLICY.clocks(t, "plus", now)
    assert response.state is SlaState.BREACHED and response.due == at(9, 11)
    breach = escalate(t, response, now=now).notices[0]
    assert type(breach) is SlaBreachBestEffort
    assert breach.kind is MailKind.SLA_BREACH and breach.audience is Audience.AGENTS
    assert breach.best_effort is True


def test_a_firm_trivial_resolution_breach_still_goes_to_the_managers():
    t = fresh(Severity.TRIVIAL)  # plus trivial resolution "< 30 days" is firm
    _, resolution = POLICY.clocks(t, "plus", at(20, 12, mo=4))
    assert resolution.state is SlaState.BREACHED
    assert type(escalate(t, resolution, now=at(20, 12, mo=4)).notices[0]) is SlaBreach


def test_escalating_a_clock_without_a_target_is_refused():
    t = fresh(Severity.MAJOR)
    _, resolution = POLICY.clocks(t, "basic", at(20, 12))  # basic states no resolution time
    assert resolution.due is None
    with pytest.raises(LifecycleError):
        escalate(t, resolution, now=at(20, 12))


# --- Change.then -----------------------------------------------------------------------

def test_then_keeps_the_later_ticket_and_every_event_and_notice_in_order():
    first = opening()
    second = resolve(first.ticket, at(4, 11), by=AGENT, by_name="Ana",
                     reopen_days=REOPEN_DAYS, now=at(4, 11))
    both = first.then(second)
    assert both.ticket is second.ticket
    assert both.events == first.events + second.events
    assert both.notices == first.notices + second.notices
    assert kinds(both)[0] is EventKind.RECEIVED and kinds(both)[-1] is EventKind.RESOLVED


# --- the reopen window and time zones --------------------------------------------------

# Madrid switches to summer time on Sun 29 Mar 2026. Resolved Wed 25 Mar 12:00 CET, a
# reply arrives Wed 1 Apr 12:30 CEST: 6 days 23.5 hours of real time later, but 7 days
# 0.5 hours on the wall clock. Python subtracts two datetimes of the same ZoneInfo as wall
# times, so a lifecycle that subtracts them directly routes the same instant two ways.
_RESOLVED_BEFORE_SWITCH = at(25, 12)
_REPLY_AFTER_SWITCH = datetime(2026, 4, 1, 12, 30, tzinfo=MADRID)


def test_the_reopen_window_is_decided_by_the_instant_not_the_zone_it_is_written_in():
    t = resolved(_RESOLVED_BEFORE_SWITCH)
    local = reply_route(t, _REPLY_AFTER_SWITCH, REOPEN_DAYS)
    utc = reply_route(t, _REPLY_AFTER_SWITCH.astimezone(UTC), REOPEN_DAYS)
    assert local is utc


def test_closing_is_decided_by_the_instant_not_the_zone_it_is_written_in():
    t = resolved(_RESOLVED_BEFORE_SWITCH)
    local = close_if_settled(t, _REPLY_AFTER_SWITCH, REOPEN_DAYS)
    utc = close_if_settled(t, _REPLY_AFTER_SWITCH.astimezone(UTC), REOPEN_DAYS)
    assert (local is None) == (utc is None)


@pytest.mark.parametrize("zone", [MADRID, UTC], ids=["madrid", "utc"])
def test_across_a_dst_switch_a_ticket_closes_exactly_where_its_reopen_window_ends(zone):
    t = resolved(_RESOLVED_BEFORE_SWITCH)
    closed_at = close_if_settled(t, at(10, 12, mo=4), REOPEN_DAYS).ticket.closed_at
    end = closed_at.astimezone(zone)
    assert reply_route(t, end, REOPEN_DAYS) is ReplyRoute.REOPEN
    assert reply_route(t, end + timedelta(seconds=1), REOPEN_DAYS) is ReplyRoute.NEW_TICKET


# --- invariants over any sequence of inputs --------------------------------------------

_ACTIONS = ["customer", "customer-bad-id", "agent", "pending", "resolve", "close"]
# each step waits (nothing, hours, or days) and then does one thing; at least ten steps so
# that most examples get through pending, resolution, reopening and closing
_WAITS = st.one_of(
    st.just(timedelta(0)),
    st.builds(lambda h: timedelta(hours=h), st.integers(1, 30)),
    st.builds(lambda d: timedelta(days=d), st.integers(1, 10)),
)
_STEPS = st.lists(st.tuples(st.sampled_from(_ACTIONS), _WAITS), min_size=10, max_size=40)


def utc(value: datetime) -> datetime:
    # compare instants: two datetimes of the same ZoneInfo compare as wall times, which
    # misorders them in the hour repeated when summer time ends
    return value.astimezone(UTC)


def _datetimes(ticket: Ticket):
    for f in dataclasses.fields(ticket):
        value = getattr(ticket, f.name)
        if isinstance(value, datetime):
            yield f.name, value
    for start, end in ticket.paused:
        yield "paused start", start
        if end is not None:
            yield "paused end", end


def _check_invariants(t: Ticket, now: datetime, agent_ids: set[str],
                      worked: timedelta) -> None:
    for what, value in _datetimes(t):
        assert value.tzinfo is not None and value.utcoffset() is not None, what
    assert (t.resolved_at is not None) == (t.status in (TicketStatus.RESOLVED,
                                                        TicketStatus.CLOSED))
    assert (t.closed_at is not None) == (t.status is TicketStatus.CLOSED)
    if t.status is TicketStatus.CLOSED:
        assert utc(t.resolved_at) < utc(t.closed_at) <= utc(now)
    # pauses: in order, never overlapping, only the last may be open, and only while
    # the ticket waits on the customer
    for (s1, e1), (s2, _) in zip(t.paused, t.paused[1:], strict=False):
        assert e1 is not None and utc(s1) <= utc(e1) <= utc(s2)
    open_pauses = [p for p in t.paused if p[1] is None]
    assert len(open_pauses) <= 1 and (not open_pauses or t.paused[-1][1] is None)
    assert bool(open_pauses) == (t.status is TicketStatus.PENDING)
    # the customer's thread: valid ids only, never an agent's, all of them findable
    assert all(valid_message_id(m) for m in t.customer_thread)
    assert not agent_ids & set(t.customer_thread)
    assert set(t.customer_thread) <= set(t.message_ids)
    # the response clock never pauses, whatever the paused list holds
    response, _ = POLICY.clocks(t, "plus", now)
    stop = min(t.first_response_at, now, key=utc) if t.first_response_at is not None else now
    assert response.elapsed == CAL.elapsed(t.created_at, stop)
    # the resolution clock counts exactly the business time the ticket spent open: not
    # the time waiting on the customer, nor the time resolved before a reopen
    _, resolution = POLICY.clocks(t, "plus", now)
    assert resolution.elapsed == worked


@settings(max_examples=200, deadline=None)
@given(severity=st.sampled_from(list(Severity)), steps=_STEPS)
def test_no_sequence_of_inputs_breaks_the_lifecycles_invariants(severity, steps):
    now = T0
    t = fresh(severity)
    agent_ids: set[str] = set()
    first_response = None
    was_closed = False
    worked = timedelta(0)  # business time spent open, as the test itself sees it
    for i, (step, wait) in enumerate(steps):
        then = now
        now = (now.astimezone(UTC) + wait).astimezone(MADRID)  # real time moves on
        if t.status is TicketStatus.OPEN:
            worked += CAL.elapsed(then, now)
        if step.startswith("customer"):
            mid = "<no-at-sign>" if step == "customer-bad-id" else f"<c{i}@customer.example>"
            if reply_route(t, now, REOPEN_DAYS) is ReplyRoute.NEW_TICKET:
                with pytest.raises(LifecycleError):
                    reply(t, now, mid=mid)
            else:
                before = t.status
                t = reply(t, now, mid=mid).ticket
                assert t.status is TicketStatus.OPEN, before
        elif step == "agent":
            mid = f"<a{i}@desk.example>"
            agent_ids.add(mid)
            t = agent_reply(t, mail(now, sender=AGENT, mid=mid), agent_name="Ana",
                            now=now).ticket
        elif step == "pending":
            t = pending(t, now, by=AGENT, now=now).ticket
        elif step == "resolve":
            t = resolve(t, now, by=AGENT, by_name="Ana", reopen_days=REOPEN_DAYS,
                        now=now).ticket
        else:
            change = close_if_settled(t, now, REOPEN_DAYS)
            if change is not None:
                # it closes exactly where the reopen window ends
                end = change.ticket.closed_at
                assert reply_route(t, end, REOPEN_DAYS) is ReplyRoute.REOPEN
                assert reply_route(t, end + timedelta(seconds=1),
                                   REOPEN_DAYS) is ReplyRoute.NEW_TICKET
                t = change.ticket
        if was_closed:
            assert t.status is TicketStatus.CLOSED
            assert reply_route(t, now, REOPEN_DAYS) is ReplyRoute.NEW_TICKET
            assert reply_route(t, now, 10 * REOPEN_DAYS) is ReplyRoute.NEW_TICKET
        was_closed = t.status is TicketStatus.CLOSED
        if first_response is not None:
            assert t.first_response_at == first_response
        elif t.first_response_at is not None:
            assert utc(t.created_at) <= utc(t.first_response_at) <= utc(now)
            first_response = t.first_response_at
        _check_invariants(t, now, agent_ids, worked)
