"""Helpers of the benchmark suites: the pinned configuration, extra_info, the slowdown knob.

Every model benchmark runs with a pinned configuration: 1 inference thread, LATENCY hint, and
f32 inference precision for FP32/FP16, and OpenCV on one thread, so numbers stay comparable
across machines and runs, and the process never uses more than one core: the share of its time
it had the CPU (``extra_info["cpu_share"]``, under 1 when other processes competed) tells the
gate when a run was disturbed.

``PERFHARNESS_BENCH_SLOWDOWN=0.10`` is a benchmark-only knob for testing the regression gate:
each benchmarked call then also busy-waits 10 % of that benchmark's own 10th-percentile time
(the location the gate compares), measured once after a warm-up, before timing starts.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable

import numpy as np

from perfharness import zoo
from perfharness.core import sysinfo
from perfharness.runtime.engine import EngineConfig
from perfharness.zoo import layout

BENCH_CONFIG = {"num_threads": 1, "performance_hint": "LATENCY"}
SLOWDOWN = float(os.environ.get("PERFHARNESS_BENCH_SLOWDOWN", "0") or 0)


def engine_config(precision: str) -> EngineConfig:
    return EngineConfig(precision=precision, **BENCH_CONFIG)


def model_extra_info(set_name: str, model: str, precision: str) -> dict[str, object]:
    xml = zoo.model_path(set_name, model, precision)
    record = json.loads(layout.record_path(xml).read_text())
    return {
        "model": f"{set_name}/{model}",
        "precision": precision,
        "model_sha256": {"xml": record["xml_sha256"], "bin": record["bin_sha256"]},
        "openvino": sysinfo.software_versions()["openvino"],
        "config": engine_config(precision).compile_properties(),
        "slowdown_knob": SLOWDOWN,
    }


def with_slowdown(function: Callable[[], object]) -> Callable[[], object]:
    """``function`` itself, or (knob set) ``function`` plus a busy-wait of SLOWDOWN x its p10 time."""
    if not SLOWDOWN:
        return function
    samples = []
    for call in range(80):
        start = time.perf_counter()
        function()
        if call >= 20:  # after a warm-up
            samples.append(time.perf_counter() - start)
    delay = float(np.percentile(samples, 10)) * SLOWDOWN

    def slowed() -> object:
        result = function()
        end = time.perf_counter() + delay
        while time.perf_counter() < end:
            pass
        return result

    return slowed


def measure(benchmark, function: Callable[[], object]) -> object:
    """``benchmark(function)``, recording in extra_info the CPU time / wall time it got."""
    cpu, wall = time.process_time(), time.perf_counter()
    result = benchmark(function)
    benchmark.extra_info["cpu_share"] = (time.process_time() - cpu) / (time.perf_counter() - wall)
    return result


def reference_model():
    """A fixed network through OpenVINO (three 3x3 convolutions, 32 channels, 56x56), compiled
    like the models: it reacts to what slows OpenVINO's kernels on this machine, not to the code."""
    import openvino as ov

    try:
        import openvino.opset13 as ops
    except ImportError:  # openvino 2024.6
        import openvino.runtime.opset13 as ops
    rng = np.random.default_rng(0)
    data = ops.parameter([1, 32, 56, 56], np.float32, name="data")
    node = data
    for _ in range(3):
        weights = ops.constant(rng.standard_normal((32, 32, 3, 3)).astype(np.float32) * 0.05)
        node = ops.relu(ops.convolution(node, weights, [1, 1], [1, 1], [1, 1], [1, 1]))
    model = ov.Model([node], [data], "reference")
    compiled = ov.Core().compile_model(model, "CPU", engine_config("FP32").compile_properties())
    request = compiled.create_infer_request()
    feed = {0: rng.standard_normal((1, 32, 56, 56)).astype(np.float32)}
    return lambda: request.infer(feed)
