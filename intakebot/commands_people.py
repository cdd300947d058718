"""How the desk writes to people: a contact's language and time zone (`contact set`), and
the vendor's managers of an account (`account set-managers`), who hear when it runs out
of tickets."""

from __future__ import annotations

import click

from intakebot.cli_context import Context, Failure, UsageProblem, pass_ctx

NOT_SET = "-"  # `--language -` / `--timezone -`: back to the default


def check_language(value: str | None, option: str = "--language") -> str | None:
    """A language mail can be written in, None, or NOT_SET; UsageProblem otherwise."""
    if value is None or value == NOT_SET:
        return value
    from notifier import i18n

    if value not in i18n.languages():
        raise UsageProblem(f"{option} {value!r} is not valid: one of "
                           f"{', '.join(i18n.languages())} (or {NOT_SET} for the default)")
    return value


def check_zone(value: str | None, option: str = "--timezone") -> str | None:
    if value is None or value == NOT_SET:
        return value
    from intakebot.config import _check_zone

    try:
        return _check_zone(value)
    except ValueError as exc:
        raise UsageProblem(f"{option} {value!r} is not valid: {exc}") from None


def check_managers(values: tuple[str, ...]) -> list[str]:
    from rules.addresses import writable_address

    for value in values:
        if not writable_address(value.strip()):
            raise UsageProblem(f"--manager {value!r} is not an e-mail address such as "
                               "ana@vendor.example")
    return [v.strip().lower() for v in values]


@click.command("set")
@click.argument("email")
@click.option("--language", default=None, metavar="LANG",
              help="The language of mail to this contact: en or es; - for the default "
                   "(the language of the mail that opened each ticket, else [support] "
                   "language).")
@click.option("--timezone", "zone", default=None, metavar="ZONE",
              help="The zone times are shown in to this contact, e.g. America/New_York; "
                   "- for the default (the account's zone, else the support zone).")
@pass_ctx
def contact_set(ctx: Context, email: str, language: str | None, zone: str | None) -> None:
    """Change how the desk writes to contact EMAIL."""
    if language is None and zone is None:
        raise UsageProblem("nothing to change: give --language and/or --timezone")
    language, zone = check_language(language), check_zone(zone)
    with ctx.store().unit_of_work() as uow:
        contact = uow.contacts.get(email.strip().lower())
        if contact is None:
            raise Failure(f"{email} is not a contact of any account")
        if language is not None:
            contact.language = None if language == NOT_SET else language
        if zone is not None:
            contact.timezone = None if zone == NOT_SET else zone
        uow.contacts.update(contact)
        uow.commit()
    click.echo(f"{contact.email}: language {contact.language or 'default'}, "
               f"time zone {contact.timezone or 'default'}.")


@click.command("set-managers")
@click.argument("name")
@click.argument("managers", nargs=-1, metavar="[EMAIL]...")
@pass_ctx
def account_set_managers(ctx: Context, name: str, managers: tuple[str, ...]) -> None:
    """The vendor's managers of account NAME (none: the [managers] of the desk). They
    and the agents are told when the account has no tickets left."""
    wanted = check_managers(managers)
    with ctx.store().unit_of_work() as uow:
        account = uow.accounts.get(name)
        if account is None:
            raise Failure(f"no account named {name!r}")
        account.managers = wanted
        uow.accounts.update(account)
        uow.commit()
    click.echo(f"{name}: managers {', '.join(wanted) or 'those of [managers]'}.")


SUBCOMMANDS = {"contact": [contact_set], "account": [account_set_managers]}
