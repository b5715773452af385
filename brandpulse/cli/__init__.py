"""The `brandpulse` command. Each command group lives in its own module and is registered here."""

from __future__ import annotations

from pathlib import Path

import typer

from brandpulse import __version__
from brandpulse.cli import alerting, cases, core, data, demo, model, report, worker
from brandpulse.cli.context import CliState
from brandpulse.logs import LogFormat

app = typer.Typer(help="Social listening and sentiment monitoring: collect brand mentions, score their "
                       "sentiment, alert on negative spikes.", no_args_is_help=True, add_completion=False,
                  pretty_exceptions_show_locals=False, rich_markup_mode="rich")


def _print_version(wanted: bool) -> None:
    if wanted:
        typer.echo(f"brandpulse {__version__}")
        raise typer.Exit()


@app.callback()
def _options(
    ctx: typer.Context,
    config: Path = typer.Option(Path("brandpulse.yaml"), "--config", "-c", envvar="BRANDPULSE_CONFIG",
                                help="Config file."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Debug logging."),
    version: bool = typer.Option(False, "--version", callback=_print_version, is_eager=True,
                                 help="Print the version and exit."),
    log_format: LogFormat = typer.Option(LogFormat.plain, "--log-format", envvar="BRANDPULSE_LOG_FORMAT",
                                         help="Logs on stderr, one line each: plain text, or JSON for collectors."),
) -> None:
    ctx.obj = CliState(config_path=config, verbose=verbose, log_format=log_format)


for module in (core, data, demo, report, alerting, worker, cases):
    module.register(app)
app.add_typer(model.app, name="model")


def main() -> None:
    app()
