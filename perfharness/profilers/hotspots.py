"""Attribute perf samples to harness regions and tabulate them as VTune's "Hotspots by Task".

Each sample of the scenario's process goes to the innermost harness region open on its own
thread at its time. A thread that never opens regions (OpenVINO's TBB workers, OpenBLAS, OpenCV)
works for whichever frame is running: its samples go to ``<region> (other threads)``, the region
then open on the one thread inside a frame, or to ``outside any region`` when no thread or
several are. The resource sampler, known by its thread name, has a row of its own; other
processes (background load) are ``other processes``.

Per region: CPU time (sum of the samples' periods), self and total time of each function,
the share of CPU per module group, and the share spent spinning or yielding (threading overhead).
A flame graph's input is written as collapsed stacks (``region;outer;...;leaf count``).
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from perfharness.core.atomic import atomic_write_text
from perfharness.instrument.resources import THREAD_NAME as SAMPLER_THREAD
from perfharness.profilers.samples import UNKNOWN, Frame, Sample
from perfharness.profilers.timeline import NONE, Timeline
from perfharness.results.run_dir import FOLDED, HOTSPOTS_CSV, HOTSPOTS_JSON, RunDir

OUTSIDE = "outside any region"
OTHER_THREADS = " (other threads)"
OTHER_PROCESSES = "other processes"
SAMPLER = "resource sampler"
TOP_FUNCTIONS = 20
CSV_COLUMNS = ("Region", "Function", "Module", "Module Group", "CPU Time:Self", "CPU Time:Self Share",
               "CPU Time:Total", "CPU Time:Total Share", "Samples:Self", "Samples:Total")

# (group, pattern on the module's file name), first match wins
MODULE_GROUPS: tuple[tuple[str, re.Pattern], ...] = tuple((group, re.compile(pattern)) for group, pattern in (
    ("kernel", r"^\[kernel"),
    ("OpenVINO CPU plugin", r"libopenvino_intel_cpu_plugin"),
    ("OpenVINO runtime", r"libopenvino|_pyopenvino"),
    ("oneDNN/TBB runtime", r"libtbb"),
    ("JIT code (oneDNN kernels)", r"^\[unknown\]$|^//anon|^\[anon"),
    ("libpython", r"libpython|^python[0-9.]*$"),
    ("numpy/OpenBLAS", r"_multiarray_umath|openblas|_umath_linalg|lapack_lite|numpy"),
    ("OpenCV", r"cv2|opencv"),
    ("libc", r"^libc[.-]|^libm[.-]|^ld-linux|^libpthread|^libstdc\+\+|^libgcc_s|^libdl[.-]|^\[vdso\]$"),
))
OPENVINO_GROUPS = ("OpenVINO CPU plugin", "OpenVINO runtime", "oneDNN/TBB runtime", "JIT code (oneDNN kernels)")
# The leaf's own user-space function when a thread waits by burning CPU: sched_yield loops
# (OpenBLAS's blas_thread_server, TBB's backoff), TBB's spin and pause waits.
SPINNING = re.compile(r"sched_yield|blas_thread_server|spin_wait|prolonged_pause|machine_pause|backoff|"
                      r"is_out_of_work|waiter|sleep_node|\bpause\b")


PERF_MAP = re.compile(r"^perf-\d+\.map$")  # perf's name for any anonymous executable memory of a process


def module_group(module: str, function: str = "") -> str:
    """The group of a module perf names (a path, ``[kernel.kallsyms]``, ``[unknown]``). Perf names
    every anonymous executable mapping ``/tmp/perf-PID.map``: Python's trampolines (``py::``
    functions, listed in that file) or JIT code (oneDNN's kernels, unnamed)."""
    name = os.path.basename(module) if module.startswith("/") else module
    if PERF_MAP.match(name):
        return "libpython" if function.startswith("py::") else "JIT code (oneDNN kernels)"
    for group, pattern in MODULE_GROUPS:
        if pattern.search(name):
            return group
    return "other"


def spinning(sample: Sample) -> bool:
    """Whether the sample caught a thread waiting by spinning or yielding."""
    for frame in sample.frames:
        if frame.function in ("do_sched_yield", "__x64_sys_sched_yield"):
            return True
        if not frame.module.startswith("[kernel"):
            return bool(SPINNING.search(frame.function))
    return False


def frame_name(frame: Frame) -> str:
    """A frame as the flame graph shows it: its function, or ``[module]`` when perf had no symbol."""
    if frame.function != UNKNOWN:
        return frame.function.replace(";", ":")
    module = os.path.basename(frame.module)
    if PERF_MAP.match(module):
        return "[JIT code]"
    return f"[{module}]" if frame.module != UNKNOWN else UNKNOWN


@dataclass
class RegionProfile:
    """The samples of one region."""

    samples: int = 0
    cpu_ns: int = 0
    spinning_ns: int = 0
    self_ns: Counter = field(default_factory=Counter)  # (function, module) -> ns as the leaf
    self_samples: Counter = field(default_factory=Counter)
    total_ns: Counter = field(default_factory=Counter)  # (function, module) -> ns anywhere on the stack
    total_samples: Counter = field(default_factory=Counter)
    groups: Counter = field(default_factory=Counter)  # module group -> ns

    def add(self, sample: Sample) -> None:
        period = sample.period_ns
        self.samples += 1
        self.cpu_ns += period
        leaf = sample.leaf
        key = (leaf.function, leaf.module)
        self.self_ns[key] += period
        self.self_samples[key] += 1
        for seen in {(frame.function, frame.module) for frame in sample.frames} or {key}:
            self.total_ns[seen] += period
            self.total_samples[seen] += 1
        self.groups[module_group(leaf.module, leaf.function)] += period
        if spinning(sample):
            self.spinning_ns += period

    def summary(self, process_ns: int) -> dict[str, Any]:
        cpu = self.cpu_ns or 1
        top = []
        for (function, module), ns in self.self_ns.most_common(TOP_FUNCTIONS):
            top.append({"function": function, "module": module, "group": module_group(module, function),
                        "self_s": ns / 1e9, "self_share": ns / cpu,
                        "total_s": self.total_ns[(function, module)] / 1e9,
                        "total_share": self.total_ns[(function, module)] / cpu,
                        "self_samples": self.self_samples[(function, module)],
                        "total_samples": self.total_samples[(function, module)]})
        return {"samples": self.samples, "cpu_s": self.cpu_ns / 1e9,
                "share_of_process": self.cpu_ns / process_ns if process_ns else 0.0,
                "modules": {group: ns / cpu for group, ns in self.groups.most_common()},
                "threading_overhead": self.spinning_ns / cpu, "top_functions": top}


class Attribution:
    """Samples attributed to regions, kept as running counts (memory: distinct functions and stacks)."""

    def __init__(self, timeline: Timeline) -> None:
        self.timeline = timeline
        self.regions: dict[str, RegionProfile] = {}
        self.stacks: Counter = Counter()
        self.samples = self.process_samples = self.loop_samples = self.loop_attributed = 0
        self.process_ns = 0

    def label(self, sample: Sample) -> str:
        """The region a sample goes to (see the module docstring)."""
        timeline = self.timeline
        if sample.pid not in timeline.pids:
            return OTHER_PROCESSES
        if sample.comm == SAMPLER_THREAD:
            return SAMPLER
        own = timeline.at(sample.tid, sample.time_ns)
        if own != NONE:
            return timeline.names[own]
        if sample.tid not in timeline.tids:
            busy = timeline.busy_thread(sample.time_ns)
            if busy >= 0:
                region = timeline.at(busy, sample.time_ns)
                if region != NONE:
                    return timeline.names[region] + OTHER_THREADS
        return OUTSIDE

    def add(self, sample: Sample) -> None:
        self.samples += 1
        label = self.label(sample)
        if label != OTHER_PROCESSES:
            self.process_samples += 1
            self.process_ns += sample.period_ns
            if self.timeline.in_frame_loop(sample.time_ns):
                self.loop_samples += 1
                self.loop_attributed += label != OUTSIDE
        self.regions.setdefault(label, RegionProfile()).add(sample)
        stack = ";".join([label.replace(";", ":"), *(frame_name(frame) for frame in reversed(sample.frames))])
        self.stacks[stack] += 1

    def add_all(self, samples: Iterable[Sample]) -> None:
        for sample in samples:
            self.add(sample)

    def summary(self) -> dict[str, Any]:
        ordered = sorted(self.regions.items(), key=lambda item: -item[1].cpu_ns)
        return {
            "samples": self.samples,
            "process_samples": self.process_samples,
            "process_cpu_s": self.process_ns / 1e9,
            "frame_loop": {"samples": self.loop_samples, "attributed": self.loop_attributed,
                           "attributed_share": self.loop_attributed / self.loop_samples if self.loop_samples else None},
            "regions": [{"region": name, **profile.summary(self.process_ns)} for name, profile in ordered],
        }


def hotspots_csv(summary: dict[str, Any]) -> str:
    """The hotspots table: one row per region and top function (VTune's column naming)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for region in summary["regions"]:
        for top in region["top_functions"]:
            writer.writerow((region["region"], top["function"], top["module"], top["group"], f"{top['self_s']:.6f}",
                             f"{top['self_share']:.4f}", f"{top['total_s']:.6f}", f"{top['total_share']:.4f}",
                             top["self_samples"], top["total_samples"]))
    return out.getvalue()


def write_outputs(run_dir: Path, attribution: Attribution, info: dict[str, Any]) -> dict[str, Any]:
    """Write hotspots.json, hotspots.csv and stacks.folded (each atomically); returns the JSON's content."""
    summary = {**info, **attribution.summary()}
    run = RunDir(run_dir)
    atomic_write_text(run.file(HOTSPOTS_CSV), hotspots_csv(summary))
    atomic_write_text(run.file(FOLDED), "".join(f"{stack} {count}\n" for stack, count in sorted(attribution.stacks.items())))
    atomic_write_text(run.file(HOTSPOTS_JSON), json.dumps(summary, indent=1))
    return summary
