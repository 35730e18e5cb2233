"""Helpers of the benchmark suites: the pinned configuration, extra_info, the slowdown knob.

Every model benchmark runs with a pinned configuration: 1 inference thread, LATENCY hint, and
f32 inference precision for FP32/FP16, so numbers stay comparable across machines and runs.

``PERFHARNESS_BENCH_SLOWDOWN=0.10`` is a benchmark-only knob for testing the regression gate:
each benchmarked call then also busy-waits 10 % of that benchmark's own median, measured once
before timing starts.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable

import numpy as np

from perfharness import sysinfo, zoo
from perfharness.engine import EngineConfig
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
    """``function`` itself, or (knob set) ``function`` plus a busy-wait of SLOWDOWN x its median."""
    if not SLOWDOWN:
        return function
    samples = []
    for _ in range(31):
        start = time.perf_counter()
        function()
        samples.append(time.perf_counter() - start)
    delay = float(np.median(samples)) * SLOWDOWN

    def slowed() -> object:
        result = function()
        end = time.perf_counter() + delay
        while time.perf_counter() < end:
            pass
        return result

    return slowed
