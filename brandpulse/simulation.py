"""`brandpulse demo`: a recorded stream replayed in simulated time through the real jobs.

The clock the jobs see advances one step at a time; at each step the replay listener "publishes"
the mentions whose time has come, and collect, score, tag, evaluate, respond and send run exactly as
the scheduler would run them (tag and respond where the config enables them, as the service plans
them). Only time is simulated: the model, database, detectors and notification sinks are the real ones.
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
from brandpulse.demo.accounts import official_handles
from brandpulse.demo.scenario import BRANDS, SUPPORT_ACCOUNTS
from brandpulse.runtime import Runtime

STREAM = Path(__file__).parent / "demo" / "data" / "stream.jsonl.gz"

CONFIG_TEMPLATE = """\
# Written by `brandpulse demo`. Inspect the results with e.g.
#   brandpulse -c {workdir}/brandpulse.yaml status
#   brandpulse -c {workdir}/brandpulse.yaml mentions --brand Lumora --sentiment negative
#   brandpulse -c {workdir}/brandpulse.yaml cases list
database: sqlite:///brandpulse.db
model: {model}
brands:
  - name: Lumora
    terms: [Lumora]
    handles: {handles_Lumora}
    hashtags: ["#LumoraHalo"]
    competitors: [Vexon]
    accounts: {accounts}   # its support accounts: their replies answer cases
  - name: Brevio
    terms: [Brevio]
    handles: {handles_Brevio}
    cases: false           # watched, not answered by this team: no cases
  - name: Vexon
    terms: [Vexon]
    handles: {handles_Vexon}
    cases: false
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
    routes:
      - matchers: ['kind="sla"']   # one message per case past its response target, and one when answered
        group_by: [alertname, brand, case]
        repeat_interval: 7d
  urgent:
    reach_threshold: 50000   # a strongly negative post from an audience this large pages at once
cx:
  sla:
    ttl: 2h   # the service checks response times every few minutes, the replay once per simulated hour
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
    accounts = json.dumps({source: [handle] for source, handle in SUPPORT_ACCOUNTS.items()})
    handles = {f"handles_{brand.name}": json.dumps(official_handles(brand)) for brand in BRANDS}
    path.write_text(CONFIG_TEMPLATE.format(workdir=workdir.resolve(), stream=stream.resolve(), model=model,
                                           accounts=accounts, **handles), encoding="utf-8")
    return path


def run_step(runtime: Runtime) -> None:
    """One pass of every job the service would run (`service.planned_jobs`), in the order that lets each
    see what the one before it did: new mentions, their scores and cases, their tags, then the alerts."""
    config = runtime.config
    jobs.collect(runtime, "replay")
    jobs.score(runtime)
    if config.cx.tags.enabled:
        jobs.tag(runtime)
    jobs.evaluate(runtime)
    if config.cx.sla.enabled:
        jobs.respond(runtime)
    jobs.send(runtime)


def replay(workdir: Path, *, stream: Path = STREAM, model: str = "default", step: timedelta = timedelta(hours=1),
           on_step: Callable[[datetime, int], None] | None = None) -> Runtime:
    """Replay `stream` through the service's jobs, one `step` of simulated time at a time.

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
        run_step(runtime)
        if on_step:
            on_step(clock.now, steps)
    return runtime
