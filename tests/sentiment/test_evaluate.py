from __future__ import annotations

import numpy as np
import pytest

from sentiment.evaluate import confusion, evaluate, macro_f1, macro_recall, vader_predictor


def test_metrics_match_their_definitions():
    from sklearn.metrics import f1_score, recall_score

    rng = np.random.default_rng(0)
    gold, pred = rng.integers(0, 3, 500).tolist(), rng.integers(0, 3, 500).tolist()
    m = confusion(gold, pred)
    assert m.sum() == 500 and m[0, 1] == sum(g == 0 and p == 1 for g, p in zip(gold, pred, strict=True))
    assert macro_recall(m) == pytest.approx(recall_score(gold, pred, average="macro"))
    assert macro_f1(m) == pytest.approx(f1_score(gold, pred, average="macro"))


def test_evaluate_reports_official_metrics_and_the_umsab_mean():
    sets = {("tweeteval", "en"): (["a", "b", "c"], [0, 1, 2]),
            ("umsab", "fr"): (["a", "b", "c"], [0, 1, 2]), ("umsab", "de"): (["a", "b", "c"], [0, 1, 1])}
    results = evaluate(lambda texts: [0, 1, 2], sets)
    by = {(r.dataset, r.language): r for r in results}
    assert by[("tweeteval", "en")].metric == "macro_recall" and by[("tweeteval", "en")].value == 1.0
    assert by[("umsab", "fr")].metric == "macro_f1" and by[("umsab", "fr")].value == 1.0
    assert by[("umsab", "mean")].value == pytest.approx((1.0 + by[("umsab", "de")].value) / 2)


def test_vader_baseline():
    predict = vader_predictor()
    assert predict(["I love it, wonderful!", "This is terrible and awful.", "The meeting is at 3pm."]) == [2, 0, 1]
