"""Fixtures for the sentiment tests.

The base model (about 465 MB) is materialised once per machine into a shared cache: `$BRANDPULSE_CACHE`
when set, else the pytest cache folder (`.pytest_cache/d/brandpulse`). The first session pays about
15 s for it; later sessions only verify checksums.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def bp_cache(request) -> Path:
    env = os.environ.get("BRANDPULSE_CACHE")
    return Path(env) if env else Path(request.config.cache.mkdir("brandpulse"))


@pytest.fixture(scope="session")
def base_model(bp_cache) -> Path:
    from brandpulse.sentiment.base import materialize_base

    return materialize_base(bp_cache)


@pytest.fixture(scope="session")
def scorer(bp_cache, base_model):
    from brandpulse.sentiment import load_scorer

    return load_scorer(cache_dir=bp_cache)


@pytest.fixture(scope="session")
def data_root() -> Path:
    from brandpulse.sentiment.data import DataNotFound, resolve_data_root

    try:
        return resolve_data_root()
    except DataNotFound as missing:
        pytest.skip(str(missing))
