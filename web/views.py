"""What the pages show, as plain dicts for the templates: tickets with their clocks in the
reader's zone and language, the quota line, and a ticket's conversation as the customer
saw it.

Times are shown in the contact's zone (else the account's, else the desk's); the
clocks come from `Policy.clocks`, the one definition sweep, digest and report use.
"""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from rules.entitlements import QuotaStatus
from rules.lifecycle import EventKind
from rules.policy import Policy
from rules.sla import ClockStatus, SlaState
from rules.staff import Staff
from store.records import Account, Contact, Event, Ticket
from web.words import Words


def zone(policy: Policy, contact: Contact | None, account: Account | None) -> ZoneInfo:
    name = (getattr(contact, "timezone", None) if contact else None) \
        or (account.timezone if account else None)
    return ZoneInfo(name) if name else policy.tz


def clock(status: ClockStatus | None, tz: ZoneInfo, w: Words) -> dict:
    """One clock as shown: its due time and a word for its state, with a css class."""
    if status is None or status.state is SlaState.NO_TARGET or status.due is None:
        return {"due": w._("no target"), "state": w.clock_state("none", False), "css": "none"}
    css = {SlaState.OK: "ok", SlaState.AT_RISK: "risk", SlaState.MET: "met",
           SlaState.BREACHED: "late"}[status.state]
    return {"due": w.when(status.due, tz), "state": w.clock_state(css, status.best_effort),
            "css": css}


def ticket_row(ticket: Ticket, clocks, tz: ZoneInfo, w: Words, staff: bool = False) -> dict:
    response, resolution = clocks if clocks is not None else (None, None)
    return {"number": ticket.number, "subject": ticket.subject,
            "severity": str(ticket.severity), "level": w.level(ticket.severity),
            "status": w.status(str(ticket.status), staff), "status_key": str(ticket.status),
            "active": ticket.status.active, "channel": str(ticket.channel),
            "channel_name": w.channel(str(ticket.channel)),
            "created": w.when(ticket.created_at, tz),
            "response": clock(response, tz, w), "resolution": clock(resolution, tz, w)}


def quota_line(status: QuotaStatus, w: Words) -> str:
    """'31 of 50 tickets used this contract year, until 31 Dec 2026'."""
    total = status.included + status.extra
    last = w.day(status.year_end - timedelta(days=1))
    if status.extra:
        return w.ngettext(
            "%(used)s of %(num)d ticket used this contract year (%(included)s included + "
            "%(extra)s added), until %(date)s",
            "%(used)s of %(num)d tickets used this contract year (%(included)s included + "
            "%(extra)s added), until %(date)s",
            total, used=status.used, included=status.included, extra=status.extra, date=last)
    return w.ngettext("%(used)s of %(num)d ticket used this contract year, until %(date)s",
                      "%(used)s of %(num)d tickets used this contract year, until %(date)s",
                      total, used=status.used, date=last)


def _files(number: int, event: Event) -> list[dict]:
    return [{"name": path.rsplit("/", 1)[-1],
             "url": f"/tickets/{number}/files/{event.seq}/{i}"}
            for i, path in enumerate(event.data.get("attachments") or [])]


def conversation(ticket: Ticket, events: list[Event], staff: Staff, tz: ZoneInfo,
                 names: dict[str, str], w: Words) -> list[dict]:
    """The ticket's story as the customer saw it in mail: his messages, our answers (by
    the agent's name, never an address), resolution and reopening. `names` maps the
    account's contacts to their names."""
    items = []
    for e in events:
        at = w.when(e.at, tz)
        text = e.data.get("text")
        if e.kind is EventKind.RECEIVED:
            if ticket.opened_by:
                by = staff.name_of(ticket.opened_by) if staff.is_staff(ticket.opened_by) \
                    else w._("Our support team")
                how = {"phone": w._("%(by)s opened this ticket from your phone call.", by=by),
                       "web": w._("%(by)s opened this ticket in the support center.", by=by)
                       }.get(str(ticket.channel)) or \
                    w._("%(by)s opened this ticket for you.", by=by)
                items.append({"kind": "system", "at": at, "text": how})
                continue
            items.append(_message("customer", e, ticket, at, text, names))
        elif e.kind is EventKind.CUSTOMER_REPLY:
            items.append(_message("customer", e, ticket, at, text, names))
        elif e.kind is EventKind.AGENT_REPLY:
            agent = e.data.get("agent") or ""
            items.append({"kind": "agent", "at": at, "who": staff.name_of(agent) if agent
                          else w._("Support"), "text": text, "files": _files(ticket.number, e)})
        elif e.kind is EventKind.ACKNOWLEDGED:
            items.append({"kind": "system", "at": at, "text": w._(
                "We confirmed this ticket by mail, with its due times.")})
        elif e.kind is EventKind.RESOLVED:
            by = e.data.get("by") or ""
            who = staff.name_of(by) if staff.is_staff(by) else w._("our team")
            items.append({"kind": "system", "at": at, "text": w._("Resolved by %(who)s.",
                                                                  who=who)})
        elif e.kind is EventKind.REOPENED:
            items.append({"kind": "system", "at": at, "text": w._("Reopened by your reply.")})
        elif e.kind is EventKind.CLOSED:
            items.append({"kind": "system", "at": at, "text": w._("Closed.")})
    return items


def _message(kind: str, e: Event, ticket: Ticket, at: str, text: str | None,
             names: dict[str, str]) -> dict:
    sender = (e.data.get("sender") or ticket.requester).lower()
    return {"kind": kind, "at": at, "who": names.get(sender) or sender,
            "text": text, "files": _files(ticket.number, e)}
