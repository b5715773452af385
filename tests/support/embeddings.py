"""A stand-in sentence embedding for tests of code that embeds texts (touchpoint tags, the tag job).

`bag_of_words` is a hashed word-count embedding: words shared between two texts are what make them
close, so which label a post gets can be read off the texts, with no model to load."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import numpy as np


def bag_of_words(texts: Sequence[str]) -> np.ndarray:
    vectors = np.zeros((len(texts), 256), dtype=np.float32)
    for row, text in enumerate(texts):
        for word in re.findall(r"\w+", text.lower()):
            vectors[row, int(hashlib.md5(word.encode()).hexdigest(), 16) % 256] += 1
    vectors += 0.01  # a shared direction, as real sentence embeddings have
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
