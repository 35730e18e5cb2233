"""The psutil sampler: values in range, monotonic timestamps, a readable CSV even after SIGINT."""

from __future__ import annotations

import csv
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil

from perfharness.instrument.resources import COLUMNS, RAPL_PACKAGE, ResourceSampler


def read_rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def busy(seconds_of_samples: int, sampler: ResourceSampler, grow: list | None = None) -> None:
    """Keep the CPU busy (and optionally grow memory) until the sampler has taken some rows."""
    while len(sampler._rows) < seconds_of_samples:
        sum(i * i for i in range(20_000))
        if grow is not None:
            grow.append(bytearray(2_000_000))


def test_values_in_range_and_timestamps_monotonic(tmp_path):
    path = tmp_path / "resources.csv"
    grown: list[bytearray] = []
    with ResourceSampler(path, interval_s=0.05) as sampler:
        busy(12, sampler, grown)
    summary = sampler.summary()
    rows = read_rows(path)
    assert list(rows[0]) == list(COLUMNS) and len(rows) == summary.samples >= 12
    cores = psutil.cpu_count()
    times = [float(row["t"]) for row in rows]
    assert all(b > a for a, b in zip(times, times[1:]))
    for row in rows:
        assert 0 <= float(row["process_cpu_percent"]) <= 100 * cores + 5
        assert 0 <= float(row["process_cpu_percent_per_core"]) <= 105
        assert 0 < int(row["uss_bytes"]) <= int(row["rss_bytes"])
        assert int(row["threads"]) >= 2  # this one and the sampler
        system = [float(v) for v in row["system_cpu_percent"].split(";")]
        assert len(system) == cores and all(0 <= v <= 100 for v in system)
    assert float(rows[0]["process_cpu_percent"]) > 0  # psutil's first-call 0.0 was primed away
    assert summary.cpu_percent_max >= summary.cpu_percent_mean > 0
    assert summary.rss_peak_bytes == max(int(row["rss_bytes"]) for row in rows)
    assert summary.rss_growth_bytes_per_min > 0  # memory grew by 2 MB per loop
    if not RAPL_PACKAGE.exists():
        assert summary.package_energy_j == "unavailable" and all(row["package_energy_uj"] == "" for row in rows)


def test_csv_is_readable_after_sigint(tmp_path):
    path = tmp_path / "resources.csv"
    code = (
        "import sys\n"
        "from perfharness.instrument.resources import ResourceSampler\n"
        f"sampler = ResourceSampler({str(path)!r}, interval_s=0.02)\n"
        "sampler.start()\n"
        "while True:\n"
        "    sum(i * i for i in range(10_000))\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.PIPE, text=True)
    try:
        for _ in range(1000):  # until a few rows are on disk, or the process died
            if proc.poll() is not None or (path.exists() and len(path.read_text().splitlines()) > 5):
                break
            time.sleep(0.05)
        assert proc.poll() is None, proc.stderr.read()
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)
    finally:
        proc.kill()
    rows = read_rows(path)
    assert len(rows) >= 5
    assert all(len(row) == len(COLUMNS) and None not in row.values() for row in rows)
