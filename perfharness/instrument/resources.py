"""A psutil sampler thread: process and system CPU, memory, threads, context switches, I/O.

Rows go to a CSV as they are taken (flushed each time, so an interrupted run still leaves a
readable file) and nothing is kept in memory: summaries are read back from the CSV. Timestamps are
``time.perf_counter()`` seconds, the clock of the regions, so samples line up with them. Package
energy comes from RAPL (``/sys/class/powercap``) where the kernel exposes it; elsewhere the
column stays empty and the summary says "unavailable".

RSS growth is a least-squares slope fitted after the first minute of a window (start-up
allocations are not a leak), and only when at least another minute of samples follows; shorter
windows report it as None ("n/a: run too short").
"""

from __future__ import annotations

import csv
import math
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import NamedTuple

import psutil

from perfharness.core.outputs import open_stream, output_error
from perfharness.core.sysinfo import name_this_thread

THREAD_NAME = "ph-resources"  # the sampler thread's name in the OS (``ps -L``, perf's comm): 15 bytes at most
RAPL_PACKAGE = Path("/sys/class/powercap/intel-rapl:0/energy_uj")
COLUMNS = (
    "t", "process_cpu_percent", "process_cpu_percent_per_core", "rss_bytes", "uss_bytes", "threads",
    "ctx_voluntary", "ctx_involuntary", "read_bytes", "write_bytes", "package_energy_uj", "system_cpu_percent",
)
GROWTH_SKIP_S = 60.0  # the first minute of a window is left out of the RSS growth fit
GROWTH_MIN_SPAN_S = 60.0  # and the fit needs at least this much after it


@dataclass(frozen=True)
class ResourceSummary:
    samples: int
    duration_s: float
    cpu_percent_mean: float
    cpu_percent_max: float
    rss_peak_bytes: int
    rss_growth_bytes_per_min: float | None  # None: window too short (see the module docstring)
    package_energy_j: float | str  # "unavailable" where RAPL is not exposed

    def as_dict(self) -> dict:
        return asdict(self)


def _energy_uj() -> int | None:
    try:
        return int(RAPL_PACKAGE.read_text())
    except (OSError, ValueError):
        return None


class ResourceSampler:
    """Samples ``pid`` (default: this process) every ``interval_s`` into ``csv_path`` until ``stop()``."""

    def __init__(self, csv_path: Path, interval_s: float = 0.1, pid: int | None = None) -> None:
        if interval_s <= 0:
            raise ValueError("interval_s must be > 0")
        self.csv_path = Path(csv_path)
        self.interval_s = interval_s
        self._process = psutil.Process(pid or os.getpid())
        self._cores = psutil.cpu_count() or 1
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="ResourceSampler", daemon=True)
        self.samples = 0  # rows written so far
        self._handle = None
        self._error: OSError | None = None  # a write that failed (full or read-only disk): sampling stopped

    def __enter__(self) -> ResourceSampler:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        """Open the CSV (here, so that an unwritable path fails in the caller) and start sampling."""
        self._handle = open_stream(self.csv_path)
        # psutil's first cpu_percent() call only sets the reference point and returns 0.0
        self._process.cpu_percent(None)
        psutil.cpu_percent(None, percpu=True)
        self._thread.start()

    def stop(self) -> ResourceSummary:
        """Stop sampling (the CSV is complete when this returns) and summarise; OutputError when
        a row could not be written (the rows before it stand)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
        if self._handle is not None and not self._handle.closed:  # its thread never started
            self._handle.close()
        if self._error is not None:
            raise output_error(self.csv_path, self._error)
        return self.summary()

    def summary(self, start: float | None = None, end: float | None = None) -> ResourceSummary:
        """``summarise_resources`` of this sampler's CSV."""
        return summarise_resources(self.csv_path, start, end)

    def _run(self) -> None:
        name_this_thread(THREAD_NAME)
        try:
            with self._handle as handle:
                writer = csv.writer(handle)
                writer.writerow(COLUMNS)
                handle.flush()
                while not self._stop.wait(self.interval_s):
                    writer.writerow(self._sample())
                    handle.flush()
                    self.samples += 1
        except OSError as error:  # told by stop(); the run goes on without samples
            self._error = error

    def _sample(self) -> list:
        t = time.perf_counter()
        with self._process.oneshot():
            cpu = self._process.cpu_percent(None)
            memory = self._process.memory_full_info()
            threads = self._process.num_threads()
            switches = self._process.num_ctx_switches()
            io = self._process.io_counters()
        system = psutil.cpu_percent(None, percpu=True)
        energy = _energy_uj()
        return [
            f"{t:.6f}", cpu, round(cpu / self._cores, 2), memory.rss, memory.uss, threads,
            switches.voluntary, switches.involuntary, io.read_bytes, io.write_bytes,
            "" if energy is None else energy, ";".join(f"{value:.1f}" for value in system),
        ]


class ResourceSample(NamedTuple):
    """One complete row of a resources CSV (perf_counter seconds, percent of one core, bytes)."""

    t: float
    process_cpu_percent: float
    rss_bytes: int
    uss_bytes: int
    package_energy_uj: int | None
    system_cpu_percent: float  # mean over the cores


def read_samples(path: Path, start: float | None = None, end: float | None = None) -> Iterator[ResourceSample]:
    """Each complete row of a resources CSV between ``start`` and ``end`` (perf_counter seconds;
    default all), streamed; a row cut short by an interrupted run is skipped."""
    low = -math.inf if start is None else start
    high = math.inf if end is None else end
    if not Path(path).exists():
        return
    with open(path, newline="") as handle:
        for row in csv.DictReader(handle):
            try:
                cores = [float(value) for value in row["system_cpu_percent"].split(";")]
                sample = ResourceSample(float(row["t"]), float(row["process_cpu_percent"]), int(row["rss_bytes"]),
                                        int(row["uss_bytes"]),
                                        int(row["package_energy_uj"]) if row["package_energy_uj"] else None,
                                        sum(cores) / len(cores))
            except (AttributeError, KeyError, TypeError, ValueError, ZeroDivisionError):
                continue
            if low <= sample.t <= high:
                yield sample


def rss_growth(path: Path, start: float, end: float) -> float | None:
    """RSS growth in bytes per minute between ``start`` and ``end``: the least-squares slope over
    the samples after ``start + GROWTH_SKIP_S``; None when they span less than GROWTH_MIN_SPAN_S."""
    n = sum_t = sum_r = sum_tt = sum_tr = 0.0
    first = last = None
    for t, _, rss, *_ in read_samples(path, start + GROWTH_SKIP_S, end):
        first = t if first is None else first
        last = t
        n, sum_t, sum_r, sum_tt, sum_tr = n + 1, sum_t + t, sum_r + rss, sum_tt + t * t, sum_tr + t * rss
    if first is None or last - first < GROWTH_MIN_SPAN_S:
        return None
    spread = n * sum_tt - sum_t * sum_t
    return (n * sum_tr - sum_t * sum_r) / spread * 60 if spread > 0 else None


def summarise_resources(path: Path, start: float | None = None, end: float | None = None) -> ResourceSummary:
    """Summary of the samples of a resources CSV taken between ``start`` and ``end`` (default all)."""
    samples = cpu_sum = 0.0
    cpu_max, rss_max = 0.0, 0
    first_t = last_t = None
    first_energy = last_energy = None
    for t, cpu, rss, _, energy, _ in read_samples(path, start, end):
        samples += 1
        cpu_sum += cpu
        cpu_max, rss_max = max(cpu_max, cpu), max(rss_max, rss)
        first_t = t if first_t is None else first_t
        last_t = t
        if energy is not None:
            first_energy = energy if first_energy is None else first_energy
            last_energy = energy
    if first_t is None:
        return ResourceSummary(0, 0.0, 0.0, 0.0, 0, None, "unavailable")
    energy_j: float | str = "unavailable"
    if first_energy is not None and last_energy is not None and last_energy > first_energy:
        energy_j = (last_energy - first_energy) / 1e6
    growth = rss_growth(path, first_t if start is None else start, last_t if end is None else end)
    return ResourceSummary(int(samples), last_t - first_t, cpu_sum / samples, cpu_max, rss_max, growth, energy_j)
