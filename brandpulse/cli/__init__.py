"""The `brandpulse` command. Each command group lives in its own module and is registered here."""

from __future__ import annotations

from pathlib import Path

import typer

from brandpulse.cli import alerting, cases, core, data, demo, model, report, worker
from brandpulse.cli.context import CliState

app = typer.Typer(help="Social listening and sentiment monitoring: collect brand mentions, score their "
                       "sentiment, alert on negative spikes.", no_args_is_help=True, add_completion=False,
                  pretty_exceptions_show_locals=False, rich_markup_mode="rich")


@app.callback()
def _options(
    ctx: typer.Context,
    config: Path = typer.Option(Path("brandpulse.yaml"), "--config", "-c", envvar="BRANDPULSE_CONFIG",
                                help="Config file."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Debug logging."),
) -> None:
    ctx.obj = CliState(config_path=config, verbose=verbose)


for module in (core, data, demo, report, alerting, worker, cases):
    module.register(app)
app.add_typer(model.app, name="model")


def main() -> None:
    app()
