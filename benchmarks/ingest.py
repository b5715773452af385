"""Load benchmark: upsert 1,000,000 mentions (10% of them duplicates) into SQLite and PostgreSQL, then
drain a scoring backlog with 1, 2 and 4 worker processes.

    python -m benchmarks.ingest                                  # the full run
    python -m benchmarks.ingest --count 100000 --backlog 20000   # a quick look
    python -m benchmarks.ingest --count 0 --scorer-delay 0.05    # drain only, with a model's latency

Ingest goes through `storage.mentions.store_mentions`, a transaction per batch (as a collector stores
a page), in a fresh process per engine so that its peak RSS is the ingest's own; peak RSS is read
after a tenth of the mentions and at the end: flat memory means the two agree. "upsert/s", the figure
the target (>= 20,000/s on SQLite) is about, counts every mention offered (duplicates included) over
the time inside `store_mentions` and the commit; "with records/s" adds the time this benchmark spends
building the synthetic `Mention` records (a listener's work in production, not the database's); "per
CPU-s" divides by the ingest process's own CPU time (user + system), what one idle core would give on
a shared machine (for PostgreSQL the server's CPU is not in it). The run fails (exit 1) when SQLite
misses the target or memory grows by more than a quarter between the two readings.

The drain claims batches with `storage.scoring.scoring_batch` (`FOR UPDATE SKIP LOCKED` on
PostgreSQL) and scores them with the stand-in lexicon scorer (`sentiment.standin`) (microseconds per text), so the
database is what is measured, not a model; `--scorer-delay` adds a model's latency (a sleep, not its
CPU) to show how workers overlap. SQLite has one writer and no row locks: its workers take turns
(a lock file beside the database), so they never score the same rows but do not scale ("wasted"
counts work done twice: mentions claimed beyond the backlog).

PostgreSQL is a throwaway cluster (`tests/support/postgres.py`) with fsync off: figures for the
database's work, not for a durable production server.
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import resource
import shutil
import sys
import tempfile
import time
from collections import deque
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

BRANDS = ("Lumora", "Vexon", "Brevio")
SOURCES = ("x", "reddit", "bluesky", "hackernews")
WORDS = ("battery", "screen", "great", "awful", "love", "refund", "fast", "slow", "support", "update", "price",
         "camera", "broken", "works", "finally", "again", "why", "best", "worst", "halo")
RECENT_IDS = 20_000  # duplicates replay ids from this window: the generator's memory is bounded too
SQLITE_TARGET = 20_000  # upserts per second
FLAT_MEMORY = 1.25  # peak RSS at the end over peak RSS after a tenth of the run


def mention_batches(count: int, batch_size: int, *, duplicate_every: int = 10,
                    seed: int = 7) -> Iterator[tuple[str, list]]:
    """(brand, mentions) batches totalling `count` mentions; every `duplicate_every`-th one repeats a
    recently seen (source, external id) of the same brand, as listener replays and overlaps do."""
    from brandpulse.listeners.records import Engagement, Mention

    rng = random.Random(seed)
    texts = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 30))) for _ in range(1009)]
    recent = {brand: deque(maxlen=RECENT_IDS) for brand in BRANDS}
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for number in range(0, count, batch_size):
        brand = BRANDS[(number // batch_size) % len(BRANDS)]
        batch = []
        for index in range(number, min(count, number + batch_size)):
            if index % duplicate_every == duplicate_every - 1 and recent[brand]:
                source, external_id = rng.choice(recent[brand])
            else:
                source, external_id = SOURCES[index % len(SOURCES)], f"{index:09d}"
                recent[brand].append((source, external_id))
            words = texts[index % len(texts)]
            batch.append(Mention(
                source=source, external_id=external_id, text=f"{brand} {words}", brand=brand,
                created_at=start + timedelta(seconds=index * 3), url=f"https://example.com/{source}/{external_id}",
                author_id=str(index % 5000), author_handle=f"user{index % 5000}", author_reach=index % 100_000,
                language="en" if index % 3 else None, matched_query=brand,
                engagement=Engagement(likes=index % 50, reposts=index % 7, replies=index % 11),
                raw={"id": external_id, "text": words, "author": {"id": index % 5000, "followers": index % 100_000},
                     "metrics": {"like_count": index % 50, "retweet_count": index % 7}, "lang": "en"}))
        yield brand, batch


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def ingest(url: str, count: int, batch_size: int) -> dict:
    """Runs in its own process: store `count` mentions into `url`; rates and peak RSS."""
    from brandpulse.storage.engine import open_database
    from brandpulse.storage.mentions import store_mentions

    engine = open_database(url)
    new = duplicates = offered = 0
    store_seconds = 0.0
    rss_tenth = None
    started, cpu_started = time.perf_counter(), cpu_seconds()
    for brand, batch in mention_batches(count, batch_size):
        before = time.perf_counter()
        with engine.begin() as connection:
            stored = store_mentions(connection, brand, batch)
        store_seconds += time.perf_counter() - before
        new += len(stored.new)
        duplicates += stored.duplicates
        offered += len(batch)
        if rss_tenth is None and offered >= count // 10:
            rss_tenth = peak_rss_mb()
    elapsed = time.perf_counter() - started
    cpu = cpu_seconds() - cpu_started
    engine.dispose()
    return {"rate": offered / elapsed, "store_rate": offered / store_seconds, "cpu_rate": offered / cpu,
            "seconds": elapsed,
            "rss_tenth": rss_tenth, "rss_end": peak_rss_mb(), "new": new, "duplicates": duplicates}


def drain_worker(url: str, limit: int, delay: float, ready, go, results) -> None:
    """One scoring worker process: claim, score with the stand-in, save, until the queue is empty."""
    from brandpulse.sentiment.standin import StandInScorer
    from brandpulse.storage.engine import create_database_engine
    from brandpulse.storage.scoring import scoring_batch

    engine = create_database_engine(url)
    scorer = StandInScorer(delay=delay)
    with engine.connect():
        pass  # connected before the clock starts
    ready.release()
    go.wait()
    scored = 0
    while True:
        with scoring_batch(engine, scorer.model_id, limit) as batch:
            if not batch.tasks:
                break
            results_ = scorer.score([task.text for task in batch.tasks])
            batch.scored = [(task.mention_id, result) for task, result in zip(batch.tasks, results_, strict=True)]
        scored += len(batch.scored)
    engine.dispose()
    results.put(scored)


def reset_backlog(url: str) -> None:
    """Every mention back in the queue, unscored; PostgreSQL's statistics and dead rows tidied."""
    from sqlalchemy import text

    from brandpulse.storage.engine import create_database_engine

    engine = create_database_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM sentiments"))
        connection.execute(text("DELETE FROM scoring_queue"))
        connection.execute(text("INSERT INTO scoring_queue (mention_id) SELECT id FROM mentions"))
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
    engine.dispose()


def drain(context, url: str, workers: int, limit: int, delay: float) -> dict:
    from sqlalchemy import func, select

    from brandpulse.storage.engine import create_database_engine
    from brandpulse.storage.schema import scoring_queue, sentiments

    reset_backlog(url)
    engine = create_database_engine(url)
    with engine.connect() as connection:
        backlog = connection.execute(select(func.count()).select_from(scoring_queue)).scalar_one()
    ready, go, results = context.Semaphore(0), context.Event(), context.Queue()
    processes = [context.Process(target=drain_worker, args=(url, limit, delay, ready, go, results))
                 for _ in range(workers)]
    for process in processes:
        process.start()
    for _ in processes:
        ready.acquire()
    started = time.perf_counter()
    go.set()
    claimed = sum(results.get() for _ in processes)
    elapsed = time.perf_counter() - started
    for process in processes:
        process.join()
    with engine.connect() as connection:
        scored = connection.execute(select(func.count()).select_from(sentiments)).scalar_one()
        left = connection.execute(select(func.count()).select_from(scoring_queue)).scalar_one()
    engine.dispose()
    assert scored == backlog and left == 0, f"drain incomplete: {scored} scored of {backlog}, {left} left"
    return {"workers": workers, "rate": backlog / elapsed, "seconds": elapsed,
            "wasted": (claimed - backlog) / backlog}


def load_backlog(url: str, count: int) -> None:
    from brandpulse.storage.engine import open_database
    from brandpulse.storage.mentions import store_mentions

    engine = open_database(url)
    for brand, batch in mention_batches(count, 1000, duplicate_every=count + 1, seed=11):
        with engine.begin() as connection:
            store_mentions(connection, brand, batch)
    engine.dispose()


def ingest_misses(engine: str, result: dict) -> list[str]:
    """The targets an ingest run missed, in words (none: it passed)."""
    misses = []
    if engine == "sqlite" and result["store_rate"] < SQLITE_TARGET:
        misses.append(f"below {SQLITE_TARGET:,}/s")
    if result["rss_tenth"] and result["rss_end"] > FLAT_MEMORY * result["rss_tenth"]:
        misses.append("memory grew")
    return misses


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1_000_000, help="mentions to upsert per engine")
    parser.add_argument("--batch", type=int, default=1000, help="mentions per transaction")
    parser.add_argument("--backlog", type=int, default=50_000, help="mentions in the scoring backlog")
    parser.add_argument("--claim", type=int, default=64, help="mentions per claimed scoring batch")
    parser.add_argument("--workers", default="1,2,4", help="worker counts for the drain")
    parser.add_argument("--scorer-delay", type=float, default=0.0,
                        help="seconds the stand-in scorer sleeps per batch, as a model would take (0: none)")
    parser.add_argument("--engines", default="sqlite,postgresql")
    args = parser.parse_args(argv)
    engines = args.engines.split(",")
    worker_counts = [int(n) for n in args.workers.split(",")]
    context = multiprocessing.get_context("spawn")
    workdir = Path(tempfile.mkdtemp(prefix="brandpulse-bench-"))
    cluster = None
    failed = False
    try:
        urls = {}
        if "sqlite" in engines:
            urls["sqlite"] = (f"sqlite:///{workdir / 'ingest.db'}", f"sqlite:///{workdir / 'backlog.db'}")
        if "postgresql" in engines:
            from tests.support.postgres import PostgresCluster

            cluster = PostgresCluster().start()
            urls["postgresql"] = (cluster.create_database("ingest"), cluster.create_database("backlog"))
        if args.count:
            print(f"Ingest: {args.count:,} mentions (10% duplicates), {args.batch:,} per transaction", flush=True)
            print(f"{'engine':<11} {'upsert/s':>9} {'with records/s':>15} {'per CPU-s':>10} {'seconds':>8} "
                  f"{'peak RSS @10%':>14} {'peak RSS @100%':>15} {'new':>9} {'duplicates':>10}  verdict", flush=True)
            for engine, (ingest_url, _) in urls.items():
                with context.Pool(1) as pool:
                    result = pool.apply(ingest, (ingest_url, args.count, args.batch))
                misses = ingest_misses(engine, result)
                failed |= bool(misses)
                print(f"{engine:<11} {result['store_rate']:>9,.0f} {result['rate']:>15,.0f} "
                      f"{result['cpu_rate']:>10,.0f} {result['seconds']:>8.1f} "
                      f"{result['rss_tenth']:>11.0f} MB {result['rss_end']:>12.0f} MB {result['new']:>9,} "
                      f"{result['duplicates']:>10,}  {'; '.join(misses) or 'ok'}", flush=True)
        if not args.backlog:
            return 1 if failed else 0
        delay = f" sleeping {args.scorer_delay}s per batch" if args.scorer_delay else ""
        print(f"\nScoring drain: {args.backlog:,} mentions, {args.claim} per claim, stand-in scorer{delay}",
              flush=True)
        print(f"{'engine':<11} {'workers':>7} {'mentions/s':>11} {'seconds':>8} {'scaling':>8} {'wasted':>7}",
              flush=True)
        for engine, (_, backlog_url) in urls.items():
            load_backlog(backlog_url, args.backlog)
            base = None
            for workers in worker_counts:
                result = drain(context, backlog_url, workers, args.claim, args.scorer_delay)
                base = base or result["rate"]
                print(f"{engine:<11} {workers:>7} {result['rate']:>11,.0f} {result['seconds']:>8.1f} "
                      f"{result['rate'] / base:>7.2f}x {result['wasted']:>6.0%}", flush=True)
        print(f"\n{sys.platform}, {multiprocessing.cpu_count()} CPUs, Python {sys.version.split()[0]}")
        return 1 if failed else 0
    finally:
        if cluster is not None:
            cluster.destroy()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
