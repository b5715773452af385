"""Any model by Hub id or local path, with generic label mapping (tested with tiny random local models)."""

from __future__ import annotations

import numpy as np
import pytest

from brandpulse.sentiment.scorer import label_matrix


def _rows(matrix: np.ndarray) -> list[int]:
    return [int(np.argmax(row)) for row in matrix]


@pytest.mark.parametrize(("id2label", "expected"), [
    ({0: "negative", 1: "neutral", 2: "positive"}, [0, 1, 2]),
    ({0: "Negative", 1: "Neutral", 2: "Positive"}, [0, 1, 2]),
    ({0: "POSITIVE", 1: "NEGATIVE"}, [2, 0]),
    ({0: "LABEL_0", 1: "LABEL_1", 2: "LABEL_2"}, [0, 1, 2]),
    ({0: "LABEL_0", 1: "LABEL_1"}, [0, 2]),
    ({0: "1 star", 1: "2 stars", 2: "3 stars", 3: "4 stars", 4: "5 stars"}, [0, 0, 1, 2, 2]),
    ({0: "Very Negative", 1: "Negative", 2: "Neutral", 3: "Positive", 4: "Very Positive"}, [0, 0, 1, 2, 2]),
    ({0: "neg", 1: "pos"}, [0, 2]),
])
def test_label_names_map_generically(id2label, expected):
    assert _rows(label_matrix(id2label)) == expected


def test_unknown_labels_are_refused():
    with pytest.raises(ValueError):
        label_matrix({0: "joy", 1: "anger", 2: "surprise"})


def _tiny_model(path, base_model, id2label):
    """A randomly initialised 2-layer BERT classifier saved with the real XLM-R tokenizer."""
    import torch
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

    torch.manual_seed(0)
    config = BertConfig(vocab_size=250037, hidden_size=16, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=32, max_position_embeddings=128, num_labels=len(id2label),
                        id2label=id2label, label2id={v: k for k, v in id2label.items()}, pad_token_id=1)
    BertForSequenceClassification(config).save_pretrained(str(path))
    tokenizer = AutoTokenizer.from_pretrained(str(base_model))
    tokenizer.model_max_length = 128
    tokenizer.save_pretrained(str(path))
    return path


@pytest.mark.parametrize("id2label", [
    {0: "negative", 1: "neutral", 2: "positive"},
    {0: "1 star", 1: "2 stars", 2: "3 stars", 3: "4 stars", 4: "5 stars"},
    {0: "LABEL_0", 1: "LABEL_1"},
])
def test_local_model_by_path(tmp_path, base_model, id2label):
    from brandpulse.sentiment import load_scorer

    path = _tiny_model(tmp_path / "tiny", base_model, id2label)
    scorer = load_scorer(str(path))
    assert scorer.model_id.startswith("tiny@")
    assert scorer.max_length == 128
    long_text = "word " * 400  # longer than this model's 128-token window: chunked
    results = scorer.score(["good", "", "😀", long_text])
    for r in results:
        assert sum(r.probabilities.values()) == pytest.approx(1.0)
        assert -1 <= r.score <= 1
    if len(id2label) == 2:
        assert all(r.probabilities["neutral"] == 0 for r in results if r.probabilities["negative"] > 0)
    assert scorer.embed(["good", "bad"]).shape == (2, 16)


def test_model_id_follows_the_weights(tmp_path, base_model):
    from brandpulse.sentiment import load_scorer, model_id_for

    labels = {0: "negative", 1: "neutral", 2: "positive"}
    first = load_scorer(str(_tiny_model(tmp_path / "m", base_model, labels))).model_id
    again = load_scorer(str(tmp_path / "m")).model_id
    assert first == again == model_id_for(str(tmp_path / "m"))
    import torch
    from transformers import BertForSequenceClassification

    model = BertForSequenceClassification.from_pretrained(str(tmp_path / "m"))
    with torch.no_grad():
        model.classifier.bias += 1
    model.save_pretrained(str(tmp_path / "m"))
    assert load_scorer(str(tmp_path / "m")).model_id != first
    assert model_id_for("someone/some-model", cache_dir=tmp_path) == "someone/some-model"  # not downloaded


def test_label_map_override(tmp_path, base_model):
    from brandpulse.sentiment import load_scorer

    path = _tiny_model(tmp_path / "emo", base_model, {0: "joy", 1: "anger", 2: "meh"})
    with pytest.raises(ValueError):
        load_scorer(str(path))
    scorer = load_scorer(str(path), label_map={"joy": "positive", "anger": "negative", "meh": "neutral"})
    assert _rows(scorer.labels) == [2, 0, 1]
