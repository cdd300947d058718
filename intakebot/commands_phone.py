"""`ticket open`: log a request that did not come by mail (an agent took a call).

It goes the way a mail goes (`intake/service.py`): the plan must include the
channel (phone support) unless `--force`, the quota counts it, the SLA runs from
the time of the call (`--at`), and the customer gets the acknowledgement by mail.
"""

from __future__ import annotations

import json

import click

from intakebot.cli_context import Context, Failure, UsageProblem, parse_instant, pass_ctx

SEVERITIES = ("blocker", "critical", "major", "trivial")
OPERATOR = "operator"  # who opened it when no agent is named


@click.command("open")
@click.option("--contact", "email", required=True, metavar="EMAIL",
              help="The authorised contact the ticket is for.")
@click.option("--via", type=click.Choice(["phone", "mail"]), required=True,
              help="How the request came: phone (a call taken) or mail (one that reached "
                   "an agent directly).")
@click.option("--subject", required=True, help="The ticket's subject.")
@click.option("--text", default="", help="What the customer said (shown to the agents).")
@click.option("--severity", type=click.Choice(SEVERITIES), default=None,
              help="The severity (default: inferred from subject and text, as for mail).")
@click.option("--at", "at", metavar="ISO8601", default=None,
              help="When the call came in (default: now); the SLA counts from it.")
@click.option("--by", "by", metavar="AGENT", default=None,
              help="The agent who took the call (a name or address of [agents]).")
@click.option("--force", is_flag=True,
              help="Log it although the contact's plan has no phone support (recorded on "
                   "the ticket).")
@click.option("--json", "as_json", is_flag=True, help="Print the ticket as JSON.")
@pass_ctx
def ticket_open(ctx: Context, email: str, via: str, subject: str, text: str,
                severity: str | None, at: str | None, by: str | None, force: bool,
                as_json: bool) -> None:
    """Open a ticket for a contact on behalf of the desk, e.g. for a phone call."""
    from intake import service
    from intakebot.commands_bot import build_app
    from intakebot.commands_tickets import ticket_json
    from rules.plans import Severity
    from rules.text import clean_text, one_line
    from rules.ticket import Channel
    from store.outbox_writer import OutboxWriter

    subject = one_line(subject)
    if not subject:
        raise UsageProblem("--subject is empty: give the ticket a subject")
    app = build_app(ctx)
    now = app.clock()
    when = parse_instant(at, "--at", app.policy.tz) if at else now
    if when > now:
        raise UsageProblem(f"--at {at!r} is later than now: a call is logged after it came in")
    agent = OPERATOR
    if by is not None:
        agent = app.staff.address_of(by)
        if agent is None:
            raise UsageProblem(f"--by {by!r} is not an agent: use a name or address from "
                               "[agents] addresses")
    who = app.staff.name_of(agent) if agent != OPERATOR else "the desk"
    channel = Channel(via)
    with app.store.unit_of_work() as uow:
        contact = uow.contacts.get(email)
        if contact is None:
            raise UsageProblem(f"--contact {email!r} is not an authorised contact of any "
                               "account; see `intakebot contact list`")
        request = service.Request(
            contact=contact, subject=subject, text=clean_text(text).strip() or subject,
            at=when, channel=channel, severity=Severity(severity) if severity else None,
            severity_why=f"set by {who} when the {'call' if via == 'phone' else 'mail'} "
                         "was logged", opened_by=agent, force=force)
        writer = OutboxWriter(uow, app.settings.addressing, now)
        opened = service.open_request(uow, writer, app.policy, request, now=now)
        if opened.ticket is None:
            a = opened.assessment
            hint = "; --force logs it anyway" if a is not None and a.refused else ""
            raise Failure(f"not opened: {opened.reason}{hint}")
        ticket = opened.ticket
        data = ticket_json(ticket, app.policy.clocks(ticket, opened.assessment.plan.name, now))
        uow.commit()
    if as_json:
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    due = ticket.response_due.astimezone(app.policy.tz).strftime("%a %d %b %H:%M") \
        if ticket.response_due else "no target"
    click.echo(f"Ticket #{ticket.number} opened for {contact.email} ({ticket.account}) "
               f"via {via}: {ticket.severity}, first response due {due}.")
    click.echo(f"  {opened.reason}")
    click.echo("  The customer is sent the acknowledgement.")


# `ticket open` joins the `ticket` group (commands_tickets.py) when the CLI is built
SUBCOMMANDS = {"ticket": [ticket_open]}
COMMANDS: list[click.Command] = []
