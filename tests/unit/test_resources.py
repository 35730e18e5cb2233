"""The psutil sampler: values in range, monotonic timestamps, a readable CSV even after SIGINT."""

from __future__ import annotations

import csv
import os
import signal
import sys
from pathlib import Path

import psutil
import pytest
from procs import rows, spawn, wait_until

from perfharness.instrument.resources import COLUMNS, RAPL_PACKAGE, ResourceSampler, rss_growth, summarise_resources


def read_rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def busy(seconds_of_samples: int, sampler: ResourceSampler, grow: list | None = None) -> None:
    """Keep the CPU busy (and optionally grow memory) until the sampler has taken some rows."""
    while sampler.samples < seconds_of_samples:
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
    # process CPU times advance in clock ticks (10 ms), so over a 50 ms interval user and system
    # time can each read a tick high: up to 2 ticks / interval above the true share
    tick_error = 100 * 2 / os.sysconf("SC_CLK_TCK") / 0.05
    for row in rows:
        assert 0 <= float(row["process_cpu_percent"]) <= 100 * cores + tick_error
        assert 0 <= float(row["process_cpu_percent_per_core"]) <= 100 + tick_error / cores
        assert 0 < int(row["uss_bytes"]) <= int(row["rss_bytes"])
        assert int(row["threads"]) >= 2  # this one and the sampler
        system = [float(v) for v in row["system_cpu_percent"].split(";")]
        assert len(system) == cores and all(0 <= v <= 100 for v in system)
    assert float(rows[0]["process_cpu_percent"]) > 0  # psutil's first-call 0.0 was primed away
    assert summary.cpu_percent_max >= summary.cpu_percent_mean > 0
    assert summary.rss_peak_bytes == max(int(row["rss_bytes"]) for row in rows)
    assert summary.rss_growth_bytes_per_min is None  # a second of samples: too short to call it growth
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
    proc = spawn([sys.executable, "-c", code])
    try:
        wait_until(lambda: rows(path) > 5, proc, "a few rows on disk")
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)
    finally:
        proc.kill()
    table = read_rows(path)
    assert len(table) >= 5
    assert all(len(row) == len(COLUMNS) and None not in row.values() for row in table)


def write_samples(path: Path, rss_at) -> None:
    """A resources CSV sampled at 10 Hz for 200 s with RSS given by ``rss_at(t)``."""
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for i in range(2000):
            t = 100.0 + i / 10
            values = {"t": f"{t:.6f}", "process_cpu_percent": 50, "process_cpu_percent_per_core": 25,
                      "rss_bytes": int(rss_at(t - 100.0)), "uss_bytes": 1, "threads": 3, "ctx_voluntary": 0,
                      "ctx_involuntary": 0, "read_bytes": 0, "write_bytes": 0, "package_energy_uj": "",
                      "system_cpu_percent": "10.0;20.0"}
            writer.writerow([values[column] for column in COLUMNS])
        handle.write("300.1,50")  # a row cut short


def test_rss_growth_is_fitted_after_the_first_minute(tmp_path):
    path = tmp_path / "resources.csv"
    mib = 2**20
    # start-up: +300 MiB in the first minute; then a 2 MiB/min leak with +-3 MiB of allocator noise
    write_samples(path, lambda s: 100 * mib + min(s, 60) * 5 * mib + max(0.0, s - 60) / 60 * 2 * mib
                  + (3 * mib if int(s * 10) % 2 else -3 * mib))
    assert rss_growth(path, 100.0, 300.0) / mib == pytest.approx(2.0, rel=0.02)
    assert rss_growth(path, 100.0, 210.0) is None  # 50 s after the first minute: too short
    summary = summarise_resources(path)
    assert summary.samples == 2000 and summary.rss_growth_bytes_per_min / mib == pytest.approx(2.0, rel=0.02)
    flat = tmp_path / "flat.csv"
    write_samples(flat, lambda s: 100 * mib + min(s, 60) * 5 * mib)
    assert abs(rss_growth(flat, 100.0, 300.0)) < 1e-6
