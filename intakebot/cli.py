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


# The module that defines each command: `intakebot tickets` imports that one alone (each
# command module costs start-up time); `--help` and an unlisted name import them all.
# tests/e2e/test_startup_imports.py keeps the table complete.
COMMAND_MODULES = {
    "init": "commands_setup", "check": "commands_setup", "demo": "commands_setup",
    "sla": "commands_rules", "severity": "commands_rules",
    "account": "commands_store", "contact": "commands_store",
    "run": "commands_bot", "poll": "commands_bot", "digest": "commands_bot",
    "ingest": "commands_mail", "explain": "commands_mail",
    "quarantine": "commands_quarantine",
    "tickets": "commands_tickets", "ticket": "commands_tickets", "report": "commands_tickets",
    "web": "commands_web", "migrate": "commands_migrate",
}
# modules that add subcommands to other modules' groups (their SUBCOMMANDS)
EXTENSIONS = ("commands_phone", "commands_people")


class LazyGroup(click.Group):
    """Imports a command's module when the command is asked for."""

    _extras: dict[str, list[click.Command]] | None = None
    _extended: set[str] = set()  # the groups are module-level objects: extend each once

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(COMMAND_MODULES) | set(self.commands))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in self.commands:
            module = COMMAND_MODULES.get(name)
            for found in [module] if module else sorted(set(COMMAND_MODULES.values())):
                self._load(found)
        command = self.commands.get(name)
        if isinstance(command, click.Group) and name not in self._extended:
            # a group runs one of its subcommands: add the other modules' ones first
            self._extended.add(name)
            for extra in self._extensions().get(name, []):
                command.add_command(extra)
        return command

    def _load(self, module_name: str) -> None:
        import importlib

        module = importlib.import_module(f"intakebot.{module_name}")
        for command in module.COMMANDS:
            self.commands.setdefault(command.name, command)

    def _extensions(self) -> dict[str, list[click.Command]]:
        if self._extras is None:
            import importlib

            self._extras = {}
            for name in EXTENSIONS:
                module = importlib.import_module(f"intakebot.{name}")
                for group, commands in module.SUBCOMMANDS.items():
                    self._extras.setdefault(group, []).extend(commands)
        return self._extras


@click.group(cls=LazyGroup,
             context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--config", "config_path", metavar="PATH",
              help="Configuration file (default: $INTAKEBOT_CONFIG, else ./intakebot.toml "
                   "if present, else built-in defaults).")
@click.option("--data-dir", metavar="PATH",
              help="Data folder, read from the working folder (default: [support] "
                   "data_dir, read from the configuration file's folder; else "
                   "./intakebot-data).")
@click.version_option(package_name="intakebot")
@click.pass_context
def cli(click_ctx: click.Context, config_path: str | None, data_dir: str | None) -> None:
    """intakebot: support@ mail in, tickets with SLA clocks out."""
    click_ctx.obj = Context(config_path, data_dir)
    click_ctx.call_on_close(click_ctx.obj.close)


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
