"""Throughput of the sentiment scorer against the naive `transformers.pipeline` baseline.

    python benchmarks/sentiment_throughput.py --data DATA [--model default] [--tweets 2200] \
        [--posts 200] [--backend auto]      # or BRANDPULSE_DATA=DATA

The sample is fixed (seed 7): tweets drawn from every development and training file of the sentiment
development data (`--data` or `$BRANDPULSE_DATA`) and long "Reddit-style" posts made by joining 3 to 24
tweets of one language into paragraphs (a few run past the 512-token window). Each way runs in its own
fresh worker process (same thread settings) so that the peak RSS of each is its own:

- naive: `transformers.pipeline("text-classification")` on the very same model object and tokenizer,
  one text per call, truncated to the model window (it cannot take longer input);
- ours:  `scorer.score(texts)` on the whole list (dedup, length-sorted dynamic batches, long texts
  chunked), on the path `--backend` picks (auto: the fastest numerically safe path for this machine,
  `sentiment.hardware.choose_path`: CUDA bf16, CPU bf16 autocast with AVX512-BF16/AMX, else ONNX fp32).

Model loading is excluded from the timings. Prints the CPU features found and the path chosen, texts/s
for each way, their ratio, label agreement with the float32 baseline (overall and on texts that fit the
window, where both compute the same function) and peak RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def sample(data: Path | None, n_tweets: int, n_posts: int, seed: int = 7) -> list[str]:
    from brandpulse.sentiment.data import DataNotFound, resolve_data_root

    try:
        root = resolve_data_root(data)
    except DataNotFound as missing:
        sys.exit(f"sentiment_throughput: {missing}")
    by_language: dict[str, list[str]] = {}
    for path in sorted(root.rglob("*_text.txt")):
        language = path.parent.name if path.parent.parent.name == "umsab" else "english"
        lines = path.read_text(encoding="utf-8").splitlines()
        by_language.setdefault(language, []).extend(t for t in lines if t.strip())
    rng = random.Random(seed)
    pool = [t for texts in by_language.values() for t in texts]
    tweets = rng.sample(pool, n_tweets)
    posts = []
    languages = sorted(by_language)
    for i in range(n_posts):
        texts = by_language[languages[i % len(languages)]]
        posts.append("\n\n".join(rng.sample(texts, rng.randint(3, 24))))
    mixed = tweets + posts
    rng.shuffle(mixed)
    return mixed


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker(way: str, model: str, backend: str, texts_file: Path, out_file: Path) -> None:
    import torch

    from brandpulse.sentiment import load_scorer

    texts = json.loads(texts_file.read_text())
    scorer = load_scorer(model, backend=backend if way == "ours" else "torch")
    loaded_rss = peak_rss_mb()
    started = time.perf_counter()
    if way == "naive":
        from transformers import pipeline
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity(hf_logging.CRITICAL)  # it logs that our model class is not in its list; it runs fine

        classify = pipeline("text-classification", model=scorer.model, tokenizer=scorer.tokenizer, device=-1)
        id2label = scorer.model.config.id2label
        names = {name: i for i, name in id2label.items()}
        labels = []
        for text in texts:
            result = classify(text, truncation=True, max_length=scorer.max_length)[0]
            row = scorer.labels[names[result["label"]]]
            labels.append(["negative", "neutral", "positive"][int(row.argmax())])
    else:
        labels = [s.label for s in scorer.score(texts)]
    seconds = time.perf_counter() - started
    lengths = [len(ids) for ids in scorer.tokenizer(texts, add_special_tokens=True)["input_ids"]]
    out_file.write_text(json.dumps({
        "way": way, "seconds": seconds, "labels": labels, "threads": torch.get_num_threads(),
        "rss_after_load_mb": loaded_rss, "peak_rss_mb": peak_rss_mb(), "model_id": scorer.model_id,
        "lengths": lengths, "max_length": scorer.max_length, "runtime": scorer.runtime,
    }))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="default")
    parser.add_argument("--tweets", type=int, default=2200)
    parser.add_argument("--posts", type=int, default=200)
    parser.add_argument("--backend", choices=["auto", "onnx", "torch", "bf16", "cuda"], default="auto")
    parser.add_argument("--data", type=Path, help="the development data folder (default $BRANDPULSE_DATA)")
    parser.add_argument("--worker", choices=["naive", "ours"], help=argparse.SUPPRESS)
    parser.add_argument("--texts", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.model, args.backend, args.texts, args.out)
        return

    texts = sample(args.data, args.tweets, args.posts)
    with tempfile.TemporaryDirectory() as tmp:
        texts_file = Path(tmp) / "texts.json"
        texts_file.write_text(json.dumps(texts))
        results = {}
        for way in ("ours", "naive"):
            out = Path(tmp) / f"{way}.json"
            subprocess.run([sys.executable, __file__, "--model", args.model, "--backend", args.backend,
                            "--worker", way,
                            "--texts", str(texts_file), "--out", str(out)], check=True)
            results[way] = json.loads(out.read_text())
    ours, naive = results["ours"], results["naive"]
    lengths, window = ours["lengths"], ours["max_length"]
    fits = [n <= window for n in lengths]
    same = [a == b for a, b in zip(ours["labels"], naive["labels"], strict=True)]
    chars = sorted(len(t) for t in texts)
    from brandpulse.sentiment.hardware import cpu_features

    print(f"model: {ours['model_id']}  threads: {ours['threads']}  cpus: {os.cpu_count()}  "
          f"load average: {os.getloadavg()[0]:.2f}")
    print(f"cpu: {cpu_features().describe()}")
    print(f"path chosen (--backend {args.backend}): {ours['runtime']}; baseline: {naive['runtime']}")
    print(f"sample: {len(texts)} texts ({args.tweets} tweets, {args.posts} long posts), "
          f"{len(set(texts))} distinct; median {chars[len(chars) // 2]} chars, max {chars[-1]}; "
          f"tokens: median {sorted(lengths)[len(lengths) // 2]}, {sum(1 for f in fits if not f)} over the "
          f"{window}-token window")
    for name, r in (("naive pipeline, one text per call", naive), (f"our scorer ({ours['runtime']})", ours)):
        print(f"{name:36s} {len(texts) / r['seconds']:8.1f} texts/s  ({r['seconds']:.1f} s)  "
              f"peak RSS {r['peak_rss_mb']:.0f} MB (after load {r['rss_after_load_mb']:.0f} MB)")
    print(f"speed-up: {naive['seconds'] / ours['seconds']:.2f}x")
    within = [s for s, f in zip(same, fits, strict=True) if f]
    print(f"label agreement: {sum(same) / len(same):.4f} overall; {sum(within) / len(within):.4f} on the "
          f"{len(within)} texts within the window (longer ones: the pipeline truncates, we chunk)")


if __name__ == "__main__":
    main()
