"""The support center's sign-in links and sessions, kept in the hot document so that the
bot and `intakebot web` (separate processes on one data folder) honour the same ones.

A sign-in link works once and for a short time; every request for one is recorded,
sent or not, so the per-address and per-client limits count strangers too. A
session ends at sign-out or when it expires. Old rows are pruned as new ones come.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from store.document import Document
from store.records import _dt, _parse_dt

KEEP = timedelta(days=1)  # how long a spent or expired row is kept for the counts


@dataclass(frozen=True, kw_only=True)
class SignIn:
    id: str
    email: str
    ip: str
    created_at: datetime
    expires_at: datetime
    sent: bool  # whether a link was mailed (not for strangers, nor over a limit)
    next: str = ""  # the page the link opens after signing in
    used_at: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "email": self.email.lower(), "ip": self.ip,
                "created_at": _dt(self.created_at), "expires_at": _dt(self.expires_at),
                "sent": self.sent, "next": self.next, "used_at": _dt(self.used_at)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SignIn:
        return cls(id=d["id"], email=d["email"], ip=d["ip"],
                   created_at=_parse_dt(d["created_at"]),
                   expires_at=_parse_dt(d["expires_at"]), sent=d["sent"], next=d["next"],
                   used_at=_parse_dt(d["used_at"]))


@dataclass(frozen=True, kw_only=True)
class Session:
    id: str
    email: str
    staff: bool  # an agent or manager of the desk, not a customer's contact
    csrf: str    # the secret the session's forms are signed with
    created_at: datetime
    expires_at: datetime
    ended_at: datetime | None = None

    def live(self, now: datetime) -> bool:
        return self.ended_at is None and now < self.expires_at

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "email": self.email.lower(), "staff": self.staff,
                "csrf": self.csrf, "created_at": _dt(self.created_at),
                "expires_at": _dt(self.expires_at), "ended_at": _dt(self.ended_at)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Session:
        return cls(id=d["id"], email=d["email"], staff=d["staff"], csrf=d["csrf"],
                   created_at=_parse_dt(d["created_at"]),
                   expires_at=_parse_dt(d["expires_at"]), ended_at=_parse_dt(d["ended_at"]))


def _after(d: dict[str, Any], since: datetime) -> bool:
    return datetime.fromisoformat(d["created_at"]).astimezone(UTC) >= since.astimezone(UTC)


class SignIns:
    def __init__(self, doc: Document) -> None:
        self._doc = doc

    def add(self, sign_in: SignIn) -> SignIn:
        self._prune(sign_in.created_at)
        self._doc.put("sign_ins", self._doc.new_id("sign_ins"), sign_in.to_dict())
        return sign_in

    def get(self, sign_in_id: str) -> SignIn | None:
        d = self._doc.find("sign_ins", "id", sign_in_id)
        return None if d is None else SignIn.from_dict(d)

    def use(self, sign_in_id: str, at: datetime) -> SignIn:
        doc_id = self._doc.find_id("sign_ins", "id", sign_in_id)
        if doc_id is None:
            raise KeyError(sign_in_id)
        used = replace(SignIn.from_dict(self._doc.get("sign_ins", doc_id)), used_at=at)
        self._doc.put("sign_ins", doc_id, used.to_dict())
        return used

    def count_for_address(self, email: str, since: datetime) -> int:
        return sum(1 for d in self._doc.find_all("sign_ins", "email", email.strip().lower())
                   if _after(d, since))

    def count_for_ip(self, ip: str, since: datetime) -> int:
        return sum(1 for d in self._doc.find_all("sign_ins", "ip", ip) if _after(d, since))

    def _prune(self, now: datetime) -> None:
        cutoff = now.astimezone(UTC) - KEEP
        old = [i for i, d in self._doc.tables["sign_ins"].items()
               if datetime.fromisoformat(d["expires_at"]).astimezone(UTC) < cutoff]
        for doc_id in old:
            self._doc.put("sign_ins", doc_id, None)


class Sessions:
    def __init__(self, doc: Document) -> None:
        self._doc = doc

    def add(self, session: Session) -> Session:
        cutoff = session.created_at.astimezone(UTC) - KEEP
        old = [i for i, d in self._doc.tables["sessions"].items()
               if datetime.fromisoformat(d["expires_at"]).astimezone(UTC) < cutoff]
        for doc_id in old:
            self._doc.put("sessions", doc_id, None)
        self._doc.put("sessions", self._doc.new_id("sessions"), session.to_dict())
        return session

    def get(self, session_id: str) -> Session | None:
        d = self._doc.find("sessions", "id", session_id)
        return None if d is None else Session.from_dict(d)

    def end(self, session_id: str, at: datetime) -> None:
        doc_id = self._doc.find_id("sessions", "id", session_id)
        if doc_id is not None:
            ended = replace(Session.from_dict(self._doc.get("sessions", doc_id)), ended_at=at)
            self._doc.put("sessions", doc_id, ended.to_dict())
