"""`load_scorer`: the offline default model, or any Hugging Face sequence classifier by Hub id or path."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .base import cache_root, materialize_base
from .scorer import TransformerScorer, label_matrix

if TYPE_CHECKING:
    import torch

log = logging.getLogger(__name__)
DEFAULT = "default"
E5_PREFIX = "query: "  # what E5 expects for symmetric tasks such as clustering
BACKENDS = ("auto", "onnx", "torch", "bf16", "cuda")
ONNX_BATCH_TOKENS = 1024  # ONNX Runtime is fastest here with small batches (measured: 1024 > 1536 > 2048 > 4096)


def configure_threads(num_threads: int | None = None) -> int:
    """Use as many intra-op threads as this process may run on (or `num_threads`), never more."""
    import torch

    available = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    wanted = num_threads or min(torch.get_num_threads(), available)
    if torch.get_num_threads() != wanted:
        torch.set_num_threads(wanted)
    return wanted


@contextlib.contextmanager
def quiet_transformers() -> Iterator[None]:
    """Hide transformers' load report (a newly initialised head is expected here) and progress bars."""
    from transformers.utils import logging as hf_logging

    level = hf_logging.get_verbosity()
    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        hf_logging.set_verbosity(level)
        if bars:
            hf_logging.enable_progress_bar()


def load_scorer(name: str = DEFAULT, *, cache_dir: Path | None = None, progress: bool = False,
                label_map: dict[str, str] | None = None, num_threads: int | None = None,
                adapter_dir: Path | None = None, backend: str = "auto", **options: Any) -> TransformerScorer:
    """A scorer for `name`: "default" (our offline model), a Hub id, or a local model folder.

    `label_map` maps a model's label names to negative/neutral/positive when they are not
    self-explanatory. `backend` picks the inference path (`sentiment.hardware.choose_path`): "auto" (the
    fastest numerically safe one for this machine: CUDA bf16 with a GPU, bf16 autocast on CPUs with
    AVX512-BF16 or AMX, else ONNX Runtime float32), "onnx" (default model only; exported once into the
    cache: see `sentiment.onnx_backend`), "torch" (float32, the reference), "bf16" or "cuda".
    `scorer.runtime` says which path runs. `options` go to `TransformerScorer` (batch_tokens, ...).
    """
    from .hardware import choose_path

    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, not {backend!r}")
    threads = configure_threads(num_threads)
    path = choose_path(backend)
    if name != DEFAULT and path == "onnx-fp32":
        if backend == "onnx":
            raise ValueError("the onnx backend serves the default model only")
        path = "torch-fp32"
    scorer = (_load_default(cache_dir, progress, adapter_dir, options) if name == DEFAULT
              else _load_named(name, cache_dir, label_map, options))
    if path == "onnx-fp32":
        _use_onnx(scorer, threads, cache_dir, progress, options)
    else:
        scorer.path = path
        if path.startswith("cuda"):
            scorer.model.to("cuda")  # type: ignore[arg-type]  # transformers types `to`'s wrapper wrongly
    log.info("sentiment model %s runs on %s", scorer.model_id, scorer.runtime)
    return scorer


def _use_onnx(scorer: TransformerScorer, threads: int, cache_dir: Path | None, progress: bool,
              options: dict[str, Any]) -> None:
    from .onnx_backend import onnx_classifier

    scorer.onnx = onnx_classifier(scorer.model, scorer.model_id, num_threads=threads, cache_dir=cache_dir,
                                  progress=progress)
    if "batch_tokens" not in options:
        scorer.batch_tokens = ONNX_BATCH_TOKENS


def _load_default(cache_dir: Path | None, progress: bool, adapter_dir: Path | None,
                  options: dict[str, Any]) -> TransformerScorer:
    from transformers import AutoTokenizer, BertModel

    from .modeling import (
        ADAPTER_DIR,
        MeanPoolClassifier,
        apply_adapter,
        apply_top,
        classifier_config,
        compact_word_embeddings,
        default_model_id,
    )

    adapter_dir = Path(adapter_dir or ADAPTER_DIR)
    if not (adapter_dir / "adapter.safetensors").is_file():
        raise FileNotFoundError(f"no trained adapter in {adapter_dir}: run `brandpulse model train` first")
    base = materialize_base(cache_dir, progress=progress)
    tokenizer = AutoTokenizer.from_pretrained(str(base))
    with quiet_transformers():
        model = MeanPoolClassifier.from_pretrained(str(base), config=classifier_config(base))
    adapter = apply_adapter(model, adapter_dir)
    top = apply_top(model, adapter_dir)
    adapted_embeddings = any(k.startswith("bert.embeddings") for k in adapter.get("trained", []))
    if not adapted_embeddings:
        compact_word_embeddings(model)
    model.eval()  # type: ignore[no-untyped-call]  # transformers leaves eval unannotated

    def base_encoder() -> torch.nn.Module:
        # The embeddings are identical in the base (the adapter leaves them alone), so share them and
        # load only the 12 base encoder layers (about 85 MB) beside the adapted ones.
        with quiet_transformers():
            encoder = BertModel.from_pretrained(str(base), add_pooling_layer=False)
        if not adapted_embeddings:
            encoder.embeddings = model.bert.embeddings
        return encoder.to(model.device).eval()  # type: ignore[arg-type, no-any-return]  # transformers: see above

    return TransformerScorer(model=model, tokenizer=tokenizer, model_id=default_model_id(adapter_dir),
                             labels=np.eye(3), embed_prefix=E5_PREFIX, embedder_factory=base_encoder,
                             emotion_labels=tuple(top["emotions"]) if top else (), **options)


def _weights_digest(path: Path) -> str:
    h = hashlib.sha256()
    files = sorted(p for p in path.iterdir() if p.suffix in {".safetensors", ".bin", ".json"} and p.is_file())
    for p in files:
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:12]


def model_id_for(name: str = DEFAULT, *, cache_dir: Path | None = None) -> str:
    """The id that `load_scorer(name).model_id` has, without loading the model.

    default: our name + a hash of the shipped adapter; a local folder: its name + a hash of its weight
    and config files; a Hub id: the id + the commit it was downloaded at (just the id before that).
    """
    if name == DEFAULT:
        from .modeling import default_model_id

        return default_model_id()
    local = Path(name).expanduser()
    if local.is_dir():
        return f"{local.resolve().name}@{_weights_digest(local)}"
    ref = cache_root(cache_dir) / "hub" / f"models--{name.replace('/', '--')}" / "refs" / "main"
    return f"{name}@{ref.read_text().strip()[:12]}" if ref.is_file() else name


def _load_named(name: str, cache_dir: Path | None, label_map: dict[str, str] | None,
                options: dict[str, Any]) -> TransformerScorer:
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    local = Path(name).expanduser()
    hub_cache = str(cache_root(cache_dir) / "hub")
    source = str(local) if local.is_dir() else name
    tokenizer = AutoTokenizer.from_pretrained(source, cache_dir=hub_cache)
    model = AutoModelForSequenceClassification.from_pretrained(source, cache_dir=hub_cache).eval()
    id2label = {int(k): v for k, v in model.config.id2label.items()}
    if label_map:
        from .records import LABELS

        matrix = np.zeros((len(id2label), 3))
        for i, label in id2label.items():
            target = label_map.get(label, label_map.get(str(i)))
            if target not in LABELS:
                raise ValueError(f"label_map sends {label!r} to {target!r}, not one of {LABELS}")
            matrix[i, LABELS.index(target)] = 1
    else:
        matrix = label_matrix(id2label)
    model_id = model_id_for(name, cache_dir=cache_dir)
    max_length = min(int(getattr(tokenizer, "model_max_length", 512) or 512),
                     int(getattr(model.config, "max_position_embeddings", 512) or 512))
    if getattr(model.config, "model_type", "") in {"roberta", "xlm-roberta", "camembert"}:
        max_length = min(max_length, int(model.config.max_position_embeddings) - 2)  # padding offset
    options.setdefault("max_length", max_length)
    return TransformerScorer(model=model, tokenizer=tokenizer, model_id=model_id, labels=matrix, **options)


# ----------------------------------------------------------------------------------------------------
# Process-wide default scorer, for the module-level helpers
_lock = threading.Lock()
_cached: dict[str, TransformerScorer] = {}


def default_scorer(cache_dir: Path | None = None) -> TransformerScorer:
    key = str(cache_root(cache_dir))
    with _lock:
        if key not in _cached:
            _cached[key] = load_scorer(DEFAULT, cache_dir=cache_dir)
        return _cached[key]


def embed(texts: Sequence[str], *, cache_dir: Path | None = None) -> np.ndarray:
    """L2-normalised multilingual-e5-small sentence embeddings (see `TransformerScorer.embed`)."""
    return default_scorer(cache_dir).embed(texts)
