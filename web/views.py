"""What the pages show, as plain dicts for the templates: tickets with their clocks in the
reader's zone, the quota line, and a ticket's conversation as the customer saw it.

Times are shown in the contact's zone (else the account's, else the desk's); the
clocks come from `Policy.clocks`, the one definition sweep, digest and report use.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from rules.entitlements import QuotaStatus
from rules.lifecycle import EventKind
from rules.policy import Policy
from rules.sla import ClockStatus, SlaState
from rules.staff import Staff
from store.records import Account, Contact, Event, Ticket


def zone(policy: Policy, contact: Contact | None, account: Account | None) -> ZoneInfo:
    name = (getattr(contact, "timezone", None) if contact else None) \
        or (account.timezone if account else None)
    return ZoneInfo(name) if name else policy.tz


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def when(value: datetime | None, tz: ZoneInfo) -> str:
    """'Tue 3 Mar 2026, 10:00' in `tz` (English names without strftime: the pages do not
    depend on the process's locale, and it is several times faster)."""
    if value is None:
        return "-"
    t = value.astimezone(tz)
    return (f"{_DAYS[t.weekday()]} {t.day} {_MONTHS[t.month - 1]} {t.year}, "
            f"{t.hour:02d}:{t.minute:02d}")


def short(value: datetime | None, tz: ZoneInfo) -> str:
    """'Tue 3 Mar 10:00' in `tz` (the new-ticket form's promises)."""
    if value is None:
        return "-"
    t = value.astimezone(tz)
    return f"{_DAYS[t.weekday()]} {t.day} {_MONTHS[t.month - 1]} {t.hour:02d}:{t.minute:02d}"


def day(value: date) -> str:
    return f"{value.day} {value:%b %Y}"


def clock(status: ClockStatus | None, tz: ZoneInfo) -> dict:
    """One clock as shown: its due time and a word for its state, with a css class."""
    if status is None or status.state is SlaState.NO_TARGET or status.due is None:
        return {"due": "no target", "state": "no target", "css": "none"}
    word = {SlaState.OK: ("on time", "ok"), SlaState.AT_RISK: ("at risk", "risk"),
            SlaState.MET: ("met", "met")}.get(status.state)
    if status.state is SlaState.BREACHED:
        word = ("overdue", "late")
    label, css = word
    if status.best_effort and css in ("ok", "risk", "late"):
        label += " (best effort)"
    return {"due": when(status.due, tz), "state": label, "css": css}


def ticket_row(ticket: Ticket, clocks, tz: ZoneInfo) -> dict:
    response, resolution = clocks if clocks is not None else (None, None)
    return {"number": ticket.number, "subject": ticket.subject,
            "severity": str(ticket.severity), "status": _status(ticket),
            "active": ticket.status.active, "channel": str(ticket.channel),
            "created": when(ticket.created_at, tz),
            "response": clock(response, tz), "resolution": clock(resolution, tz)}


def _status(ticket: Ticket) -> str:
    return {"open": "open", "pending-customer": "waiting for you", "resolved": "resolved",
            "closed": "closed"}[str(ticket.status)]


def quota_line(status: QuotaStatus) -> str:
    """'31 of 50 tickets used this contract year, until 31 Dec 2026'."""
    total = status.included + status.extra
    last = status.year_end - timedelta(days=1)
    added = f" ({status.included} included + {status.extra} added)" if status.extra else ""
    return (f"{status.used} of {total} tickets used this contract year{added}, "
            f"until {day(last)}")


def _files(number: int, event: Event) -> list[dict]:
    return [{"name": path.rsplit("/", 1)[-1],
             "url": f"/tickets/{number}/files/{event.seq}/{i}"}
            for i, path in enumerate(event.data.get("attachments") or [])]


def conversation(ticket: Ticket, events: list[Event], staff: Staff, tz: ZoneInfo,
                 names: dict[str, str]) -> list[dict]:
    """The ticket's story as the customer saw it in mail: his messages, our answers (by
    the agent's name, never an address), resolution and reopening. `names` maps the
    account's contacts to their names."""
    items = []
    for e in events:
        at = when(e.at, tz)
        text = e.data.get("text")
        if e.kind is EventKind.RECEIVED:
            if ticket.opened_by:
                by = staff.name_of(ticket.opened_by) if staff.is_staff(ticket.opened_by) \
                    else "our support team"
                how = {"phone": "from your phone call", "web": "in the support center"}.get(
                    str(ticket.channel), "for you")
                items.append({"kind": "system", "at": at,
                              "text": f"{by} opened this ticket {how}."})
                continue
            items.append(_message("customer", e, ticket, at, text, names))
        elif e.kind is EventKind.CUSTOMER_REPLY:
            items.append(_message("customer", e, ticket, at, text, names))
        elif e.kind is EventKind.AGENT_REPLY:
            agent = e.data.get("agent") or ""
            items.append({"kind": "agent", "at": at, "who": staff.name_of(agent) if agent
                          else "Support", "text": text, "files": _files(ticket.number, e)})
        elif e.kind is EventKind.ACKNOWLEDGED:
            items.append({"kind": "system", "at": at,
                          "text": "We confirmed this ticket by mail, with its due times."})
        elif e.kind is EventKind.RESOLVED:
            by = e.data.get("by") or ""
            who = staff.name_of(by) if staff.is_staff(by) else "our team"
            items.append({"kind": "system", "at": at, "text": f"Resolved by {who}."})
        elif e.kind is EventKind.REOPENED:
            items.append({"kind": "system", "at": at, "text": "Reopened by your reply."})
        elif e.kind is EventKind.CLOSED:
            items.append({"kind": "system", "at": at, "text": "Closed."})
    return items


def _message(kind: str, e: Event, ticket: Ticket, at: str, text: str | None,
             names: dict[str, str]) -> dict:
    sender = (e.data.get("sender") or ticket.requester).lower()
    return {"kind": kind, "at": at, "who": names.get(sender) or sender,
            "text": text, "files": _files(ticket.number, e)}
