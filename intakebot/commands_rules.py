"""Operator commands that expose the coverage rules: `sla` and `severity`."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import click

from intakebot.cli_context import Context, UsageProblem, parse_instant, pass_ctx
from rules.plans import SEVERITY_MEANINGS, Severity

# build_policy, rules.sla and rules.severity are imported by the commands that use
# them: `intakebot --help` loads every command module.


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


@click.command()
@click.option("--plan", "plan_name", required=True, metavar="PLAN",
              help="Plan name: basic, plus, standard, or one defined in the configuration.")
@click.option("--severity", "severity", required=True,
              type=click.Choice([s.value for s in Severity]), help="Ticket severity.")
@click.option("--created", required=True, metavar="ISO8601",
              help="When the ticket was created; without an offset, in the support time zone.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON object.")
@pass_ctx
def sla(ctx: Context, plan_name: str, severity: str, created: str, as_json: bool) -> None:
    """Show the response and resolution deadlines for a ticket created at --created."""
    from intakebot.app import build_policy
    from rules.sla import deadlines

    policy = build_policy(ctx.config)
    plan_name = plan_name.lower()  # plan names are lower case; "Plus" means plus
    if plan_name not in policy.plans:
        raise UsageProblem(f"--plan {plan_name!r} is not a plan: use one of "
                           + ", ".join(sorted(policy.plans)))
    plan = policy.plans[plan_name]
    created_at = parse_instant(created, "--created", policy.tz)
    sev = Severity(severity)
    due = deadlines(plan, sev, created_at, policy.calendar(plan))
    if as_json:
        click.echo(json.dumps({
            "plan": plan.name,
            "severity": sev.value,
            "created_at": created_at.isoformat(),
            "response_due": _iso(due.response_due),
            "resolution_due": _iso(due.resolution_due),
            "response_best_effort": due.response_best_effort,
        }, indent=2))
        return
    tz = policy.tz
    fmt = "%a %d %b %Y %H:%M %Z"
    click.echo(f"Plan {plan.name}, severity {sev.value} ({SEVERITY_MEANINGS[sev]})")
    click.echo(f"Support hours: {plan.window} ({tz.key})")
    click.echo(f"Created:        {created_at.astimezone(tz).strftime(fmt)}")
    response = plan.response_target(sev)
    resolution = plan.resolution_target(sev)
    if due.response_due is None:
        click.echo("Response due:   no target on this plan")
    else:
        note = " (best effort)" if due.response_best_effort else ""
        click.echo(f"Response due:   {due.response_due.astimezone(tz).strftime(fmt)}"
                   f"  [{response} business time{note}]")
    if due.resolution_due is None:
        click.echo("Resolution due: no target on this plan")
    else:
        click.echo(f"Resolution due: {due.resolution_due.astimezone(tz).strftime(fmt)}"
                   f"  [{resolution} business time]")


@click.command()
@click.option("--subject", default=None, help="The mail's subject.")
@click.option("--body", default=None, help="The mail's plain-text body.")
@click.option("--file", "path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              metavar="MESSAGE.eml", help="Read subject, body and headers from a message file.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON object.")
@pass_ctx
def severity(ctx: Context, subject: str | None, body: str | None, path: Path | None,
             as_json: bool) -> None:
    """Assess a mail's severity as intake would (a customer's tag is only a request)."""
    from intakebot.app import build_policy
    from rules.severity import infer

    if path is None and subject is None and body is None:
        raise UsageProblem("give --subject and/or --body, or --file MESSAGE.eml")
    headers: dict[str, str] = {}
    if path is not None:
        from intake.parse import ParseError, parse

        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise UsageProblem(f"--file {str(path)!r} cannot be read: {exc.strerror}") from None
        try:
            mail = parse(raw, datetime.now(UTC))
        except ParseError as exc:
            raise UsageProblem(f"--file {str(path)!r} is not a usable message: {exc}") from None
        subject = mail.subject if subject is None else subject
        body = mail.text if body is None else body
        headers = {k: v if isinstance(v, str) else ", ".join(v)
                   for k, v in mail.headers.items()}
    policy = build_policy(ctx.config)
    result = infer(subject or "", body or "", headers, extra_rules=policy.severity_rules,
                   default=policy.default_severity)
    requested = result.requested.value if result.requested else None

    def value(level: Severity | None) -> str | None:
        return level.value if level else None

    if as_json:
        # the reading's parts too: what is affected, for whom, what still works
        click.echo(json.dumps({"severity": result.severity.value, "reason": result.reason,
                               "confidence": round(result.confidence, 2),
                               "affected": result.affected or None,
                               "scope": result.scope or None,
                               "mitigation": result.mitigation or None,
                               "definitions": value(result.definitions),
                               "learned": value(result.learned),
                               "requested": requested}, indent=2))
        return
    click.echo(f"{result.severity.value} (confidence {result.confidence:.2f})")
    click.echo(f"Why: {result.reason}")
    learned = value(result.learned) or "none (a mail of a few words, or none it knows)"
    click.echo(f"Readings: the definitions' {value(result.definitions) or 'none'}, the "
               f"learned {learned}")
    click.echo(f"Means: {SEVERITY_MEANINGS[result.severity]}")
    if requested:
        click.echo(f"Requested: {requested} ({result.request}): a request for the agents; "
                   f"the ticket opens at {result.severity.value}")


COMMANDS = [sla, severity]
