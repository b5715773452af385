"""Named locks held by one process at a time: the scheduler's leadership, one collector per source.

PostgreSQL: a session-level advisory lock (`pg_try_advisory_lock`) taken on a connection of its
own, kept out of the pool while held. The server releases it when that session ends, so a process
killed by SIGKILL, or a connection cut by a restart, frees the lock for a standby at once: no lease,
no timer guess. A holder learns that it lost the lock by `check()`, which pings its connection:
after a failed ping it must behave as a non-holder until `acquire()` succeeds again.

SQLite serves one machine: the lock is a `filelock.FileLock` on a file beside the database (an
exclusive OS lock: `flock` on Unix, `msvcrt.locking` on Windows), released when the process dies. An
in-memory database has one process by definition: the lock is always granted.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import threading
from collections.abc import Iterator
from pathlib import Path

from filelock import FileLock, Timeout
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

log = logging.getLogger("brandpulse.storage.leader")


def advisory_key(name: str) -> int:
    """A stable signed 64-bit key for `name` (advisory locks are keyed by bigint)."""
    digest = hashlib.blake2b(f"brandpulse:{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class NamedLock:
    """A non-blocking lock named `name`, shared by every process using the same database.

    Its methods may be called from several threads (the scheduler's jobs check it before running).
    """

    def __init__(self, engine: Engine, name: str) -> None:
        self.engine = engine
        self.name = name
        self.key = advisory_key(name)
        self._connection: Connection | None = None
        self._file: FileLock | None = None
        self._held = False
        self._guard = threading.RLock()

    @property
    def held(self) -> bool:
        return self._held

    def acquire(self) -> bool:
        """Take the lock if it is free; returns whether this process holds it now."""
        with self._guard:
            if self._held:
                return True
            backend = self.engine.dialect.name
            if backend == "postgresql":
                self._held = self._acquire_advisory()
            elif backend == "sqlite":
                self._held = self._acquire_file()
            else:  # pragma: no cover - only SQLite and PostgreSQL are supported
                raise RuntimeError(f"no named locks on {backend}")
            return self._held

    def check(self) -> bool:
        """Whether the lock is still held: on PostgreSQL, a ping of the session that holds it."""
        with self._guard:
            if not self._held or self._connection is None:
                return self._held
            try:
                self._connection.exec_driver_sql("SELECT 1").scalar_one()
            except DBAPIError as error:
                log.warning("lost lock %s: its database session ended (%s)", self.name, _first_line(error))
                self._drop_connection(broken=True)
                self._held = False
            return self._held

    def release(self) -> None:
        """Give the lock up (a no-op when not held); the process may acquire it again later."""
        with self._guard:
            if self._connection is not None:
                try:
                    self._connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
                except DBAPIError:
                    self._drop_connection(broken=True)  # the session, and with it the lock, is gone anyway
                else:
                    self._drop_connection()
            if self._file is not None:
                self._file.release()
                self._file = None
            self._held = False

    def __enter__(self) -> NamedLock:
        self.acquire()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.release()

    # PostgreSQL --------------------------------------------------------------------------------

    def _acquire_advisory(self) -> bool:
        try:
            if self._connection is None:
                # Autocommit: the session holds the lock, and no transaction stays open beside it.
                self._connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            got = self._connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}).scalar_one()
        except DBAPIError as error:
            log.debug("cannot try lock %s: %s", self.name, _first_line(error))
            self._drop_connection(broken=True)
            return False
        if not got:
            self._drop_connection()  # a standby keeps no connection busy between tries
        return bool(got)

    def _drop_connection(self, *, broken: bool = False) -> None:
        """Give the session back to the pool, or discard it when it may still hold the lock or failed."""
        connection, self._connection = self._connection, None
        if connection is None:
            return
        with contextlib.suppress(Exception):
            if broken:
                connection.invalidate()
            connection.close()

    # SQLite ------------------------------------------------------------------------------------

    def _acquire_file(self) -> bool:
        database = self.engine.url.database
        if not database or database == ":memory:":
            return True
        # Not thread-local: the scheduler's threads check and release what the main thread took.
        lock = FileLock(Path(f"{database}.{_safe_name(self.name)}.lock"), thread_local=False)
        try:
            lock.acquire(blocking=False)
        except Timeout:
            return False
        self._file = lock
        return True


def _safe_name(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in name)


def _first_line(error: BaseException) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


@contextlib.contextmanager
def holding(engine: Engine, name: str) -> Iterator[bool]:
    """`with holding(engine, "collect:x") as held:` runs the block with the lock taken if it was free;
    `held` says whether it was. The lock is released when the block ends."""
    lock = NamedLock(engine, name)
    try:
        yield lock.acquire()
    finally:
        lock.release()
