"""Helpers of the benchmark suites: the pinned configuration, extra_info, the slowdown knob.

Every model benchmark runs with a pinned configuration: 1 inference thread, LATENCY hint, and
f32 inference precision for FP32/FP16, and OpenCV on one thread, so numbers stay comparable
across machines and runs, and the process never uses more than one core: the share of its time
it had the CPU (``extra_info["cpu_share"]``, under 1 when other processes competed) tells the
gate when a run was disturbed.

``PERFHARNESS_BENCH_SLOWDOWN=0.10`` is a benchmark-only knob for testing the regression gate:
each benchmarked call then also busy-waits 10 % of that benchmark's own 10th-percentile time
(the location the gate compares), measured once after a warm-up, before timing starts. Under a
deterministic measure (``PERFHARNESS_BENCH_MEASURE``, see ``perfharness.bench.measure``) it adds
fixed work instead: a Python loop of 10 % of the call's own count, counted once before the rounds.

``PERFHARNESS_BENCH_INTERLEAVE_REFERENCE=1`` (``bench run/ab --interleave-reference``) times the
reference network (``reference_model``) just before every round of the other benchmarks (not the
clip's passes, nor calls under MIN_INTERLEAVED_S), outside the round, into
``extra_info["reference_rounds"]`` (one per round, seconds): ``compare --normalize`` then divides
each round by the reference timed next to it, so that the machine's state at that moment cancels.
The benchmark then runs with caches the reference used.
"""

from __future__ import annotations

import functools
import json
import math
import os
import time
from collections.abc import Callable

import numpy as np

from perfharness import zoo
from perfharness.bench import callgrind
from perfharness.bench.measure import MEASURE_ENV, parse_measure
from perfharness.bench.runner import INTERLEAVE_ENV
from perfharness.bench.storage import REFERENCE_ROUNDS
from perfharness.core import sysinfo
from perfharness.runtime.engine import EngineConfig
from perfharness.zoo import layout

BENCH_CONFIG = {"num_threads": 1, "performance_hint": "LATENCY"}
SLOWDOWN = float(os.environ.get("PERFHARNESS_BENCH_SLOWDOWN", "0") or 0)
MEASURE = parse_measure(os.environ.get(MEASURE_ENV))
INTERLEAVE = os.environ.get(INTERLEAVE_ENV) == "1"
CALIBRATION_CALLS = 20  # untimed calls before the interleaved rounds: warm-up, and their duration sets how many
# calls shorter than this are timed as usual even with INTERLEAVE: next to a 1.4 ms reference a
# single call of microseconds is not what the reference's state describes, and pytest-benchmark
# times it in loops, which a per-round setup forbids
MIN_INTERLEAVED_S = 100e-6
COUNTED_ROUNDS = 3  # per process: counts agree to ~0.1 % between rounds, more rounds only cost minutes
COUNTED_WARMUP = 2  # uncounted calls first: first-call allocations and caches are not the call's cost
SPIN_UNIT = 10_000  # loop iterations counted to size the deterministic slowdown


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


def spin(loops: int) -> None:
    """Fixed extra work: an empty Python loop."""
    for _ in range(loops):
        pass


def with_slowdown(function: Callable[[], object]) -> Callable[[], object]:
    """``function`` itself, or (knob set) ``function`` plus a busy-wait of SLOWDOWN x its p10 time
    (a loop of SLOWDOWN x its count under a deterministic measure)."""
    if not SLOWDOWN:
        return function
    if MEASURE.deterministic:
        function()
        start = callgrind.callgrind_count()
        function()
        cost = callgrind.callgrind_count() - start
        start = callgrind.callgrind_count()
        spin(SPIN_UNIT)
        loops = round(cost * SLOWDOWN / (callgrind.callgrind_count() - start) * SPIN_UNIT)

        def extended() -> object:
            result = function()
            spin(loops)
            return result

        return extended
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


def measure(benchmark, function: Callable[[], object], interleave: bool = True) -> object:
    """``benchmark(function)``, recording in extra_info the measure, its unit and the CPU time /
    wall time it got; under a deterministic measure, COUNTED_ROUNDS counted calls after
    COUNTED_WARMUP uncounted ones (callgrind's clock is the benchmark's timer: conftest), and for
    cycles one more under instrumentation, so that the simulated cache is warm. With INTERLEAVE
    (and ``interleave``: not for the reference itself, nor a pass of the clip), the reference is
    timed before every round of a call that takes at least MIN_INTERLEAVED_S."""
    benchmark.extra_info.update(measure=MEASURE.name, unit=MEASURE.unit)
    if MEASURE.deterministic:
        for _ in range(COUNTED_WARMUP):
            function()
        # one more warm-up counted but not kept: the simulated cache starts cold when counting starts
        result = benchmark.pedantic(function, rounds=COUNTED_ROUNDS, iterations=1, warmup_rounds=int(MEASURE.cache_sim))
        benchmark.extra_info["onednn_max_cpu_isa"] = os.environ.get("ONEDNN_MAX_CPU_ISA")
        if MEASURE.cache_sim:
            benchmark.extra_info["cache_model"] = callgrind.counter().cache_model
        return result
    cpu, wall = time.process_time(), time.perf_counter()
    duration = _calibrated(function) if INTERLEAVE and interleave else 0.0
    if duration >= MIN_INTERLEAVED_S:
        result = _interleaved(benchmark, function, duration)
    else:
        result = benchmark(function)
    benchmark.extra_info["cpu_share"] = (time.process_time() - cpu) / (time.perf_counter() - wall)
    return result


def _calibrated(function: Callable[[], object]) -> float:
    """The median of CALIBRATION_CALLS calls of ``function`` (seconds)."""
    durations = []
    for _ in range(CALIBRATION_CALLS):
        start = time.perf_counter()
        function()
        durations.append(time.perf_counter() - start)
    return float(np.median(durations))


def _interleaved(benchmark, function: Callable[[], object], duration: float) -> object:
    """``benchmark.pedantic`` with the reference timed before each round (its ``setup``): as many
    rounds as pytest-benchmark's --benchmark-max-time and --benchmark-min-rounds would give the
    function alone (a call takes ``duration``), after as many warm-up rounds (as
    --benchmark-warmup=on does)."""
    reference = shared_reference()
    rounds = max(benchmark._min_rounds, math.ceil(benchmark._max_time / duration))
    warmup = rounds if benchmark._warmup else 0
    times: list[float] = []

    def time_reference() -> None:
        start = time.perf_counter()
        reference()
        times.append(time.perf_counter() - start)

    result = benchmark.pedantic(function, setup=time_reference, rounds=rounds, warmup_rounds=warmup)
    benchmark.extra_info[REFERENCE_ROUNDS] = times[-rounds:]
    return result


@functools.cache
def shared_reference() -> Callable[[], object]:
    """The reference network, compiled once per process for the interleaved rounds."""
    return reference_model()


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
