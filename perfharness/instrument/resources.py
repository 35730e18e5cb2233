"""A psutil sampler thread: process and system CPU, memory, threads, context switches, I/O.

Rows go to a CSV as they are taken (flushed each time, so an interrupted run still leaves a
readable file). Timestamps are ``time.perf_counter()`` seconds, the clock of the regions, so
samples line up with them. Package energy comes from RAPL (``/sys/class/powercap``) where the
kernel exposes it; elsewhere the column stays empty and the summary says "unavailable".
"""

from __future__ import annotations

import csv
import os
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import psutil

RAPL_PACKAGE = Path("/sys/class/powercap/intel-rapl:0/energy_uj")
COLUMNS = (
    "t", "process_cpu_percent", "process_cpu_percent_per_core", "rss_bytes", "uss_bytes", "threads",
    "ctx_voluntary", "ctx_involuntary", "read_bytes", "write_bytes", "package_energy_uj", "system_cpu_percent",
)


@dataclass(frozen=True)
class ResourceSummary:
    samples: int
    duration_s: float
    cpu_percent_mean: float
    cpu_percent_max: float
    rss_peak_bytes: int
    rss_growth_bytes_per_min: float
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
        self._rows: list[tuple[float, float, int]] = []  # (t, process cpu %, rss) for the summary
        self._energy: list[int | None] = []  # one reading per row

    def __enter__(self) -> ResourceSampler:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        # psutil's first cpu_percent() call only sets the reference point and returns 0.0
        self._process.cpu_percent(None)
        psutil.cpu_percent(None, percpu=True)
        self._thread.start()

    def stop(self) -> ResourceSummary:
        """Stop sampling (the CSV is complete when this returns) and summarise."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
        return self.summary()

    def _run(self) -> None:
        self.csv_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.csv_path, "w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(COLUMNS)
            handle.flush()
            while not self._stop.wait(self.interval_s):
                writer.writerow(self._sample())
                handle.flush()

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
        self._rows.append((t, cpu, memory.rss))
        self._energy.append(energy)
        return [
            f"{t:.6f}", cpu, round(cpu / self._cores, 2), memory.rss, memory.uss, threads,
            switches.voluntary, switches.involuntary, io.read_bytes, io.write_bytes,
            "" if energy is None else energy, ";".join(f"{value:.1f}" for value in system),
        ]

    def summary(self, start: float | None = None, end: float | None = None) -> ResourceSummary:
        """Summary of the samples taken between ``start`` and ``end`` (perf_counter seconds; default all)."""
        low = float("-inf") if start is None else start
        high = float("inf") if end is None else end
        window = [(i, row) for i, row in enumerate(self._rows) if low <= row[0] <= high]
        if not window:
            return ResourceSummary(0, 0.0, 0.0, 0.0, 0, 0.0, "unavailable")
        times = [row[0] for _, row in window]
        cpus = [row[1] for _, row in window]
        rss = [row[2] for _, row in window]
        duration = times[-1] - times[0]
        growth = 0.0
        if len(times) > 1 and duration > 0:
            mean_t, mean_r = sum(times) / len(times), sum(rss) / len(rss)
            slope = sum((t - mean_t) * (r - mean_r) for t, r in zip(times, rss)) / sum((t - mean_t) ** 2 for t in times)
            growth = slope * 60
        energy: float | str = "unavailable"
        readings = [self._energy[i] for i, _ in window if self._energy[i] is not None]
        if len(readings) > 1 and readings[-1] >= readings[0]:
            energy = (readings[-1] - readings[0]) / 1e6
        return ResourceSummary(len(window), duration, sum(cpus) / len(cpus), max(cpus), max(rss), growth, energy)
