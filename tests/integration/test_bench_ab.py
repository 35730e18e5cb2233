"""``bench run`` and ``bench ab`` end to end on a small selection: real workers, real verdicts."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from procs import ROOT, perfharness_command

SELECTION = ["-k", "iris_landmarks-FP32 and model or reference", "--min-rounds", "15", "--max-time", "0.3"]


def perfharness(*args: str, cwd: Path = ROOT, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "perfharness", *args], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=900)


def model_row(out: str) -> list[str]:
    (row,) = [line for line in out.splitlines() if line.startswith("model[mediapipe/iris_landmarks-FP32]")]
    return row.split()


def skip_if_the_cpu_was_taken(row: list[str]) -> None:
    if "unstable:" in row and "CPU" in row:
        pytest.skip(f"other processes took the CPU during the run: {' '.join(row)}")


def test_bench_run_merges_fresh_processes_into_one_file(tmp_path):
    out = tmp_path / "run.json"
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    done = perfharness("bench", "run", "--processes", "2", "--json", str(out), *SELECTION,
                       env={**os.environ, "TMPDIR": str(scratch)})
    assert done.returncode == 0, done.stderr
    assert not list(scratch.glob("perfharness-*")), "a worker left its scratch folder behind"
    assert done.stdout.strip() == str(out)
    assert "worker 2/2" in done.stderr
    document = json.loads(out.read_text())
    assert document["perfharness"] == {"processes": 2, "processes_planned": 2, "measure": "time"}
    names = {b["name"]: b for b in document["benchmarks"]}
    assert set(names) == {"model[mediapipe/iris_landmarks-FP32]", "reference[openvino-conv]"}
    for bench in names.values():
        counts = bench["extra_info"]["rounds_per_process"]
        assert len(counts) == 2 and min(counts) >= 15 and sum(counts) == len(bench["stats"]["data"])
    script = Path(sys.executable).with_name("pytest-benchmark")
    listed = subprocess.run([str(script), "compare", str(out)], capture_output=True, text=True, timeout=120)
    assert listed.returncode == 0 and "iris_landmarks-FP32" in listed.stdout


# How far these two tests keep the candidate from the gate's threshold: on this project's VMs the
# models' p10 moves 3-15 % (CV) between worker processes, and two processes a side cannot show that
# spread. `tools/gate_experiment.py --methods series --by-benchmark` on the 2026-12-03 series
# (docs/benchmarking.md), 20 two-pair A/A sessions of the six models: "regression" once at 25 %
# (iris FP32, as in CI that day), never at 50 %. Twice the work is a ratio near 2, far over 25 %.


def test_bench_run_times_the_reference_before_every_round(tmp_path):
    out = tmp_path / "run.json"
    done = perfharness("bench", "run", "--processes", "2", "--interleave-reference", "--json", str(out), *SELECTION)
    assert done.returncode == 0, done.stderr
    names = {b["name"]: b for b in json.loads(out.read_text())["benchmarks"]}
    model, reference = names["model[mediapipe/iris_landmarks-FP32]"], names["reference[openvino-conv]"]
    interleaved = model["extra_info"]["reference_rounds"]
    assert len(interleaved) == len(model["stats"]["data"]) == sum(model["extra_info"]["rounds_per_process"])
    assert "reference_rounds" not in reference["extra_info"]  # the reference is not timed against itself
    # the interleaved reference is the same network as the reference benchmark: within its range
    assert min(reference["stats"]["data"]) / 2 < float(np.median(interleaved)) < max(reference["stats"]["data"]) * 2
    compared = perfharness("compare", str(out), str(out), "--normalize")
    assert compared.returncode == 0 and "every round divided by the reference timed just before it" in compared.stdout


def test_bench_ab_catches_an_injected_slowdown(tmp_path):
    done = perfharness("bench", "ab", "--candidate-env", "PERFHARNESS_BENCH_SLOWDOWN=1.0", "--pairs", "2",
                       "--threshold", "25%", "--out", str(tmp_path / "ab"), *SELECTION)
    row = model_row(done.stdout)
    skip_if_the_cpu_was_taken(row)
    assert done.returncode == 1, done.stdout + done.stderr
    assert row[-1] == "regression" and float(row[3]) > 1.5
    assert "pair 2/2" in done.stderr
    for side in ("baseline", "candidate"):
        document = json.loads((tmp_path / "ab" / f"{side}.json").read_text())
        assert document["perfharness"]["processes"] == 2


def test_bench_ab_without_a_change_passes(tmp_path):
    done = perfharness("bench", "ab", "--candidate-env", "PERFHARNESS_AB_TEST_LABEL=b", "--pairs", "2",
                       "--threshold", "50%", "--out", str(tmp_path / "ab"), *SELECTION)
    row = model_row(done.stdout)
    skip_if_the_cpu_was_taken(row)
    assert done.returncode == 0, done.stdout + done.stderr
    assert row[-1] != "regression"


@pytest.fixture
def clone(tmp_path) -> Path:
    """A clean clone of this checkout's committed state, run from its own source."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs git and a git checkout")
    path = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(path)], check=True, timeout=300)
    return path


def test_bench_ab_runs_a_revision_in_a_worktree_of_its_own(clone):
    env = {**os.environ, "PYTHONPATH": str(clone)}
    done = perfharness("bench", "ab", "--baseline-rev", "HEAD", "--candidate-env", "PERFHARNESS_AB_TEST_LABEL=b",
                       "--pairs", "1", "--threshold", "25%", "--out", str(clone / "ab"),
                       "-k", "reference or head_pose", "--min-rounds", "10", "--max-time", "0.2", cwd=clone, env=env)
    assert done.returncode in (0, 1), done.stderr
    head = subprocess.run(["git", "-C", str(clone), "rev-parse", "HEAD"], capture_output=True, text=True).stdout
    assert f"(commit {head[:12]}" in done.stdout.splitlines()[0]
    listed = subprocess.run(["git", "-C", str(clone), "worktree", "list"], capture_output=True, text=True).stdout
    assert len(listed.strip().splitlines()) == 1  # the temporary worktree is gone


@pytest.mark.parametrize("case", ["no such revision", "dirty checkout"])
def test_bench_ab_refuses_in_one_line(clone, case):
    env = {**os.environ, "PYTHONPATH": str(clone)}
    if case == "dirty checkout":
        (clone / "README.md").write_text("changed\n")
    revision = "no-such-rev" if case == "no such revision" else "HEAD"
    done = perfharness("bench", "ab", "--baseline-rev", revision, "--pairs", "1", "-k", "reference", cwd=clone, env=env)
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    expected = "no revision 'no-such-rev'" if case == "no such revision" else "uncommitted changes"
    assert expected in done.stderr


def test_bench_ab_interrupted_keeps_and_judges_the_pairs_done(tmp_path):
    """SIGTERM as pair 2 starts (sent by the child to itself, at that exact moment): pair 1 is
    written and judged, exit 130."""
    prelude = ("import os, signal\nimport perfharness.bench.ab as ab\n_run, calls = ab.run_worker, []\n"
               "def run_worker(*args, **kwargs):\n    calls.append(1)\n"
               "    if len(calls) == 3:\n        os.kill(os.getpid(), signal.SIGTERM)\n"
               "    return _run(*args, **kwargs)\n"
               "ab.run_worker = run_worker")
    command = perfharness_command("bench", "ab", "--candidate-env", "PERFHARNESS_AB_TEST_LABEL=b", "--pairs", "3",
                                  "--out", str(tmp_path / "ab"), *SELECTION, prelude=prelude)
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=900)
    assert done.returncode == 130, done.stdout + done.stderr
    assert "interrupted after 1 of 3 pairs" in done.stderr and "Traceback" not in done.stderr
    assert model_row(done.stdout)  # judged
    for side in ("baseline", "candidate"):
        document = json.loads((tmp_path / "ab" / f"{side}.json").read_text())
        assert document["perfharness"] == {"processes": 1, "processes_planned": 3, "measure": "time"}
