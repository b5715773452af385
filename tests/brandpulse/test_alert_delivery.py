"""An alert's whole life through the database, on SQLite and PostgreSQL: a complaint spike is
collected, scored and evaluated, the alert fires, the outbox delivers it to a webhook (a real HTTP
server on 127.0.0.1), the mentions return to normal and the resolution is delivered, each exactly
once, however often the jobs run. Every tick opens a fresh runtime, as a restarted process would:
the alert book, the routing state and the outbox carry everything from one tick to the next."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import text

from brandpulse import jobs
from brandpulse.sentiment.standin import StandInScorer
from brandpulse.storage.alert_store import SqlOutbox, load_alert_book, load_routing_state, lock_alert_state
from brandpulse.storage.engine import open_database
from tests.brandpulse.conftest import START

#: Three calm days (four mentions an hour, one of them negative), then an hour with 30 more complaints.
SPIKE = START + timedelta(days=3)


def write_calm_days_and_a_spike(path: Path) -> None:
    records = [(START + i * timedelta(minutes=15), "Lumora Halo is awful" if i % 4 == 0 else "Lumora Halo arrived")
               for i in range(4 * (24 * 3 + 4))]
    records += [(SPIKE + i * timedelta(minutes=2), "Lumora Halo broke, awful") for i in range(30)]
    path.write_text("".join(json.dumps({"source": "x", "external_id": str(1000 + i), "text": words, "brand": "Lumora",
                                        "created_at": moment.isoformat(), "author_handle": f"user{i % 7}",
                                        "author_reach": 10})
                            + "\n" for i, (moment, words) in enumerate(records)), encoding="utf-8")


def alerts_config(receiver_url: str) -> str:
    return f"""\
        alerts:
          bucket: 1h
          rules:
            - name: NegativeSpike
              metric: negative
              for: 0s
          route:
            receiver: team
            group_by: [alertname, brand]
            group_wait: 0s
            group_interval: 1m
            repeat_interval: 4h
          receivers:
            - name: team
              webhook:
                url: {receiver_url}
        """


def test_a_spike_fires_and_resolves_and_each_is_delivered_exactly_once(tmp_path, database_url, make_runtime,
                                                                        http_server):
    stream = tmp_path / "stream.jsonl"
    write_calm_days_and_a_spike(stream)
    engine = open_database(database_url)  # to look at what the ticks stored

    def tick(now: datetime) -> None:
        """What the scheduler does each tick, in a process started afresh."""
        runtime = make_runtime(stream, page_size=500, clock=lambda: now, scorer=StandInScorer(),
                               extra=alerts_config(f"{http_server.url}/hook"))
        jobs.collect(runtime, "replay")
        jobs.score(runtime)
        jobs.evaluate(runtime)
        jobs.send(runtime)
        runtime.close()

    def delivered() -> list[tuple[str, str, str]]:
        return [(body["status"], body["alerts"][0]["labels"]["brand"], body["alerts"][0]["fingerprint"])
                for body in (request.json() for request in http_server.requests)]

    tick(SPIKE - timedelta(minutes=59))              # the calm days: nothing to say
    assert delivered() == []

    spike_over = SPIKE + timedelta(hours=1, seconds=30)
    tick(spike_over)                                 # the spike's hour is complete: it fires
    [(status, brand, fingerprint)] = delivered()
    assert (status, brand) == ("firing", "Lumora")
    tick(spike_over + timedelta(minutes=1))          # the same bucket again, and a send: nothing new
    tick(spike_over + timedelta(minutes=20))
    assert len(delivered()) == 1
    with engine.connect() as connection:             # the group remembers it told the receiver
        [group] = load_routing_state(connection).groups.values()
    assert (group.receiver, group.notified_firing, group.last_notified) == ("team", [fingerprint], spike_over)

    calm_again = SPIKE + timedelta(hours=2, seconds=30)
    tick(calm_again)                                 # an ordinary hour: resolved
    assert delivered() == [("firing", "Lumora", fingerprint), ("resolved", "Lumora", fingerprint)]
    tick(calm_again + timedelta(minutes=5))
    tick(calm_again + timedelta(hours=1))            # well past group_interval: still nothing repeated
    assert len(delivered()) == 2

    with engine.connect() as connection:
        [state] = load_alert_book(connection).states.values()
        groups = load_routing_state(connection).groups
    assert (state.fingerprint, state.state, state.labels["brand"]) == (fingerprint, "resolved", "Lumora")
    assert state.fired_at == spike_over and state.resolved_at == calm_again
    assert groups == {}, "a group whose alerts all resolved and were told is dropped"
    items = SqlOutbox(engine).items()
    engine.dispose()
    assert [(item.status, item.attempts, item.payload["status"]) for item in items] == [
        ("sent", 1, "firing"), ("sent", 1, "resolved")]


def test_alert_state_transactions_take_turns_across_connections(database_url):
    """`lock_alert_state` (an advisory lock on PostgreSQL, the write lock on SQLite): a second
    evaluation cannot read the alert state until the first one has committed."""
    engine = open_database(database_url)
    second_has_lock = threading.Event()

    def second_evaluation() -> None:
        with engine.begin() as connection:
            lock_alert_state(connection)
            second_has_lock.set()

    try:
        with engine.begin() as connection:
            lock_alert_state(connection)
            connection.execute(text("SELECT 1"))
            waiting = threading.Thread(target=second_evaluation, daemon=True)
            waiting.start()
            assert not second_has_lock.wait(1.0), "two transactions held the alert-state lock at once"
        assert second_has_lock.wait(10), "the lock was not released by the commit"
        waiting.join(10)
    finally:
        engine.dispose()
