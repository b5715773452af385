"""`brandpulse cases ...` as a person runs it, on a SQLite file: list and show (also as JSON), assign,
comment, resolve, and the response figures."""

from __future__ import annotations

import json
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from brandpulse import jobs
from brandpulse.cli import app
from brandpulse.config import load_config
from brandpulse.listeners.records import Mention
from brandpulse.runtime import Runtime
from brandpulse.sentiment.standin import StandInScorer
from brandpulse.storage.mentions import store_mentions

NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def config_file(tmp_path) -> Path:
    path = tmp_path / "brandpulse.yaml"
    path.write_text(textwrap.dedent(f"""\
        database: sqlite:///{tmp_path / "pulse.db"}
        brands:
          - name: Lumora
            terms: [Lumora]
            accounts:
              x: [LumoraHelp]
        """), encoding="utf-8")
    posts = [Mention(source="x", external_id="1", text="Lumora parcel lost, awful", brand="Lumora",
                     author_handle="dana_k", created_at=NOW - timedelta(hours=30)),
             Mention(source="x", external_id="2", text="Sorry Dana, we sent a new one", brand="Lumora",
                     author_handle="LumoraHelp", created_at=NOW - timedelta(hours=29), parent_id="1"),
             Mention(source="reddit", external_id="t3_a", text="Lumora app is broken and useless", brand="Lumora",
                     author_handle="eli", created_at=NOW - timedelta(hours=2))]
    runtime = Runtime.open(load_config(path), _scorer=StandInScorer())
    with runtime.engine.begin() as connection:
        store_mentions(connection, "Lumora", posts)
    jobs.score(runtime)
    runtime.close()
    return path


def run(config_file: Path, *args: str):
    return CliRunner().invoke(app, ["-c", str(config_file), "cases", *args], catch_exceptions=False,
                              env={"COLUMNS": "200"})


def listed(config_file: Path, *args: str) -> list[dict]:
    result = run(config_file, "list", "--json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_list_json_gives_each_case_with_its_response_times(config_file):
    cases = listed(config_file)
    assert [(c["source"], c["author"], c["state"]) for c in cases] == [("reddit", "eli", "open"),
                                                                       ("x", "dana_k", "waiting")]
    answered = cases[1]
    assert {"id", "state", "source", "author", "opened_at", "first_response_at", "touchpoint", "stage"} <= set(answered)
    assert datetime.fromisoformat(answered["first_response_at"]) == NOW - timedelta(hours=29)
    assert cases[0]["first_response_at"] is None
    assert [c["author"] for c in listed(config_file, "--source", "x")] == ["dana_k"]


def test_show_json_gives_the_posts_replies_and_history(config_file):
    case_id = listed(config_file, "--source", "x")[0]["id"]
    result = run(config_file, "show", str(case_id), "--json")
    shown = json.loads(result.output)
    assert [(p["role"], p["author"]) for p in shown["posts"]] == [("customer", "dana_k"), ("reply", "LumoraHelp")]
    assert [e["kind"] for e in shown["events"]] == ["opened", "reply"]


def test_assign_comment_and_resolve(config_file):
    case_id = str(listed(config_file, "--source", "reddit")[0]["id"])
    assert "assigned to sam" in run(config_file, "assign", case_id, "sam").output
    assert listed(config_file, "--assignee", "sam")[0]["state"] == "assigned"
    assert run(config_file, "comment", case_id, "asked for the order number").exit_code == 0
    assert run(config_file, "resolve", case_id, "-m", "app fixed in 4.2").exit_code == 0
    assert [c["author"] for c in listed(config_file)] == ["dana_k"]
    assert [c["state"] for c in listed(config_file, "--all")] == ["resolved", "waiting"]
    shown = json.loads(run(config_file, "show", case_id, "--json").output)
    assert [(e["kind"], e["note"]) for e in shown["events"]][1:] == [
        ("assigned", "sam"), ("comment", "asked for the order number"), ("resolved", "app fixed in 4.2")]


def test_wrong_input_ends_with_one_clear_line(config_file):
    missing = run(config_file, "show", "999")
    assert missing.exit_code == 1 and "no case 999" in missing.output
    bad_state = run(config_file, "list", "--state", "closed")
    assert bad_state.exit_code == 2 and "unknown state(s) closed" in bad_state.output
    assert run(config_file, "resolve", "1").exit_code == 0
    twice = run(config_file, "resolve", "1")
    assert twice.exit_code == 1 and "case 1 is already resolved" in twice.output


def test_stats_give_response_rate_and_times_per_source(config_file):
    result = run(config_file, "stats", "--json", "--by", "source")
    rows = {row["group"]: row for row in json.loads(result.output)}
    assert rows["x"]["response_rate"] == 1.0 and rows["x"]["median_first_response_s"] == 3600.0
    assert rows["x"]["within_sla"] == 1.0  # answered after 1 h, target 24 h
    assert rows["reddit"]["answered"] == 0 and rows["reddit"]["within_sla"] is None  # still inside its 24 h
    table = run(config_file, "stats", "--by", "none").output
    assert "50%" in table and "1.0h" in table
