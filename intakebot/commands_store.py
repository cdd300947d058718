"""Operator commands for accounts and their authorised contacts."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

import click

from intakebot.cli_context import Context, Failure, UsageProblem, pass_ctx
from rules.entitlements import contact_decision

if TYPE_CHECKING:  # the store is imported by the commands that open it, not by --help
    from store.records import Account

_EMAIL = re.compile(r"^[^@\s<>\"',;]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._&'-]{0,79}$")
_DOMAIN = re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)+$")


def _now() -> datetime:
    return datetime.now(UTC)


def _check_plan(ctx: Context, plan: str) -> str:
    """The plan's name as configured (names are lower case; "Plus" means plus)."""
    plans = ctx.config.catalogue()
    if plan.lower() not in plans:
        raise UsageProblem(f"plan {plan!r} does not exist: use one of {', '.join(sorted(plans))}")
    return plan.lower()


def _account(uow, name: str) -> Account:
    account = uow.accounts.get(name)
    if account is None:
        known = ", ".join(a.name for a in uow.accounts.all()) or "none yet"
        raise Failure(f"no account named {name!r} (accounts: {known}); "
                      "create it with `intakebot account add NAME --plan PLAN`")
    return account


def _echo_json(value) -> None:
    click.echo(json.dumps(value, indent=2, ensure_ascii=False))


@click.group()
def account() -> None:
    """Customer accounts: plan, domains, contract year, extra tickets."""


@account.command("add")
@click.argument("name")
@click.option("--plan", required=True, metavar="PLAN", help="basic, plus, standard, or a "
              "plan defined in the configuration.")
@click.option("--domain", "domains", multiple=True, metavar="D",
              help="A mail domain of the customer (repeatable); used to tell strangers from "
                   "that domain who can open tickets.")
@click.option("--contract-start", metavar="YYYY-MM-DD", default=None,
              help="First day of the contract; the yearly quota runs from its month and day "
                   "(default: 1 January).")
@click.option("--timezone", "zone", metavar="ZONE", default=None,
              help="Time zone of the customer's people (default: the support time zone).")
@pass_ctx
def account_add(ctx: Context, name: str, plan: str, domains: tuple[str, ...],
                contract_start: str | None, zone: str | None) -> None:
    """Create an account NAME on a plan."""
    if not _NAME.match(name):
        raise UsageProblem(f"account name {name!r} is not valid: use 1-80 letters, digits, "
                           "spaces and . _ & ' -, starting with a letter or digit")
    plan = _check_plan(ctx, plan)
    for d in domains:
        if not _DOMAIN.match(d.lower()):
            raise UsageProblem(f"--domain {d!r} is not a domain name such as acme.example")
    start = date(_now().year, 1, 1)  # the policy's default: contract years from 1 January
    if contract_start is not None:
        try:
            start = date.fromisoformat(contract_start)
        except ValueError:
            raise UsageProblem(f"--contract-start {contract_start!r} is not a date: use "
                               "YYYY-MM-DD, e.g. 2026-04-01") from None
    if zone is not None:
        from intakebot.config import _check_zone

        try:
            _check_zone(zone)
        except ValueError as exc:
            raise UsageProblem(f"--timezone {zone!r} is not valid: {exc}") from None
    from store.records import Account

    with ctx.store().unit_of_work() as uow:
        if uow.accounts.get(name) is not None:
            raise Failure(f"account {name!r} already exists")
        uow.accounts.add(Account(name=name, plan=plan, domains=[d.lower() for d in domains],
                                 contract_start=start, timezone=zone, created_at=_now()))
        uow.commit()
    click.echo(f"Account {name} created on the {plan} plan.")


def _account_view(ctx: Context, uow, acc: Account) -> dict:
    plans = ctx.config.catalogue()
    if acc.plan not in plans:
        raise Failure(f"account {acc.name!r} is on plan {acc.plan!r}, which the configuration "
                      f"no longer defines: add [plans.{acc.plan}] back, or move the account "
                      "with `intakebot account set-plan`")
    plan = plans[acc.plan]
    from store.quota import quota_for

    contacts = uow.contacts.for_account(acc.name)
    quota = quota_for(uow, plans, ctx.config.tz, acc, _now())
    return {
        "name": acc.name, "plan": acc.plan, "domains": acc.domains,
        "contract_start": acc.contract_start.isoformat(), "timezone": acc.timezone,
        "contacts": len(contacts), "contacts_limit": plan.contacts,
        "contract_year_start": quota.year_start.isoformat(),
        "contract_year_end": quota.year_end.isoformat(),
        "tickets_used": quota.used, "tickets_included": quota.included,
        "tickets_extra": quota.extra, "tickets_remaining": quota.remaining,
    }


@account.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@pass_ctx
def account_list(ctx: Context, as_json: bool) -> None:
    """List accounts with their plan, contacts and tickets this contract year."""
    with ctx.store().unit_of_work() as uow:
        views = [_account_view(ctx, uow, a) for a in uow.accounts.all()]
    if as_json:
        _echo_json(views)
        return
    if not views:
        click.echo("No accounts yet: add one with `intakebot account add NAME --plan PLAN`.")
        return
    click.echo(f"{'ACCOUNT':24} {'PLAN':10} {'CONTACTS':>9} {'TICKETS':>14}")
    for v in views:
        tickets = f"{v['tickets_used']}/{v['tickets_included'] + v['tickets_extra']}"
        click.echo(f"{v['name'][:24]:24} {v['plan']:10} "
                   f"{v['contacts']:>4}/{v['contacts_limit']:<4} {tickets:>14}")


@account.command("show")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON object.")
@pass_ctx
def account_show(ctx: Context, name: str, as_json: bool) -> None:
    """Show one account: plan, contacts n/limit, tickets used/included/extra/remaining."""
    with ctx.store().unit_of_work() as uow:
        acc = _account(uow, name)
        view = _account_view(ctx, uow, acc)
        contacts = uow.contacts.for_account(name)
    if as_json:
        _echo_json({**view, "contact_list": [{"email": c.email, "name": c.name}
                                             for c in contacts]})
        return
    click.echo(f"Account:   {view['name']}")
    click.echo(f"Plan:      {view['plan']}")
    click.echo(f"Domains:   {', '.join(view['domains']) or '-'}")
    click.echo(f"Contacts:  {view['contacts']}/{view['contacts_limit']}")
    for c in contacts:
        click.echo(f"           {c.email}" + (f" ({c.name})" if c.name else ""))
    click.echo(f"Contract year {view['contract_year_start']} to {view['contract_year_end']} "
               "(exclusive):")
    click.echo(f"  tickets used {view['tickets_used']}, included {view['tickets_included']}, "
               f"extra {view['tickets_extra']}, remaining {view['tickets_remaining']}")


@account.command("set-plan")
@click.argument("name")
@click.argument("plan")
@pass_ctx
def account_set_plan(ctx: Context, name: str, plan: str) -> None:
    """Move account NAME to PLAN (refused while it has more contacts than PLAN allows)."""
    plan = _check_plan(ctx, plan)
    limit = ctx.config.catalogue()[plan].contacts
    with ctx.store().unit_of_work() as uow:
        acc = _account(uow, name)
        count = len(uow.contacts.for_account(name))
        if count > limit:
            raise Failure(f"account {name!r} has {count} contacts and the {plan} plan allows "
                          f"{limit}: remove {count - limit} with `intakebot contact remove "
                          "EMAIL` first")
        acc.plan = plan
        uow.accounts.update(acc)
        uow.commit()
    click.echo(f"Account {name} is now on the {plan} plan.")


@account.command("add-tickets")
@click.argument("name")
@click.argument("n", type=click.IntRange(min=1, max=100000), metavar="N")
@pass_ctx
def account_add_tickets(ctx: Context, name: str, n: int) -> None:
    """Add N extra tickets to account NAME's current contract year."""
    with ctx.store().unit_of_work() as uow:
        acc = _account(uow, name)
        from store.quota import quota_for

        quota = quota_for(uow, ctx.config.catalogue(), ctx.config.tz, acc, _now())
        key = quota.year_start.isoformat()
        acc.extra_tickets = {**acc.extra_tickets, key: acc.extra_tickets.get(key, 0) + n}
        uow.accounts.update(acc)
        uow.commit()
    remaining = max(0, quota.included + quota.extra + n - quota.used)
    click.echo(f"Added {n} tickets to {acc.name} for the contract year from {key}: "
               f"{remaining} remaining.")


@click.group()
def contact() -> None:
    """Authorised contacts: the people entitled to open tickets."""


@contact.command("add")
@click.argument("account_name", metavar="ACCOUNT")
@click.argument("email")
@click.option("--name", default=None, help="The contact's display name.")
@click.option("--language", default=None, metavar="LANG",
              help="The language of mail to them: en or es (default: the language of the "
                   "mail that opened each ticket, else [support] language).")
@click.option("--timezone", "zone", default=None, metavar="ZONE",
              help="The zone times are shown in to them (default: the account's, else the "
                   "support zone).")
@pass_ctx
def contact_add(ctx: Context, account_name: str, email: str, name: str | None,
                language: str | None, zone: str | None) -> None:
    """Authorise EMAIL to open tickets for ACCOUNT (within the plan's contact limit)."""
    from intakebot.commands_people import NOT_SET, check_language, check_zone

    language, zone = check_language(language), check_zone(zone)
    language, zone = (None if v == NOT_SET else v for v in (language, zone))
    address = email.strip().lower()
    from rules.addresses import writable_address

    # the bot must be able to write every mail to a contact: a plain ASCII address
    if not _EMAIL.match(address) or not writable_address(address):
        raise UsageProblem(f"{email!r} is not a valid e-mail address the desk can write to "
                           "(expected name@domain.tld in plain ASCII, e.g. jorg@acme.example)")
    if name is not None and (any(ch in name for ch in "\r\n\t") or len(name) > 100):
        raise UsageProblem("--name must be one line of at most 100 characters")
    with ctx.store().unit_of_work() as uow:
        acc = _account(uow, account_name)
        existing = uow.contacts.get(address)
        if existing is not None:
            raise Failure(f"{address} is already a contact of account {existing.account!r}; "
                          "an address can belong to one account only")
        plans = ctx.config.catalogue()
        if acc.plan not in plans:
            raise Failure(f"account {acc.name!r} is on plan {acc.plan!r}, which the "
                          "configuration no longer defines")
        decision = contact_decision(plans[acc.plan], len(uow.contacts.for_account(acc.name)))
        if not decision.allowed:
            raise Failure(f"cannot add {address}: {decision.reason}; remove a contact or move "
                          "the account to a larger plan with `intakebot account set-plan`")
        from store.records import Contact

        uow.contacts.add(Contact(email=address, account=acc.name, name=name, added_at=_now(),
                                 language=language, timezone=zone))
        uow.commit()
    click.echo(f"{address} can now open tickets for {account_name}.")


@contact.command("remove")
@click.argument("email")
@pass_ctx
def contact_remove(ctx: Context, email: str) -> None:
    """Withdraw EMAIL's authorisation (its open tickets stay open)."""
    with ctx.store().unit_of_work() as uow:
        removed = uow.contacts.remove(email.strip().lower())
        if removed is None:
            raise Failure(f"{email} is not a contact of any account")
        uow.commit()
    click.echo(f"{removed.email} removed from {removed.account}.")


@contact.command("list")
@click.argument("account_name", metavar="[ACCOUNT]", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@pass_ctx
def contact_list(ctx: Context, account_name: str | None, as_json: bool) -> None:
    """List authorised contacts, of one account or of all."""
    with ctx.store().unit_of_work() as uow:
        if account_name is not None:
            _account(uow, account_name)
            contacts = uow.contacts.for_account(account_name)
        else:
            contacts = uow.contacts.all()
    rows = [{"email": c.email, "name": c.name, "account": c.account, "language": c.language,
             "timezone": c.timezone} for c in contacts]
    if as_json:
        _echo_json(rows)
        return
    if not rows:
        click.echo("No contacts.")
        return
    for r in rows:
        how = ", ".join(v for v in (r["language"], r["timezone"]) if v)
        click.echo(f"{r['email']:40} {r['account']:24} {r['name'] or ''}"
                   + (f" ({how})" if how else ""))


COMMANDS = [account, contact]
