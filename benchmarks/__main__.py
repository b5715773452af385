"""Run every benchmark (or the named ones) one after another, each in its own process, then list them.

    python -m benchmarks                    # all: sentiment, anomaly, ingest, dashboard, cx_tags (about 30 min)
    python -m benchmarks                    # all: sentiment, anomaly, ingest, dashboard, mentions (about 32 min)
    python -m benchmarks anomaly ingest     # some

Each prints its own table as it goes; the closing table says which ran, how long, and whether it failed.
Separate processes keep one benchmark's memory peak and thread pools out of the next one's numbers.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

from rich.console import Console
from rich.table import Table

BENCHMARKS = {
    "sentiment": ("benchmarks.sentiment_throughput", "scorer vs the naive transformers pipeline: texts/s, RSS"),
    "anomaly": ("benchmarks.nab_score", "spike detection on the Numenta Anomaly Benchmark"),
    "ingest": ("benchmarks.ingest", "mentions/s stored and scored, memory, worker scaling"),
    "dashboard": ("benchmarks.dashboard", "API latency and report time at 1M mentions"),
    "import": ("benchmarks.import_file", "brandpulse import: rows/s and peak memory, CSV and streamed JSON"),
    "themes": ("benchmarks.themes", "complaint themes across languages: pair precision/recall, time per 1,000"),
    "cx_tags": ("benchmarks.cx_tags", "touchpoint and journey-stage tags: macro-F1 on the held-out CX set"),
    "mentions": ("benchmarks.mention_bench",
                 "default alert rule on generated mention counts (NAB scores), backtest speed"),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n")[0])
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"any of: {', '.join(BENCHMARKS)} (default: all)")
    names = parser.parse_args(argv).names or list(BENCHMARKS)
    unknown = [name for name in names if name not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark(s) {', '.join(unknown)}: choose from {', '.join(BENCHMARKS)}")
    console = Console()
    rows = []
    for name in names:
        module, what = BENCHMARKS[name]
        console.rule(f"{name}: {what}")
        started = time.perf_counter()
        code = subprocess.run([sys.executable, "-m", module], check=False).returncode
        rows.append((name, what, time.perf_counter() - started, code))
    table = Table("benchmark", "measures", "took", "result", title="Benchmarks run")
    for name, what, seconds, code in rows:
        table.add_row(name, what, f"{seconds:.0f} s", "ok" if code == 0 else f"[red]failed (exit {code})[/red]")
    console.print(table)
    return max((code for *_, code in rows), default=0)


if __name__ == "__main__":
    sys.exit(main())
