"""The `brandpulse` command. Each command group lives in its own module and is registered here."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from brandpulse.cli import core, data, demo
from brandpulse.cli.context import CliState

app = typer.Typer(help="Social listening and sentiment monitoring: collect brand mentions, score their "
                       "sentiment, alert on negative spikes.", no_args_is_help=True,
                  pretty_exceptions_show_locals=False, rich_markup_mode="rich")


@app.callback()
def _options(
    ctx: typer.Context,
    config: Path = typer.Option(Path(os.environ.get("BRANDPULSE_CONFIG", "brandpulse.yaml")), "--config", "-c",
                                help="Config file (env BRANDPULSE_CONFIG).", show_default=True),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Debug logging."),
) -> None:
    ctx.obj = CliState(config_path=config, verbose=verbose)


for module in (core, data, demo):
    module.register(app)


def main() -> None:
    app()
