"""The command line: `intakebot [--config PATH] [--data-dir PATH] COMMAND ...`.

Exit codes: 0 ok, 1 failure, 2 usage or configuration error. A user mistake
gets a one-line message naming what was wrong, never a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import click

from intakebot.cli_context import Context, Failure, UsageProblem, parse_instant, pass_ctx
from intakebot.config import ConfigError

__all__ = ["Context", "Failure", "UsageProblem", "cli", "main", "parse_instant", "pass_ctx"]


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--config", "config_path", metavar="PATH",
              help="Configuration file (default: $INTAKEBOT_CONFIG, else ./intakebot.toml "
                   "if present, else built-in defaults).")
@click.option("--data-dir", metavar="PATH",
              help="Data folder (default: [support] data_dir, else ./intakebot-data).")
@click.version_option(package_name="intakebot")
@click.pass_context
def cli(click_ctx: click.Context, config_path: str | None, data_dir: str | None) -> None:
    """intakebot: support@ mail in, tickets with SLA clocks out."""
    click_ctx.obj = Context(config_path, data_dir)
    click_ctx.call_on_close(click_ctx.obj.close)


def _register() -> None:
    from intakebot import (
        commands_bot,
        commands_mail,
        commands_people,
        commands_phone,
        commands_quarantine,
        commands_rules,
        commands_setup,
        commands_store,
        commands_tickets,
        commands_web,
    )

    for module in (commands_setup, commands_rules, commands_store, commands_bot, commands_mail,
                   commands_quarantine, commands_tickets, commands_web):
        for command in module.COMMANDS:
            cli.add_command(command)
    for extra in (commands_phone, commands_people):
        for group, commands in extra.SUBCOMMANDS.items():
            for command in commands:
                cli.commands[group].add_command(command)


_register()


def main(argv: Sequence[str] | None = None) -> int:
    try:
        # without standalone mode click returns (not raises) the code of a command's
        # `Exit` (ingest's 75 for the MTA): it must reach the process's exit status
        code = cli.main(args=list(argv) if argv is not None else None, prog_name="intakebot",
                        standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return 1
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except ConfigError as exc:  # found where a part was built (the holidays of the policy)
        click.echo(f"Error: {exc}", err=True)
        return 2
    except KeyboardInterrupt:
        return 130
    return code if isinstance(code, int) else 0


if __name__ == "__main__":
    sys.exit(main())
