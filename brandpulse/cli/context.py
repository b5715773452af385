"""State shared by the CLI's commands: the config file, loaded once, and friendly failures."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape

from brandpulse.config import Config, load_config, secret_values
from brandpulse.logs import configure_logging
from brandpulse.runtime import Runtime
from brandpulse.yamlsource import ConfigError

console = Console()
errors = Console(stderr=True)


@dataclass
class CliState:
    config_path: Path
    verbose: bool = False
    _config: Config | None = field(default=None, repr=False)

    def config(self) -> Config:
        if self._config is None:
            try:
                self._config = load_config(self.config_path)
            except ConfigError as error:
                fail(f"Configuration error: {error}", code=2)
            configure_logging(self.verbose, secret_values(self._config))
        return self._config

    def runtime(self, **options) -> Runtime:
        return Runtime.open(self.config(), **options)


def fail(message: str, code: int = 1) -> None:
    errors.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)
