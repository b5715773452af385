"""Complaint themes across languages, on the labelled set tests/fixtures/themes/complaints.jsonl
(181 posts: 10 complaints, each in 5 of 8 languages, and 8 unrelated posts; split into a development
half, on which the thresholds of reports.theme_space were chosen, and a held-out half).

Quality: pairs of posts of the same complaint that share a theme (pairwise recall), pairs sharing a
theme that are the same complaint (precision), the same two for pairs *in different languages*, and
the adjusted Rand index, for the shipped method and for the raw embeddings (no language offsets, no
cross-language merge, the same clustering) in the same run.
Speed: `complaint_themes` on 1,000 stored negative mentions whose embeddings are cached (the
encoder is then never called), median of 3 runs, SQLite.

    python -m benchmarks themes        # about 3 minutes on 2 busy cores (loading the encoder: 30 s)
"""

from __future__ import annotations

import json
import statistics
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
from rich.console import Console
from rich.table import Table

from brandpulse.reports import theme_space

SPLITS = {"development": "dev", "held out": "holdout"}
FIXTURE = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "themes" / "complaints.jsonl"


def labelled() -> pd.DataFrame:
    rows = [json.loads(line) for line in FIXTURE.read_text(encoding="utf-8").splitlines() if line.strip()]
    start = datetime(2026, 5, 1, tzinfo=UTC)
    return pd.DataFrame(rows).assign(
        period="current", source="x", url=lambda f: [f"https://example.test/{i}" for i in f["id"]],
        author_handle="someone", created_at=[start + timedelta(minutes=i) for i in range(len(rows))])


def pair_scores(labels: np.ndarray, gold: np.ndarray, languages: np.ndarray) -> dict[str, float]:
    """Pairwise precision and recall of `labels` (-1: no theme) against `gold` (None: no complaint),
    over all pairs and over pairs in different languages."""
    from sklearn.metrics import adjusted_rand_score

    upper = np.triu(np.ones((len(labels), len(labels)), dtype=bool), 1)
    same_theme = (labels[:, None] == labels[None, :]) & (labels[:, None] != -1) & upper
    known = np.array([g is not None for g in gold])
    same_complaint = (gold[:, None] == gold[None, :]) & known[:, None] & known[None, :] & upper
    cross = languages[:, None] != languages[None, :]
    out = {}
    for name, mask in (("", upper), ("cross-language ", cross & upper)):
        hits = (same_theme & same_complaint & mask).sum()
        out[f"{name}precision"] = hits / max((same_theme & mask).sum(), 1)
        out[f"{name}recall"] = hits / max((same_complaint & mask).sum(), 1)
    singletons = [g if g is not None else f"none-{i}" for i, g in enumerate(gold)]
    out["ARI"] = adjusted_rand_score(singletons, [lab if lab != -1 else -2 - i for i, lab in enumerate(labels)])
    return out


def labels_of(frame: pd.DataFrame, embeddings: np.ndarray, offsets) -> np.ndarray:
    """The theme clustering `find_themes` runs (before naming), as labels per row."""
    languages = [str(value) for value in frame["language"]]
    vectors = theme_space.language_neutral(embeddings, languages, offsets)
    return theme_space.theme_labels(vectors, languages, across_languages=offsets is not None)


def quality(frame: pd.DataFrame, embeddings: np.ndarray, offsets) -> list[tuple[str, str, dict[str, float]]]:
    rows = []
    for split in ("development", "held out", "all"):
        mask = (frame["split"] == SPLITS[split]).to_numpy() if split in SPLITS else np.ones(len(frame), dtype=bool)
        part = frame[mask].reset_index(drop=True)
        gold, languages = part["complaint"].to_numpy(dtype=object), part["language"].to_numpy()
        for method, used in (("shipped", offsets), ("no offsets", None)):
            rows.append((split, method, pair_scores(labels_of(part, embeddings[mask], used), gold, languages)))
    return rows


def speed(frame: pd.DataFrame, embeddings: np.ndarray, offsets, count: int = 1000) -> float:
    """Seconds for `complaint_themes` over `count` stored negatives whose embeddings are cached (the
    labelled posts over and over, each stored with its post's vector)."""
    import tempfile

    from sqlalchemy import select

    from brandpulse.listeners.records import Mention
    from brandpulse.reports.feedback import EMBEDDING_KIND, complaint_themes
    from brandpulse.sentiment.records import Sentiment
    from brandpulse.storage.embeddings import save_embeddings, save_named_vectors
    from brandpulse.storage.engine import open_database
    from brandpulse.storage.mentions import store_mentions
    from brandpulse.storage.schema import mentions as table
    from brandpulse.storage.scoring import save_scores

    start = datetime(2026, 5, 1, tzinfo=UTC)
    posts = [i % len(frame) for i in range(count)]
    mentions = [Mention(source="x", external_id=str(i), brand="Sonari", created_at=start + timedelta(minutes=i),
                        text=f"{frame['text'].iloc[post]} #{i}", language=frame["language"].iloc[post],
                        url=f"https://example.test/{i}") for i, post in enumerate(posts)]
    negative = Sentiment.from_probabilities({"negative": 0.8, "neutral": 0.1, "positive": 0.1}, "bench")
    with tempfile.TemporaryDirectory() as folder:
        engine = open_database(f"sqlite:///{folder}/themes.db")
        with engine.begin() as connection:
            store_mentions(connection, "Sonari", mentions)
            ids = dict(connection.execute(select(table.c.external_id, table.c.id)).all())
            save_scores(connection, [(mention_id, negative) for mention_id in ids.values()])
            vectors = {ids[str(i)]: embeddings[post] for i, post in enumerate(posts)}
            save_embeddings(connection, f"bench#{EMBEDDING_KIND}", vectors)
            save_named_vectors(connection, "language-offsets", f"bench#{EMBEDDING_KIND}", offsets, start)

        def refuse(texts: list[str]) -> np.ndarray:
            raise AssertionError("the cache missed: the encoder was called")

        timings = []
        for _ in range(3):
            clock = time.perf_counter()
            result, note = complaint_themes(engine, "Sonari", start, start + timedelta(days=1), model_id="bench",
                                            embed=refuse, exclude=["Sonari"])
            timings.append(time.perf_counter() - clock)
            if result is None or result.sampled != count:
                raise RuntimeError(f"themes were not computed: {note}")
        engine.dispose()
    return statistics.median(timings)


def main() -> int:
    from brandpulse.sentiment import load_scorer

    embed = load_scorer(backend="torch").embed
    frame = labelled()
    embeddings = np.asarray(embed(list(frame["text"])), dtype=np.float32)
    offsets = theme_space.language_offsets(embed)
    console = Console()
    table = Table(title=f"Complaint themes on {FIXTURE.name}")
    for column in ("split", "method", "precision", "recall", "cross-lang precision", "cross-lang recall", "ARI"):
        table.add_column(column, justify="left" if column in ("split", "method") else "right")
    for split, method, scores in quality(frame, embeddings, offsets):
        table.add_row(split, method, *(f"{scores[key]:.2f}" for key in (
            "precision", "recall", "cross-language precision", "cross-language recall", "ARI")))
    console.print(table)
    seconds = speed(frame, embeddings, offsets)
    console.print(f"complaint_themes, 1,000 negative mentions with cached embeddings: {seconds:.2f} s (median of 3)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
