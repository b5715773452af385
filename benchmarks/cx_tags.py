"""Touchpoint and journey-stage tags (sentiment.touchpoints) on the labelled CX development set.

The set (`tests/fixtures/cx/`, written for this purpose, see its README) has two parts: `tune.jsonl`
(English and Spanish, 224 posts), on which the classifier's settings were chosen and from which the
few-shot examples come, and `heldout.jsonl` (French, German, Portuguese, Italian, 384 posts), never
tuned on. Every figure below is macro-F1 on the held-out part, with the shipped e5 encoder's
embeddings (`scorer.embed`), on the CPU:

* zero-shot: the default taxonomy's label descriptions alone;
* few-shot, k per label: the first k tuning posts of each touchpoint (and of each stage) as the
  config's examples;
* few-shot, all: the 224 tuning posts as examples.

Usage: python -m benchmarks.cx_tags [--data tests/fixtures/cx] [--json results.json]
About a minute on 2 cores (model load included).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table
from sklearn.metrics import f1_score

from brandpulse.sentiment.records import Tags
from brandpulse.sentiment.touchpoints import TagClassifier, TagExample

DATA = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "cx"
FEW_SHOT_K = (3, 5)


@dataclass(frozen=True)
class Post:
    text: str
    lang: str
    touchpoint: str
    stage: str


def load_posts(path: Path) -> list[Post]:
    if not path.exists():
        sys.exit(f"missing {path}: pass --data with the folder holding tune.jsonl and heldout.jsonl")
    return [Post(**json.loads(line)) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def first_per_label(posts: Sequence[Post], k: int) -> list[TagExample]:
    """The first k posts of each touchpoint as touchpoint examples, and of each stage as stage examples."""
    examples: list[TagExample] = []
    for axis in ("touchpoint", "stage"):
        seen: dict[str, int] = {}
        for post in posts:
            label = getattr(post, axis)
            if seen.get(label, 0) < k:
                seen[label] = seen.get(label, 0) + 1
                examples.append(TagExample(post.text, **{axis: label}))
    return examples


def macro_f1(posts: Sequence[Post], tags: Sequence[Tags], axis: str) -> float:
    return float(f1_score([getattr(p, axis) for p in posts], [getattr(t, axis) for t in tags], average="macro"))


def scores(posts: Sequence[Post], tags: Sequence[Tags]) -> dict[str, float]:
    return {f"{axis}_macro_f1": macro_f1(posts, tags, axis) for axis in ("touchpoint", "stage")}


def _of_language(posts: Sequence[Post], tags: Sequence[Tags], lang: str) -> tuple[list[Post], list[Tags]]:
    pairs = [(post, tag) for post, tag in zip(posts, tags, strict=True) if post.lang == lang]
    return [post for post, _ in pairs], [tag for _, tag in pairs]


class CachedEmbed:
    """The scorer's embeddings, each text embedded once across all the setups compared."""

    def __init__(self, scorer) -> None:
        self.scorer = scorer
        self.vectors: dict[str, np.ndarray] = {}

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        missing = list(dict.fromkeys(t for t in texts if t not in self.vectors))
        if missing:
            self.vectors.update(zip(missing, self.scorer.embed(missing), strict=True))
        return np.stack([self.vectors[t] for t in texts])


def evaluate(embed: CachedEmbed, tune: list[Post], heldout: list[Post]) -> list[dict]:
    setups = [("zero-shot", [])]
    setups += [(f"few-shot, {k} per label", first_per_label(tune, k)) for k in FEW_SHOT_K]
    setups.append(("few-shot, all tuning posts", [TagExample(p.text, p.touchpoint, p.stage) for p in tune]))
    results = []
    for name, examples in setups:
        tags = TagClassifier(embed, examples=examples).tag([p.text for p in heldout])
        results.append({"setup": name, "examples": len(examples), **scores(heldout, tags),
                        "by_language": {lang: scores(*_of_language(heldout, tags, lang))
                                        for lang in sorted({p.lang for p in heldout})}})
    return results


def _pair(scores: dict[str, float]) -> str:
    return f"{scores['touchpoint_macro_f1']:.2f} / {scores['stage_macro_f1']:.2f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    tune, heldout = load_posts(args.data / "tune.jsonl"), load_posts(args.data / "heldout.jsonl")
    from brandpulse import sentiment

    started = time.perf_counter()
    embed = CachedEmbed(sentiment.load_scorer())
    embed([p.text for p in tune + heldout])
    results = evaluate(embed, tune, heldout)
    languages = sorted({p.lang for p in heldout})
    table = Table("setup", "examples", "touchpoint macro-F1", "stage macro-F1",
                  *languages,
                  title=f"CX tags on the held-out set ({len(heldout)} posts, {', '.join(languages)}; "
                        f"tuned on {len(tune)} en/es posts)",
                  caption="per language: touchpoint / stage macro-F1")
    for row in results:
        table.add_row(row["setup"], str(row["examples"]), f"{row['touchpoint_macro_f1']:.3f}",
                      f"{row['stage_macro_f1']:.3f}",
                      *(_pair(row["by_language"][lang]) for lang in languages))
    console = Console(width=max(Console().width, 120))
    console.print(table)
    console.print(f"{time.perf_counter() - started:.0f} s (model load and {len(embed.vectors)} embeddings included)")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
