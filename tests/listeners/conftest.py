"""Fixtures for the listener tests: a loopback HTTP server and a fake clock.

No test here touches the internet: every client library is pointed at `server.url` (127.0.0.1).
"""

from __future__ import annotations

import socket
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

# The helpers sit next to the tests; make them importable whatever pytest's import mode is.
sys.path.insert(0, str(Path(__file__).parent))

from listeners_testkit import serving

from tests.support.clock import ManualClock


@pytest.fixture
def server():
    with serving() as srv:
        yield srv


@pytest.fixture
def clock():
    return ManualClock(datetime(2025, 3, 10, 12, 0, tzinfo=UTC))


@pytest.fixture(autouse=True)
def _no_internet(monkeypatch):
    """Refuse any connection that is not to the loopback interface."""
    real_connect = socket.socket.connect

    def guarded(self, address):
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and host not in ("127.0.0.1", "localhost", "::1") and not host.startswith("/"):
            raise OSError(f"test tried to reach {host}; the listener tests never touch the internet")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)
    monkeypatch.setenv("NO_PROXY", "*")
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
