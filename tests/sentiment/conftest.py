"""Fixtures for the sentiment tests.

The base model (about 465 MB) is materialised once per machine into a shared cache: `$BRANDPULSE_CACHE`
when set, else the pytest cache folder (`.pytest_cache/d/brandpulse`). The first session pays about
15 s for it; later sessions only verify checksums.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def bp_cache(request) -> Path:
    env = os.environ.get("BRANDPULSE_CACHE")
    return Path(env) if env else Path(request.config.cache.mkdir("brandpulse"))


@pytest.fixture(scope="session")
def base_model(bp_cache) -> Path:
    from brandpulse.sentiment.base import materialize_base

    return materialize_base(bp_cache)


@pytest.fixture(scope="session")
def scorer(bp_cache, base_model):
    from brandpulse.sentiment import load_scorer

    return load_scorer(cache_dir=bp_cache)


@pytest.fixture(scope="session")
def data_root() -> Path:
    from brandpulse.sentiment.data import DataNotFound, resolve_data_root

    try:
        return resolve_data_root()
    except DataNotFound as missing:
        pytest.skip(str(missing))


def save_tiny_base(path: Path, base_model: Path, layers: int) -> Path:
    """A randomly initialised BERT with the real tokenizer and vocabulary but hidden size 32: the
    training code's full path in seconds (its scores mean nothing)."""
    import shutil

    import torch
    from transformers import BertConfig, BertModel

    torch.manual_seed(0)
    config = BertConfig(vocab_size=250037, hidden_size=32, num_hidden_layers=layers, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=512, pad_token_id=1)
    BertModel(config, add_pooling_layer=False).save_pretrained(str(path))
    for name in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copyfile(base_model / name, path / name)
    return path
