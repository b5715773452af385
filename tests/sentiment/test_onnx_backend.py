"""The ONNX Runtime backend computes what the PyTorch reference computes, and is exported once per model id."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

pytest.importorskip("onnxruntime")

TEXTS = [
    "I love this phone, the battery lasts forever",
    "worst customer service ever, still waiting for a refund",
    "Le colis est arrivé mardi.",
    "¡Qué maravilla de producto!",
    "這個產品太糟糕了",
    "ok",
    "The update broke my settings. " * 120,  # about 840 tokens: two windows
]


@pytest.fixture(scope="module")
def onnx_scorer(bp_cache, base_model):
    from brandpulse.sentiment import load_scorer

    return load_scorer(cache_dir=bp_cache, backend="onnx")


def test_the_onnx_backend_runs_on_onnx_runtime(onnx_scorer, bp_cache):
    from brandpulse.sentiment.onnx_backend import FILE_NAME, export_dir

    assert onnx_scorer.backend == "onnx" and onnx_scorer.runtime == "onnx-fp32"
    assert (export_dir(onnx_scorer.model_id, bp_cache) / FILE_NAME).is_file()


def test_onnx_probabilities_match_pytorch_for_sentiment_and_emotions(onnx_scorer):
    reference = dataclasses.replace(onnx_scorer, onnx=None, path="torch-fp32")
    assert reference.backend == "torch"
    expected = reference.predict_all(TEXTS)
    got = onnx_scorer.predict_all(TEXTS)
    assert got.shape == expected.shape == (len(TEXTS), 3 + len(onnx_scorer.emotion_labels))
    assert np.abs(got - expected).max() < 1e-4
    assert (got[:, :3].argmax(1) == expected[:, :3].argmax(1)).all()


def test_torch_backend_can_be_chosen(bp_cache, base_model):
    from brandpulse.sentiment import load_scorer

    assert load_scorer(cache_dir=bp_cache, backend="torch").backend == "torch"
    with pytest.raises(ValueError, match="backend"):
        load_scorer(cache_dir=bp_cache, backend="tensorrt")


def test_a_new_model_id_gets_its_own_export_and_later_loads_reuse_it(onnx_scorer, tmp_path):
    from brandpulse.sentiment.onnx_backend import FILE_NAME, export_dir, max_difference, onnx_classifier

    other_id = "brandpulse/e5-small-sentiment@0123456789ab"
    target = export_dir(other_id, tmp_path) / FILE_NAME
    assert not target.exists()
    first = onnx_classifier(onnx_scorer.model, other_id, num_threads=1, cache_dir=tmp_path)
    assert first.path == target and target.is_file()
    assert export_dir(onnx_scorer.model_id, tmp_path) != target.parent
    exported_at = target.stat().st_mtime_ns
    again = onnx_classifier(onnx_scorer.model, other_id, num_threads=1, cache_dir=tmp_path)
    assert target.stat().st_mtime_ns == exported_at  # loaded, not exported again
    assert max_difference(onnx_scorer.model, again) < 1e-4


def test_model_info_says_where_the_onnx_export_lives(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from brandpulse.cli import app
    from brandpulse.sentiment.modeling import default_model_id
    from brandpulse.sentiment.onnx_backend import FILE_NAME, export_dir

    monkeypatch.setenv("BRANDPULSE_CACHE", str(tmp_path))
    info = CliRunner().invoke(app, ["model", "info"], env={"COLUMNS": "400"}, catch_exceptions=False)
    assert "ONNX Runtime (exported into the cache on first load)" in info.output
    target = export_dir(default_model_id()) / FILE_NAME
    target.parent.mkdir(parents=True)
    target.write_bytes(b"")
    info = CliRunner().invoke(app, ["model", "info"], env={"COLUMNS": "400"}, catch_exceptions=False)
    assert f"ONNX Runtime, {target}" in info.output
