"""`intakebot quarantine list|show|release`: the messages intake could not handle.

A quarantined message keeps its raw bytes in the archive and its reason in the
inbound record; it is named by the first 12 characters of its archive key (its
SHA-256). Release hands the archived message to the same pipeline again (after
the cause is fixed, e.g. a raised `max_message_bytes`); its new outcome replaces
the quarantine record, so a message is released, and handled, once.
"""

from __future__ import annotations

import json
from datetime import datetime

import click

from intakebot.cli_context import Context, Failure, UsageProblem, pass_ctx
from intakebot.commands_bot import build_app
from intakebot.commands_mail import quarantine_id

HEADER_BYTES = 64 * 1024  # From and Subject are read from the start of the message only


def _headers(raw: bytes) -> tuple[str | None, str | None]:
    """(From, Subject) as one line each, read leniently: a quarantined message may be junk."""
    from email.parser import BytesHeaderParser
    from email.policy import default

    from rules.text import one_line

    try:
        msg = BytesHeaderParser(policy=default).parsebytes(raw[:HEADER_BYTES])
        sender, subject = msg.get("From"), msg.get("Subject")
    except Exception:  # a header the parser chokes on: show what is known, never fail
        return None, None
    return (one_line(str(sender)) if sender else None,
            one_line(str(subject)) if subject else None)


def _view(store, held) -> dict:
    try:
        raw = store.archive.get(held.sha256)
    except KeyError:
        raw = None
    sender, subject = _headers(raw) if raw else (held.sender, None)
    return {
        "id": quarantine_id(held.sha256), "reason": held.reason,
        "sender": sender, "subject": subject,
        "received_at": held.received_at.isoformat(), "recorded_at": held.recorded_at.isoformat(),
        "size": held.size if held.size is not None else (len(raw) if raw else None),
        "archived_bytes": len(raw) if raw is not None else None,
        "source": held.source, "archive_key": held.sha256,
        "archive_path": store.archive.where(held.sha256),
    }


def _find(uow, ident: str):
    text = ident.strip().lower()
    if len(text) < 6 or any(c not in "0123456789abcdef" for c in text):
        raise UsageProblem(f"{ident!r} is not a quarantine ID: use the 12 characters "
                           "`intakebot quarantine list` shows (at least 6)")
    found = [h for h in uow.inbound.quarantined() if h.sha256.startswith(text)]
    if not found:
        raise Failure(f"no message {text} in quarantine (a released message leaves it); "
                      "see `intakebot quarantine list`")
    if len(found) > 1:
        raise UsageProblem(f"{text} names {len(found)} quarantined messages: give more of "
                           "the ID (" + ", ".join(quarantine_id(h.sha256) for h in found) + ")")
    return found[0]


def _local(iso: str, tz) -> str:
    return datetime.fromisoformat(iso).astimezone(tz).strftime("%a %d %b %Y %H:%M %Z")


@click.group()
def quarantine() -> None:
    """Messages intake could not handle: list them, show one, release one."""


@quarantine.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@pass_ctx
def quarantine_list(ctx: Context, as_json: bool) -> None:
    """List quarantined messages, oldest first, with their reason."""
    store = ctx.store()
    with store.unit_of_work() as uow:
        views = [_view(store, h) for h in uow.inbound.quarantined()]
    if as_json:
        click.echo(json.dumps(views, indent=2, ensure_ascii=False))
        return
    if not views:
        click.echo("No messages in quarantine.")
        return
    tz = ctx.config.tz
    click.echo(f"Times in {tz.key}.")
    click.echo(f"{'ID':12} {'RECEIVED':17} {'SIZE':>9} {'FROM':28} REASON")
    for v in views:
        received = datetime.fromisoformat(v["received_at"]).astimezone(tz)
        click.echo(f"{v['id']:12} {received:%a %d %b %H:%M} {_size(v['size']):>9} "
                   f"{(v['sender'] or '-')[:28]:28} {v['reason'][:70]}")


@quarantine.command("show")
@click.argument("ident", metavar="ID")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON object.")
@pass_ctx
def quarantine_show(ctx: Context, ident: str, as_json: bool) -> None:
    """Show one quarantined message: reason, sender, subject, times, size, archive key."""
    store = ctx.store()
    with store.unit_of_work() as uow:
        view = _view(store, _find(uow, ident))
    if as_json:
        click.echo(json.dumps(view, indent=2, ensure_ascii=False))
        return
    tz = ctx.config.tz
    click.echo(f"Quarantined message {view['id']}")
    click.echo(f"  reason:       {view['reason']}")
    click.echo(f"  from:         {view['sender'] or '-'}")
    click.echo(f"  subject:      {view['subject'] or '-'}")
    click.echo(f"  received:     {_local(view['received_at'], tz)} (from {view['source']})")
    click.echo(f"  quarantined:  {_local(view['recorded_at'], tz)}")
    click.echo(f"  size:         {_size(view['size'], exact=True)}"
               + (" (only the headers were downloaded)" if _headers_only(view) else ""))
    click.echo(f"  archive key:  {view['archive_key']}")
    click.echo(f"  archived at:  {view['archive_path']}")
    click.echo(f"Fix the cause, then `intakebot quarantine release {view['id']}` handles it "
               "again.")


@quarantine.command("release")
@click.argument("ident", metavar="ID")
@pass_ctx
def quarantine_release(ctx: Context, ident: str) -> None:
    """Handle quarantined message ID again, as it was received (after fixing the cause,
    e.g. raising [intake] max_message_bytes); its new outcome replaces the quarantine."""
    from intake.pipeline import Incoming

    app = build_app(ctx)
    with app.store.unit_of_work() as uow:
        held = _find(uow, ident)
    view = _view(app.store, held)
    if view["archived_bytes"] is None:
        raise Failure(f"{view['id']}: its raw message is missing from the archive "
                      f"({view['archive_path']})")
    if _headers_only(view):
        raise Failure(f"{view['id']}: only its headers were downloaded (it is "
                      f"{_size(view['size'], exact=True)}): raise [intake] max_message_bytes, "
                      "then move it from the IMAP quarantine folder back to the inbox")
    raw = app.store.archive.get(held.sha256)
    source = held.source if held.source.startswith("release:") else f"release:{held.source}"
    [done] = app.pipeline.run([Incoming(raw, held.received_at, source,
                                        archived=held.sha256, release=True)])
    line = f"{view['id']}: {done.outcome}" + (f" #{done.ticket}" if done.ticket else "")
    if done.quarantined:
        raise Failure(f"{line}: still quarantined: {done.reason}")
    click.echo(f"{line} ({done.reason})")
    if done.queued:
        click.echo(f"{done.queued} mail(s) queued; the running bot sends them (or "
                   "`intakebot run --once`)", err=True)


def _headers_only(view: dict) -> bool:
    return (view["size"] is not None and view["archived_bytes"] is not None
            and view["archived_bytes"] < view["size"])


def _size(n: int | None, exact: bool = False) -> str:
    if n is None:
        return "-"
    for unit, scale in (("MB", 1024 * 1024), ("kB", 1024)):
        if n >= scale:
            short = f"{n / scale:.1f} {unit}"
            return f"{n} bytes ({short})" if exact else short
    return f"{n} bytes" if exact else f"{n} B"


COMMANDS = [quarantine]
