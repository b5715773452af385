"""Named locks: the scheduler's leadership and one collector per source, on both engines."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time

from brandpulse.storage.engine import create_database_engine, open_database
from brandpulse.storage.leader import NamedLock, advisory_key, holding


def test_keys_are_stable_and_distinct():
    assert advisory_key("scheduler") == advisory_key("scheduler")
    assert advisory_key("scheduler") != advisory_key("collect:x")
    assert -(2**63) <= advisory_key("collect:x") < 2**63


def test_one_holder_at_a_time_and_release_hands_over(database_url):
    first, second = open_database(database_url), create_database_engine(database_url)
    try:
        leader, standby = NamedLock(first, "scheduler"), NamedLock(second, "scheduler")
        assert leader.acquire()
        assert leader.acquire()  # re-entrant for the holder
        assert not standby.acquire()
        assert leader.check()
        with holding(second, "collect:x") as held:
            assert held  # another name is another lock
        leader.release()
        assert not leader.held
        assert standby.acquire()
        assert not leader.acquire()
        standby.release()
    finally:
        first.dispose()
        second.dispose()


def test_a_killed_holder_frees_the_lock_at_once(database_url):
    """No lease to expire: the database (or the kernel, for SQLite's file lock) ends the holder's claim."""
    open_database(database_url).dispose()
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import sys, time
        from brandpulse.storage.engine import create_database_engine
        from brandpulse.storage.leader import NamedLock
        lock = NamedLock(create_database_engine({database_url!r}), "scheduler")
        print(lock.acquire(), flush=True)
        time.sleep(60)
    """)], stdout=subprocess.PIPE, text=True)
    engine = create_database_engine(database_url)
    try:
        assert holder.stdout.readline().strip() == "True"
        standby = NamedLock(engine, "scheduler")
        assert not standby.acquire()
        holder.kill()  # SIGKILL: no chance to release anything
        holder.wait()
        deadline = time.monotonic() + 10
        while not standby.acquire():
            assert time.monotonic() < deadline, "the lock was not freed when its holder died"
            time.sleep(0.05)
        standby.release()
    finally:
        holder.kill()
        engine.dispose()


def test_a_holder_whose_session_ends_knows_it_lost_the_lock(postgres_url, postgres_cluster):
    first, second = create_database_engine(postgres_url), create_database_engine(postgres_url)
    try:
        leader, standby = NamedLock(first, "scheduler"), NamedLock(second, "scheduler")
        assert leader.acquire()
        postgres_cluster.terminate_sessions(postgres_url.rsplit("/", 1)[1])
        assert standby.acquire()  # the server released it with the session
        assert not leader.check()  # and the old holder finds out at its next check
        assert not leader.held
        assert not leader.acquire()
        standby.release()
        assert leader.acquire()
        leader.release()
    finally:
        first.dispose()
        second.dispose()
