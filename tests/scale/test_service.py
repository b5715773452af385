"""The scheduler service and the workers, in-process, on both engines (the process proofs are in
test_scale_out.py)."""

from __future__ import annotations

import itertools
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from brandpulse import worker
from brandpulse.config import load_config
from brandpulse.runtime import Runtime
from brandpulse.service import serve
from brandpulse.storage.leader import NamedLock
from brandpulse.storage.schema import job_runs, mentions, scoring_queue, sentiments
from tests.scale.fleet import write_config, write_stream
from tests.scale.standin import install


@pytest.fixture(autouse=True)
def _standin_scorer():
    undo = install()
    yield
    undo()


@pytest.fixture
def runtimes(tmp_path, database_url):
    """Runtimes over one database (as separate processes would have), with a replay stream."""
    stream = tmp_path / "stream.jsonl"
    records = write_stream(stream, 120, start=datetime.now(UTC) - timedelta(hours=1), span=timedelta(minutes=30))
    opened = []

    def make(name: str = "p") -> Runtime:
        config = load_config(write_config(tmp_path / f"{name}.yaml", database_url, stream=stream, name=name))
        runtime = Runtime.open(config)
        opened.append(runtime)
        return runtime

    make.records = records
    yield make
    for runtime in opened:
        runtime.stop.set()
        runtime.close()


def in_thread(target, *args, **kwargs) -> threading.Thread:
    thread = threading.Thread(target=target, args=args, kwargs=kwargs, daemon=True)
    thread.start()
    return thread


def wait_until(condition, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def count(runtime, table, *where) -> int:
    with runtime.engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(table).where(*where)).scalar_one()


def test_the_schedule_runs_where_the_leader_lock_is_held_and_resumes_with_the_next_leader(runtimes):
    """One service per process (the job store names a module function); on SQLite the lock is a file."""
    leader, standby = runtimes("leader"), runtimes("standby")
    first = in_thread(serve, leader, install_signal_handlers=False, heartbeat=0.1)
    wait_until(lambda: count(leader, sentiments) == len(runtimes.records))
    assert NamedLock(standby.engine, "scheduler").acquire() is False  # held by the running service
    leader.stop.set()
    first.join(timeout=30)
    assert not first.is_alive()

    handover = datetime.now(UTC)
    second = in_thread(serve, standby, install_signal_handlers=False, heartbeat=0.1)
    wait_until(lambda: count(standby, job_runs, job_runs.c.started_at > handover, job_runs.c.job == "evaluate") > 0)
    standby.stop.set()
    second.join(timeout=30)
    assert not second.is_alive()
    assert count(leader, mentions) == len(runtimes.records)
    assert NamedLock(leader.engine, "scheduler").acquire()  # released at stop


def test_a_score_worker_drains_the_queue_and_stops_between_batches(runtimes):
    collector, scorer = runtimes("collector"), runtimes("scorer")
    thread = in_thread(worker.run_worker, scorer, "score", poll=0.05)
    [collect] = worker._periodic_jobs(collector, "collect", None)
    worker.run_if_due(collector, collect)
    wait_until(lambda: count(scorer, scoring_queue) == 0)
    assert count(scorer, sentiments) == len(runtimes.records)
    scorer.stop.set()
    thread.join(timeout=30)
    assert not thread.is_alive()


def test_periodic_jobs_run_once_per_interval_whatever_the_number_of_workers(runtimes):
    calls = []

    def job(runtime):
        calls.append(datetime.now(UTC))
        with runtime.engine.begin() as connection:  # what `recorded` does: a job_runs row per run
            connection.execute(job_runs.insert().values(job="collect:fake", started_at=datetime.now(UTC),
                                                        status="ok", counts={}))
        time.sleep(0.05)
        return {"new": 0}

    planned = [worker.PeriodicJob("collect:fake", timedelta(seconds=1), job)]
    workers = [runtimes(f"w{i}") for i in range(3)]
    threads = [in_thread(worker._periodic_loop, runtime, planned, 0.05) for runtime in workers]
    time.sleep(3.4)
    for runtime in workers:
        runtime.stop.set()
    for thread in threads:
        thread.join(timeout=10)
    assert 3 <= len(calls) <= 5
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(calls)]
    assert min(gaps) >= 0.9
