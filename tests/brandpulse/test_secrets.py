"""A value that came from a `${VAR}` reference is a secret wherever it is written: not only the
credential fields, but e.g. a key inside a feed URL. It never appears in the logs, in what a
command prints, or in what the database keeps of a failure."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator

import pytest
from sqlalchemy import MetaData, select
from typer.testing import CliRunner

from brandpulse.cli import app
from brandpulse.cli.core import EXIT_ALL_SOURCES_FAILED
from brandpulse.config import load_config, secret_values
from brandpulse.logs import Redactor
from brandpulse.storage.engine import create_database_engine
from tests.support.http import QuietHandler, loopback_server

FEED_KEY = "feedkey-5f3a9c17"


@pytest.fixture
def failing_feed() -> Iterator[tuple[str, list[str]]]:
    """A feed server on 127.0.0.1 that answers every request with a 500; yields its address and the
    paths it was asked for."""
    asked: list[str] = []

    class Handler(QuietHandler):
        def do_GET(self) -> None:
            asked.append(self.path)
            self.answer(500)

    with loopback_server(Handler) as url:
        yield url, asked


def write_config(tmp_path, database_url: str, feed: str):
    path = tmp_path / "brandpulse.yaml"
    path.write_text(textwrap.dedent(f"""\
        database: {database_url}
        brands:
          - name: Lumora
            terms: [Lumora]
        sources:
          rss:
            max_retries: 0
            feeds:
              - "{feed}/feed?key=${{FEEDKEY}}"
        """), encoding="utf-8")
    return path


def test_a_value_from_an_env_reference_is_a_secret_in_any_field(tmp_path, monkeypatch):
    monkeypatch.setenv("FEEDKEY", FEED_KEY)
    config = load_config(write_config(tmp_path, "sqlite:///brandpulse.db", "https://feeds.example"))
    [feed] = config.sources["rss"].settings.feeds
    assert feed == f"https://feeds.example/feed?key={FEED_KEY}"  # the listener gets the real key
    assert FEED_KEY in secret_values(config)
    redact = Redactor(secret_values(config))
    assert redact(f"feed {feed} failed") == "feed https://feeds.example/feed?key=*** failed"
    assert redact.tree({"errors": 1, "failures": [f"Lumora: {feed}: HTTP 500"]}) == {
        "errors": 1, "failures": ["Lumora: https://feeds.example/feed?key=***: HTTP 500"]}


def collect_once(tmp_path, database_url, monkeypatch, feed: str):
    monkeypatch.setenv("FEEDKEY", FEED_KEY)
    config = write_config(tmp_path, database_url, feed)
    return CliRunner().invoke(app, ["-c", str(config), "collect", "--once"], catch_exceptions=False)


def test_a_failing_feed_is_reported_without_its_key(tmp_path, database_url, monkeypatch, failing_feed):
    address, asked = failing_feed
    result = collect_once(tmp_path, database_url, monkeypatch, address)
    assert asked == [f"/feed?key={FEED_KEY}"]  # the feed was asked, with the key
    assert result.exit_code == EXIT_ALL_SOURCES_FAILED, result.output
    output = " ".join(result.output.split())
    assert "rss: Lumora: rss: all 1 feed(s) failed" in output  # the failure is told...
    assert "/feed?key=***" in output
    assert FEED_KEY not in result.output  # ...without the key, in the printed lines and in the logs


def test_a_failing_feed_leaves_its_key_nowhere_in_the_database(tmp_path, database_url, monkeypatch, failing_feed):
    address, _ = failing_feed
    collect_once(tmp_path, database_url, monkeypatch, address)
    engine = create_database_engine(database_url)
    tables = MetaData()
    tables.reflect(engine)
    with engine.connect() as connection:
        stored = [(table.name, row) for table in tables.sorted_tables for row in connection.execute(select(table))]
    engine.dispose()
    assert any(name == "job_runs" and "feed(s) failed" in str(row) for name, row in stored)
    assert [(name, row) for name, row in stored if FEED_KEY in str(row)] == []
