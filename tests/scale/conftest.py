"""Fixtures of the scale-out proofs: PostgreSQL-only databases and a process launcher."""

from __future__ import annotations

import itertools
import os

import pytest

from tests.conftest import ENGINES

_numbers = itertools.count()


@pytest.fixture
def postgres_url(request: pytest.FixtureRequest) -> str:
    """A fresh database in the session's throwaway PostgreSQL cluster (these proofs need a server)."""
    if "postgresql" not in ENGINES:
        pytest.skip("PostgreSQL disabled by BRANDPULSE_TEST_ENGINES")
    cluster = request.getfixturevalue("postgres_cluster")
    return cluster.create_database(f"scale_{os.getpid()}_{next(_numbers)}")
