"""perf script parsing, the region timeline and the attribution, on synthetic input of known truth."""

from __future__ import annotations

from pathlib import Path

from perfharness.instrument.resources import THREAD_NAME as SAMPLER_THREAD
from perfharness.profilers.hotspots import (
    OTHER_PROCESSES,
    OTHER_THREADS,
    OUTSIDE,
    SAMPLER,
    Attribution,
    hotspots_csv,
    module_group,
    spinning,
)
from perfharness.profilers.perf import permission_problem, record_command
from perfharness.profilers.samples import Frame, Sample, read_samples
from perfharness.profilers.timeline import RegionEvent, Timeline, self_times
from perfharness.report.flame import stack_tree
from perfharness.results.run_dir import RunDir

SCRIPT = """\
python3.12 4242/4242 100.000000100:    1001001 
\tffffffff8143bbb4 posix_cpu_clock_get ([kernel.kallsyms])
\t          3655f6 time_thread_time (/usr/lib/libpython3.12.so.1.0)
\t    7f3222ced7b6 py::burn:/tmp/w.py (/tmp/perf-4242.map)

my thread 7 4242/4243 100.000000200:    1001001 
\t    7f00000000 [unknown] ([unknown])
\t          123456 ov::intel_cpu::Node::execute (/venv/openvino/libs/libopenvino_intel_cpu_plugin.so)

garbage line
python3.12 4242/4242 100.000000300:    1001001 
"""


def test_read_samples_headers_frames_and_names_with_spaces():
    samples = list(read_samples(SCRIPT.splitlines(keepends=True)))
    assert [(s.comm, s.pid, s.tid, s.time_ns) for s in samples] == [
        ("python3.12", 4242, 4242, 100_000_000_100), ("my thread 7", 4242, 4243, 100_000_000_200),
        ("python3.12", 4242, 4242, 100_000_000_300)]
    assert samples[0].frames[2] == Frame("py::burn:/tmp/w.py", "/tmp/perf-4242.map")
    assert samples[0].leaf.module == "[kernel.kallsyms]" and samples[0].period_ns == 1001001
    assert samples[2].frames == () and samples[2].leaf.function == "[unknown]"


def test_module_groups():
    assert module_group("/venv/openvino/libs/libopenvino_intel_cpu_plugin.so") == "OpenVINO CPU plugin"
    assert module_group("/venv/openvino/libs/libopenvino.so.2026.4.1") == "OpenVINO runtime"
    assert module_group("/venv/openvino/libs/libtbb.so.12") == "oneDNN/TBB runtime"
    assert module_group("[unknown]") == "JIT code (oneDNN kernels)"
    assert module_group("/tmp/perf-4242.map", "py::burn:/tmp/w.py") == "libpython"
    assert module_group("/tmp/perf-4242.map", "[unknown]") == "JIT code (oneDNN kernels)"
    assert module_group("/usr/lib/x86_64-linux-gnu/libc.so.6") == "libc"
    assert module_group("/venv/numpy.libs/libscipy_openblas64_-ff651d7f.so") == "numpy/OpenBLAS"
    assert module_group("/venv/cv2/cv2.abi3.so") == "OpenCV"
    assert module_group("[kernel.kallsyms]") == "kernel"
    assert module_group("/usr/lib/libfoo.so") == "other"


def sample(tid: int, ts: int, *frames: tuple[str, str], pid: int = 1) -> Sample:
    return Sample("python", pid, tid, ts, 1000, tuple(Frame(f, m) for f, m in frames))


def test_spinning_is_the_user_leaf_or_a_kernel_yield():
    kernel_yield = sample(1, 0, ("do_sched_yield", "[kernel.kallsyms]"), ("__sched_yield", "/lib/libc.so.6"))
    blas_wait = sample(1, 0, ("blas_thread_server", "/lib/libopenblas.so"))
    work = sample(1, 0, ("dgemm_kernel", "/lib/libopenblas.so"), ("blas_thread_server", "/lib/libopenblas.so"))
    assert spinning(kernel_yield) and spinning(blas_wait) and not spinning(work)


def timeline() -> Timeline:
    """Thread 1 (the process's main thread): frame [0, 100) with a [10, 40) and b [50, 90) nested;
    thread 2: frame [200, 300); an unmatched end on thread 1 is ignored."""
    events = [RegionEvent(1, 0, True, "frame"), RegionEvent(1, 10, True, "a"), RegionEvent(1, 40, False, "a"),
              RegionEvent(1, 45, False, "zzz"), RegionEvent(1, 50, True, "b"), RegionEvent(1, 90, False, "b"),
              RegionEvent(1, 100, False, "frame"), RegionEvent(2, 200, True, "frame"),
              RegionEvent(2, 300, False, "frame")]
    return Timeline(iter(events))


def test_timeline_innermost_region_and_the_collectors_self_times():
    line = timeline()
    names = {t: (line.names[line.at(1, t)] if line.at(1, t) >= 0 else None) for t in (0, 9, 10, 39, 40, 45, 55, 95, 100, 150)}
    assert names == {0: "frame", 9: "frame", 10: "a", 39: "a", 40: "frame", 45: "frame", 55: "b", 95: "frame",
                     100: None, 150: None}
    assert line.busy_thread(20) == 1 and line.busy_thread(150) < 0 and line.busy_thread(250) == 2
    assert line.pids == {1}
    assert self_times(line) == {"frame": 30 + 200 - 100 + 10, "a": 30, "b": 40} | {"frame": 10 + 10 + 10 + 100}


def test_attribution_own_thread_other_threads_outside_and_other_processes():
    attribution = Attribution(timeline())
    cases = [(sample(1, 20, ("f", "/lib/libc.so.6")), "a"),
             (sample(9, 20, ("tbb_work", "/lib/libtbb.so.12")), "a" + OTHER_THREADS),  # a helper thread
             (sample(9, 150, ("idle", "/lib/libc.so.6")), OUTSIDE),  # no frame open anywhere
             (sample(1, 150, ("idle", "/lib/libc.so.6")), OUTSIDE),
             (sample(5, 20, ("load", "/lib/libc.so.6"), pid=77), OTHER_PROCESSES),
             (Sample(SAMPLER_THREAD, 1, 8, 20, 1000, (Frame("smaps_account", "[kernel.kallsyms]"),)), SAMPLER)]
    for item, expected in cases:
        assert attribution.label(item) == expected
        attribution.add(item)
    summary = attribution.summary()
    assert summary["samples"] == 6 and summary["process_samples"] == 5
    # between the first frame and the last: a gap between frames counts, unattributed
    assert summary["frame_loop"] == {"samples": 5, "attributed": 3, "attributed_share": 0.6}
    by_name = {region["region"]: region for region in summary["regions"]}
    assert by_name["a"]["top_functions"][0]["function"] == "f"
    assert by_name["a" + OTHER_THREADS]["modules"] == {"oneDNN/TBB runtime": 1.0}
    assert attribution.stacks["a;f"] == 1 and attribution.stacks[f"{OUTSIDE};idle"] == 2
    assert hotspots_csv(summary).splitlines()[0].startswith("Region,Function,Module,Module Group,CPU Time:Self")


def test_folded_stacks_read_back_as_a_tree(tmp_path: Path):
    path = tmp_path / "stacks.folded"
    path.write_text("a;f;g 3\na;f 1\nb;h 2\nbroken line\n")
    root, total = stack_tree(RunDir(tmp_path).folded_stacks())
    assert total == 6 and root.children["a"].count == 4 and root.children["a"].children["f"].children["g"].count == 3


def test_permission_problem():
    assert permission_problem(paranoid=2, euid=0, capabilities=0) is None
    assert permission_problem(paranoid=1, euid=1000, capabilities=0) is None
    assert "perf_event_paranoid is 2" in permission_problem(paranoid=2, euid=1000, capabilities=0)
    assert permission_problem(paranoid=2, euid=1000, capabilities=1 << 38) is None
    assert "even for root" in permission_problem(paranoid=3, euid=0, capabilities=0)


def test_record_command_samples_on_the_collectors_clock(tmp_path: Path):
    command = record_command("perf", tmp_path / "perf.data", ["python", "-m", "x"], 499, "dwarf")
    assert command[:2] == ["perf", "record"] and command[-4:] == ["--", "python", "-m", "x"]
    assert ["-k", "CLOCK_MONOTONIC"] == command[command.index("-k"):command.index("-k") + 2]
    assert ["-e", "cpu-clock"] == command[1 + 1:4] and "499" in command and "dwarf" in command
