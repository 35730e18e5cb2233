"""The peak is measured once per machine key and then read from the cache."""

from __future__ import annotations

import json

import pytest

from perfharness.lab import peak


def test_measured_once_then_cached(tmp_path, monkeypatch):
    monkeypatch.setenv("PERFHARNESS_CACHE", str(tmp_path))
    calls = []
    monkeypatch.setattr(peak, "measure", lambda kind: calls.append(kind) or 123.0)
    assert peak.peak_gflops("f32") == 123.0 and peak.peak_gflops("f32") == 123.0
    assert calls == ["f32"]
    table = json.loads((tmp_path / "lab" / "peak.json").read_text())
    assert list(table) == [peak.peak_key("f32")]
    assert "openvino" in peak.peak_key("f32") and peak.cpu_model() in peak.peak_key("f32")


@pytest.mark.parametrize("kind", ["f32", "int8"])
def test_small_matmul_measures_a_positive_rate(kind):
    assert peak.measure(kind, size=64, runs=2) > 0


def test_unknown_kind():
    with pytest.raises(ValueError, match="f32 or int8"):
        peak.measure("bf16")
