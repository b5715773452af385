"""Fixtures for the application tests: config files written per test, with a replay source, and a
local HTTP receiver (`http_server`, shared with the alerts tests) that records what it is sent."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from brandpulse.config import load_config
from brandpulse.runtime import Runtime
from brandpulse.sentiment.records import Scorer
from tests.alerts.conftest import http_server  # noqa: F401 (a fixture: a webhook receiver on 127.0.0.1)

START = datetime(2026, 3, 2, tzinfo=UTC)


def write_stream(path: Path, count: int, *, brand: str = "Lumora", every: timedelta = timedelta(minutes=10),
                 text: Callable[[int], str] = lambda i: f"Lumora Halo note number {i}") -> Path:
    lines = [json.dumps({"source": "x", "external_id": str(1000 + i), "text": text(i), "brand": brand,
                         "created_at": (START + i * every).isoformat(), "author_handle": f"user{i % 7}",
                         "author_reach": 100 + i}) for i in range(count)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def make_runtime(tmp_path, database_url):
    """A runtime over a config with a replay source reading `stream`, on the test's database."""
    opened: list[Runtime] = []

    def make(stream: Path, *, page_size: int = 5, clock=None, extra: str = "", brand: str = "",
             scorer: Scorer | None = None) -> Runtime:
        config_path = tmp_path / "brandpulse.yaml"
        config_path.write_text(textwrap.dedent(f"""\
            database: {database_url}
            brands:
              - name: Lumora
                terms: [Lumora]
                {brand}
            sources:
              replay:
                path: {stream}
                page_size: {page_size}
            """) + textwrap.dedent(extra), encoding="utf-8")
        runtime = Runtime.open(load_config(config_path), **({"clock": clock} if clock else {}),
                               **({"_scorer": scorer} if scorer else {}))
        opened.append(runtime)
        return runtime

    yield make
    for runtime in opened:
        runtime.close()
