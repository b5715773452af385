"""Proofs with real processes on one PostgreSQL server (`brandpulse run` and `brandpulse worker`).

1. Three scoring workers and two schedulers: every mention scored exactly once, every scheduled job
   run once per tick, and the standby takes over when the leader is killed.
2. Crash safety: collectors and scorers SIGKILLed at random points, then restarted: no mention lost
   or duplicated, no score missing, no mention scored twice but where a kill rolled its batch back,
   the cursor where the stored mentions end.
3. Outage: the database stopped mid-run and started again: every process recovers by itself.
"""

from __future__ import annotations

import itertools
import random
import time
import urllib.request
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from brandpulse.storage.engine import create_database_engine, open_database
from brandpulse.storage.schema import job_runs
from tests.scale.fleet import (
    Fleet,
    check_invariants,
    check_work_done_once,
    counts,
    lock_holders,
    wait_for,
    write_stream,
)
from tests.support.postgres import PostgresCluster, free_port

pytestmark = [pytest.mark.slow, pytest.mark.postgres]
SCHEDULED_JOBS = ("collect:replay", "evaluate", "send")  # only schedulers run these here


def database_name(url: str) -> str:
    return url.rsplit("/", 1)[1]


def runs(engine) -> list:
    with engine.connect() as connection:
        return connection.execute(select(job_runs).order_by(job_runs.c.started_at)).all()


def assert_once_per_tick(engine, interval: float) -> None:
    """Two schedulers on one job store run every job twice per tick. A run that starts late (a busy
    machine) brings the next one closer, so the proof counts runs over the span instead of
    measuring gaps: at most one per tick, give or take the ends."""
    for job in SCHEDULED_JOBS:
        starts = [run.started_at for run in runs(engine) if run.job == job]
        assert len(starts) >= 3, f"{job} hardly ran: {starts}"
        ticks = (starts[-1] - starts[0]).total_seconds() / interval
        assert len(starts) <= ticks + 2, f"{job} ran {len(starts)} times in {ticks:.1f} ticks: {starts}"


def scored_by_jobs(engine) -> int:
    """Mentions the committed score runs scored: more than the mentions would mean work done twice."""
    return sum(run.counts.get("scored", 0) for run in runs(engine) if run.job == "score")


def test_three_scorers_and_two_schedulers_share_the_work_and_the_standby_takes_over(
        tmp_path, postgres_url, postgres_cluster):
    name = database_name(postgres_url)
    stream = tmp_path / "stream.jsonl"
    fleet = Fleet(tmp_path, postgres_url, stream)
    for number in (1, 2):
        fleet.add(f"scheduler{number}", "run")
    for number in (1, 2, 3):
        fleet.add(f"scorer{number}", "worker", "--role", "score", "--poll", "0.3")
    fleet.start_all()  # all five migrate the fresh database at once: the migration lock orders them
    engine = create_database_engine(postgres_url)
    try:
        wait_for(lambda: len(lock_holders(postgres_cluster, name, "scheduler")) == 1, 90, "a leader", fleet)
        records = write_stream(stream, 600, start=datetime.now(UTC), span=timedelta(seconds=8))
        wait_for(lambda: counts(engine)["mentions"] >= 150, 60, "collection to start", fleet)

        wait_for(lambda: len(lock_holders(postgres_cluster, name, "scheduler")) == 1, 30, "the leader", fleet)
        [leader] = lock_holders(postgres_cluster, name, "scheduler")  # (a busy leader may be between sessions)
        fleet.processes[leader].kill()
        wait_for(lambda: lock_holders(postgres_cluster, name, "scheduler") not in ([], [leader]), 15,
                 "the standby to take over", fleet)
        wait_for(lambda: counts(engine)["sentiments"] == len(records), 60, "every mention scored", fleet)
        time.sleep(2.5)  # a few more ticks under the new leader

        statuses = fleet.stop_all()
        assert statuses == {**{n: 0 for n in fleet.processes}, leader: -9}, fleet.logs()
        check_invariants(engine, records)
        assert scored_by_jobs(engine) <= len(records), "a mention was scored by two workers"
        check_work_done_once(fleet, records)
        assert_once_per_tick(engine, interval=1.0)
    finally:
        fleet.kill_all()
        engine.dispose()


def test_processes_killed_at_random_points_lose_and_double_nothing(tmp_path, postgres_url):
    rng = random.Random(20261122)
    stream = tmp_path / "stream.jsonl"
    fleet = Fleet(tmp_path, postgres_url, stream, env={"BRANDPULSE_STANDIN_DELAY": "0.05"})
    for number in (1, 2):
        fleet.add(f"collector{number}", "worker", "--role", "collect", "--poll", "0.2")
    for number in (1, 2, 3):
        fleet.add(f"scorer{number}", "worker", "--role", "score", "--poll", "0.2", batch_size="8")
    open_database(postgres_url).dispose()
    engine = create_database_engine(postgres_url)
    fleet.start_all()
    try:
        stream.write_text("", encoding="utf-8")
        wait_for(lambda: any(run.job == "collect:replay" for run in runs(engine)), 90, "the collectors", fleet)
        records = write_stream(stream, 800, start=datetime.now(UTC), span=timedelta(seconds=12))
        rounds = 6
        for _ in range(rounds):
            time.sleep(rng.uniform(0.5, 3.0))
            victims = rng.sample(sorted(fleet.processes), rng.randint(1, 3))
            for victim in victims:
                fleet.processes[victim].kill()
            for victim in victims:
                fleet.processes[victim].start()
        wait_for(lambda: counts(engine)["mentions"] == len(records), 90, "every mention collected", fleet)
        wait_for(lambda: counts(engine)["scoring_queue"] == 0, 90, "every mention scored", fleet)
        wait_for(lambda: all(p.ready("worker started") for p in fleet.processes.values()), 60,
                 "the restarted workers to be up", fleet)

        statuses = fleet.stop_all()
        assert set(statuses.values()) == {0}, fleet.logs()  # SIGTERM: batch committed, clean exit
        check_invariants(engine, records)
        assert any(fleet.processes[f"scorer{n}"].killed for n in (1, 2, 3)), "no scorer was killed"
        check_work_done_once(fleet, records)
        collects = [run for run in runs(engine) if run.job == "collect:replay" and run.finished_at]
        for earlier, later in itertools.pairwise(collects):
            assert later.started_at >= earlier.finished_at, "two processes collected the source at once"
        assert sum(process.starts for process in fleet.processes.values()) > len(fleet.processes)
    finally:
        fleet.kill_all()
        engine.dispose()


def test_a_database_outage_is_survived_without_help(tmp_path):
    cluster = PostgresCluster().start()  # its own server: this test stops it
    try:
        url = cluster.create_database("outage")
        stream = tmp_path / "stream.jsonl"
        fleet = Fleet(tmp_path, url, stream)
        port = free_port()
        fleet.add("scheduler", "run")
        fleet.add("scorer", "worker", "--role", "score", "--poll", "0.3", "--metrics-port", str(port))
        open_database(url).dispose()
        fleet.start_all()
        engine = create_database_engine(url)
        wait_for(lambda: lock_holders(cluster, "outage", "scheduler") == ["scheduler"], 60, "the leader", fleet)
        records = write_stream(stream, 400, start=datetime.now(UTC), span=timedelta(seconds=12))
        wait_for(lambda: counts(engine)["sentiments"] >= 50, 30, "work to start", fleet)
        assert b"brandpulse_database_up 1.0" in scrape(port)

        cluster.stop()  # fast shutdown: every session is cut
        time.sleep(1.5)
        assert b"brandpulse_database_up 0.0" in scrape(port)  # the endpoint says so, and stays up
        time.sleep(3)
        outage_ended = datetime.now(UTC)
        cluster.start_again()

        wait_for(lambda: lock_holders(cluster, "outage", "scheduler") == ["scheduler"], 30,
                 "the leader to win its lock back", fleet)
        wait_for(lambda: counts(engine)["mentions"] == len(records), 60, "collection to resume", fleet)
        wait_for(lambda: counts(engine)["scoring_queue"] == 0, 60, "scoring to resume", fleet)
        assert all(process.alive for process in fleet.processes.values()), fleet.logs()
        after = [run for run in runs(engine) if run.started_at > outage_ended and run.status == "ok"]
        assert {"collect:replay", "score", "evaluate", "send"} <= {run.job for run in after}
        assert b"brandpulse_database_up 1.0" in scrape(port)

        assert set(fleet.stop_all().values()) == {0}, fleet.logs()
        check_invariants(engine, records)
        engine.dispose()
    finally:
        cluster.destroy()


def scrape(port: int) -> bytes:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
        return response.read()
