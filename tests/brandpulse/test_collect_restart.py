"""A collection run that crashes part-way loses nothing and duplicates nothing when run again."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from brandpulse import jobs
from brandpulse.storage.jobs import last_runs
from brandpulse.storage.mentions import load_cursor
from brandpulse.storage.schema import cursors, mentions
from tests.brandpulse.conftest import START, write_stream


class Crash(RuntimeError):
    pass


def stored_ids(runtime) -> list[str]:
    with runtime.engine.connect() as connection:
        return connection.execute(select(mentions.c.external_id).order_by(mentions.c.external_id)).scalars().all()


def test_a_crash_between_pages_resumes_at_the_last_committed_cursor(tmp_path, make_runtime, monkeypatch):
    stream = write_stream(tmp_path / "stream.jsonl", 23)
    runtime = make_runtime(stream, page_size=5, clock=lambda: START + timedelta(days=1))
    real_store = jobs.store_batch
    calls = []

    def store_then_crash(connection, **kwargs):
        calls.append(kwargs["cursor"])
        if len(calls) == 3:
            raise Crash("power cut while storing page 3")
        return real_store(connection, **kwargs)

    monkeypatch.setattr(jobs, "store_batch", store_then_crash)
    with pytest.raises(Crash):
        jobs.collect(runtime, "replay")
    assert stored_ids(runtime) == [str(1000 + i) for i in range(10)]  # pages 1 and 2 committed, page 3 not
    with runtime.engine.connect() as connection:
        assert load_cursor(connection, "replay", "Lumora", "default")["pos"] == 10

    monkeypatch.setattr(jobs, "store_batch", real_store)
    counts = jobs.collect(runtime, "replay")
    assert counts["new"] == 13 and counts.get("duplicates", 0) == 0
    assert stored_ids(runtime) == [str(1000 + i) for i in range(23)]
    with runtime.engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(mentions)).scalar_one() == 23
        assert load_cursor(connection, "replay", "Lumora", "default")["pos"] == 23
        runs = {run.job: run for run in last_runs(connection)}
    assert runs["collect:replay"].status == "ok"


def test_a_replayed_stream_stores_each_mention_once(tmp_path, make_runtime):
    stream = write_stream(tmp_path / "stream.jsonl", 12)
    runtime = make_runtime(stream, clock=lambda: START + timedelta(days=1))
    first = jobs.collect(runtime, "replay")
    with runtime.engine.begin() as connection:  # forget the cursor: the next run replays everything
        connection.execute(cursors.delete())
    again = jobs.collect(runtime, "replay")
    assert first["new"] == 12
    assert again.get("new", 0) == 0 and again["duplicates"] == 12
    assert len(stored_ids(runtime)) == 12


def test_only_mentions_published_by_now_are_collected(tmp_path, make_runtime):
    stream = write_stream(tmp_path / "stream.jsonl", 12, every=timedelta(hours=1))
    now = [START + timedelta(hours=4, minutes=30)]
    runtime = make_runtime(stream, clock=lambda: now[0])
    assert jobs.collect(runtime, "replay")["new"] == 5
    now[0] += timedelta(hours=3)
    assert jobs.collect(runtime, "replay")["new"] == 3


def test_posts_by_the_brands_own_accounts_are_not_counted_as_mentions(tmp_path, make_runtime):
    stream = write_stream(tmp_path / "stream.jsonl", 14)  # authors user0..user6 in turn
    runtime = make_runtime(stream, clock=lambda: START + timedelta(days=1), brand='handles: ["@User3"]')
    counts = jobs.collect(runtime, "replay")
    assert counts["own_posts"] == 2 and counts["new"] == 12


def test_collect_once_from_the_command_line_prints_what_each_source_did(tmp_path, make_runtime):
    from typer.testing import CliRunner

    from brandpulse.cli import app

    stream = write_stream(tmp_path / "stream.jsonl", 7)
    make_runtime(stream).close()  # writes the config file next to the stream
    result = CliRunner().invoke(app, ["-c", str(tmp_path / "brandpulse.yaml"), "collect", "--once"],
                                env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    row = next(line for line in result.output.splitlines() if line.startswith("│ replay"))
    assert [cell.strip() for cell in row.split("│")[1:8]] == ["replay", "2", "7", "7", "0", "0", "0"]
