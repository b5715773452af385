"""The `brandpulse` command. Each command group lives in its own module and is registered here."""

from __future__ import annotations

import typer

app = typer.Typer(help="Social listening and sentiment monitoring.", no_args_is_help=True,
                  pretty_exceptions_show_locals=False)


def main() -> None:
    app()
