from __future__ import annotations

import numpy as np
import pytest

from brandpulse.sentiment.evaluate import confusion, evaluate, macro_f1, macro_recall, vader_predictor


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


def test_emotions_are_scored_by_macro_f1_over_the_four_classes():
    from brandpulse.sentiment.evaluate import evaluate_emotions

    result = evaluate_emotions(lambda texts: [0, 1, 2, 3, 0], ["a", "b", "c", "d", "e"], [0, 1, 2, 3, 3])
    assert (result.dataset, result.metric, result.n) == ("emotion", "macro_f1", 5)
    assert result.value == pytest.approx((2 / 3 + 1 + 1 + 2 / 3) / 4)


@pytest.mark.parametrize("command", [["model", "eval"], ["model", "train"]])
def test_model_commands_need_the_development_data_and_say_how_to_give_it(command, monkeypatch, tmp_path):
    from typer.testing import CliRunner

    from brandpulse.cli import app

    monkeypatch.delenv("BRANDPULSE_DATA", raising=False)
    missing = CliRunner().invoke(app, command, env={"COLUMNS": "200"})
    assert missing.exit_code == 2
    assert "pass --data DIR or set BRANDPULSE_DATA" in " ".join(missing.output.split())
    wrong = CliRunner().invoke(app, [*command, "--data", str(tmp_path)], env={"COLUMNS": "200"})
    assert wrong.exit_code == 2 and "no sentiment development data there" in " ".join(wrong.output.split())
