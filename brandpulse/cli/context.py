"""State shared by the CLI's commands: the config file, loaded once, and friendly failures."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from brandpulse.config import Config, load_config, secret_values
from brandpulse.logs import LogFormat, Redactor, configure_logging
from brandpulse.runtime import Runtime
from brandpulse.storage.engine import MissingDriver
from brandpulse.yamlsource import ConfigError

console = Console()
errors = Console(stderr=True)


@dataclass
class CliState:
    config_path: Path
    verbose: bool = False
    log_format: LogFormat = LogFormat.plain
    redact: Redactor = field(default_factory=lambda: Redactor(()), repr=False)
    _config: Config | None = field(default=None, repr=False)

    def config(self) -> Config:
        if self._config is None:
            try:
                self._config = load_config(self.config_path)
            except ConfigError as error:
                fail(f"Configuration error: {error}", code=2)
            secrets = secret_values(self._config)
            self.redact = Redactor(secrets)
            configure_logging(self.verbose, secrets, self.log_format)
        return self._config

    def runtime(self, **options: Any) -> Runtime:
        """The config's runtime; a database that cannot be reached ends the command with one line."""
        config = self.config()
        try:
            return Runtime.open(config, **options)
        except MissingDriver as error:
            fail(str(error), code=2)
        except OperationalError as error:
            database = make_url(config.database).render_as_string(hide_password=True)
            reason = (str(error.orig).strip().splitlines() or [type(error.orig).__name__])[0]
            fail(self.redact(f"cannot open the database {database}: {reason}"), code=2)


def fail(message: str, code: int = 1) -> NoReturn:
    errors.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)
