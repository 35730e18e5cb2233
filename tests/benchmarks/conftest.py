"""pytest-benchmark hooks and fixtures of the benchmark suites (helpers in bench_support)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import cv2
import pytest
from bench_support import engine_config

from perfharness.core import sysinfo
from perfharness.gaze.pipeline import build_pipeline
from perfharness.instrument.capture import FOREIGN_EVERY, attach_collector, collector_log
from perfharness.instrument.collector import LIB_ENV, set_recording


def pytest_benchmark_update_machine_info(config, machine_info):
    info = sysinfo.cpu_info()
    machine_info["cpu_model"] = info["model"]
    machine_info["cpu_flags_notable"] = info["flags"]
    machine_info["usable_cores"] = info["usable_cores"]
    machine_info["software"] = sysinfo.software_versions()


@pytest.fixture(scope="session")
def bench_pipelines() -> dict[str, object]:
    """The mediapipe chain per precision, compiled with the pinned benchmark configuration, with
    the controller's default switches (tracking, both eyes in one inference)."""
    cv2.setNumThreads(1)  # part of the pinned configuration: one core in use, see bench_support
    return {precision: build_pipeline("mediapipe", engine_config(precision)) for precision in ("FP32", "FP16")}


@pytest.fixture(scope="session")
def published_pipelines() -> dict[str, object]:
    """The same, with every model as published (the iris model at batch 1), for the model suite."""
    cv2.setNumThreads(1)
    return {precision: build_pipeline("mediapipe", engine_config(precision), eye_batch=1) for precision in ("FP32", "FP16")}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """``PERFHARNESS_BENCH_ORDER=k/N`` (set by ``perfharness bench run`` for its k-th of N worker
    processes) rotates the benchmarks by k/N of their number, so that a slow minute of the
    machine lands on different benchmarks in different workers."""
    order = os.environ.get("PERFHARNESS_BENCH_ORDER")
    if not order or not items:
        return
    k, n = (int(part) for part in order.split("/"))
    shift = k * len(items) // n
    items[:] = items[shift:] + items[:shift]


_COLLECTOR: dict[str, object] = {}


def pytest_configure(config: pytest.Config) -> None:
    """When benchmarks run, attach the project's ITT collector to this process before its first
    ITT call, as a scenario run does, with every domain off (ITT then costs what it costs with
    no collector), so that one benchmark can switch it on and off between rounds."""
    if config.getoption("benchmark_skip", False):
        return
    trace = Path(tempfile.mkdtemp(prefix="perfharness-bench-itt-")) / "trace.json"
    reason = attach_collector(trace)
    if reason is None:
        library = Path(os.environ[LIB_ENV])
        set_recording(library, False)
        _COLLECTOR.update(library=library, log=collector_log(trace), foreign_every=FOREIGN_EVERY)
    else:
        _COLLECTOR["reason"] = reason


@pytest.fixture(scope="session")
def collector() -> dict[str, object]:
    """{"library": the attached collector, "log": its log}, or the test is skipped with why not."""
    if "library" not in _COLLECTOR:
        pytest.skip(f"the ITT collector is not attached: {_COLLECTOR.get('reason', 'benchmarks are skipped')}")
    return _COLLECTOR
