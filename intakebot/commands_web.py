"""`intakebot web`: the support center alone, on the data folder the bot uses.

Mail it queues (sign-in links, acknowledgements, replies for the agents) waits in
the outbox for the running bot's delivery, as mail queued by the CLI does.
"""

from __future__ import annotations

import click

from intakebot.cli_context import Context, Failure, UsageProblem, pass_ctx


@click.command()
@click.option("--listen", metavar="HOST:PORT", default=None,
              help="Where to listen (default: [web] listen, 127.0.0.1:8025).")
@pass_ctx
def web(ctx: Context, listen: str | None) -> None:
    """Serve the support center alone (intakebot run serves it with the bot)."""
    import signal

    import uvicorn

    from intakebot.commands_bot import build_app, setup_logging
    from intakebot.webserver import base_url, uvicorn_config

    if listen is not None:
        host, _, port = listen.rpartition(":")
        if not host or not port.isdigit() or not 1 <= int(port) <= 65535:
            raise UsageProblem(f"--listen {listen!r} is not a host and port such as "
                               "127.0.0.1:8025")
    setup_logging(ctx.config.support.log_level)
    app = build_app(ctx)
    where = listen or app.config.web.listen
    server = uvicorn.Server(uvicorn_config(app, listen=where))
    click.echo(f"support center on http://{where}/ (links in mail: "
               f"{base_url(app, where)}); stop with Ctrl-C or SIGTERM", err=True)
    # uvicorn shuts down on these, then raises the signal again for the handler before
    # it: ours lets the command end normally (exit 0), as `run` does
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: None)
    server.run()
    if not server.started:
        raise Failure(f"the support center cannot listen on {where}")


COMMANDS = [web]
