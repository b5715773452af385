"""`TransformerScorer`: texts in, `Sentiment` records out, fast on a small CPU.

How a call to `score(texts)` runs:
1. Each text is cleaned (`clean_text`: lone surrogates become U+FFFD, `None` becomes ""), then identical
   texts are scored once. Texts that are empty or whitespace only get a fixed neutral result
   (probability 1 for neutral) without running the model.
2. Texts are tokenized without truncation. A text longer than the model window (512 tokens with the
   special tokens) is cut into overlapping windows of 510 content tokens, 128 tokens of overlap; the
   text's probabilities are the mean of its windows' probabilities weighted by each window's number of
   new tokens (tokens not already counted by the previous window). At most `max_windows` windows are
   scored per text (64 by default, about 25k tokens): beyond that they are taken evenly spread over the
   whole text, and a warning is logged.
3. All windows are sorted by length and cut into batches under a token budget (and an attention-matrix
   budget, which keeps long windows to 4 a batch and the peak memory low), each padded only to its own
   longest member, and run by ONNX Runtime when `onnx` is set (`load_scorer`'s default for our model), else
   by the PyTorch model under `torch.inference_mode()`; identical windows run once.
4. The model's labels are mapped onto negative/neutral/positive (`label_matrix`), probabilities summed
   per class; `score` = p(positive) - p(negative).
"""

from __future__ import annotations

import ctypes
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from .records import LABELS, Sentiment

if TYPE_CHECKING:  # torch and transformers load on first use, not on import
    from contextlib import AbstractContextManager

    import torch
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

    from .onnx_backend import OnnxClassifier

log = logging.getLogger(__name__)

NEUTRAL = np.array([0.0, 1.0, 0.0])


def clean_text(text: object) -> str:
    """A string the tokenizer accepts: valid surrogate pairs joined, lone surrogates replaced."""
    if text is None:
        return ""
    if not isinstance(text, str):
        text = str(text)
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


_STAR = re.compile(r"^([1-5])\s*(stars?|sterne?|étoiles?|estrellas?|estrelas?|stelle|stella)?$")
_INDEX = re.compile(r"^(?:label[_ ]?)?(\d+)$")
_BY_COUNT = {2: (0, 2), 3: (0, 1, 2), 5: (0, 0, 1, 2, 2)}  # bare indices: n labels -> our classes


def label_matrix(id2label: dict[int, str]) -> np.ndarray:
    """(n_model_labels, 3) 0/1 matrix mapping a model's labels onto negative/neutral/positive.

    Understands names containing neg/neu/pos in any case ("Very Negative" too), 1-5 star ratings
    (1-2 negative, 3 neutral, 4-5 positive), and bare indices or LABEL_i, read in order as
    negative/positive (2 labels), negative/neutral/positive (3) or 1-5 stars (5). Anything else raises
    ValueError: pass `label_map=` to `load_scorer` then.
    """
    n = len(id2label)
    names = [str(id2label[i]).strip().lower() for i in range(n)]
    out = np.zeros((n, len(LABELS)))
    indices = [_INDEX.match(x) for x in names]
    matched = [m for m in indices if m is not None]
    if len(matched) == n and n in _BY_COUNT:
        values = sorted(int(m.group(1)) for m in matched)
        if values == list(range(values[0], values[0] + n)):
            for i, m in enumerate(matched):
                out[i, _BY_COUNT[n][int(m.group(1)) - values[0]]] = 1
            return out
    for i, name in enumerate(names):
        star = _STAR.match(name)
        if "neg" in name:
            out[i, 0] = 1
        elif "neu" in name:
            out[i, 1] = 1
        elif "pos" in name:
            out[i, 2] = 1
        elif star and n == 5:
            out[i, _BY_COUNT[5][int(star.group(1)) - 1]] = 1
        else:
            raise ValueError(f"cannot map model label {id2label[i]!r} onto negative/neutral/positive "
                             f"(labels: {names}); pass label_map=")
    return out


def _distinct(texts: Sequence[str]) -> tuple[list[str], list[int]]:
    """Cleaned distinct texts, and for each input the index of its distinct text."""
    if isinstance(texts, str):
        raise TypeError("expected a sequence of texts, not one string")
    unique: dict[str, int] = {}
    order = [unique.setdefault(clean_text(t), len(unique)) for t in texts]
    return list(unique), order


@dataclass
class _Window:
    text: int
    ids: list[int]
    weight: float


@dataclass
class TransformerScorer:
    """A sequence classifier plus its tokenizer. Build with `sentiment.load_scorer`."""

    model: PreTrainedModel
    tokenizer: PreTrainedTokenizerBase
    model_id: str
    labels: np.ndarray  # label_matrix of the model
    max_length: int = 512
    overlap: int = 128
    batch_tokens: int = 4096  # padded tokens per batch
    attention_cells: int = 1 << 20  # rows x length^2 per batch: bounds the attention matrices' memory
    max_batch: int = 64
    max_windows: int = 64
    embed_prefix: str = ""
    #: names of the model's emotion outputs (`emotion_logits`), empty when it has none
    emotion_labels: tuple[str, ...] = ()
    #: how the PyTorch model runs: "torch-fp32", "cpu-bf16" (bf16 autocast), "cuda-bf16"/"cuda-fp32"
    #: (`sentiment.hardware.choose_path`); ignored while `onnx` is set
    path: str = "torch-fp32"
    #: runs the classifier instead of `model` when set (`sentiment.onnx_backend.OnnxClassifier`: the same
    #: float32 model in ONNX Runtime); `model` stays the reference, and serves embed() and training
    onnx: OnnxClassifier | None = field(default=None, repr=False)
    #: builds the encoder used by embed() (called once, on first use); None: the model's own encoder
    embedder_factory: Callable[[], torch.nn.Module] | None = field(default=None, repr=False)
    _embedder: torch.nn.Module | None = field(default=None, repr=False)

    # ------------------------------------------------------------------ public API
    def score(self, texts: Sequence[str]) -> list[Sentiment]:
        probs = self.predict_all(texts)
        names = (*LABELS, *self.emotion_labels)
        return [Sentiment.from_probabilities(
                    dict(zip(LABELS, map(float, p[:len(LABELS)]), strict=True)), self.model_id,
                    dict(zip(names[len(LABELS):], map(float, p[len(LABELS):]), strict=True)))
                for p in probs]

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """(n, 3) probabilities of negative, neutral, positive."""
        return self.predict_all(texts)[:, :len(LABELS)]

    def predict_emotions(self, texts: Sequence[str]) -> np.ndarray:
        """(n, len(emotion_labels)) emotion probabilities (each row sums to 1)."""
        return self.predict_all(texts)[:, len(LABELS):]

    def predict_all(self, texts: Sequence[str]) -> np.ndarray:
        """(n, 3 + emotions): sentiment probabilities, then emotion probabilities, from one encoder pass.

        Empty texts are neutral with a uniform emotion distribution."""
        uniq, order = _distinct(texts)
        width = len(LABELS) + len(self.emotion_labels)
        blank = np.concatenate([NEUTRAL, np.full(len(self.emotion_labels), 1 / max(1, len(self.emotion_labels)))])
        out = np.tile(blank, (len(uniq), 1))
        todo = [i for i, t in enumerate(uniq) if t.strip()]
        if todo:
            windows = self._windows([uniq[i] for i in todo], prefix="")
            chunk_probs = self._run(windows, self._classify)
            acc = np.zeros((len(todo), width))
            weight = np.zeros(len(todo))
            for w, p in zip(windows, chunk_probs, strict=True):
                acc[w.text] += w.weight * p
                weight[w.text] += w.weight
            out[todo] = acc / weight[:, None]
        return out[order] if order else np.zeros((0, width))

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """(n, hidden) L2-normalised sentence embeddings (mean pooling; long texts: weighted mean)."""
        uniq, order = _distinct(texts)
        windows = self._windows(uniq, prefix=self.embed_prefix)
        vectors = self._run(windows, self._pool)
        dim = vectors.shape[1] if len(vectors) else self._hidden_size()
        acc = np.zeros((len(uniq), dim))
        for w, v in zip(windows, vectors, strict=True):
            acc[w.text] += w.weight * v
        norms = np.linalg.norm(acc, axis=1, keepdims=True)
        acc = acc / np.maximum(norms, 1e-12)
        return acc[order].astype(np.float32) if order else np.zeros((0, dim), dtype=np.float32)

    @property
    def backend(self) -> str:
        """What runs the classifier: "onnx" (ONNX Runtime) or "torch"."""
        return "torch" if self.onnx is None else "onnx"

    @property
    def runtime(self) -> str:
        """The inference path actually in use: "onnx-fp32", "cpu-bf16", "cuda-bf16", "torch-fp32"..."""
        return "onnx-fp32" if self.onnx is not None else self.path

    # ------------------------------------------------------------------ internals
    def _hidden_size(self) -> int:
        return int(self.model.config.hidden_size)

    def _special(self) -> tuple[list[int], list[int], int]:
        tok = self.tokenizer
        head = [tok.cls_token_id if tok.cls_token_id is not None else tok.bos_token_id]
        tail = [tok.sep_token_id if tok.sep_token_id is not None else tok.eos_token_id]
        head = [i for i in head if i is not None]
        tail = [i for i in tail if i is not None]
        pad = tok.pad_token_id if tok.pad_token_id is not None else 0
        return head, tail, pad

    def _windows(self, texts: list[str], *, prefix: str) -> list[_Window]:
        if not texts:
            return []
        head, tail, _ = self._special()
        span = self.max_length - len(head) - len(tail)
        step = max(1, span - self.overlap)
        encoded = self.tokenizer([prefix + t for t in texts], add_special_tokens=False, verbose=False,
                                 return_attention_mask=False, return_token_type_ids=False)["input_ids"]
        windows = []
        for i, ids in enumerate(encoded):
            if len(ids) <= span:
                windows.append(_Window(i, head + list(ids) + tail, 1.0))
                continue
            starts = [*range(0, len(ids) - span, step), len(ids) - span]
            if len(starts) > self.max_windows:
                log.warning("text %d has %d tokens: scoring %d of its %d windows, spread over the whole text",
                            i, len(ids), self.max_windows, len(starts))
                picks = np.linspace(0, len(starts) - 1, self.max_windows).round().astype(int)
                starts = [starts[k] for k in sorted(set(picks.tolist()))]
            previous_end = 0
            for start in starts:
                end = start + span
                new = end - max(start, previous_end)
                previous_end = end
                windows.append(_Window(i, head + list(ids[start:end]) + tail, float(max(new, 1))))
        return windows

    def _run(self, windows: list[_Window], fn: Callable[[torch.Tensor, torch.Tensor], np.ndarray]) -> np.ndarray:
        """Apply `fn(input_ids, attention_mask) -> ndarray` to windows in length-sorted padded batches."""
        import torch

        from .modeling import pad_batch

        _, _, pad = self._special()
        keys: dict[tuple[int, ...], int] = {}
        slot = [keys.setdefault(tuple(w.ids), len(keys)) for w in windows]
        distinct = list(keys)
        order = sorted(range(len(distinct)), key=lambda k: len(distinct[k]))
        results: list[np.ndarray | None] = [None] * len(distinct)
        batch: list[int] = []
        flushed = [0]

        def flush() -> None:
            ids, mask = pad_batch([distinct[k] for k in batch], pad)
            with torch.inference_mode():
                values = fn(ids, mask)
            for row, k in enumerate(batch):
                results[k] = values[row]
            batch.clear()
            flushed[0] += 1
            if flushed[0] % 8 == 0:
                _release_freed_memory()

        for k in order:
            length = len(distinct[k])
            rows = len(batch) + 1
            if batch and (rows * length > self.batch_tokens or rows * length * length > self.attention_cells
                          or rows > self.max_batch):
                flush()
            batch.append(k)
        if batch:
            flush()
        _release_freed_memory()
        if not windows:
            return np.zeros((0, 0))
        return np.stack([r for s in slot if (r := results[s]) is not None])

    def _classify(self, ids: torch.Tensor, mask: torch.Tensor) -> np.ndarray:
        """Per window: the 3 sentiment probabilities, then the emotion probabilities."""
        import torch

        n_model = self.labels.shape[0]
        if self.onnx is not None:
            logits = torch.from_numpy(self.onnx.logits(ids.numpy(), mask.numpy()))
            sentiment, emotion = logits[:, :n_model], logits[:, n_model:]  # type: torch.Tensor, torch.Tensor | None
        else:
            with self._autocast():
                out = self.model(input_ids=ids.to(self.model.device), attention_mask=mask.to(self.model.device))
            sentiment = out.logits
            emotion = getattr(out, "emotion_logits", None) if self.emotion_labels else None
        probs: np.ndarray = torch.softmax(sentiment.float().cpu(), dim=-1).double().numpy() @ self.labels
        if not self.emotion_labels or emotion is None:
            return probs
        emotions = torch.softmax(emotion.float().cpu(), dim=-1).double().numpy()
        return np.concatenate([probs, emotions], axis=1)

    def _autocast(self) -> AbstractContextManager[object]:
        import contextlib

        import torch

        if self.path == "cpu-bf16":
            return torch.autocast("cpu", dtype=torch.bfloat16)
        if self.path == "cuda-bf16":
            return torch.autocast("cuda", dtype=torch.bfloat16)
        return contextlib.nullcontext()

    def _pool(self, ids: torch.Tensor, mask: torch.Tensor) -> np.ndarray:
        from .modeling import mean_pool

        if self._embedder is None:
            factory = self.embedder_factory
            self._embedder = factory() if factory is not None else self.model.base_model
        encoder = self._embedder
        device = next(encoder.parameters()).device  # float32 always: embeddings feed clustering, keep them exact
        hidden = encoder(input_ids=ids.to(device), attention_mask=mask.to(device)).last_hidden_state
        pooled: np.ndarray = mean_pool(hidden.float().cpu(), mask).double().numpy()
        return pooled


def _release_freed_memory() -> None:
    """Give freed heap back to the system every few batches: batches of ever-changing shapes otherwise
    leave hundreds of MB of free but unreturned memory in glibc's heap (measured: +250 MB over 1,200 tweets)."""
    global _malloc_trim
    if _malloc_trim is None:
        try:
            _malloc_trim = ctypes.CDLL("libc.so.6").malloc_trim
        except OSError:  # not glibc
            _malloc_trim = False
    if callable(_malloc_trim):
        _malloc_trim(0)


_malloc_trim: Callable[[int], int] | bool | None = None  # glibc's, False where there is none
