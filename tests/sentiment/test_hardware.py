"""The inference path is chosen at load from what the machine has (read at run time, never assumed)."""

from __future__ import annotations

import pytest

from brandpulse.sentiment.hardware import CpuFeatures, choose_path, cpu_features

AVX2 = CpuFeatures("AMD EPYC", frozenset({"avx2", "fma"}), "AVX2")
AVX512_BF16 = CpuFeatures("AMD EPYC", frozenset({"avx2", "avx512f", "avx512_bf16", "avx512_vnni"}), "AVX512")
AMX = CpuFeatures("Intel Xeon", frozenset({"avx2", "avx512f", "amx_bf16", "amx_tile"}), "AVX512")


@pytest.fixture
def no_gpu(monkeypatch):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)


def test_cpus_with_native_bf16_get_bf16_autocast_and_others_onnx_float32(no_gpu):
    assert choose_path(features=AVX512_BF16) == "cpu-bf16"
    assert choose_path(features=AMX) == "cpu-bf16"
    pytest.importorskip("onnxruntime")
    assert choose_path(features=AVX2) == "onnx-fp32"  # never int8: it lost 6 % of the labels


def test_a_gpu_wins_and_explicit_backends_override_the_choice(monkeypatch):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda: True)
    assert choose_path(features=AVX2) == "cuda-bf16"
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda: False)
    assert choose_path(features=AVX2) == "cuda-fp32"
    assert choose_path("torch", features=AVX512_BF16) == "torch-fp32"
    assert choose_path("onnx", features=AVX512_BF16) == "onnx-fp32"
    assert choose_path("bf16", features=AVX2) == "cpu-bf16"


def test_asking_for_cuda_without_a_gpu_is_an_error(no_gpu):
    with pytest.raises(RuntimeError, match="no CUDA device"):
        choose_path("cuda", features=AVX2)


def test_this_machines_features_come_from_the_kernel():
    found = cpu_features()
    with open("/proc/cpuinfo") as f:
        listed = next(line for line in f if line.startswith("flags")).split(":", 1)[1].split()
    assert found.flags == frozenset(listed)
    assert found.native_bf16 == bool({"avx512_bf16", "amx_bf16"} & set(listed))
    assert found.model in found.describe() and found.torch_capability in found.describe()
