"""A ticket's whole story for its staff page, as plain dicts for the template: every event
(the customer's and agents' messages, internal notes, commands and what they changed,
escalations, bounces, outsiders on the thread) and every mail queued for it (to whom,
who was left out and why, whether it went), with real addresses, oldest first.

Only staff pages use it; a contact's page shows `web/views.py: conversation`.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from rules.lifecycle import EventKind
from rules.staff import Staff
from store.records import Event, OutboxRow, Ticket
from web.words import Words


def person(address: str | None, staff: Staff, names: dict[str, str]) -> str:
    """'Ana Ruiz <ana@vendor.example>': whoever it is, with the address staff may see."""
    if not address:
        return "-"
    name = staff.name_of(address) if staff.is_staff(address) else names.get(address.lower())
    return f"{name} <{address}>" if name and name != address else address


def _files(number: int, event: Event) -> list[dict]:
    return [{"name": path.rsplit("/", 1)[-1],
             "url": f"/staff/tickets/{number}/files/{event.seq}/{i}"}
            for i, path in enumerate(event.data.get("attachments") or [])]


def _event(ticket: Ticket, e: Event, staff: Staff, names: dict[str, str], w: Words) -> dict:
    """(what happened, its text if any, whether the customer saw it)."""
    d = e.data

    def who(key: str) -> str:
        return person(d.get(key), staff, names)

    item = {"kind": str(e.kind), "text": d.get("text"), "files": _files(ticket.number, e),
            "internal": False, "note": None}
    if e.kind is EventKind.RECEIVED:
        if d.get("opened_by"):
            item["what"] = w._("%(agent)s opened it for the customer (%(channel)s)",
                               agent=who("opened_by"), channel=w.channel(d.get("channel")
                                                                         or "mail"))
            item["internal"] = True  # the agent's words when logging it, for the desk
        else:
            item["what"] = w._("Received from %(sender)s (%(channel)s)", sender=who("sender"),
                               channel=w.channel(d.get("channel") or "mail"))
        if d.get("forced"):
            item["note"] = w._("Opened although the plan does not include it: %(why)s",
                               why=d["forced"])
    elif e.kind is EventKind.ACKNOWLEDGED:
        item["what"] = w._("Acknowledged to %(to)s", to=who("to"))
    elif e.kind is EventKind.AGENT_REPLY:
        item["what"] = w._("%(agent)s answered the customer", agent=who("agent"))
        if d.get("first_response"):
            item["note"] = w._("the first response")
    elif e.kind is EventKind.CUSTOMER_REPLY:
        item["what"] = w._("%(sender)s replied", sender=who("sender"))
    elif e.kind is EventKind.OUTSIDER_REPLY:
        item["what"] = w._("%(sender)s wrote on the thread: not someone who may add to the "
                           "ticket, so not posted as the customer's", sender=who("sender"))
        item["internal"] = True
    elif e.kind is EventKind.SEVERITY_CHANGED:
        item["what"] = w._("Severity changed from %(old)s to %(new)s (%(why)s)",
                           old=w.level(d["old"]), new=w.level(d["new"]), why=d.get("why", ""))
        item["internal"] = True
    elif e.kind is EventKind.ESCALATED:
        clock = w.clock_name(d.get("clock", ""))
        item["what"] = (w._("SLA breach of the %(clock)s target", clock=clock)
                        if d.get("level") == "breach"
                        else w._("SLA warning: the %(clock)s target is at risk", clock=clock))
        if d.get("best_effort"):
            item["note"] = w._("(best effort)")
        item["internal"] = True
    elif e.kind is EventKind.RESOLVED:
        item["what"] = w._("Resolved by %(who)s", who=who("by"))
    elif e.kind is EventKind.REOPENED:
        item["what"] = w._("Reopened by %(who)s", who=who("by"))
    elif e.kind is EventKind.NOTE:
        if d.get("bounce_of"):
            item["what"] = w._("A mail about this ticket could not be delivered")
        elif d.get("severity_requested"):
            item["what"] = w._("%(sender)s asks for severity %(level)s", sender=who("by"),
                               level=w.level(d["severity_requested"]))
        else:
            item["what"] = w._("Internal note by %(agent)s", agent=who("agent"))
        item["internal"] = True
    elif e.kind is EventKind.ASSIGNED:
        item["what"] = w._("%(agent)s assigned it to %(assignee)s", agent=who("agent"),
                           assignee=d.get("assignee", ""))
        item["internal"] = True
    elif e.kind is EventKind.PENDING:
        item["what"] = w._("%(agent)s set it waiting for the customer", agent=who("agent"))
        item["internal"] = True
    elif e.kind is EventKind.CLOSED:
        item["what"] = w.ngettext("Closed %(num)d day after resolution without a reply",
                                  "Closed %(num)d days after resolution without a reply",
                                  int(d.get("after_days") or 0))
    else:
        item["what"] = str(e.kind)
    return item


def _mail(row: OutboxRow, staff: Staff, names: dict[str, str], w: Words) -> dict:
    return {"kind": "mail", "what": w.mail_kind(str(row.kind)), "internal": False, "note": None,
            "to": ", ".join(person(a, staff, names) for a in row.to),
            "cc": ", ".join(person(a, staff, names) for a in row.cc),
            "dropped": [{"address": a, "why": why} for a, why in row.dropped],
            "status": w.mail_status(row.status), "status_key": row.status,
            "error": row.last_error, "text": None, "files": []}


def staff_timeline(ticket: Ticket, events: list[Event], mails: list[OutboxRow], staff: Staff,
                   names: dict[str, str], tz: ZoneInfo, w: Words) -> list[dict]:
    """Events and mails in the order they happened (an event before the mail it caused)."""
    entries = [(e.at, 0, e.seq, _event(ticket, e, staff, names, w)) for e in events]
    entries += [(r.created_at, 1, i, _mail(r, staff, names, w)) for i, r in enumerate(mails)]
    entries.sort(key=lambda x: (x[0], x[1], x[2]))
    return [{**item, "at": w.when(at, tz)} for at, _, _, item in entries]
