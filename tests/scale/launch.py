"""`python -m tests.scale.launch ARGS...`: the real `brandpulse ARGS...` command line, with the
stand-in scorer installed for `model: standin` (see `tests.scale.standin`)."""

from __future__ import annotations

from tests.scale.standin import install


def main() -> None:
    install()
    from brandpulse.cli import app, worker
    from brandpulse.cli import main as cli_main

    if not any(command.callback is worker.worker for command in app.registered_commands):
        worker.register(app)  # until brandpulse/cli/__init__.py registers it
    cli_main()


if __name__ == "__main__":
    main()
