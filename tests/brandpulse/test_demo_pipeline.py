"""The demo pipeline end to end: the recorded stream replayed through collect, score (the real
default model), evaluate and send. The complaint storm must page for Lumora; the calm brand and
the competitor must stay quiet."""

from __future__ import annotations

import gzip
import json
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from brandpulse.demo_summary import notification_counts
from brandpulse.simulation import STREAM, replay
from brandpulse.storage.alert_store import load_alert_book
from brandpulse.storage.schema import mentions, sentiments

#: Four calm days as the detectors' history, then the storm (day 10) until its peak has passed.
SLICE = ("2026-03-07T00:00:00", "2026-03-12T00:00:00")


def write_slice(path: Path, start: str, end: str) -> Path:
    with gzip.open(STREAM, "rt", encoding="utf-8") as stream:
        lines = [line for line in stream if start <= json.loads(line)["created_at"][:19] < end]
    path.write_text("".join(lines), encoding="utf-8")
    return path


def check_storm_pages_lumora_only(runtime, workdir: Path) -> None:
    with runtime.engine.connect() as connection:
        book = load_alert_book(connection)
        stored = connection.execute(select(func.count()).select_from(mentions)).scalar_one()
        scored = connection.execute(select(func.count()).select_from(sentiments)).scalar_one()
    assert stored > 0 and scored == stored  # everything collected was scored
    fired = {(state.rule, state.labels["brand"]) for state in book.states.values() if state.fired_at}
    assert fired == {("NegativeSpike", "Lumora")}
    spike = next(state for state in book.states.values() if state.fired_at)
    assert datetime(2026, 3, 11, 14) <= spike.fired_at.replace(tzinfo=None) <= datetime(2026, 3, 11, 23)
    delivered = notification_counts(workdir / "alerts.jsonl")
    assert {brand for _, brand in delivered} == {"Lumora"}
    assert ("NegativeSpike", "Lumora") in delivered


def test_the_storm_pages_for_lumora_and_nobody_else(tmp_path):
    stream = write_slice(tmp_path / "slice.jsonl", *SLICE)
    runtime = replay(tmp_path / "demo", stream=stream)
    try:
        check_storm_pages_lumora_only(runtime, tmp_path / "demo")
    finally:
        runtime.close()


@pytest.mark.slow
def test_the_whole_demo_stream(tmp_path):
    runtime = replay(tmp_path / "demo")
    try:
        check_storm_pages_lumora_only(runtime, tmp_path / "demo")
    finally:
        runtime.close()
