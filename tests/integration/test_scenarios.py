"""Scenario scripts, `perfharness scenario run`, and the run directory they leave."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from perfharness.results.frames import read_frames
from perfharness.scenario import loader

ROOT = Path(__file__).resolve().parents[2]
WANTED = {"steady_state", "max_throughput", "precision_sweep", "thread_sweep", "contention", "cold_start", "optimizations",
          "soak", "edge_cases"}
STATS = {"count", "mean", "stdev", "min", "max", "p50", "p90", "p99"}


def perfharness(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "perfharness", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=900)


def only_run_dir(out: Path) -> Path:
    (run_dir,) = out.iterdir()
    return run_dir


def test_every_scenario_script_loads():
    found = loader.available()
    assert WANTED <= set(found)
    for name in WANTED:
        scenario = loader.load(name)
        assert scenario.name == name and scenario.description and scenario.mouse == "dry"
    listed = perfharness("scenario", "list")
    assert listed.returncode == 0 and all(name in listed.stdout for name in WANTED)


def test_edge_cases_checks_pass_on_the_sample_clip(tmp_path):
    completed = perfharness("scenario", "run", "edge_cases", "--out", str(tmp_path), "--no-progress")
    assert completed.returncode == 0, completed.stderr
    metrics = json.loads((only_run_dir(tmp_path) / "metrics.json").read_text())
    assert len(metrics["checks"]) == 3 and all(check["passed"] for check in metrics["checks"])
    (variant,) = metrics["variants"]
    assert variant["frames"] == 120 and variant["detection_rate"] == pytest.approx(102 / 120)


def test_a_sweep_writes_a_complete_run_directory(tmp_path):
    completed = perfharness("scenario", "run", "precision_sweep", "--frames", "8", "--set", "warmup_frames=2",
                            "--out", str(tmp_path), "--no-progress")
    assert completed.returncode == 0, completed.stderr
    run_dir = only_run_dir(tmp_path)
    assert run_dir.name.endswith("-precision_sweep")
    for name in ("manifest.json", "metrics.json", "resources.csv", "trace.json", "report.html", "report.md"):
        assert (run_dir / name).is_file(), name
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["complete"] is True and manifest["config"]["sweep"] == {"precision": ["FP32", "FP16"]}
    assert manifest["versions"]["openvino"] and manifest["cpu"]["logical_cores"] >= 1
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert [v["label"] for v in metrics["variants"]] == ["precision=FP32", "precision=FP16"]
    for variant in metrics["variants"]:
        assert variant["frames"] == 8 and variant["warmup_frames"] == 2
        assert set(variant["regions"]["frame"]) == STATS and variant["regions"]["frame"]["count"] == 8
        assert 0 < variant["regions"]["face_landmarks.infer"]["p50"] < variant["regions"]["frame"]["p50"]
        assert variant["regions"].get("face_detection.infer", {"count": 0})["count"] < 8  # tracking
        assert set(variant["models"]) == {"face_detection", "face_landmarks", "iris_landmarks"}
        assert variant["resources"]["samples"] >= 0
        assert len(list(read_frames(run_dir / "frames.csv", variant["name"]))) == 8
    assert manifest["config"]["frames"] == 8 and manifest["config"]["duration_s"] is None  # what ran
    assert "precision=FP16" in (run_dir / "report.md").read_text()


def test_pacing_counts_dropped_frames_under_contention(tmp_path):
    completed = perfharness("scenario", "run", "contention", "--frames", "30", "--set", "background_workers=2",
                            "--set", "pacing_fps=1000", "--set", "warmup_frames=2", "--out", str(tmp_path),
                            "--no-progress")
    assert completed.returncode == 0, completed.stderr
    (variant,) = json.loads((only_run_dir(tmp_path) / "metrics.json").read_text())["variants"]
    # 1000 fps (a 1 ms period) is beyond this pipeline on any CPU: frames must have been dropped
    assert variant["dropped_frames"] > 0 and variant["frames"] + variant["dropped_frames"] == 30
