"""Signing in without passwords: one-time links by mail, sessions, CSRF tokens.

- A sign-in link carries a signed id (itsdangerous) of a stored request: it works
  once, for `link_minutes`, and only while its address may still sign in.
- Whatever address is typed, the answer is the same; mails are limited per
  address, requests per client address.
- A session is a stored row named by a signed cookie (HttpOnly, SameSite=Lax,
  Secure over https); it ends at sign-out or after `session_hours`, and at once
  when its contact is removed or loses the support center.
- Every form carries an HMAC of a secret only its holder's cookie names: the
  session's, or before sign-in a random nonce cookie (double submit).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from rules.notices import SignInLink, SignInRefused
from store.access import Session, SignIn
from store.outbox_writer import Answering, OutboxWriter
from store.records import Contact
from web.deps import Deps
from web.i18n import N_

SESSION_COOKIE = "intakebot_session"
NONCE_COOKIE = "intakebot_nonce"
_HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class Identity:
    """Who is signed in: a contact of an account, or one of the desk's staff."""

    session: Session
    contact: Contact | None  # None for staff

    @property
    def email(self) -> str:
        return self.session.email

    @property
    def staff(self) -> bool:
        return self.session.staff


class Keys:
    """The signers, from the one secret of the data folder."""

    def __init__(self, secret: bytes) -> None:
        self.secret = secret
        self.links = URLSafeTimedSerializer(secret, salt="intakebot sign-in link")
        self.sessions = TimestampSigner(secret, salt="intakebot session")

    def form_token(self, holder: str) -> str:
        return hmac.new(self.secret, f"csrf:{holder}".encode(), hashlib.sha256).hexdigest()

    def form_ok(self, holder: str | None, token: object) -> bool:
        return bool(holder) and isinstance(token, str) and \
            hmac.compare_digest(self.form_token(holder), token)


def allowed(uow, deps: Deps, email: str, staff: bool) -> Contact | bool | None:
    """Whether `email` may use the support center now: True for staff, the Contact for
    a contact whose plan includes it, None otherwise."""
    if staff:
        return True if deps.staff.is_staff(email) else None
    contact = uow.contacts.get(email)
    if contact is None:
        return None
    account = uow.accounts.get(contact.account)
    if account is None or account.plan not in deps.policy.plans:
        return None
    return contact if deps.policy.plan(account.plan).support_center else None


def local_path(value: str | None) -> str:
    """A page of ours to go to after signing in; anything else goes to the start."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return ""


def request_link(uow, deps: Deps, keys: Keys, email: str, ip: str, now: datetime,
                 next_page: str = "") -> str:
    """Record a request for a sign-in link and queue the mail it earns. Returns what
    happened ("ip_limited" is the only outcome the page may tell apart)."""
    s = deps.settings
    if uow.sign_ins.count_for_ip(ip, now - _HOUR) >= s.per_ip_per_hour:
        return "ip_limited"
    email = email.strip().lower()[:320]
    over = uow.sign_ins.count_for_address(email, now - _HOUR) >= s.per_address_per_hour
    outcome, notice = "limited", None
    link_id = secrets.token_urlsafe(18)
    expires = now + timedelta(minutes=s.link_minutes)
    if not over:
        outcome = "unknown"
        staff = deps.staff.is_staff(email)
        contact = None if staff else uow.contacts.get(email)
        if staff or allowed(uow, deps, email, False):
            token = keys.links.dumps(link_id)
            notice = SignInLink(link=f"{s.base_url}login/{token}", expires_at=expires,
                                staff=staff)
            outcome = "sent"
        elif contact is not None:
            account = uow.accounts.get(contact.account)
            plans = tuple(p.name for p in deps.policy.plans.values() if p.support_center)
            notice = SignInRefused(account=contact.account,
                                   plan=account.plan if account else "", plans_with_it=plans)
            outcome = "not_in_plan"
    uow.sign_ins.add(SignIn(id=link_id, email=email, ip=ip, created_at=now, expires_at=expires,
                            sent=outcome == "sent", next=local_path(next_page)))
    if notice is not None:
        OutboxWriter(uow, deps.addressing, now).write(notice, answering=Answering(email))
    return outcome


def link_request(uow, keys: Keys, deps: Deps, token: str, now: datetime) -> SignIn | str:
    """The stored request a link names, if it can still be used; else why not (a msgid)."""
    try:
        link_id = keys.links.loads(token, max_age=deps.settings.link_minutes * 60)
    except SignatureExpired:
        return N_("This sign-in link has expired.")
    except BadSignature:
        return N_("This sign-in link is not valid.")
    found = uow.sign_ins.get(link_id) if isinstance(link_id, str) else None
    if found is None or not found.sent:
        return N_("This sign-in link is not valid.")
    if found.used_at is not None:
        return N_("This sign-in link has already been used.")
    if now >= found.expires_at:
        return N_("This sign-in link has expired.")
    if allowed(uow, deps, found.email, deps.staff.is_staff(found.email)) is None:
        return N_("This address may no longer sign in to the support center.")
    return found


def open_session(uow, deps: Deps, sign_in: SignIn, now: datetime) -> Session:
    """Spend the link and start a session for its address."""
    uow.sign_ins.use(sign_in.id, now)
    session = Session(id=secrets.token_urlsafe(24), email=sign_in.email,
                      staff=deps.staff.is_staff(sign_in.email), csrf=secrets.token_urlsafe(24),
                      created_at=now,
                      expires_at=now + timedelta(hours=deps.settings.session_hours))
    return uow.sessions.add(session)


def session_cookie(keys: Keys, session: Session) -> str:
    return keys.sessions.sign(session.id).decode()


def current(uow, deps: Deps, keys: Keys, cookie: str | None, now: datetime) -> Identity | None:
    """The signed-in identity behind a session cookie, checked against the store now."""
    if not cookie:
        return None
    try:
        session_id = keys.sessions.unsign(cookie, max_age=deps.settings.session_hours * 3600)
    except BadSignature:
        return None
    session = uow.sessions.get(session_id.decode())
    if session is None or not session.live(now):
        return None
    who = allowed(uow, deps, session.email, session.staff)
    if who is None:
        return None  # removed, no longer staff, or the plan lost the support center
    return Identity(session, None if who is True else who)
