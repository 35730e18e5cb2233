"""Synthetic pytest-benchmark files for the store's tests: a history of commits on machines,
each file with its own commit_info and machine_info, rounds drawn around a level per commit."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

START = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
MACHINES = {
    "laptop": {"cpu_model": "Intel(R) Core(TM) i7-1165G7", "cpu_flags_notable": ["avx2", "fma"], "count": 8,
               "memory_bytes": 16 * 2**30},
    "server": {"cpu_model": "Intel(R) Xeon(R) Gold 6338", "cpu_flags_notable": ["avx2", "avx512f", "fma"],
               "count": 64, "memory_bytes": 256 * 2**30},
}
SOFTWARE = {"python": "3.11.7", "openvino": "2026.4.0", "numpy": "2.4.6", "opencv": "4.12.0", "perfharness": "0.9.0"}


def sha(commit: int) -> str:
    """A fake but stable 40-hex commit id."""
    return f"{commit:08x}" + "c0ffee" * 5 + "ab"


def document(machine: str, commit: int, levels: dict[str, float], rng: np.random.Generator,
             rounds: int = 20) -> dict:
    """One pytest-benchmark document: each benchmark's rounds at ``levels[name]`` seconds times
    a little within-run noise."""
    facts = MACHINES[machine]
    when = START + timedelta(hours=commit)
    benchmarks = []
    for name, level in levels.items():
        data = (level * (1 + 0.01 * np.abs(rng.standard_normal(rounds)))).tolist()
        benchmarks.append({
            "group": name.partition("[")[0], "name": name, "fullname": f"tests/benchmarks/test_latency.py::{name}",
            "params": None, "param": None, "extra_info": {"config": {"INFERENCE_PRECISION_HINT": "f32"}},
            "options": {}, "stats": {"min": min(data), "max": max(data), "mean": float(np.mean(data)),
                                     "stddev": float(np.std(data)), "median": float(np.median(data)),
                                     "rounds": rounds, "iterations": 1, "data": data}})
    return {
        "machine_info": {"node": machine, "machine": "x86_64", "system": "Linux", "python_version": "3.11.7",
                         "cpu": {"brand_raw": facts["cpu_model"], "count": facts["count"]}, **facts,
                         "software": SOFTWARE},
        "commit_info": {"id": sha(commit), "time": when.isoformat(), "dirty": False, "branch": "main",
                        "project": "perfharness"},
        "benchmarks": benchmarks,
        "datetime": (when + timedelta(minutes=30)).isoformat(),
        "version": "5.1.0",
    }


def write_history(folder: Path, machines: list[str], commits: int, step: dict[tuple[str, str], tuple[int, float]],
                  benchmarks: dict[str, float], noise: float = 0.03, seed: int = 0) -> list[Path]:
    """One file per machine and commit in ``folder``: every benchmark at its base level times
    between-run noise (``noise``, relative), times ``1 + size`` from commit ``at`` on for the
    (benchmark, machine) pairs in ``step`` (``{(benchmark, machine): (at, size)}``)."""
    rng = np.random.default_rng(seed)
    paths = []
    for machine in machines:
        for commit in range(commits):
            levels = {}
            for name, base in benchmarks.items():
                at, size = step.get((name, machine), (commits, 0.0))
                levels[name] = base * (1 + noise * rng.standard_normal()) * (1 + size if commit >= at else 1)
            path = folder / machine / f"{commit:04d}_history.json"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(document(machine, commit, levels, rng)))
            paths.append(path)
    return paths
