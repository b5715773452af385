"""What all listeners share: the registry, retries, budgets, HTML reduction."""

from __future__ import annotations

import logging
import random
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from brandpulse import listeners
from brandpulse.listeners import SOURCES, InMemoryReadBudget, ReadBudget, create_listener
from brandpulse.listeners.base import Failure, Retrier, SourceSettings, parse_time
from brandpulse.listeners.errors import AuthError, RateLimited, SourceUnavailable
from brandpulse.listeners.records import BatchStats
from brandpulse.listeners.text import html_to_text
from tests.support.clock import ManualClock


def test_registry_names_every_source_and_validates_settings():
    assert set(SOURCES) == {"x", "reddit", "bluesky", "mastodon", "hackernews", "rss", "replay"}
    for name, spec in SOURCES.items():
        model = spec.settings_model
        assert issubclass(model, SourceSettings) and callable(spec.create), name
        assert "interval" in model.model_fields and "max_pages" in model.model_fields
    with pytest.raises(ValidationError):
        SOURCES["x"].settings({"bearer_tokn": "typo"})
    x = SOURCES["x"].settings({"bearer_token": "s3cret", "credential_env": {"bearer_token": "MY_X"}})
    assert x.bearer_token.get_secret_value() == "s3cret" and "s3cret" not in repr(x)
    assert x.env_var("bearer_token") == "MY_X" and SOURCES["x"].settings({}).env_var("bearer_token") == "X_BEARER_TOKEN"
    with pytest.raises(ValueError, match="unknown source"):
        create_listener("myspace", {})


def test_every_listener_can_be_built_without_network_or_credentials(tmp_path):
    for name, spec in SOURCES.items():
        data = {"path": str(tmp_path / "s.jsonl")} if name == "replay" else {}
        listener = spec.create(spec.settings(data), base_url="http://127.0.0.1:9", clock=lambda: datetime.now(UTC),
                               sleep=lambda s: None, budget=InMemoryReadBudget(10))
        assert listener.source == name


class Boom(Exception):
    pass


def retrier(**overrides):
    clock = ManualClock(datetime(2025, 1, 1, tzinfo=UTC))
    settings = SourceSettings(**overrides)
    return Retrier("t", settings, clock=clock, sleep=clock.sleep, log=logging.getLogger("listeners.t"),
                   rng=random.Random(7)), clock


def failing(times, failure):
    state = {"n": 0}

    def call():
        state["n"] += 1
        if state["n"] <= times:
            raise Boom()
        return "ok"

    return call, (lambda exc: failure if isinstance(exc, Boom) else None), state


def test_backoff_is_exponential_jittered_and_capped():
    r, clock = retrier(max_retries=6, backoff_base=timedelta(seconds=1), backoff_max=timedelta(seconds=8),
                       max_wait=timedelta(seconds=1000))
    call, classify, _ = failing(6, Failure("server", "503"))
    stats = BatchStats()
    assert r.call("op", call, classify, stats) == "ok"
    assert stats.calls == 7 and stats.errors == 6
    ceilings = [1, 2, 4, 8, 8, 8]
    assert all(c / 2 <= s <= c for s, c in zip(clock.sleeps, ceilings, strict=True))


def test_retries_and_total_wait_are_bounded():
    r, clock = retrier(max_retries=3)
    call, classify, state = failing(100, Failure("network", "reset"))
    with pytest.raises(SourceUnavailable):
        r.call("op", call, classify, BatchStats())
    assert state["n"] == 4
    r, clock = retrier(max_retries=100, backoff_base=timedelta(seconds=10), backoff_max=timedelta(seconds=10),
                       max_wait=timedelta(seconds=35))
    call, classify, state = failing(100, Failure("rate", "429", retry_after=10))
    with pytest.raises(RateLimited):
        r.call("op", call, classify, BatchStats())
    assert sum(clock.sleeps) <= 35 and state["n"] == 4


def test_auth_and_unknown_errors_are_not_retried():
    r, clock = retrier()
    call, classify, _ = failing(1, Failure("auth", "401", env_vars=("TOKEN_VAR",)))
    with pytest.raises(AuthError, match="TOKEN_VAR"):
        r.call("op", call, classify, BatchStats())
    call, _, _ = failing(1, None)
    with pytest.raises(Boom):
        r.call("op", call, lambda exc: None, BatchStats())
    assert clock.sleeps == []


def test_read_budget():
    budget = InMemoryReadBudget(cap=10)
    assert isinstance(budget, ReadBudget) and budget.remaining() == 10
    budget.spend(4)
    assert budget.remaining() == 6
    budget.spend(20)
    assert budget.remaining() == 0
    assert InMemoryReadBudget(None).remaining() is None
    with pytest.raises(ValueError):
        budget.spend(-1)


@pytest.mark.parametrize(("markup", "text"), [
    ("<p>Hello <b>world</b> &amp; co</p><p>Second</p>", "Hello world & co\nSecond"),
    ("<script>alert(1)</script><style>p{}</style>Safe", "Safe"),
    ("line<br>break<br/>again", "line\nbreak\nagain"),
    ("plain & simple < text", "plain & simple < text"),
    ("caf&eacute; &#8364;5 &#x1F600;", "café €5 😀"),
    ("<div><p>unclosed <i>tags", "unclosed tags"),
    ("<p>a</p>\n\n\n<p>b</p>", "a\nb"),
    ("", ""),
    (None, ""),
    ("<a href='x'>link</a> text <!-- comment -->", "link text"),
])
def test_html_to_text(markup, text):
    assert html_to_text(markup) == text


def test_parse_time_forms():
    expected = datetime(2025, 3, 10, 12, tzinfo=UTC)
    for value in ("2025-03-10T12:00:00Z", "2025-03-10T14:00:00+02:00", "2025-03-10T12:00:00",
                  1741608000, "1741608000", "Mon, 10 Mar 2025 12:00:00 GMT", expected.replace(tzinfo=None)):
        assert parse_time(value) == expected, value
    for bad in ("", "soon", None, True):
        with pytest.raises((ValueError, TypeError)):
            parse_time(bad)


def test_package_exports_the_contract():
    for name in ("AuthError", "RateLimited", "SourceUnavailable", "ListenerError", "ReadBudget",
                 "InMemoryReadBudget", "BrandQuery", "Mention", "Batch", "Cursor", "SOURCES"):
        assert hasattr(listeners, name), name
    assert issubclass(AuthError, listeners.ListenerError) and issubclass(RateLimited, listeners.ListenerError)
