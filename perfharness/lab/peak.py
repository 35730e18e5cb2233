"""The machine's attainable compute peak through OpenVINO: a large MatMul on one thread.

Measured once per CPU model, OpenVINO version and kind (f32, int8) and cached in
``<cache>/lab/peak.json``; ``f32`` serves FP32/FP16 models, ``int8`` INT8 ones.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from time import perf_counter

import numpy as np

from perfharness.core.atomic import atomic_write_bytes
from perfharness.lab.opset import ops
from perfharness.runtime.engine import core
from perfharness.zoo.cache import cache_errors, cache_lock, cache_root
from perfharness.zoo.layout import openvino_version_tag
from perfharness.zoo.runtime import ov

SIZE = 1024  # an N x N x N MatMul: 2.1 GFLOP, ~20 ms at 100 GFLOP/s
RUNS = 5


def cpu_model() -> str:
    """Vendor, model name, family/model/stepping from /proc/cpuinfo (the device name elsewhere)."""
    fields: dict[str, str] = {}
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            key, _, value = line.partition(":")
            fields.setdefault(key.strip(), value.strip())
    if "model name" not in fields:
        return str(core().get_property("CPU", "FULL_DEVICE_NAME"))
    return (f"{fields.get('vendor_id', '?')} {fields['model name']} family {fields.get('cpu family', '?')} "
            f"model {fields.get('model', '?')} stepping {fields.get('stepping', '?')}")


def peak_key(kind: str) -> str:
    return f"{cpu_model()} | openvino {openvino_version_tag()} | 1 thread | {kind}"


def peak_gflops(kind: str) -> float:
    """Attainable GFLOP/s (``f32``) or GOP/s (``int8``) on one thread, from the cache or measured now
    (a damaged ``peak.json`` is measured over; a cache this process cannot write keeps no copy)."""
    path = cache_root() / "lab" / "peak.json"
    key = peak_key(kind)
    with cache_errors(), cache_lock():
        table = _read_table(path)
        if key not in table:
            table[key] = measure(kind)
            with contextlib.suppress(OSError):  # read-only: measured again next time
                atomic_write_bytes(path, json.dumps(table, indent=1).encode())
    return float(table[key])


def _read_table(path: Path) -> dict[str, float]:
    try:
        table = json.loads(path.read_bytes())
    except (FileNotFoundError, ValueError):
        return {}
    if not isinstance(table, dict):
        return {}
    return {key: value for key, value in table.items() if isinstance(value, (int, float))}


def matmul_model(kind: str, size: int = SIZE) -> ov.Model:
    """``x @ W`` with x a Parameter; for ``int8`` both sides are quantized, as NNCF leaves a layer."""
    rng = np.random.default_rng(0)
    x = ops.parameter([size, size], np.float32)
    if kind == "f32":
        weight = ops.constant(rng.random((size, size), np.float32))
        return ov.Model([ops.matmul(x, weight, False, False).output(0)], [x], "peak_f32")
    lo, hi = ops.constant(np.float32(0)), ops.constant(np.float32(1))
    quantized = ops.fake_quantize(x, lo, hi, lo, hi, 256)
    stored = ops.constant(rng.integers(-127, 128, (size, size), dtype=np.int8))
    weight = ops.multiply(ops.convert(stored, np.float32), ops.constant(np.float32(0.01)))
    return ov.Model([ops.matmul(quantized, weight, False, False).output(0)], [x], "peak_int8")


def measure(kind: str, size: int = SIZE, runs: int = RUNS) -> float:
    """Best-of-``runs`` GFLOP/s of the MatMul, 1 thread, LATENCY, f32 hint for the float parts."""
    if kind not in ("f32", "int8"):
        raise ValueError(f"peak kind is f32 or int8, not {kind!r}")
    compiled = core().compile_model(matmul_model(kind, size), "CPU", {
        "INFERENCE_NUM_THREADS": "1", "PERFORMANCE_HINT": "LATENCY", "INFERENCE_PRECISION_HINT": "f32"})
    request = compiled.create_infer_request()
    x = np.random.default_rng(1).random((size, size), np.float32)
    request.infer({0: x})
    best = float("inf")
    for _ in range(runs):
        start = perf_counter()
        request.infer({0: x})
        best = min(best, perf_counter() - start)
    return 2 * size**3 / best / 1e9
