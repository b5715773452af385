"""`brandpulse demo`: a recorded stream replayed in simulated time through the real jobs.

The clock the jobs see advances one step at a time; at each step the replay listener "publishes"
the mentions whose time has come, and collect, score, evaluate and send run exactly as the
scheduler would run them. Only time is simulated: the model, database, detectors and notification
sinks are the real ones.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from brandpulse import jobs
from brandpulse.config import load_config
from brandpulse.runtime import Runtime

STREAM = Path(__file__).parent / "demo" / "data" / "stream.jsonl.gz"

CONFIG_TEMPLATE = """\
# Written by `brandpulse demo`. Inspect the results with e.g.
#   brandpulse -c {workdir}/brandpulse.yaml status
#   brandpulse -c {workdir}/brandpulse.yaml mentions --brand Lumora --sentiment negative
database: sqlite:///brandpulse.db
model: {model}
brands:
  - name: Lumora
    terms: [Lumora]
    handles: ["@lumora"]
    hashtags: ["#LumoraHalo"]
    competitors: [Vexon]
  - name: Brevio
    terms: [Brevio]
    handles: ["@brevio"]
  - name: Vexon
    terms: [Vexon]
    handles: ["@vexonaudio"]
sources:
  replay:
    path: {stream}
    page_size: 500
alerts:
  bucket: 1h
  receivers:
    - name: alert-log
      file:
        path: {workdir}/alerts.jsonl
  route:
    receiver: alert-log
    group_by: [alertname, brand]
    group_wait: 0s
    group_interval: 1h
    repeat_interval: 12h
  urgent:
    reach_threshold: 50000   # a strongly negative post from an audience this large pages at once
"""


class SimulatedClock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


@dataclass(frozen=True, slots=True)
class StreamSpan:
    first: datetime
    last: datetime
    lines: int


def stream_span(path: Path) -> StreamSpan:
    first = last = None
    lines = 0
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as stream:
        for line in stream:
            moment = datetime.fromisoformat(json.loads(line)["created_at"])
            first = moment if first is None or moment < first else first
            last = moment if last is None or moment > last else last
            lines += 1
    if first is None or last is None:
        raise ValueError(f"{path} holds no mentions")
    return StreamSpan(first, last, lines)


def write_demo_config(workdir: Path, *, stream: Path = STREAM, model: str = "default") -> Path:
    workdir.mkdir(parents=True, exist_ok=True)
    for stale in ("brandpulse.db", "brandpulse.db-wal", "brandpulse.db-shm", "alerts.jsonl"):
        (workdir / stale).unlink(missing_ok=True)
    path = workdir / "brandpulse.yaml"
    path.write_text(CONFIG_TEMPLATE.format(workdir=workdir.resolve(), stream=stream.resolve(), model=model),
                    encoding="utf-8")
    return path


def replay(workdir: Path, *, stream: Path = STREAM, model: str = "default", step: timedelta = timedelta(hours=1),
           on_step: Callable[[datetime, int], None] | None = None) -> Runtime:
    """Replay `stream` through collect, score, evaluate and send, one `step` of simulated time at a time.

    Returns the runtime (database, config and clock at the end of the stream) for the summary.
    """
    span = stream_span(stream)
    config = load_config(write_demo_config(workdir, stream=stream, model=model))
    start = span.first.replace(minute=0, second=0, microsecond=0)
    clock = SimulatedClock(start)
    runtime = Runtime.open(config, clock=clock)
    runtime.scorer()  # load the model before the clock starts, so progress reflects the replay
    steps = int((span.last - start) / step) + 1
    for number in range(1, steps + 1):
        clock.now = start + number * step
        jobs.collect(runtime, "replay")
        jobs.score(runtime)
        jobs.evaluate(runtime)
        jobs.send(runtime)
        if on_step:
            on_step(clock.now, steps)
    return runtime
