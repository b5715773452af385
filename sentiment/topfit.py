"""Top-layer multi-task fine-tune, sized for a small CPU: sentiment and emotion from one encoder pass.

Why this shape: a full fine-tune of the 12-layer encoder takes hours on 2 CPU cores, but the bottom
layers change least in fine-tuning. So the shipped model (base + merged LoRA soup) is split at layer
`12 - layers`: the frozen bottom runs ONCE over every training and development text (bf16 autocast on a
GPU or where the CPU has native bf16, `sentiment.hardware`), its hidden states are cached on disk as float16 in length
order (`HiddenCache`), and only the top `layers` layers plus two heads are trained on them, epoch after
epoch: sentiment (negative/neutral/positive, cross-entropy with class balance; polarity-only examples
with the neutral logit masked) and emotion (anger/joy/optimism/sadness, TweetEval emotion), sharing the
trained layers. Both losses are summed per batch (emotion examples are repeated `repeats` times per epoch
since the set is small).

Everything survives interruption: the cache records its progress, training writes a checkpoint
(weights, optimizer, scheduler, step) every `checkpoint_every` steps and resumes from it; the epoch's
batch order is a function of (seed, epoch), so a resumed run sees the same batches.

The result (`top.safetensors`, float16, and `top.json`: config, data, timings, development scores) sits
beside the LoRA adapter and is loaded on top of it (`sentiment.modeling.apply_top`).
"""

from __future__ import annotations

import json
import os
import platform
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NotRequired, TypedDict

import numpy as np
import numpy.typing as npt

from .data import EMOTION, EMOTIONS, POLARITY_ONLY, Example, summary
from .records import LABELS

if TYPE_CHECKING:  # torch and transformers load on first use, not on import
    import torch
    from torch import nn
    from transformers import PreTrainedTokenizerBase

    from .modeling import MeanPoolClassifier

TOP_WEIGHTS = "top.safetensors"
TOP_CONFIG = "top.json"

IntArray = npt.NDArray[np.intp]  # example or cache row indices
Rows = Sequence[int] | IntArray
DevTexts = dict[tuple[str, str], tuple[list[str], list[int]]]  # (dataset, language) -> (texts, gold labels)
DevRows = dict[tuple[str, str], tuple[list[int], list[int]]]  # (dataset, language) -> (cache rows, gold labels)


@dataclass
class TopConfig:
    seed: int = 13
    layers: int = 2  # top encoder layers trained; the rest stay frozen and are run once
    epochs: float = 0.45  # passes over the mix (a fraction: that share of a shuffled pass); 2 shared cores
    batch_size: int = 32
    lr: float = 1e-4  # trained encoder layers
    head_lr: float = 1e-3  # the two heads
    weight_decay: float = 0.01
    warmup: float = 0.06
    dropout: float = 0.1
    max_length: int = 96
    tweeteval_max: int | None = 32_000  # TweetEval train rows sampled (2 shared CPU cores: time-bound)
    emotion_weight: float = 1.0  # emotion loss relative to the sentiment loss
    repeats: dict[str, int] = field(default_factory=lambda: {"tweeteval-emotion": 3, "umsab-hi": 2})
    checkpoint_every: int = 100
    #: after training, the emotion head is refitted alone on the final layers' pooled output (full batch,
    #: AdamW at `emotion_refit_lr`): the multi-task pass sees the small emotion set too few times
    emotion_refit_epochs: int = 300
    emotion_refit_lr: float = 1e-2
    evals: int = 3  # development scores this many times, evenly spread; the best state is kept


# ----------------------------------------------------------------------------------------------------
# Running slices of the encoder
def run_layers(model: MeanPoolClassifier, layers: Iterable[nn.Module], hidden: torch.Tensor,
               mask: torch.Tensor) -> torch.Tensor:
    """`layers` (BertLayer modules of `model.bert`) applied to `hidden` under the padding `mask`."""
    from transformers.masking_utils import create_bidirectional_mask

    attention = create_bidirectional_mask(config=model.config, inputs_embeds=hidden, attention_mask=mask)
    for layer in layers:
        hidden = layer(hidden, attention)
    return hidden


def split_at(model: MeanPoolClassifier, config: TopConfig) -> int:
    layers: int = model.config.num_hidden_layers
    return layers - config.layers


class HiddenCache:
    """Hidden states after the frozen bottom, for a fixed list of texts: float16 rows on disk.

    `hidden.f16` holds every text's token states back to back (texts in length order, so batches pad
    little); `index.npy` gives each text's (offset, length); `progress.json` how many batches are done.
    """

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.index: npt.NDArray[np.int64] = np.load(self.folder / "index.npy")
        meta = json.loads((self.folder / "meta.json").read_text())
        self.hidden_size: int = meta["hidden_size"]
        self.data: np.memmap[tuple[int, int], np.dtype[np.float16]] = np.memmap(
            self.folder / "hidden.f16", dtype=np.float16, mode="r", shape=(int(meta["tokens"]), self.hidden_size))

    def batch(self, rows: Rows) -> tuple[torch.Tensor, torch.Tensor]:
        """(float32 hidden states padded to the longest row, attention mask) for text indices `rows`."""
        import torch

        lengths = self.index[rows, 1]
        longest = int(lengths.max())
        out = np.zeros((len(rows), longest, self.hidden_size), dtype=np.float32)
        mask = np.zeros((len(rows), longest), dtype=np.int64)
        for i, row in enumerate(rows):
            offset, length = self.index[row]
            out[i, :length] = self.data[offset:offset + length]
            mask[i, :length] = 1
        return torch.from_numpy(out), torch.from_numpy(mask)

    def lengths(self) -> npt.NDArray[np.int64]:
        return self.index[:, 1]


def build_cache(model: MeanPoolClassifier, tokenizer: PreTrainedTokenizerBase, texts: Sequence[str], folder: Path,
                config: TopConfig, *, batch_tokens: int = 4096, autocast: bool = True,
                log: Callable[[str], None] = print) -> HiddenCache:
    """Run the frozen bottom over `texts` once (resumable) and return the cache."""
    import torch

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    split = split_at(model, config)
    fingerprint = {"texts": len(texts), "split": split, "max_length": config.max_length,
                   "hidden_size": model.config.hidden_size}
    meta_path = folder / "meta.json"
    encoded = tokenizer(list(texts), truncation=True, max_length=config.max_length)["input_ids"]
    lengths = np.array([len(x) for x in encoded])
    order = np.argsort(lengths, kind="stable")
    offsets = np.zeros(len(texts), dtype=np.int64)
    offsets[order] = np.concatenate([[0], np.cumsum(lengths[order])[:-1]])
    tokens = int(lengths.sum())
    fingerprint["tokens"] = tokens
    if not meta_path.is_file() or {k: v for k, v in json.loads(meta_path.read_text()).items()
                                   if k != "done"} != fingerprint:
        np.save(folder / "index.npy", np.stack([offsets, lengths], 1))
        np.memmap(folder / "hidden.f16", dtype=np.float16, mode="w+", shape=(tokens, fingerprint["hidden_size"]))
        meta_path.write_text(json.dumps({**fingerprint, "done": 0}))
    done = json.loads(meta_path.read_text())["done"]
    data = np.memmap(folder / "hidden.f16", dtype=np.float16, mode="r+", shape=(tokens, fingerprint["hidden_size"]))
    batches: list[list[int]] = []
    current: list[int] = []
    for k in order:
        if current and (len(current) + 1) * lengths[k] > batch_tokens:
            batches.append(current)
            current = []
        current.append(int(k))
    if current:
        batches.append(current)
    from .modeling import pad_batch

    bottom = model.bert.encoder.layer[:split]
    model.eval()  # type: ignore[no-untyped-call]  # transformers leaves PreTrainedModel.eval unannotated
    started, pad = time.time(), tokenizer.pad_token_id
    for b in range(done, len(batches)):
        rows = batches[b]
        ids, mask = (t.to(model.device) for t in pad_batch([encoded[i] for i in rows], pad))
        with torch.inference_mode(), torch.autocast(model.device.type, dtype=torch.bfloat16, enabled=autocast):
            hidden = run_layers(model, bottom, model.bert.embeddings(input_ids=ids), mask).float().cpu()
        for i, row in enumerate(rows):
            data[offsets[row]:offsets[row] + lengths[row]] = hidden[i, :lengths[row]].numpy().astype(np.float16)
        if (b + 1) % 50 == 0 or b + 1 == len(batches):
            data.flush()
            meta_path.write_text(json.dumps({**fingerprint, "done": b + 1}))
            rate = sum(len(batches[i]) for i in range(done, b + 1)) / (time.time() - started)
            log(f"  cache {b + 1}/{len(batches)} batches, {rate:.0f} texts/s")
    data.flush()
    del data
    return HiddenCache(folder)


# ----------------------------------------------------------------------------------------------------
class Heads:
    """The trainable part: the top encoder layers (inside `model`) and the sentiment/emotion heads."""

    def __init__(self, model: MeanPoolClassifier, config: TopConfig):
        import torch

        self.model = model
        self.split = split_at(model, config)
        self.top = model.bert.encoder.layer[self.split:]
        if model.emotion is None:
            model.add_emotion_head(list(EMOTIONS))
        self.dropout = torch.nn.Dropout(config.dropout)

    @property
    def emotion(self) -> nn.Linear:
        """The model's emotion head, which `__init__` made sure exists."""
        head = self.model.emotion
        if head is None:
            raise RuntimeError("the model lost its emotion head")
        return head

    def parameters(self) -> tuple[list[nn.Parameter], list[nn.Parameter]]:
        layers = [p for layer in self.top for p in layer.parameters()]
        heads = [*self.model.classifier.parameters(), *self.emotion.parameters()]
        return layers, heads

    def state_dict(self) -> dict[str, torch.Tensor]:
        out: dict[str, torch.Tensor] = {}
        for i, layer in enumerate(self.top):
            for k, v in layer.state_dict().items():
                out[f"bert.encoder.layer.{self.split + i}.{k}"] = v
        for k, v in self.model.classifier.state_dict().items():
            out[f"classifier.{k}"] = v
        for k, v in self.emotion.state_dict().items():
            out[f"emotion.{k}"] = v
        return out

    def load_state_dict(self, state: Mapping[str, torch.Tensor]) -> None:
        import torch

        params = dict(self.model.named_parameters()) | dict(self.model.named_buffers())
        with torch.no_grad():
            for k, v in state.items():
                params[k].copy_(v)

    def forward(self, hidden: torch.Tensor, mask: torch.Tensor, *, train: bool) -> tuple[torch.Tensor, torch.Tensor]:
        from .modeling import mean_pool

        for module in (*self.top, self.dropout):
            module.train(train)
        pooled = mean_pool(run_layers(self.model, self.top, hidden, mask), mask)
        pooled = self.dropout(pooled)
        return self.model.classifier(pooled).float(), self.emotion(pooled).float()


def _epoch_batches(lengths: npt.NDArray[np.int64], pool: IntArray, batch_size: int, seed: int) -> list[IntArray]:
    """`pool` (example rows, repeats included) shuffled, then sorted by length within chunks of 50
    batches and cut into batches, the batches shuffled: little padding, still random order."""
    rng = np.random.default_rng(seed)
    rows = pool[rng.permutation(len(pool))]
    chunk = batch_size * 50
    batches: list[IntArray] = []
    for start in range(0, len(rows), chunk):
        part = rows[start:start + chunk]
        part = part[np.argsort(lengths[part], kind="stable")]
        batches += [part[i:i + batch_size] for i in range(0, len(part), batch_size)]
    return [batches[i] for i in rng.permutation(len(batches))]


def predict(heads: Heads, cache: HiddenCache, rows: Sequence[int], *, autocast: bool,
            batch_tokens: int = 8192) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """(sentiment probabilities, emotion probabilities) for cached text indices `rows`."""
    import torch

    indices = np.asarray(rows)
    order = indices[np.argsort(cache.lengths()[indices], kind="stable")]
    batches: list[list[int]] = []
    current: list[int] = []
    for row in order:  # ascending lengths: the newest row is the longest
        if current and (len(current) + 1) * int(cache.lengths()[row]) > batch_tokens:
            batches.append(current)
            current = []
        current.append(int(row))
    batches += [current] if current else []
    sent: dict[int, npt.NDArray[np.float32]] = {}
    emo: dict[int, npt.NDArray[np.float32]] = {}
    for part in batches:
        hidden, mask = (t.to(heads.model.device) for t in cache.batch(part))
        with torch.inference_mode(), torch.autocast(hidden.device.type, dtype=torch.bfloat16, enabled=autocast):
            s, e = heads.forward(hidden, mask, train=False)
        sent_probs, emo_probs = (torch.softmax(x.cpu(), -1).numpy() for x in (s, e))
        for row, p_sent, p_emo in zip(part, sent_probs, emo_probs, strict=True):
            sent[row], emo[row] = p_sent, p_emo
    return np.stack([sent[r] for r in rows]), np.stack([emo[r] for r in rows])


def dev_scores(heads: Heads, cache: HiddenCache, dev: DevRows, *, autocast: bool) -> dict[str, float]:
    """Official metric per development set (`dev` maps (dataset, language) to (cache rows, gold))."""
    from .evaluate import confusion, macro_f1, result

    scores, umsab_values = {}, []
    for (dataset, language), (rows, gold) in dev.items():
        sent, emo = predict(heads, cache, rows, autocast=autocast)
        if dataset == "emotion":
            value = macro_f1(confusion(gold, emo.argmax(1).tolist(), n=len(EMOTIONS)))
        elif dataset == "hinglish":
            value = macro_f1(confusion(gold, sent.argmax(1).tolist()))
        else:
            value = result(dataset, language, gold, sent.argmax(1).tolist()).value
            if dataset == "umsab":
                umsab_values.append(value)
        scores[f"{dataset}/{language}"] = round(float(value), 4)
    if umsab_values:
        scores["umsab/mean"] = round(float(np.mean(umsab_values)), 4)
    return scores


def selection_score(scores: dict[str, float]) -> float:
    """What picks the best checkpoint: the mean of the four headline development scores."""
    keys = ("tweeteval/en", "umsab/mean", "hinglish/hi", "emotion/en")
    return float(np.mean([scores.get(k, 0.0) for k in keys]))


# ----------------------------------------------------------------------------------------------------
def train_top(model: MeanPoolClassifier, tokenizer: PreTrainedTokenizerBase, examples: Sequence[Example],
              dev_texts: DevTexts, work: Path, out_dir: Path, config: TopConfig | None = None, *,
              autocast: bool | None = None, log: Callable[[str], None] = print) -> dict[str, Any]:
    """Fine-tune the top layers and heads of `model` (the shipped classifier, adapter merged) on
    `examples`; `dev_texts` maps (dataset, language) to (texts, gold labels). Writes `top.*` to `out_dir`."""
    import torch

    from .hardware import cpu_features

    config = config or TopConfig()
    device = model.device
    if autocast is None:  # bf16 where the hardware computes it natively: any CUDA GPU here, AVX512-BF16/AMX CPUs
        autocast = device.type == "cuda" or cpu_features().native_bf16
    torch.manual_seed(config.seed)
    work = Path(work)
    started = time.time()
    texts, dev_rows = _with_dev_texts(examples, dev_texts)
    log(f"{len(examples)} training examples, {len(texts) - len(examples)} development texts; "
        f"training the top {config.layers} layers on {device}; bf16 autocast {'on' if autocast else 'off'}")
    cache = build_cache(model, tokenizer, texts, work / "hidden", config, autocast=autocast, log=log)
    cache_seconds = time.time() - started
    log(f"hidden-state cache ready after {cache_seconds:.0f} s")
    fit = _TopFit(Heads(model, config), cache, examples, dev_rows, config, Path(out_dir), autocast=autocast,
                  log=log, started=started, cache_seconds=cache_seconds)
    fit.train(work / "checkpoint.pt")
    if config.emotion_refit_epochs:
        fit.refit_emotions()
    return fit.finish()


def _with_dev_texts(examples: Sequence[Example], dev_texts: DevTexts) -> tuple[list[str], DevRows]:
    """Every text to cache (the training examples', then each development set's) and, per development
    set, its cache rows and gold labels."""
    texts = [ex.text for ex in examples]
    dev_rows: DevRows = {}
    for key, (dev_list, gold) in dev_texts.items():
        dev_rows[key] = (list(range(len(texts), len(texts) + len(dev_list))), list(gold))
        texts += list(dev_list)
    return texts, dev_rows


class _Targets:
    """What the training examples are scored against: sentiment labels (the neutral logit masked for
    polarity-only examples, classes balanced) or emotion labels (weighted by `emotion_weight`)."""

    def __init__(self, examples: Sequence[Example], device: torch.device, emotion_weight: float) -> None:
        import torch

        self.device = device
        self.emotion_weight = emotion_weight
        self.is_emotion = np.array([ex.label_set == EMOTION for ex in examples])
        self.labels = torch.tensor([ex.label for ex in examples], dtype=torch.long)
        self.allowed = torch.ones((len(examples), len(LABELS)), dtype=torch.bool)
        self.allowed[[i for i, ex in enumerate(examples) if ex.label_set == POLARITY_ONLY], 1] = False
        counts = np.bincount([ex.label for ex in examples if ex.label_set not in (EMOTION, POLARITY_ONLY)],
                             minlength=len(LABELS)).astype(float)
        class_weight = torch.tensor(counts.sum() / (len(LABELS) * counts), dtype=torch.float32)
        self.class_weight = (class_weight / class_weight.mean()).to(device)

    def loss(self, sent: torch.Tensor, emo: torch.Tensor, rows: IntArray) -> torch.Tensor:
        """The batch's summed loss from its sentiment and emotion logits (`rows`: the examples' indices)."""
        import torch
        from torch.nn.functional import cross_entropy

        idx = torch.from_numpy(rows)
        emo_rows = torch.from_numpy(self.is_emotion[rows])
        loss = torch.zeros((), device=self.device)
        if (~emo_rows).any():
            logits = sent[~emo_rows.to(self.device)].masked_fill(~self.allowed[idx[~emo_rows]].to(self.device), -1e4)
            loss = loss + cross_entropy(logits, self.labels[idx[~emo_rows]].to(self.device), weight=self.class_weight)
        if emo_rows.any():
            loss = loss + self.emotion_weight * cross_entropy(emo[emo_rows.to(self.device)],
                                                              self.labels[idx[emo_rows]].to(self.device))
        return loss


class _Optimisation:
    """AdamW over the trained layers and heads (everything else frozen) with a linear warm-up schedule,
    checkpointed with the run's state so an interrupted run resumes at its step."""

    def __init__(self, heads: Heads, config: TopConfig, total: int, checkpoint: Path) -> None:
        import torch
        from transformers import get_linear_schedule_with_warmup

        self.heads = heads
        self.checkpoint = checkpoint
        layer_params, head_params = heads.parameters()
        for p in heads.model.parameters():
            p.requires_grad_(False)
        for p in (*layer_params, *head_params):
            p.requires_grad_(True)
        self.trained = [*layer_params, *head_params]
        self.optimizer = torch.optim.AdamW([{"params": layer_params, "lr": config.lr},
                                            {"params": head_params, "lr": config.head_lr}],
                                           weight_decay=config.weight_decay)
        self.scheduler = get_linear_schedule_with_warmup(self.optimizer, int(config.warmup * total), total)

    def resume(self) -> _RunState | None:
        """The run state saved with the checkpoint, weights and optimiser restored; None without one."""
        import torch

        if not self.checkpoint.is_file():
            return None
        saved = torch.load(self.checkpoint, weights_only=False, map_location=self.heads.model.device)
        self.heads.load_state_dict(saved["weights"])
        self.optimizer.load_state_dict(saved["optimizer"])
        self.scheduler.load_state_dict(saved["scheduler"])
        state: _RunState = saved["state"]
        return state

    def save(self, state: _RunState) -> None:
        import torch

        partial = self.checkpoint.with_suffix(".partial")
        torch.save({"weights": self.heads.state_dict(), "optimizer": self.optimizer.state_dict(),
                    "scheduler": self.scheduler.state_dict(), "state": state}, partial)
        os.replace(partial, self.checkpoint)

    def step(self, loss: torch.Tensor) -> float:
        """One optimiser and schedule step on `loss`; its value."""
        import torch

        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.trained, 1.0)
        self.optimizer.step()
        self.scheduler.step()
        self.optimizer.zero_grad(set_to_none=True)
        return float(loss.detach())


class _Evaluation(TypedDict):
    """One scoring of the development sets during training (`emotion_refit`: set on the final, refitted one)."""

    step: int
    epoch: float
    loss: float
    seconds: int
    dev: dict[str, float]
    emotion_refit: NotRequired[bool]


class _RunState(TypedDict):
    """What a checkpoint keeps of a run beside the weights: a plain dict, so older checkpoints still load."""

    step: int
    history: list[_Evaluation]
    best: _Evaluation | None


@dataclass
class _TopFit:
    """One `train_top` run over its built cache; `state` (step, history, best) is what checkpoints keep."""

    heads: Heads
    cache: HiddenCache
    examples: Sequence[Example]
    dev_rows: DevRows
    config: TopConfig
    out_dir: Path
    autocast: bool
    log: Callable[[str], None]
    started: float
    cache_seconds: float
    state: _RunState = field(default_factory=lambda: _RunState(step=0, history=[], best=None))

    def train(self, checkpoint: Path) -> None:
        """The multi-task epochs, scored on the development sets `evals` times; the best state is written."""
        config = self.config
        targets = _Targets(self.examples, self.heads.model.device, config.emotion_weight)
        pool = np.concatenate([np.full(config.repeats.get(ex.source, 1), i) for i, ex in enumerate(self.examples)])
        steps_per_epoch = -(-len(pool) // config.batch_size)
        total = max(1, round(steps_per_epoch * config.epochs))
        optimisation = _Optimisation(self.heads, config, total, checkpoint)
        saved = optimisation.resume()
        if saved is not None:
            self.state = saved
            self.log(f"resumed at step {self.state['step']}/{total}")
        eval_at = {round(total * k / config.evals) for k in range(1, config.evals + 1)}
        train_started, losses = time.time(), []
        for rows in self._batches(pool, steps_per_epoch, total):
            losses.append(optimisation.step(targets.loss(*self._forward(rows), rows)))
            self.state["step"] += 1
            step = self.state["step"]
            if step % 50 == 0:
                rate = len(losses) / (time.time() - train_started)
                self.log(f"  step {step}/{total} loss {np.mean(losses[-50:]):.4f} ({rate:.2f} steps/s, "
                         f"{(total - step) / rate / 60:.0f} min left)")
            if step in eval_at or step == total:
                self._evaluate(step, step / steps_per_epoch, losses)
            if step % config.checkpoint_every == 0 or step == total:
                optimisation.save(self.state)

    def _batches(self, pool: IntArray, steps_per_epoch: int, total: int) -> Iterator[IntArray]:
        """The batches from the run's step to `total`; an epoch's order depends on (seed, epoch) only, so a
        resumed run sees the batches it would have."""
        lengths = self.cache.lengths()
        while self.state["step"] < total:
            epoch, within = divmod(self.state["step"], steps_per_epoch)
            for rows in _epoch_batches(lengths, pool, self.config.batch_size, self.config.seed * 1000 + epoch)[within:]:
                yield rows
                if self.state["step"] >= total:
                    return

    def _forward(self, rows: IntArray) -> tuple[torch.Tensor, torch.Tensor]:
        import torch

        device = self.heads.model.device
        hidden, mask = (t.to(device) for t in self.cache.batch(rows))
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=self.autocast):
            sent, emo = self.heads.forward(hidden, mask, train=True)
        return sent.to(device), emo.to(device)

    def _evaluate(self, step: int, epoch: float, losses: list[float]) -> None:
        scores = dev_scores(self.heads, self.cache, self.dev_rows, autocast=self.autocast)
        entry: _Evaluation = {"step": step, "epoch": round(epoch, 2), "loss": float(np.mean(losses[-200:])),
                              "seconds": round(time.time() - self.started), "dev": scores}
        self.state["history"].append(entry)
        self.log(f"step {step}: " + ", ".join(f"{k} {v:.3f}" for k, v in scores.items()))
        best = self.state["best"]
        if best is None or selection_score(scores) > selection_score(best["dev"]):
            self.state["best"] = entry
            self._write(entry)
            self.log(f"  best so far (selection {selection_score(scores):.4f}): wrote {self.out_dir / TOP_WEIGHTS}")

    def refit_emotions(self) -> None:
        """Refit the emotion head on the best state's layers (`refit_emotion_head`) and write the result."""
        from safetensors.torch import load_file

        best = self.state["best"]
        if best is None:
            raise RuntimeError("no selected state to refit on: run train() first")
        weights = load_file(str(self.out_dir / TOP_WEIGHTS))
        self.heads.load_state_dict({k: v.float() for k, v in weights.items()})
        emotion_rows = [i for i, ex in enumerate(self.examples) if ex.label_set == EMOTION]
        refit_emotion_head(self.heads, self.cache, emotion_rows, [self.examples[i].label for i in emotion_rows],
                           self.config, autocast=self.autocast)
        scores = dev_scores(self.heads, self.cache, self.dev_rows, autocast=self.autocast)
        self.log("after the emotion head refit: " + ", ".join(f"{k} {v:.3f}" for k, v in scores.items()))
        refitted: _Evaluation = {**best, "dev": scores, "emotion_refit": True}
        self.state["best"] = refitted
        self._write(refitted)

    def _write(self, best: _Evaluation) -> None:
        _write(self.heads, self.out_dir, self.config, self.examples, self.state["history"], best,
               self.cache_seconds, self.autocast)

    def finish(self) -> dict[str, Any]:
        """The written report, with the whole run's history (beyond the selected state) added."""
        report_path = self.out_dir / TOP_CONFIG
        report: dict[str, Any] = json.loads(report_path.read_text())
        report["run"]["history"] = self.state["history"]
        report_path.write_text(json.dumps(report, indent=1, sort_keys=True) + "\n")
        return report


def refit_emotion_head(heads: Heads, cache: HiddenCache, rows: Sequence[int], labels: Sequence[int],
                       config: TopConfig, *, autocast: bool) -> None:
    """Refit `heads.model.emotion` from a fresh seeded start on the pooled output of the (frozen) top
    layers for the emotion examples `rows`: full-batch AdamW, `config.emotion_refit_epochs` steps."""
    import torch

    from .modeling import mean_pool

    device = heads.model.device
    for layer in heads.top:
        layer.eval()
    features = []
    for start in range(0, len(rows), 64):
        hidden, mask = (t.to(device) for t in cache.batch(rows[start:start + 64]))
        with torch.inference_mode(), torch.autocast(device.type, dtype=torch.bfloat16, enabled=autocast):
            features.append(mean_pool(run_layers(heads.model, heads.top, hidden, mask), mask).float())
    x = torch.cat(features).clone()  # a normal tensor: inference-mode tensors cannot enter autograd
    y = torch.tensor(list(labels), device=device)
    head = heads.emotion
    torch.manual_seed(config.seed)
    head.reset_parameters()
    optimizer = torch.optim.AdamW(head.parameters(), lr=config.emotion_refit_lr, weight_decay=1e-3)
    for _ in range(config.emotion_refit_epochs):
        optimizer.zero_grad(set_to_none=True)
        torch.nn.functional.cross_entropy(head(x), y).backward()
        optimizer.step()


def _write(heads: Heads, out_dir: Path, config: TopConfig, examples: Sequence[Example], history: list[_Evaluation],
           best: _Evaluation, cache_seconds: float, autocast: bool) -> None:
    """`top.safetensors` (the trained layers and heads as float16) and the `top.json` report for `best`."""
    import torch
    from safetensors.torch import save_file

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    tensors = {k: v.detach().to(torch.float16).contiguous() for k, v in heads.state_dict().items()}
    report = {
        "format": "brandpulse-top-1",
        "layers": list(range(heads.split, heads.split + config.layers)),
        "emotions": list(EMOTIONS),
        "config": asdict(config),
        "data": {"examples": len(examples), "per_source": summary(examples)},
        "run": {"device": heads.model.device.type, "device_name": _device_name(heads.model.device),
                "bf16_autocast": autocast, "cache_seconds": round(cache_seconds), "history": history,
                "torch": torch.__version__, "python": platform.python_version()},
        "dev": best["dev"], "selected_step": best["step"],
        "emotion_refit": bool(best.get("emotion_refit")),
    }
    partial = out_dir / (TOP_WEIGHTS + ".partial")
    save_file(tensors, str(partial), metadata={"format": "pt"})
    os.replace(partial, out_dir / TOP_WEIGHTS)
    (out_dir / TOP_CONFIG).write_text(json.dumps(report, indent=1, sort_keys=True) + "\n")


def _device_name(device: torch.device) -> str:
    import torch

    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    from .hardware import cpu_features

    return cpu_features().model


def dev_texts(root: Path) -> DevTexts:
    """The development sets the fine-tune reports on: `sentiment.evaluate.eval_sets` (TweetEval, UMSAB,
    Hinglish val) and TweetEval emotion val."""
    from .evaluate import emotion_set, eval_sets

    sets = dict(eval_sets(root, "val"))
    emotions = emotion_set(root, "val")
    if emotions is not None:
        sets[("emotion", "en")] = emotions
    return sets


def run_top_training(out_dir: Path, *, data_root: Path, work: Path, config: TopConfig | None = None,
                     sources_cache: Path | None = None, cache_dir: Path | None = None,
                     max_examples: int | None = None, device: str | None = None,
                     log: Callable[[str], None] = print) -> dict[str, Any]:
    """What `brandpulse model train` runs: the shipped LoRA model, the multi-task mix, `train_top` (on a
    CUDA GPU when there is one, else the CPU)."""
    import shutil

    import torch
    from transformers import AutoTokenizer

    from .base import materialize_base
    from .data import multitask_mix
    from .loading import configure_threads, quiet_transformers
    from .modeling import ADAPTER_DIR, MeanPoolClassifier, apply_adapter, classifier_config

    config = config or TopConfig()
    configure_threads()
    base = materialize_base(cache_dir, progress=True)
    tokenizer = AutoTokenizer.from_pretrained(str(base))
    with quiet_transformers():
        model = MeanPoolClassifier.from_pretrained(str(base), config=classifier_config(base, dropout=config.dropout))
    apply_adapter(model, ADAPTER_DIR)
    model.to(device or ("cuda" if torch.cuda.is_available() else "cpu"))  # type: ignore[arg-type]  # transformers types `to`'s wrapper wrongly
    out_dir = Path(out_dir)
    if out_dir.resolve() != ADAPTER_DIR.resolve():  # the LoRA adapter the top layers sit on travels along
        out_dir.mkdir(parents=True, exist_ok=True)
        for name in ("adapter.json", "adapter.safetensors"):
            shutil.copyfile(ADAPTER_DIR / name, out_dir / name)
    examples = multitask_mix(data_root, sources_cache, seed=config.seed, tweeteval_max=config.tweeteval_max)
    dev = dev_texts(Path(data_root))
    if max_examples:
        examples = examples[:max_examples]
        dev = {k: (t[:max_examples], y[:max_examples]) for k, (t, y) in dev.items()}
    return train_top(model, tokenizer, examples, dev, work, out_dir, config, log=log)
