"""The demo pipeline end to end: the recorded stream replayed through collect, score (the real
default model), tag, evaluate, respond and send. The complaint storm must page for Lumora; the calm
brand and the competitor must stay quiet. After the storm Lumora's late replacement cases pile up:
its support accounts answer some in time and some late, so the response inbox has answered cases and
a response-time (SLA) alert fires and is resolved."""

from __future__ import annotations

import gzip
import json
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from brandpulse.cli import app
from brandpulse.config import load_config
from brandpulse.demo.scenario import STORM_BRAND, SUPPORT_ACCOUNTS
from brandpulse.demo_summary import notification_counts, sla_alerts
from brandpulse.runtime import Runtime
from brandpulse.simulation import STREAM, replay
from brandpulse.storage.alert_store import load_alert_book
from brandpulse.storage.schema import mentions, sentiments

#: Four calm days as the detectors' history, then the storm (day 10) until its peak has passed.
SLICE = ("2026-03-07T00:00:00", "2026-03-12T00:00:00")
#: Two days of Lumora's late replacements and its support accounts' answers, a day late for the first ones.
REPLACEMENTS = ("2026-03-13T06:00:00", "2026-03-15T06:00:00")
CASE_FIELDS = {"id", "state", "source", "author", "opened_at", "first_response_at", "touchpoint", "stage"}


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
    assert {brand for name, brand in delivered if name != "ResponseSLA"} == {"Lumora"}
    assert ("NegativeSpike", "Lumora") in delivered


def cases_cli(config: Path, *args: str) -> object:
    result = CliRunner().invoke(app, ["-c", str(config), "cases", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def check_support_answers_cases_and_an_sla_alert_resolves(config: Path, alert_log: Path) -> None:
    """`cases list --json` shows the inbox with tags; a case answered by one of Lumora's accounts has
    its first-response time; SLA alerts fired and were resolved when late answers came, some of them
    from the support accounts (the others from its main handle)."""
    listed = cases_cli(config, "list", "--json")
    assert isinstance(listed, list) and listed
    assert all(set(case) >= CASE_FIELDS for case in listed)
    assert all(case["touchpoint"] and case["stage"] for case in listed)  # the tag job ran
    answered = [case for case in listed if case["first_response_at"]]
    assert answered
    brand = next(brand for brand in load_config(config).brands if brand.name == STORM_BRAND)

    def by_the_brand(post: dict) -> bool:  # its support accounts, or its main handle
        return post["role"] == "reply" and brand.is_own_post(post["author"], post["source"])

    shown = cases_cli(config, "show", str(answered[0]["id"]), "--json")
    replies = [post for post in shown["posts"] if post["role"] == "reply"]
    assert shown["brand"] == STORM_BRAND and replies and by_the_brand(replies[0])
    assert shown["first_response_at"] == replies[0]["created_at"] > shown["opened_at"]

    fired, resolved = sla_alerts(alert_log)
    assert fired and resolved <= fired
    shown_resolved = [cases_cli(config, "show", case_id, "--json") for case_id in sorted(resolved)]
    answered_late = [case for case in shown_resolved if case["first_response_at"]]
    assert answered_late
    for case in answered_late:
        assert any(by_the_brand(post) for post in case["posts"])
    support = {handle.casefold() for handle in SUPPORT_ACCOUNTS.values()}
    assert any(post["author"].casefold() in support for case in answered_late for post in case["posts"])


def test_the_storm_pages_for_lumora_and_nobody_else(tmp_path):
    stream = write_slice(tmp_path / "slice.jsonl", *SLICE)
    runtime = replay(tmp_path / "demo", stream=stream)
    try:
        check_storm_pages_lumora_only(runtime, tmp_path / "demo")
    finally:
        runtime.close()


def test_late_replacements_are_answered_in_time_late_or_never(tmp_path):
    stream = write_slice(tmp_path / "slice.jsonl", *REPLACEMENTS)
    replay(tmp_path / "demo", stream=stream).close()
    check_support_answers_cases_and_an_sla_alert_resolves(tmp_path / "demo" / "brandpulse.yaml",
                                                          tmp_path / "demo" / "alerts.jsonl")


@pytest.mark.slow
def test_the_whole_demo_in_an_empty_folder(tmp_path, monkeypatch):
    """`brandpulse demo`, then the inbox as the README shows it."""
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["demo"], catch_exceptions=False, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    summary = " ".join(result.output.split())
    assert "Response inbox" in summary and "SLA alerts:" in summary
    workdir = Path("demo-output")
    runtime = Runtime.open(load_config(workdir / "brandpulse.yaml"))
    try:
        check_storm_pages_lumora_only(runtime, workdir)
    finally:
        runtime.close()
    check_support_answers_cases_and_an_sla_alert_resolves(workdir / "brandpulse.yaml", workdir / "alerts.jsonl")
