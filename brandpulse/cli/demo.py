"""`brandpulse demo`: the whole pipeline on a recorded 14-day stream, in a few minutes."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from brandpulse.cli.context import console


def demo(output: Path = typer.Option(Path("demo-output"), "--output", "-o", help="Folder for the results."),
         model: str = typer.Option("default", help="Sentiment model to score with.")) -> None:
    """Replay 14 days of sample mentions (3 brands, 6 sources, 9 languages) through the real pipeline."""
    from brandpulse.demo_summary import print_summary  # charts: matplotlib loads only for the demo
    from brandpulse.simulation import STREAM, replay

    console.print(f"Replaying {STREAM.name} into {output}/ in simulated time (one step per hour).")
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console) as bar:
        task = bar.add_task("loading the model", total=None)

        def step(now: datetime, total: int) -> None:
            bar.update(task, description=f"simulated {now:%a %b %d %H:00} UTC", total=total, advance=1)

        runtime = replay(output, model=model, on_step=step)
    print_summary(runtime, output, console)
    runtime.close()


def register(app: typer.Typer) -> None:
    app.command()(demo)
