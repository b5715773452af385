"""ONNX Runtime backend for the default classifier: the same float32 model, run by ONNX Runtime.

Why: on this project's 2-core AVX2 CPUs, ONNX Runtime with its transformer fusions (one `Attention`
kernel per layer, `SkipLayerNormalization`, `BiasGelu`) runs the classifier faster than eager PyTorch,
with the same probabilities to about 1e-6 (float32 throughout: no quantisation, which cost 6 % of the
labels when tried). PyTorch stays the reference (and the training path): `load_scorer(backend="torch")`.

The graph is exported once per model id into the model cache, next to the materialised base
(`$BRANDPULSE_CACHE/models/onnx-<model id>/classifier.onnx`): a new adapter has a new id, so it gets its own
export. Exporting takes about 15 s and is checked against PyTorch before it is kept.
"""

from __future__ import annotations

import logging
import os
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .base import _locked, _reporter, cache_root

if TYPE_CHECKING:
    import torch
    from transformers import PreTrainedModel

log = logging.getLogger(__name__)
FILE_NAME = "classifier.onnx"
OPSET = 17
TOLERANCE = 1e-4  # largest probability difference to PyTorch accepted when checking a fresh export


def export_dir(model_id: str, cache_dir: Path | None = None) -> Path:
    """Where the export of `model_id` lives (one folder per model id)."""
    return cache_root(cache_dir) / "models" / f"onnx-{re.sub(r'[^A-Za-z0-9@._-]+', '--', model_id)}"


@dataclass
class OnnxClassifier:
    """An ONNX Runtime session computing the classifier's logits from (input_ids, attention_mask): the
    3 sentiment logits, followed by the emotion logits when the model has an emotion head."""

    path: Path
    num_threads: int
    _session: Any = field(default=None, repr=False)  # an onnxruntime.InferenceSession (untyped library)

    def __post_init__(self) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.intra_op_num_threads = self.num_threads
        options.inter_op_num_threads = 1
        options.enable_mem_pattern = False  # every batch has a new shape: patterns would only cost memory
        self._session = ort.InferenceSession(str(self.path), options, providers=["CPUExecutionProvider"])

    def logits(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
        feed = {"input_ids": input_ids.astype(np.int64), "attention_mask": attention_mask.astype(np.int64)}
        logits: np.ndarray = self._session.run(["logits"], feed)[0]
        return logits


def onnx_classifier(model: PreTrainedModel, model_id: str, *, num_threads: int, cache_dir: Path | None = None,
                    progress: bool = False) -> OnnxClassifier:
    """The ONNX Runtime twin of `model` (a `MeanPoolClassifier`), exported on first use."""
    target = export_dir(model_id, cache_dir) / FILE_NAME
    with _locked(target.parent.with_name(target.parent.name + ".lock")):
        if not target.is_file():
            report = _reporter(progress)
            report(f"exporting {model_id} to ONNX in {target.parent} (once, about 15 s)")
            export(model, target)
            classifier = OnnxClassifier(target, num_threads)
            difference = max_difference(model, classifier)
            if difference > TOLERANCE:
                target.unlink()
                raise RuntimeError(f"the ONNX export differs from PyTorch by {difference:.2e} in probability")
            report(f"ONNX export ready (largest difference to PyTorch {difference:.1e})")
            return classifier
    return OnnxClassifier(target, num_threads)


def export(model: PreTrainedModel, target: Path) -> None:
    """Export `model` with dynamic batch and length, then fuse it with ORT's BERT optimizer."""
    import torch
    from onnxruntime.transformers import optimizer

    class Logits(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            out = self.inner(input_ids=input_ids, attention_mask=attention_mask)
            if getattr(out, "emotion_logits", None) is None:
                logits: torch.Tensor = out.logits
                return logits
            return torch.cat([out.logits, out.emotion_logits], dim=-1)

    target.parent.mkdir(parents=True, exist_ok=True)
    raw = target.with_name("raw.onnx")
    ids, mask = _probe()
    attention = model.config._attn_implementation
    model.set_attn_implementation("eager")  # the plain softmax(QK^T) graph is what ORT's fusion recognises
    try:
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tracer notes on Python-level shape checks: the graph is verified after
            torch.onnx.export(
                Logits(model).eval(), (torch.from_numpy(ids), torch.from_numpy(mask)), str(raw),
                input_names=["input_ids", "attention_mask"], output_names=["logits"], opset_version=OPSET,
                dynamic_axes={"input_ids": {0: "batch", 1: "length"}, "attention_mask": {0: "batch", 1: "length"},
                              "logits": {0: "batch"}},
                dynamo=False)
    finally:
        model.set_attn_implementation(attention)
    fused = optimizer.optimize_model(str(raw), model_type="bert", num_heads=model.config.num_attention_heads,
                                     hidden_size=model.config.hidden_size, opt_level=1)
    log.info("ONNX fusions: %s", {k: v for k, v in fused.get_fused_operator_statistics().items() if v})
    partial = target.with_suffix(".partial")
    fused.save_model_to_file(str(partial))
    raw.unlink()
    os.replace(partial, target)


def max_difference(model: PreTrainedModel, classifier: OnnxClassifier) -> float:
    """Largest probability difference (sentiment and emotion) between PyTorch and ONNX Runtime on a
    padded probe batch."""
    import torch

    ids, mask = _probe()
    with torch.inference_mode():
        out = model(input_ids=torch.from_numpy(ids), attention_mask=torch.from_numpy(mask))
    heads = [out.logits] + ([out.emotion_logits] if getattr(out, "emotion_logits", None) is not None else [])
    logits = classifier.logits(ids, mask)
    worst, start = 0.0, 0
    for head in heads:
        expected = torch.softmax(head.float(), -1).numpy()
        part = logits[:, start:start + head.shape[1]]
        got = np.exp(part - part.max(-1, keepdims=True))
        got /= got.sum(-1, keepdims=True)
        worst = max(worst, float(np.abs(expected - got).max()))
        start += head.shape[1]
    return worst


def _probe() -> tuple[np.ndarray, np.ndarray]:
    """Three rows of different lengths (padding included) of arbitrary token ids."""
    rng = np.random.default_rng(0)
    ids = rng.integers(5, 30_000, size=(3, 24))
    mask = np.ones_like(ids)
    for row, length in enumerate((24, 11, 3)):
        ids[row, 0], ids[row, length - 1] = 0, 2
        ids[row, length:], mask[row, length:] = 1, 0
    return ids, mask
