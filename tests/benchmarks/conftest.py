"""pytest-benchmark hooks and fixtures of the benchmark suites (helpers in bench_support)."""

from __future__ import annotations

import cv2
import pytest
from bench_support import engine_config

from perfharness import sysinfo
from perfharness.gaze.pipeline import build_pipeline


def pytest_benchmark_update_machine_info(config, machine_info):
    info = sysinfo.cpu_info()
    machine_info["cpu_model"] = info["model"]
    machine_info["cpu_flags_notable"] = info["flags"]
    machine_info["usable_cores"] = info["usable_cores"]
    machine_info["software"] = sysinfo.software_versions()


@pytest.fixture(scope="session")
def bench_pipelines() -> dict[str, object]:
    """The mediapipe chain per precision, compiled with the pinned benchmark configuration."""
    cv2.setNumThreads(1)  # part of the pinned configuration: one core in use, see bench_support
    return {precision: build_pipeline("mediapipe", engine_config(precision)) for precision in ("FP32", "FP16")}
