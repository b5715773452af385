"""`brandpulse import` reading: rows/s and peak memory of `MentionsFile` on CSV and JSON exports.

    python -m benchmarks.import_file [--rows 200000]

Each reading runs in its own process (so one's memory peak is not the next one's). The baseline is
the JSON array read whole with `json.load`, as imports did before they streamed it with ijson: the
ratio says how much memory streaming saves. Every row's id is checked against all earlier ones (a
temporary SQLite table), so the duplicate check's cost is in the numbers.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table


def write_exports(folder: Path, rows: int) -> dict[str, Path]:
    csv_path, json_path = folder / "export.csv", folder / "export.json"
    with csv_path.open("w", encoding="utf-8") as out:
        out.write("id,text,date,likes\n")
        for i in range(rows):
            out.write(f"{i},acme post number {i} with a few more words,2025-01-01T00:00:00Z,{i % 50}\n")
    with json_path.open("w", encoding="utf-8") as out:
        out.write("[")
        for i in range(rows):
            out.write(("," if i else "") + json.dumps({"id": i, "text": f"acme post number {i} with a few more words",
                                                       "date": "2025-01-01T00:00:00Z", "likes": i % 50}))
        out.write("]")
    return {"csv": csv_path, "json": json_path}


def read(path: str, mode: str) -> None:
    """Child process: read the file, print rows, seconds and peak RSS (MB) as JSON."""
    started = time.perf_counter()
    if mode == "json.load":
        with open(path, encoding="utf-8") as handle:
            rows = len(json.load(handle))
    else:
        from brandpulse.listeners.files import MentionsFile

        rows = sum(1 for _ in MentionsFile(path, default_brand="Acme"))
    print(json.dumps({"rows": rows, "seconds": time.perf_counter() - started,
                      "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


def measure(path: Path, mode: str) -> dict:
    done = subprocess.run([sys.executable, "-m", "benchmarks.import_file", "--read", str(path), "--mode", mode],
                          check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--read", help=argparse.SUPPRESS)
    parser.add_argument("--mode", default="MentionsFile", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.read:
        read(args.read, args.mode)
        return 0
    with tempfile.TemporaryDirectory(prefix="brandpulse-bench-import-") as folder:
        exports = write_exports(Path(folder), args.rows)
        results = [("CSV, MentionsFile", measure(exports["csv"], "MentionsFile")),
                   ("JSON array, MentionsFile (ijson)", measure(exports["json"], "MentionsFile")),
                   ("JSON array, json.load whole (baseline)", measure(exports["json"], "json.load"))]
    baseline = results[-1][1]["rss_mb"]
    table = Table("reading", "rows", "rows/s", "peak RSS", "RSS vs baseline", title=f"import of {args.rows:,} rows")
    for name, result in results:
        table.add_row(name, f"{result['rows']:,}", f"{result['rows'] / result['seconds']:,.0f}",
                      f"{result['rss_mb']:.0f} MB", f"{result['rss_mb'] / baseline:.2f}x")
    Console().print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
