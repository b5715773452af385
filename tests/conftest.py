"""Fixtures shared by the whole suite. Package-specific fixtures live in each folder's conftest.

`database_url` runs a test on both engines: a fresh SQLite file and a fresh database in a
throwaway PostgreSQL cluster started once per session. Set BRANDPULSE_TEST_ENGINES=sqlite to
run on SQLite alone (e.g. on a machine without PostgreSQL's binaries).
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import postgres

ENGINES = os.environ.get("BRANDPULSE_TEST_ENGINES", "sqlite,postgresql").split(",")
_database_numbers = itertools.count()

# The development data (docs/development-data.md) that model-quality and benchmark tests read: where
# BRANDPULSE_DATA points, else this project's CI layout (../shared/data beside the checkout). Tests that
# need it skip, saying so, without it.
_CI_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
if not os.environ.get("BRANDPULSE_DATA") and _CI_DATA.is_dir():
    os.environ["BRANDPULSE_DATA"] = str(_CI_DATA)


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[postgres.PostgresCluster]:
    if not postgres.available():
        pytest.fail("PostgreSQL binaries are missing: run scripts/setup (or set BRANDPULSE_TEST_ENGINES=sqlite)")
    cluster = postgres.PostgresCluster().start()
    yield cluster
    cluster.destroy()


@pytest.fixture(params=ENGINES)
def database_url(request: pytest.FixtureRequest, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'brandpulse.db'}"
    cluster = request.getfixturevalue("postgres_cluster")
    return cluster.create_database(f"test_{next(_database_numbers)}")


@pytest.fixture
def postgres_url(request: pytest.FixtureRequest) -> str:
    """A fresh database in the session's throwaway PostgreSQL cluster, for tests that need a server
    (advisory locks, several processes): skipped when BRANDPULSE_TEST_ENGINES leaves PostgreSQL out."""
    if "postgresql" not in ENGINES:
        pytest.skip("PostgreSQL disabled by BRANDPULSE_TEST_ENGINES")
    cluster = request.getfixturevalue("postgres_cluster")
    return cluster.create_database(f"server_{next(_database_numbers)}")
