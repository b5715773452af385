"""`/metrics`: the database's state read at scrape time, this process's counters, and outages told."""

from __future__ import annotations

import urllib.request
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families

from brandpulse import metrics
from brandpulse.listeners.records import Mention
from brandpulse.storage.engine import create_database_engine, open_database
from brandpulse.storage.jobs import finish_run, start_run
from brandpulse.storage.mentions import store_mentions
from brandpulse.storage.schema import alert_state, outbox
from tests.support.postgres import free_port

NOW = datetime.now(UTC)


def scrape(server: metrics.MetricsServer) -> dict[tuple[str, tuple], float]:
    with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/metrics", timeout=10) as response:
        text = response.read().decode()
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


@pytest.fixture
def engine(database_url):
    engine = open_database(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def server(engine):
    server = metrics.MetricsServer(engine, free_port())
    yield server
    server.close()


def test_the_database_state_is_read_at_scrape_time(engine, server):
    with engine.begin() as connection:
        store_mentions(connection, "Lumora", [Mention(source="x", external_id=str(i), text="t", brand="Lumora",
                                                      created_at=NOW) for i in range(7)])
        for job, status in [("collect:x", "ok"), ("collect:x", "failed"), ("evaluate", "ok")]:
            run = start_run(connection, job, NOW - timedelta(seconds=30))
            finish_run(connection, run, status, {}, None if status == "ok" else "boom", NOW - timedelta(seconds=20))
        start_run(connection, "score", NOW)  # still running: counted, but has no last duration yet
        connection.execute(alert_state.insert(), [
            {"fingerprint": f"f{i}", "rule": "NegativeSpike", "labels": {}, "state": state, "data": {},
             "updated_at": NOW} for i, state in enumerate(["firing", "firing", "pending", "resolved"])])
        connection.execute(outbox.insert(), [
            {"id": f"n{i}", "receiver": "slack", "dedup_key": "k", "payload": {}, "status": status,
             "attempts": 1, "last_error": error, "created_at": NOW}
            for i, (status, error) in enumerate([("sent", None), ("pending", "HTTP 500"), ("pending", None),
                                                 ("dead", "HTTP 404")])])
    values = scrape(server)
    assert values[("brandpulse_database_up", ())] == 1
    assert values[("brandpulse_scoring_backlog", ())] == 7
    assert values[("brandpulse_job_runs_recent", (("job", "collect:x"), ("status", "failed")))] == 1
    assert values[("brandpulse_job_runs_recent", (("job", "score"), ("status", "running")))] == 1
    assert values[("brandpulse_job_last_success", (("job", "collect:x"),))] == 0  # the latest failed
    assert values[("brandpulse_job_last_success", (("job", "evaluate"),))] == 1
    assert values[("brandpulse_job_last_duration_seconds", (("job", "evaluate"),))] == pytest.approx(10)
    assert ("brandpulse_job_last_success", (("job", "score"),)) not in values
    assert values[("brandpulse_alerts", (("rule", "NegativeSpike"), ("state", "firing")))] == 2
    assert values[("brandpulse_alerts", (("rule", "NegativeSpike"), ("state", "pending")))] == 1
    assert values[("brandpulse_notifications", (("receiver", "slack"), ("status", "pending")))] == 2
    assert values[("brandpulse_notification_failures", (("receiver", "slack"), ("status", "pending")))] == 1
    assert values[("brandpulse_notification_failures", (("receiver", "slack"), ("status", "dead")))] == 1


def test_this_process_counts_its_jobs_and_what_they_did():
    server = metrics.MetricsServer(None, free_port())  # process counters only: no database needed
    source, model = f"source{uuid.uuid4().hex[:8]}", f"model{uuid.uuid4().hex[:8]}"  # counters are process-wide
    metrics.observe_job(f"collect:{source}", lambda: {"new": 5, "duplicates": 2})
    metrics.observe_job(f"collect:{source}", lambda: {"new": 1, "errors": 1})
    with pytest.raises(RuntimeError):
        metrics.observe_job(f"collect:{source}", lambda: (_ for _ in ()).throw(RuntimeError("down")))
    metrics.count_scored(model, 64)
    try:
        values = scrape(server)
    finally:
        server.close()
    runs, job = "brandpulse_job_runs_total", ("job", f"collect:{source}")
    assert values[(runs, (job, ("status", "ok")))] == 1
    assert values[(runs, (job, ("status", "partial")))] == 1
    assert values[(runs, (job, ("status", "failed")))] == 1
    assert values[("brandpulse_job_duration_seconds_count", (job,))] == 3
    assert values[("brandpulse_mentions_collected_total", (("source", source),))] == 6
    assert values[("brandpulse_mentions_scored_total", (("model", model),))] == 64
    assert ("brandpulse_database_up", ()) not in values


def test_an_unreachable_database_is_reported_not_fatal():
    engine = create_database_engine(f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/nowhere")
    server = metrics.MetricsServer(engine, free_port())
    try:
        values = scrape(server)
    finally:
        server.close()
        engine.dispose()
    assert values[("brandpulse_database_up", ())] == 0
    assert ("brandpulse_scoring_backlog", ()) not in values
    assert ("brandpulse_scheduler_leader", ()) in values  # this process's series are still served


def test_each_process_serves_its_resource_use_beside_its_counters():
    server = metrics.MetricsServer(None, free_port())
    try:
        values = scrape(server)
    finally:
        server.close()
    assert values[("process_resident_memory_bytes", ())] > 10_000_000
    assert values[("process_cpu_seconds_total", ())] > 0
    assert values[("process_open_fds", ())] > 0
    assert any(name == "python_info" for name, _ in values)
