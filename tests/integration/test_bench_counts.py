"""``--measure instructions`` end to end under valgrind: one small benchmark, a short A/A and one
injected change (about 4 worker processes under callgrind, a few minutes)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from test_bench_ab import perfharness

pytestmark = pytest.mark.skipif(shutil.which("valgrind") is None,
                                reason="valgrind is not installed (the instructions measure runs under it; "
                                       ".ci/run installs it)")
BENCHMARK = "model[mediapipe/iris_landmarks-FP32]"
SELECTION = ["--measure", "instructions", "-k", "test_model and iris and FP32 and not batch2", "--no-store"]
EXTRA_WORK = '''"""A held-out candidate: about 10 % more work in every inference."""
from perfharness.runtime import engine

_infer = engine.LoadedModel.infer


def infer(self, inputs=None):
    outputs = _infer(self, inputs)
    total = 0
    for i in range(8000):
        total += i * i
    return outputs


engine.LoadedModel.infer = infer
'''


def row_of(out: str) -> list[str]:
    (row,) = [line.split() for line in out.splitlines() if line.split()[:1] == [BENCHMARK]]
    return row


def test_a_benchmark_that_starts_threads_is_refused_before_anything_runs(tmp_path):
    done = perfharness("bench", "run", "--measure", "instructions", "-k", "in-flight", "--json", str(tmp_path / "x.json"))
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and "cannot be counted under --measure instructions" in done.stderr
    assert "executor thread" in done.stderr and not (tmp_path / "x.json").exists()


def test_counts_agree_between_runs_and_ten_percent_more_work_is_a_regression_in_one_pair(tmp_path):
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "sitecustomize.py").write_text(EXTRA_WORK)
    ab = perfharness("bench", "ab", "--candidate-env", f"PYTHONPATH={extra}", "--out", str(tmp_path / "ab"), *SELECTION)
    assert ab.returncode == 1, ab.stdout + ab.stderr
    row = row_of(ab.stdout)
    assert row[-1] == "regression" and 1.05 < float(row[3]) < 1.2
    assert "pair 1/1" in ab.stderr and "M instr" in ab.stdout

    again = tmp_path / "again.json"
    run = perfharness("bench", "run", "--processes", "1", "--json", str(again), *SELECTION)
    assert run.returncode == 0, run.stderr
    (entry,) = json.loads(again.read_text())["benchmarks"]
    assert entry["extra_info"]["measure"] == "instructions" and entry["extra_info"]["unit"] == "instructions"
    assert entry["options"]["timer"] == "callgrind_count" and len(entry["stats"]["data"]) == 3
    aa = perfharness("compare", str(tmp_path / "ab" / "baseline.json"), str(again))
    assert aa.returncode == 0, aa.stdout + aa.stderr
    row = row_of(aa.stdout)
    assert row[-1] == "change" and row[-2] == "no" and abs(float(row[3]) - 1) < 0.005
    script = Path(sys.executable).with_name("pytest-benchmark")
    listed = subprocess.run([str(script), "compare", str(again)], check=False, capture_output=True, text=True, timeout=120)
    assert listed.returncode == 0 and "iris_landmarks-FP32" in listed.stdout
