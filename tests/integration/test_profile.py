"""``perfharness profile`` with the real Linux perf: a workload of known truth, a real scenario
(perf's account next to the collector's), Python frames, interrupts. No test asserts a duration."""

from __future__ import annotations

import glob
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from procs import ROOT, perfharness_command, rows, spawn, wait_until

from perfharness.lab.layers import BUSY_SHARE
from perfharness.profilers import perf
from perfharness.profilers.attribute import analyse
from perfharness.profilers.hotspots import OPENVINO_GROUPS
from perfharness.profilers.samples import read_samples
from perfharness.zoo import layout
from perfharness.zoo.cache import cache_root
from perfharness.zoo.manifest import load_manifest

PERF = shutil.which("perf")
pytestmark = pytest.mark.skipif(PERF is None or perf.permission_problem() is not None,
                                reason=f"needs Linux perf allowed to sample: {perf.permission_problem() or 'not on PATH'}")
WORKLOAD = ROOT / "tests" / "profile_workload.py"
SCENARIO = ("max_throughput", "--set", "in_flight=1", "--set", "threads=1", "--set", "tracking=false")  # every model every frame


def regions(summary: dict) -> dict[str, dict]:
    return {region["region"]: region for region in summary["regions"]}


def test_known_shares_of_cpu_and_a_sleeping_region(tmp_path: Path):
    """Per frame a region burns 2 units of CPU time, one burns 1 and one sleeps: the samples say 2/3 and 1/3."""
    command = perf.record_command(PERF, tmp_path / "perf.data", [sys.executable, str(WORKLOAD), str(tmp_path), "80", "0.005"],
                                  call_graph="fp")
    subprocess.run(command, check=True, cwd=ROOT, timeout=600, stdin=subprocess.DEVNULL)
    summary = analyse(PERF, tmp_path, {"frequency_hz": perf.DEFAULT_FREQUENCY_HZ, "call_graph": "fp"}, False)
    found = regions(summary)
    two, one = found["two_units"]["cpu_s"], found["one_unit"]["cpu_s"]
    assert abs(two / (two + one) - 2 / 3) < 0.05, (two, one)
    sleeping = found.get("sleeping", {"samples": 0})["samples"]
    assert sleeping <= 0.02 * (found["two_units"]["samples"] + found["one_unit"]["samples"]), found
    assert summary["frame_loop"]["attributed_share"] > 0.95
    # the collector's account of the same regions: wall time, so the sleeping region has a third of it
    collector = summary["collector_self_s"]
    assert abs(collector["two_units"] / (collector["two_units"] + collector["one_unit"]) - 2 / 3) < 0.05
    lines = (tmp_path / "stacks.folded").read_text().splitlines()
    assert lines and all(line.rsplit(" ", 1)[1].isdigit() for line in lines)
    assert any(line.startswith("two_units;") for line in lines)


def python_3_12_or_newer() -> str | None:
    """A Python 3.12+ interpreter's real path (pyenv's shims run only the versions it has selected)."""
    candidates = [shutil.which(f"python3.{minor}") for minor in range(12, 16)]
    candidates += sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.1[2-9]*/bin/python3")))
    for candidate in filter(None, candidates):
        done = subprocess.run([candidate, "-c", "import sys; print(sys.version_info >= (3, 12), sys.executable)"],
                              capture_output=True, text=True)
        if done.returncode == 0 and done.stdout.startswith("True "):
            return done.stdout.split(" ", 1)[1].strip()
    return None


def test_python_functions_in_the_stacks_with_python_3_12(tmp_path: Path):
    real = python_3_12_or_newer()
    if real is None:
        pytest.skip("no Python 3.12+ (on PATH or under pyenv)")
    script = tmp_path / "burn.py"
    script.write_text("import time\ndef burn_a_while():\n    end = time.thread_time() + 0.3\n"
                      "    while time.thread_time() < end:\n        pass\nburn_a_while()\n")
    data = tmp_path / "perf.data"
    command = perf.record_command(PERF, data, [real, "-X", "perf", str(script)], call_graph="dwarf")
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    script_out = subprocess.run(perf.script_command(PERF, data), capture_output=True, text=True, check=True).stdout
    samples = list(read_samples(script_out.splitlines(keepends=True)))
    for pid in {s.pid for s in samples}:
        Path(f"/tmp/perf-{pid}.map").unlink(missing_ok=True)  # the trampoline's map, read by now
    with_python = [s for s in samples if any(f.function.startswith("py::burn_a_while") for f in s.frames)]
    assert len(with_python) > 0.5 * len(samples), (len(with_python), len(samples))


def test_a_real_scenario_attributed_to_its_regions(tmp_path: Path):
    run_dir = tmp_path / "run"
    done = subprocess.run(perfharness_command("profile", *SCENARIO, "--frames", "200", "--run-dir", str(run_dir)),
                          cwd=ROOT, capture_output=True, text=True, timeout=900, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads((run_dir / "hotspots.json").read_text())
    assert summary["complete"] is True
    assert summary["frame_loop"]["attributed_share"] >= 0.90
    found = regions(summary)
    infer = [r for name, r in found.items() if name.endswith(".infer")]
    assert len(infer) >= 3
    for region in infer:
        assert sum(region["modules"].get(group, 0) for group in OPENVINO_GROUPS) > 0.5, region["modules"]
    # two measurements of the same thing: perf's CPU samples on the frame thread and the collector's
    # region times (one inference thread, so the frame thread does the work and waits little)
    collector = summary["collector_self_s"]
    own = {name: found[name]["cpu_s"] for name in collector if name in found}
    perf_total, collector_total = sum(own.values()), sum(collector.values())
    if perf_total / collector_total < BUSY_SHARE:  # waiting for a core is wall time the samples do not see
        pytest.skip(f"other processes took the core: perf sampled {perf_total:.2f} s of CPU in regions that took "
                    f"{collector_total:.2f} s")
    for name, seconds in collector.items():
        if seconds / collector_total >= 0.05:
            assert abs(own.get(name, 0) / perf_total - seconds / collector_total) < 0.05, (name, own, collector)
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["profile"]["tool"] == "perf" and manifest["outputs"]["hotspots.json"] == "written"
    html = (run_dir / "report.html").read_text()
    assert "Hotspots" in html and "Flame graph" in html
    assert (run_dir / "hotspots.csv").read_text().startswith("Region,Function,Module")


@pytest.mark.parametrize("how", ["ctrl-c-to-the-group", "sigterm-to-profile"])
def test_interrupted_profile_keeps_what_was_recorded(tmp_path: Path, how: str):
    run_dir = tmp_path / "run"
    proc = spawn(perfharness_command("profile", *SCENARIO, "--frames", "1000000", "--run-dir", str(run_dir)),
                 start_new_session=True)
    try:
        wait_until(lambda: rows(run_dir / "frames.csv") >= 30, proc, "30 measured frames")
        if how == "ctrl-c-to-the-group":
            os.killpg(proc.pid, signal.SIGINT)  # what a terminal does: perf, the scenario and us
        else:
            proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=600)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130, err[-3000:]
    assert "Traceback" not in err
    summary = json.loads((run_dir / "hotspots.json").read_text())
    assert summary["complete"] is False and summary["process_samples"] > 0
    assert json.loads((run_dir / "manifest.json").read_text())["complete"] is False
    assert "INCOMPLETE" in (run_dir / "report.html").read_text()


def test_a_scenario_failing_under_perf_exits_1_with_its_own_error(tmp_path: Path):
    """The scenario fails once its run is under way (a model whose record was truncated, found as
    the models load): perf's collection fails with the scenario's own error, and what was
    recorded is still attributed, marked incomplete."""
    cache = tmp_path / "cache"
    shutil.copytree(cache_root(), cache, ignore=shutil.ignore_patterns(".*", "ov-model-cache", "peer-mediapipe"))
    record = layout.record_path(layout.ir_path(load_manifest().sets["mediapipe"].models["face_detection"], "FP32"))
    broken = cache / record.relative_to(cache_root())
    broken.write_bytes(broken.read_bytes()[:5])
    run_dir = tmp_path / "run"
    done = subprocess.run(perfharness_command("profile", "steady_state", "--run-dir", str(run_dir)), cwd=ROOT,
                          capture_output=True, text=True, timeout=900, stdin=subprocess.DEVNULL,
                          env={**os.environ, "PERFHARNESS_CACHE": str(cache)})
    assert done.returncode == 1, done.stderr[-3000:]
    last = done.stderr.splitlines()[-1]
    assert last.startswith("perfharness: error: perf collection failed (exit 2): perfharness: error: "), last
    assert "perfharness models fetch" in last and "Traceback" not in done.stderr
    assert json.loads((run_dir / "hotspots.json").read_text())["complete"] is False


def test_dry_run_prints_the_command_lines_and_makes_nothing(tmp_path: Path):
    done = subprocess.run(perfharness_command("profile", "steady_state", "--frames", "5", "--dry-run", "--out",
                                              str(tmp_path / "runs")), cwd=ROOT, capture_output=True, text=True,
                          timeout=120, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    record, script = done.stdout.splitlines()
    assert " record -e cpu-clock " in record and " -k CLOCK_MONOTONIC " in record
    assert record.endswith("--no-progress --no-store --frames 5") and " script -i " in script
    assert not (tmp_path / "runs").exists()
