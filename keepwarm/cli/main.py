"""The `keepwarm` application: global options and the command groups."""

from __future__ import annotations

import logging
from pathlib import Path

import typer

from keepwarm.cli import auth, digest, init, people, pipeline, queue, rules, serve, web
from keepwarm.cli.context import KeepwarmGroup, Options

app = typer.Typer(
    name="keepwarm",
    cls=KeepwarmGroup,
    help="Keeps your professional network warm: finds new peers in your mail and calendar "
    "and drafts consistent follow-ups for you to approve.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def main(
    ctx: typer.Context,
    config: Path | None = typer.Option(
        None,
        "--config",
        "-c",
        help="keepwarm.toml to use (default: $KEEPWARM_CONFIG, then ./keepwarm.toml).",
    ),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log details to stderr."),
) -> None:
    ctx.obj = Options(config=config, verbose=verbose)
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s" if verbose else "keepwarm: %(message)s",
    )


init.register(app)
pipeline.register(app)
queue.register(app)
people.register(app)
rules.register(app)
auth.register(app)
web.register(app)
digest.register(app)
serve.register(app)
