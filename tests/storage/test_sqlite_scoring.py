"""Several `brandpulse worker --role score` processes on one SQLite database never score the same
mention: SQLite has no row locks, so each batch is claimed, scored and saved during a turn the
processes take (a lock file beside the database). The stand-in scorer's ledger shows every piece of
work each process did, committed or not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from brandpulse.storage.engine import create_database_engine
from tests.scale.fleet import Fleet, check_invariants, check_work_done_once, counts, wait_for, write_stream

pytestmark = pytest.mark.slow  # four processes for half a minute


def test_three_score_workers_on_sqlite_take_turns_and_never_redo_each_others_work(tmp_path):
    url = f"sqlite:///{tmp_path / 'brandpulse.db'}"
    stream = tmp_path / "stream.jsonl"
    stream.write_text("", encoding="utf-8")
    fleet = Fleet(tmp_path, url, stream, env={"BRANDPULSE_STANDIN_DELAY": "0.05"})  # a model's latency per batch
    fleet.add("collector", "worker", "--role", "collect", "--poll", "0.2")
    scorers = [fleet.add(f"scorer{number}", "worker", "--role", "score", "--poll", "0.1", batch_size="8")
               for number in (1, 2, 3)]
    fleet.start_all()
    engine = create_database_engine(url)
    try:
        # All three are polling when the mentions arrive: each would claim the same first batches.
        wait_for(lambda: all(p.ready("score worker started") for p in scorers), 90, "the scorers", fleet)
        records = write_stream(stream, 400, start=datetime.now(UTC) - timedelta(minutes=5), span=timedelta(seconds=1))
        wait_for(lambda: counts(engine)["sentiments"] == len(records), 120, "every mention scored", fleet)
        assert fleet.stop_all() == {name: 0 for name in fleet.processes}, fleet.logs()
        check_invariants(engine, records)
        check_work_done_once(fleet, records)
    finally:
        fleet.kill_all()
        engine.dispose()
