"""The collect job as production runs it (`jobs.collect`, the scheduler's and `collect --once`'s
path), with real listeners talking to fake APIs on 127.0.0.1: X's filtered stream carrying every
brand on one connection, a failing source next to a working one, a stop while the stream is silent
or while a retry waits, and a leader that loses its lock while its stream runs.
"""

from __future__ import annotations

import re
import textwrap
import threading
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from brandpulse import jobs, service
from brandpulse.config import load_config
from brandpulse.runtime import Runtime
from brandpulse.service import serve
from brandpulse.storage.jobs import last_runs
from brandpulse.storage.mentions import load_cursor
from brandpulse.storage.schema import brands, mention_brands, mentions
from tests.listeners.listeners_testkit import Reply, serving
from tests.listeners.x_fakes import TOKEN, FakeStream, stream_line, tweet

ACME = "brandpulse:Acme:default"
GLOBEX = "brandpulse:Globex:default"
KEEP_ALIVES = [x for _ in range(50) for x in (0.1, b"\r\n")]


@pytest.fixture
def server():
    with serving() as srv:
        yield srv


@pytest.fixture
def runtime_for(tmp_path, database_url, server, monkeypatch):
    """A runtime over a config with brands Acme and Globex and the given sources, whose listeners
    talk to the loopback server."""
    monkeypatch.setenv("X_BEARER_TOKEN", TOKEN)
    opened: list[Runtime] = []

    def make(sources: str, schedule: str = "") -> Runtime:
        config_path = tmp_path / "brandpulse.yaml"
        config_path.write_text(textwrap.dedent(f"""\
            database: {database_url}
            brands:
              - name: Acme
                terms: [acme]
              - name: Globex
                terms: [globex]
            sources:
            """) + textwrap.indent(textwrap.dedent(sources), "  ") + textwrap.dedent(schedule),
                               encoding="utf-8")
        runtime = Runtime.open(load_config(config_path))
        for source in runtime.config.sources.values():
            runtime.listener(source, base_url=server.url)  # created once per process, then reused
        opened.append(runtime)
        return runtime

    yield make
    for runtime in opened:
        runtime.close()


def x_stream(idle: float, flush: float, interval: str = "15m") -> str:
    return f"""\
        x:
          bearer_token: ${{X_BEARER_TOKEN}}
          mode: stream
          interval: {interval}
          stream_idle_timeout: {idle}s
          stream_flush: {flush}s
          stream_stall: 30s
        """


def stored(runtime) -> set[tuple[str, str]]:
    """(brand, external id) of every stored mention."""
    with runtime.engine.connect() as connection:
        return set(connection.execute(
            select(brands.c.name, mentions.c.external_id)
            .join(mention_brands, mention_brands.c.brand_id == brands.c.id)
            .join(mentions, mentions.c.id == mention_brands.c.mention_id)).all())


def cursor(runtime, brand):
    with runtime.engine.connect() as connection:
        return load_cursor(connection, "x", brand, "default")


def runs(runtime):
    with runtime.engine.connect() as connection:
        return {run.job: run for run in last_runs(connection)}


def test_one_stream_connection_collects_every_brand_and_deletes_the_rules_of_removed_brands(runtime_for, server):
    fake = FakeStream(server, rules=[{"id": "gone", "value": "initech -is:retweet",
                                      "tag": "brandpulse:Initech:default"},
                                     {"id": "theirs", "value": "cats", "tag": "another-app"}],
                      replies=[Reply(stream=[stream_line(tweet(1, "my acme phone"), ACME),
                                             stream_line(tweet(2, "globex support is slow"), GLOBEX),
                                             stream_line(tweet(3, "acme beats globex"), ACME, GLOBEX),
                                             *KEEP_ALIVES])])
    runtime = runtime_for(x_stream(idle=0.6, flush=0.2))

    counts = jobs.collect(runtime, "x")

    assert len(fake.connections) == 1  # not one per brand, one after another
    assert fake.deleted == ["gone"]  # Initech left the config: its rule no longer bills us
    assert sorted((r["tag"], r["value"]) for r in fake.rules) == [
        ("another-app", "cats"), (ACME, "acme -is:retweet"), (GLOBEX, "globex -is:retweet")]
    assert stored(runtime) == {("Acme", "1001"), ("Globex", "1002"), ("Acme", "1003"), ("Globex", "1003")}
    assert counts["new"] == 4 and counts["budget_used"] == 3  # the post for both brands is billed once
    assert cursor(runtime, "Acme") == {"since_id": "1003", "walk": None}
    assert cursor(runtime, "Globex") == {"since_id": "1003", "walk": None}
    assert runs(runtime)["collect:x"].status == "ok"


def test_a_source_refusing_its_credentials_does_not_stop_the_others(runtime_for, server):
    server.route("GET", "/2/tweets/search/recent", Reply(401, {"title": "Unauthorized", "status": 401}))
    server.route("GET", "/api/v1/search_by_date", {"hits": [
        {"objectID": "77", "created_at_i": int(datetime.now(UTC).timestamp()) - 60, "title": "Acme ships a phone",
         "_tags": ["story"], "author": "pg"}]})
    runtime = runtime_for("""\
        x:
          bearer_token: ${X_BEARER_TOKEN}
        hackernews: {}
        """)

    counts = {name: jobs.collect(runtime, name) for name in runtime.config.sources}  # as `collect --once` does

    assert counts["x"]["failures"] == [
        "Acme: x: authentication failed; check X_BEARER_TOKEN (HTTP 401: HTTP 401)"]
    assert len(server.calls("/2/tweets/search/recent")) == 1  # Globex would be refused the same way
    assert counts["hackernews"]["new"] == 1 and ("Acme", "77") in stored(runtime)
    recorded = runs(runtime)
    assert recorded["collect:x"].status == "partial" and recorded["collect:x"].counts["errors"] == 1
    assert TOKEN not in str(recorded["collect:x"].counts)
    assert recorded["collect:hackernews"].status == "ok" and recorded["collect:hackernews"].counts["new"] == 1


def test_a_stop_while_the_stream_is_silent_ends_the_service_at_once_and_loses_nothing(runtime_for, server):
    sent = threading.Event()

    def two_posts_then_silence():
        yield stream_line(tweet(1, "acme again"), ACME)
        yield stream_line(tweet(2, "globex again"), GLOBEX)
        sent.set()
        yield 120.0  # not even a keep-alive

    FakeStream(server, replies=[Reply(stream=two_posts_then_silence())])
    runtime = runtime_for(x_stream(idle=300, flush=60, interval="1s"),
                          schedule="schedule:\n  score: 1h\n  evaluate: 1h\n  send: 1h\n")
    service = threading.Thread(target=serve, args=(runtime,), kwargs={"install_signal_handlers": False})
    service.start()
    try:
        assert sent.wait(30), "the collect job never connected to the stream"
        time.sleep(0.5)  # both posts are read and held for the next flush; the stream goes silent
        stopping = time.monotonic()
        runtime.stop.set()  # what SIGTERM does
        service.join(10)
        assert not service.is_alive() and time.monotonic() - stopping < 3
    finally:
        runtime.stop.set()
        service.join(30)
    assert stored(runtime) == {("Acme", "1001"), ("Globex", "1002")}
    assert cursor(runtime, "Acme") == {"since_id": "1001", "walk": None}
    assert cursor(runtime, "Globex") == {"since_id": "1002", "walk": None}
    run = runs(runtime)["collect:x"]
    assert run.status == "interrupted" and run.counts["new"] == 2


def test_a_stop_during_a_long_backoff_ends_the_run_at_once_keeping_what_was_stored(runtime_for, server):
    """Hacker News answers Globex's search with 503s and the retry waits 30 to 60 seconds: a stop
    (SIGTERM) set meanwhile ends the run within a moment, and Acme's mention, stored before, stays."""
    def search(request):
        if request.arg("query") == "globex":
            return Reply(503, {"error": "unavailable"})
        return {"hits": [{"objectID": "77", "created_at_i": int(datetime.now(UTC).timestamp()) - 60,
                          "title": "Acme ships a phone", "_tags": ["story"], "author": "pg"}]}

    server.route("GET", "/api/v1/search_by_date", search)
    runtime = runtime_for("""\
        hackernews:
          backoff_base: 1m
          backoff_max: 2m
        """)
    threading.Timer(0.5, runtime.stop.set).start()  # what SIGTERM does
    started = time.monotonic()

    counts = jobs.collect(runtime, "hackernews")

    assert time.monotonic() - started < 2
    assert len(server.calls("/api/v1/search_by_date")) == 2  # Acme's search, Globex's first attempt
    assert stored(runtime) == {("Acme", "77")}
    assert counts["new"] == 1
    assert counts["errors"] == 0 and "failures" not in counts  # interrupted, not failed
    [note] = counts["notes"]
    waited = re.fullmatch(r"Globex: hackernews: stopped while waiting (\d+)s to retry search_by_date", note)
    assert waited and 30 <= int(waited[1]) <= 60
    assert runs(runtime)["collect:hackernews"].status == "interrupted"


class Leadership:
    """The scheduler lock, held until `lose()`: then another replica holds it (what the leader learns
    when its database session ends, tests/storage/test_leader.py)."""

    def __init__(self) -> None:
        self.lost = threading.Event()
        self.held = False

    def acquire(self) -> bool:
        self.held = not self.lost.is_set()
        return self.held

    def check(self) -> bool:
        self.held = self.held and not self.lost.is_set()
        return self.held

    def release(self) -> None:
        self.held = False


def test_losing_the_leadership_ends_a_running_stream_at_once_and_the_service_stands_by(
        runtime_for, server, monkeypatch):
    """X allows one stream connection per app: when the leader loses the lock, its running stream
    must close before the new leader connects, not at its idle timeout five minutes later."""
    leadership = Leadership()
    monkeypatch.setattr(service, "NamedLock", lambda engine, name: leadership)
    sent = threading.Event()

    def a_post_then_silence():
        yield stream_line(tweet(1, "acme again"), ACME)
        sent.set()
        yield 120.0

    fake = FakeStream(server, replies=[Reply(stream=a_post_then_silence())])
    runtime = runtime_for(x_stream(idle=300, flush=60, interval="1s"),
                          schedule="schedule:\n  score: 1h\n  evaluate: 1h\n  send: 1h\n")
    running = threading.Thread(target=serve, args=(runtime,), kwargs={"install_signal_handlers": False,
                                                                       "heartbeat": 0.1})
    running.start()
    try:
        assert sent.wait(30), "the collect job never connected to the stream"
        time.sleep(0.3)  # the post is read and held for the next flush
        lost = time.monotonic()
        leadership.lost.set()
        while runs(runtime)["collect:x"].status == "running" and time.monotonic() - lost < 10:
            time.sleep(0.05)
        assert time.monotonic() - lost < 2
        time.sleep(1.5)  # the collect job's interval: a standby runs nothing
        assert running.is_alive()  # standing by, ready to lead again
    finally:
        runtime.stop.set()
        running.join(30)
    assert not running.is_alive()
    assert len(fake.connections) == 1
    assert stored(runtime) == {("Acme", "1001")}
    assert cursor(runtime, "Acme") == {"since_id": "1001", "walk": None}
    run = runs(runtime)["collect:x"]
    assert run.status == "interrupted" and run.counts["new"] == 1


def test_a_stream_query_x_refuses_is_listed_among_the_runs_failures(runtime_for, server):
    FakeStream(server, replies=[Reply(stream=[stream_line(tweet(1, "my acme phone"), ACME), *KEEP_ALIVES])])
    runtime = runtime_for(x_stream(idle=0.6, flush=0.2) + "  max_query_length: 17\n")  # globex's rule is 18

    counts = jobs.collect(runtime, "x")

    assert stored(runtime) == {("Acme", "1001")}
    assert len(counts["failures"]) == 1 and counts["failures"][0].startswith("Globex (default): ")
    assert runs(runtime)["collect:x"].status == "partial"


def test_a_mention_without_a_declared_language_gets_the_detectors(runtime_for, server):
    now = int(datetime.now(UTC).timestamp())
    server.route("GET", "/api/v1/search_by_date", {"hits": [
        {"objectID": "77", "created_at_i": now - 60, "title": "Acme ships a phone that everyone wanted to buy",
         "_tags": ["story"], "author": "pg"},
        {"objectID": "78", "created_at_i": now - 90, "title": "Acme lance un nouveau téléphone pour tout le monde",
         "_tags": ["story"], "author": "pg"}]})
    runtime = runtime_for("hackernews: {}\n")

    counts = jobs.collect(runtime, "hackernews")

    with runtime.engine.connect() as connection:
        languages = dict(connection.execute(select(mentions.c.external_id, mentions.c.language)).all())
    assert languages == {"77": "en", "78": "fr"} and counts["languages_detected"] == 2
