"""The X read budget: posts read per month against a configured cap.

The service implements `ReadBudget` over storage (so the count survives restarts and resets each
month); the X listener checks `remaining()` before every call, asks for no more posts than remain,
stops with a clear log line when the next call could pass the cap, and `spend`s what each call
returned. `InMemoryReadBudget` is the reference implementation, used by the tests and as a fallback.
"""

from __future__ import annotations

import threading
from typing import Protocol, runtime_checkable


@runtime_checkable
class ReadBudget(Protocol):
    """How many more posts may be read this month; `None` means no cap."""

    def remaining(self) -> int | None: ...

    def spend(self, n: int) -> None: ...


class InMemoryReadBudget:
    """A cap and a counter in memory (not persisted: a restart forgets what was spent)."""

    def __init__(self, cap: int | None, used: int = 0) -> None:
        if cap is not None and cap < 0:
            raise ValueError("a read cap cannot be negative")
        self.cap = cap
        self.used = used
        self._lock = threading.Lock()

    def remaining(self) -> int | None:
        if self.cap is None:
            return None
        with self._lock:
            return max(0, self.cap - self.used)

    def spend(self, n: int) -> None:
        if n < 0:
            raise ValueError("cannot spend a negative number of reads")
        with self._lock:
            self.used += n

    def __repr__(self) -> str:
        return f"InMemoryReadBudget(cap={self.cap}, used={self.used})"
