"""The crash proof's "no work done twice" check reads the scorers' ledgers: a mention scored again
after a SIGKILL rolled its batch back is expected; one scored twice by live workers is a failure."""

from __future__ import annotations

import json

import pytest

from tests.scale.fleet import Fleet, check_work_done_once

RECORDS = [{"text": f"Lumora #{i}"} for i in range(6)]


def fleet_with_ledgers(tmp_path, ledgers: dict[str, list[list[list[int]]]], killed: dict[str, set[int]]) -> Fleet:
    """Scorers whose starts scored the given batches (mention numbers); `killed`: the SIGKILLed starts."""
    fleet = Fleet(tmp_path, "sqlite://", tmp_path / "stream.jsonl")
    for name, starts in ledgers.items():
        process = fleet.add(name, "worker", "--role", "score")
        process.starts, process.killed = len(starts), killed.get(name, set())
        for start, batches in enumerate(starts, 1):
            process.ledger(start).write_text("".join(
                json.dumps({"batch": n, "texts": [RECORDS[i]["text"] for i in batch]}) + "\n"
                for n, batch in enumerate(batches, 1)), encoding="utf-8")
    return fleet


def test_a_batch_rolled_back_by_a_kill_may_be_scored_again(tmp_path):
    fleet = fleet_with_ledgers(tmp_path, {
        "scorer1": [[[0, 1], [2, 3]], [[4, 5]]],   # start 1 killed while scoring 2 and 3
        "scorer2": [[[2, 3]]],                     # which went back to the queue
    }, killed={"scorer1": {1}})
    check_work_done_once(fleet, RECORDS)


def test_a_mention_scored_twice_by_live_workers_fails_the_proof(tmp_path):
    fleet = fleet_with_ledgers(tmp_path, {
        "scorer1": [[[0, 1], [2, 3], [4, 5]]],
        "scorer2": [[[2]]],                        # claimed a mention scorer1 held: two claims of one row
    }, killed={})
    with pytest.raises(AssertionError, match="scored more than once by live workers"):
        check_work_done_once(fleet, RECORDS)


def test_only_the_last_batch_of_a_killed_start_is_excused(tmp_path):
    fleet = fleet_with_ledgers(tmp_path, {
        "scorer1": [[[0, 1], [2, 3]]],             # killed in batch 2: batch 1 had committed
        "scorer2": [[[0, 1, 2, 3], [4, 5]]],       # so scoring 0 and 1 again is work done twice
    }, killed={"scorer1": {1}})
    with pytest.raises(AssertionError, match="2 mentions scored more than once"):
        check_work_done_once(fleet, RECORDS)
