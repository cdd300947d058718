"""`intakebot migrate`: the PostgreSQL schema to the version this intakebot needs, and with
`--from DATA_DIR` a copy of a data folder's records into that database."""

from __future__ import annotations

from pathlib import Path

import click

from intakebot.cli_context import Context, Failure, UsageProblem, pass_ctx

NOT_INSTALLED = ("the PostgreSQL backend is not installed: "
                 "python3 -m pip install 'intakebot[postgresql]'")


def postgresql_dsn(ctx: Context) -> str:
    """The configured DSN; a usage problem when [store] is not PostgreSQL."""
    from intakebot.config import ConfigError

    config = ctx.config
    if config.store.backend != "postgresql":
        raise UsageProblem(f'{config.source}: store.backend is "{config.store.backend}"; '
                           'migrate needs store.backend = "postgresql" with store.dsn or '
                           "store.dsn_env")
    try:
        return config.store.connection_string()
    except ConfigError as exc:
        raise UsageProblem(str(exc)) from None


@click.command()
@click.option("--from", "source", metavar="DATA_DIR",
              type=click.Path(file_okay=False, path_type=Path),
              help="Copy this TinyDB data folder's records into the database (safe to re-run).")
@pass_ctx
def migrate(ctx: Context, source: Path | None) -> None:
    """Create or upgrade the PostgreSQL schema ([store] dsn); with --from, copy a data folder."""
    dsn = postgresql_dsn(ctx)
    if source is not None and not (source / "intakebot.json").exists():
        raise UsageProblem(f"--from {source}: no intakebot data folder there "
                           "(it has no intakebot.json)")
    try:
        import psycopg

        from store.pg.db import describe_dsn, one_line
        from store.pg.migrate import copy_folder, upgrade
    except ImportError:
        raise Failure(NOT_INSTALLED) from None
    where = describe_dsn(dsn)
    try:
        before, after = upgrade(dsn)
    except psycopg.OperationalError as exc:
        raise Failure(f"cannot connect to PostgreSQL ({where}): {one_line(exc)}") from None
    if before == after:
        click.echo(f"schema: current ({after}) in {where}")
    else:
        click.echo(f"schema: {before or 'none'} -> {after} in {where}")
    if source is None:
        return
    from store import Store, StoreCorrupt

    try:
        folder = Store.open(source)
    except StoreCorrupt as exc:
        raise Failure(str(exc)) from None
    try:
        copied = copy_folder(folder, dsn)
    finally:
        folder.close()
    counts = ", ".join(f"{n} {table}" for table, n in sorted(copied.counts.items()))
    click.echo(f"copied from {source.resolve()}: {counts or 'nothing'}")


COMMANDS = [migrate]
