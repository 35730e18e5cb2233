"""pytest-benchmark hooks and fixtures of the benchmark suites (helpers in bench_support).

``PERFHARNESS_BENCH_MEASURE=instructions`` (or ``cycles``) makes a plain ``pytest tests/benchmarks
--benchmark-only`` count instead of time (``perfharness.bench.measure``): this process starts the
same command again under callgrind, with one thread everywhere, and waits for it; in there, each
benchmark's rounds are timed by ``perfharness.bench.callgrind.callgrind_count``. Benchmarks marked
``time_only`` cannot be counted: they are left out, or refused when ``-k`` selects them.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import NoReturn

import cv2
import pytest
from bench_support import MEASURE, engine_config

from perfharness.bench import callgrind
from perfharness.bench.measure import DETERMINISTIC_ENV, OUT_DIR_ENV, require_valgrind, valgrind_command
from perfharness.core import sysinfo
from perfharness.core.children import spawn
from perfharness.core.errors import UsageError
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


@pytest.hookimpl(trylast=True)  # after -k and -m have deselected
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """``PERFHARNESS_BENCH_ORDER=k/N`` (set by ``perfharness bench run`` for its k-th of N worker
    processes) rotates the benchmarks by k/N of their number, so that a slow minute of the
    machine lands on different benchmarks in different workers."""
    if MEASURE.deterministic:
        _countable_only(config, items)
    order = os.environ.get("PERFHARNESS_BENCH_ORDER")
    if not order or not items:
        return
    k, n = (int(part) for part in order.split("/"))
    shift = k * len(items) // n
    items[:] = items[shift:] + items[:shift]


def _countable_only(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under a deterministic measure: every benchmark timed by callgrind's clock; those marked
    ``time_only`` left out, or (selected by ``-k``) refused before anything runs."""
    uncountable = [item for item in items if item.get_closest_marker("time_only")]
    if uncountable and config.getoption("keyword"):
        reason = uncountable[0].get_closest_marker("time_only").args[0]
        raise pytest.UsageError(f"{uncountable[0].name} cannot be counted under --measure {MEASURE.name}: {reason}; "
                                f"leave it out of -k or measure it with --measure time")
    if uncountable:
        config.hook.pytest_deselected(items=uncountable)
        items[:] = [item for item in items if item not in uncountable]
    for item in items:
        item.add_marker(pytest.mark.benchmark(timer=callgrind.callgrind_count))


def _rerun_under_callgrind(config: pytest.Config) -> NoReturn:
    """Run this very command again under callgrind (dumps in a temporary folder) and end with its
    exit status; nothing has run here yet."""
    try:
        valgrind = require_valgrind()
        from perfharness.zoo.layout import collector_dir

        callgrind.build_helper(collector_dir())  # a missing compiler is said here, not under valgrind
    except UsageError as error:
        raise pytest.UsageError(str(error)) from None
    capture = config.pluginmanager.getplugin("capturemanager")
    if capture is not None:
        capture.suspend_global_capture(in_=True)  # the child writes to the terminal, not to pytest's capture
    sys.stdout.flush()
    sys.stderr.flush()
    with tempfile.TemporaryDirectory(prefix="perfharness-callgrind-") as folder:
        command = valgrind_command(valgrind, MEASURE, Path(folder)) + [sys.executable, *sys.orig_argv[1:]]
        child = spawn(f"benchmarks under callgrind ({MEASURE.name})", command,
                      env={**os.environ, **DETERMINISTIC_ENV, OUT_DIR_ENV: folder})
        status = child.wait()
    os._exit(status if status >= 0 else 128 - status)


def pytest_runtest_teardown(item: pytest.Item) -> None:
    """Under a deterministic measure, instrumentation off between benchmarks (set-up and
    compilation of the next run at valgrind's uninstrumented speed)."""
    if MEASURE.deterministic and os.environ.get(OUT_DIR_ENV):
        callgrind.pause()


_COLLECTOR: dict[str, object] = {}
_SCRATCH: list[tempfile.TemporaryDirectory] = []  # the collector's trace folder, removed at the end


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """When benchmarks run under a deterministic measure and not yet under callgrind, run them
    there instead (``_rerun_under_callgrind``). Then attach the project's ITT collector to this
    process before its first ITT call, as a scenario run does, with every domain off (ITT then
    costs what it costs with no collector), so that one benchmark can switch it on and off
    between rounds."""
    config.addinivalue_line("markers", "time_only(reason): a benchmark that cannot be counted under a "
                                       "deterministic measure (it starts threads, or times itself)")
    if config.getoption("benchmark_skip", False):
        return
    if MEASURE.deterministic and not os.environ.get(OUT_DIR_ENV) and not config.getoption("collectonly"):
        _rerun_under_callgrind(config)
    _SCRATCH.append(tempfile.TemporaryDirectory(prefix="perfharness-bench-itt-"))
    trace = Path(_SCRATCH[-1].name) / "trace.json"
    reason = attach_collector(trace)
    if reason is None:
        library = Path(os.environ[LIB_ENV])
        set_recording(library, False)
        _COLLECTOR.update(library=library, log=collector_log(trace), foreign_every=FOREIGN_EVERY)
    else:
        _COLLECTOR["reason"] = reason


def pytest_unconfigure(config: pytest.Config) -> None:
    """Remove the collector's trace folder (its log is only read while the benchmarks run)."""
    while _SCRATCH:
        _SCRATCH.pop().cleanup()


@pytest.fixture(scope="session")
def collector() -> dict[str, object]:
    """{"library": the attached collector, "log": its log}, or the test is skipped with why not."""
    if "library" not in _COLLECTOR:
        pytest.skip(f"the ITT collector is not attached: {_COLLECTOR.get('reason', 'benchmarks are skipped')}")
    return _COLLECTOR
