"""Real `brandpulse` processes for the scale proofs: configs, a replayed stream, start/kill/restart,
and the invariants checked with SQL at the end."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, func, select
from sqlalchemy.engine import make_url

from brandpulse.sentiment.standin import MODEL_ID, StandInScorer
from brandpulse.storage.leader import advisory_key
from brandpulse.storage.schema import cursors, mention_brands, mentions, scoring_queue, sentiments
from tests.scale.standin import LEDGER_ENV
from tests.support.postgres import PostgresCluster

ROOT = Path(__file__).resolve().parents[2]
BRAND = "Lumora"
WORDS = ["love", "great", "awful", "broken", "refund", "fine", "okay", "fast", "slow", "hate"]


def write_stream(path: Path, count: int, *, start: datetime, span: timedelta) -> list[dict]:
    """`count` mentions of the brand, published evenly over [start, start + span) as the replay
    source sees the clock reach them."""
    step = span / count
    records = [{"source": "x", "external_id": f"post-{i:05d}", "brand": BRAND,
                "text": f"{BRAND} is {WORDS[i % len(WORDS)]} and {WORDS[(i * 7) % len(WORDS)]} #{i}",
                "created_at": (start + i * step).isoformat(), "author_handle": f"user{i % 13}",
                "language": "en"}  # known: the proofs measure the database, not language detection
               for i in range(count)]
    path.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")
    return records


def write_config(path: Path, database_url: str, *, stream: Path, name: str, collect_every: str = "1s",
                 schedule: str = "1s", batch_size: int = 16) -> Path:
    """A config for one process; its database sessions carry `name` as their application_name."""
    url = make_url(database_url)
    if url.get_backend_name() == "postgresql":
        url = url.update_query_dict({"application_name": name})
    path.write_text(textwrap.dedent(f"""\
        database: {url.render_as_string(hide_password=False)}
        model: standin
        brands:
          - name: {BRAND}
            terms: [{BRAND}]
        sources:
          replay:
            path: {stream}
            page_size: 40
            interval: {collect_every}
        schedule:
          score: {schedule}
          evaluate: {schedule}
          send: {schedule}
          score_batch_size: {batch_size}
        """), encoding="utf-8")
    return path


@dataclass
class Process:
    name: str
    args: list[str]
    log: Path
    env: dict[str, str]
    popen: subprocess.Popen | None = None
    starts: int = 0
    killed: set[int] = field(default_factory=set)  # the starts that ended by SIGKILL

    def ledger(self, start: int) -> Path:
        """Where start number `start` of this process logs the batches its stand-in scorer scored."""
        return self.log.with_name(f"{self.name}.{start}.ledger.jsonl")

    def start(self) -> Process:
        self.starts += 1
        handle = self.log.open("a", encoding="utf-8")
        handle.write(f"\n===== start {self.starts} at {datetime.now(UTC).isoformat()}\n")
        handle.flush()
        self.popen = subprocess.Popen([sys.executable, "-m", "tests.scale.launch", *self.args], cwd=ROOT,
                                      env={**self.env, LEDGER_ENV: str(self.ledger(self.starts))},
                                      stdout=handle, stderr=subprocess.STDOUT)
        handle.close()
        return self

    @property
    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def kill(self) -> None:
        """SIGKILL: no handler runs, no transaction commits, no lock is released by the process."""
        if self.alive:
            self.popen.send_signal(signal.SIGKILL)
            self.popen.wait()
            self.killed.add(self.starts)

    def terminate(self, timeout: float = 30, *, signal_sent: bool = False) -> int:
        """SIGTERM (once: a second one during interpreter shutdown would kill) and wait for the exit
        status; the process finishes its batch, commits and exits."""
        if self.popen is None:
            return 0
        if self.alive and not signal_sent:
            self.popen.send_signal(signal.SIGTERM)
        try:
            return self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait()
            raise AssertionError(f"{self.name} did not stop within {timeout}s of SIGTERM:\n{self.tail()}") from None

    def ready(self, marker: str) -> bool:
        """Whether the current run has logged `marker` (e.g. "worker started"): signal handlers are in place."""
        text = self.log.read_text(encoding="utf-8", errors="replace")
        return marker in text.rsplit("===== start", 1)[-1]

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])


@dataclass
class Fleet:
    """The processes of one proof, each with its own config (application_name) and log."""

    workdir: Path
    database_url: str
    stream: Path
    processes: dict[str, Process] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)

    def add(self, name: str, *command: str, **config: str) -> Process:
        path = write_config(self.workdir / f"{name}.yaml", self.database_url, stream=self.stream, name=name,
                            **config)
        environment = {**os.environ, "PYTHONPATH": str(ROOT), "BRANDPULSE_CACHE": str(self.workdir / "cache"),
                       **self.env}
        process = Process(name, ["-c", str(path), *command], self.workdir / f"{name}.log", environment)
        self.processes[name] = process
        return process

    def start_all(self) -> None:
        for process in self.processes.values():
            process.start()

    def stop_all(self) -> dict[str, int]:
        for process in self.processes.values():
            if process.alive:
                process.popen.send_signal(signal.SIGTERM)
        return {name: process.terminate(signal_sent=True) for name, process in self.processes.items()}

    def kill_all(self) -> None:
        for process in self.processes.values():
            process.kill()

    def logs(self) -> str:
        return "\n".join(f"--- {name}\n{process.tail()}" for name, process in self.processes.items())


def wait_for(condition: Callable[[], bool], timeout: float, what: str, fleet: Fleet | None = None,
             every: float = 0.2) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if condition():
                return
        except Exception:  # the database may be restarting
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}\n{fleet.logs() if fleet else ''}")
        time.sleep(every)


def lock_holders(cluster: PostgresCluster, database: str, name: str) -> list[str]:
    """The application names of the sessions holding the advisory lock `name` (storage.leader)."""
    key = advisory_key(name) & 0xFFFFFFFFFFFFFFFF
    with cluster.connect(database) as connection:
        rows = connection.execute(
            "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = %s AND l.objid = %s AND l.objsubid = 1",
            (key >> 32, key & 0xFFFFFFFF)).fetchall()
    return sorted(row[0] for row in rows)


def counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
                for table in (mentions, mention_brands, sentiments, scoring_queue)}


def check_invariants(engine: Engine, records: list[dict]) -> None:
    """Nothing lost, nothing doubled, every score present and right, the cursor at the end. (A score
    cannot be stored twice: the unique key forbids it. Whether one was computed twice is what
    `check_work_done_once` proves.)"""
    with engine.connect() as connection:
        stored = connection.execute(select(mentions.c.id, mentions.c.external_id, mentions.c.text)).all()
        scores = connection.execute(select(sentiments.c.mention_id, sentiments.c.model_id, sentiments.c.label,
                                           sentiments.c.score)).all()
        links = connection.execute(select(mention_brands.c.mention_id)).scalars().all()
        queued = connection.execute(select(func.count()).select_from(scoring_queue)).scalar_one()
        cursor = connection.execute(select(cursors.c.value).where(cursors.c.source == "replay",
                                                                  cursors.c.brand == BRAND)).scalar_one()
    expected = {record["external_id"]: record for record in records}
    ids = [row.external_id for row in stored]
    assert len(ids) == len(set(ids)), "a mention was stored twice"
    assert set(ids) == set(expected), f"lost: {sorted(set(expected) - set(ids))[:10]}"
    assert sorted(links) == sorted(row.id for row in stored), "brand links lost or doubled"
    per_mention: dict[int, list] = {}
    for score in scores:
        per_mention.setdefault(score.mention_id, []).append(score)
    assert set(per_mention) == {row.id for row in stored}, "a mention has no score"
    assert all(rows[0].model_id == MODEL_ID for rows in per_mention.values()), "a score from another model"
    reference = StandInScorer(delay=0)
    by_id = {row.id: row for row in stored}
    for mention_id, (score,) in per_mention.items():
        truth = reference.score([by_id[mention_id].text])[0]
        assert (score.label, round(score.score, 9)) == (truth.label, round(truth.score, 9))
    assert queued == 0, "the scoring queue keeps scored mentions"
    last = max(records, key=lambda record: (record["created_at"], record["external_id"]))
    assert cursor["pos"] == len(records)
    assert cursor["last"][1] == last["external_id"]
    assert datetime.fromisoformat(cursor["last"][0]) == datetime.fromisoformat(last["created_at"])


def check_work_done_once(fleet: Fleet, records: list[dict]) -> None:
    """No mention was scored twice, except where a SIGKILL explains it.

    The database cannot show this (a second save of a score is ignored by the unique key), so the
    stand-in scorer's ledger does: every batch each process start scored, written before the save.
    A killed start may have scored one batch whose transaction never committed (its last); that
    batch's mentions went back to the queue and were scored again, legitimately. Every other
    scoring must be the only one of its mention: a second one is work done twice by live workers
    (two claims of one mention, or a committed batch claimed again).
    """
    texts = {record["text"] for record in records}
    scorings: dict[str, list[bool]] = {}  # text -> for each time it was scored: may a crash explain it?
    for process in fleet.processes.values():
        for start in range(1, process.starts + 1):
            path = process.ledger(start)
            batches = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
                       if line.endswith("}")] if path.exists() else []  # a SIGKILL may cut the last line
            for batch in batches:
                excused = start in process.killed and batch is batches[-1]
                for text in batch["texts"]:
                    scorings.setdefault(text, []).append(excused)
    assert set(scorings) == texts, f"the ledgers miss {len(texts - set(scorings))} scored mentions"
    twice = {text: times for text, times in scorings.items() if times.count(False) > 1}
    assert not twice, f"{len(twice)} mentions scored more than once by live workers, e.g. {next(iter(twice))!r}"
