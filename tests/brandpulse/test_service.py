"""`brandpulse run`: a restart keeps the stored schedule, and a signal ends the service cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import timedelta

from sqlalchemy import select

from brandpulse.config import load_config
from brandpulse.runtime import Runtime
from brandpulse.service import build_scheduler, sync_jobs
from brandpulse.storage.engine import open_database
from brandpulse.storage.schema import job_runs
from tests.brandpulse.conftest import write_stream


def config_text(database: str, stream, collect: str = "10m") -> str:
    return textwrap.dedent(f"""\
        database: {database}
        brands:
          - name: Lumora
            terms: [Lumora]
        sources:
          replay:
            path: {stream}
            interval: {collect}
        schedule:
          score: 1h
          evaluate: 1h
        """)


def stored_schedule(config_path):
    runtime = Runtime.open(load_config(config_path))
    scheduler = build_scheduler(runtime)
    scheduler.start(paused=True)
    changes = sync_jobs(scheduler, runtime.config)
    times = {job.id: job.next_run_time for job in scheduler.get_jobs()}
    scheduler.shutdown(wait=False)
    runtime.close()
    return changes, times


def test_a_restart_keeps_the_stored_schedule_and_applies_changed_intervals(tmp_path):
    stream = write_stream(tmp_path / "stream.jsonl", 3)
    config_path = tmp_path / "brandpulse.yaml"
    config_path.write_text(config_text(f"sqlite:///{tmp_path / 'bp.db'}", stream), encoding="utf-8")
    first_changes, first = stored_schedule(config_path)
    assert sorted(first_changes) == ["added collect:replay every 10m", "added evaluate every 1h",
                                     "added respond every 5m", "added score every 1h",
                                     "added send every 30s", "added tag every 1m"]
    time.sleep(1.1)
    again_changes, again = stored_schedule(config_path)
    assert again_changes == []
    assert again == first  # not pushed back by the restart: runs missed while down are not dropped

    config_path.write_text(config_text(f"sqlite:///{tmp_path / 'bp.db'}", stream, collect="5m"), encoding="utf-8")
    changed, after = stored_schedule(config_path)
    assert changed == ["rescheduled collect:replay to every 5m"]
    assert after["score"] == first["score"]


def test_sigterm_finishes_the_running_work_and_exits_cleanly(tmp_path):
    stream = write_stream(tmp_path / "stream.jsonl", 40, every=timedelta(minutes=1))
    database = f"sqlite:///{tmp_path / 'bp.db'}"
    config_path = tmp_path / "brandpulse.yaml"
    config_path.write_text(config_text(database, stream, collect="1s"), encoding="utf-8")
    service = subprocess.Popen([sys.executable, "-m", "brandpulse", "-c", str(config_path), "run"],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               env={**os.environ, "COLUMNS": "200"})
    engine = open_database(database)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with engine.connect() as connection:
                finished = connection.execute(select(job_runs.c.id).where(
                    job_runs.c.job == "collect:replay", job_runs.c.status == "ok")).all()
            if finished:
                break
            time.sleep(0.3)
        assert finished, "the collect job never ran"
        service.send_signal(signal.SIGTERM)
        output, _ = service.communicate(timeout=60)
    finally:
        if service.poll() is None:
            service.kill()
    assert service.returncode == 0, output
    assert "received SIGTERM" in output
    with engine.connect() as connection:
        statuses = connection.execute(select(job_runs.c.status)).scalars().all()
    assert "running" not in statuses and "failed" not in statuses
    engine.dispose()
