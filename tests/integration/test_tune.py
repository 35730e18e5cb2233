"""``perfharness tune``: a short search on the real chain and the sample clip writes a configuration
that the controller runs, its front and plot; Ctrl-C keeps what was measured; bad options are
one line and exit 2."""

from __future__ import annotations

import json
import os
import signal
import subprocess

import pytest
from procs import perfharness_command, spawn, wait_until

from perfharness.gaze.result import FrameResult
from perfharness.run.config_file import load_config
from perfharness.tune.drift import DEFAULT_BUDGET, Outputs, budget_share, drift, over_budget
from perfharness.tune.front import pareto_front


@pytest.fixture(scope="module")
def tuned(tmp_path_factory):
    """One 90-second search (recorded in the tests' temporary store), its configuration file and output."""
    folder = tmp_path_factory.mktemp("tune")
    out = folder / "tuned.json"
    completed = subprocess.run(perfharness_command("tune", "--max-time", "90", "--out", str(out)),
                               capture_output=True, text=True, timeout=900, check=False)
    return out, completed


def test_tune_writes_a_configuration_within_its_budget(tuned):
    out, completed = tuned
    assert completed.returncode == 0, completed.stderr[-3000:]
    document = json.loads(out.read_text())
    tune = document["tune"]
    assert document["format"] == "perfharness-config" and tune["complete"] is True
    assert tune["budget"] == DEFAULT_BUDGET
    assert tune["candidates"], "nothing was measured"
    measured = [c for c in tune["candidates"] if c["drift"]]
    assert all(set(c["drift"]) >= set(DEFAULT_BUDGET) for c in measured)
    # every configuration taken over was within the budget and measurably faster than the one it replaced
    for candidate in tune["candidates"]:
        if candidate["outcome"] == "accepted":
            assert candidate["over_budget"] == [] and candidate["ratio_to_incumbent"] <= 0.98
    assert "default" in tune["front"] or tune["front"]
    assert tune["choice"] in [c["label"] for c in tune["candidates"]] + ["default"]
    assert out.with_suffix(".png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "Pareto front" in completed.stdout and f"perfharness controller --config {out}" in completed.stdout
    assert "stored as run" in completed.stderr


def test_the_configuration_runs_in_the_controller(tuned, tmp_path):
    out, completed = tuned
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert load_config(out).note is None  # made here
    run = subprocess.run(perfharness_command("controller", "--config", str(out), "--no-window", "--mouse", "off",
                                             "--max-frames", "20"), capture_output=True, text=True, timeout=600,
                         check=False)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "faces found" in run.stdout


def test_drift_of_a_chain_against_itself_is_zero_and_fp16_iris_moves_it_a_trace():
    from perfharness.gaze.sources import open_source
    from perfharness.run.settings import RunSettings

    def outputs(settings: RunSettings) -> Outputs:
        kept = Outputs()
        pipeline = settings.build_pipeline()
        with open_source("sample", max_frames=24) as source:
            for index, frame in source:
                kept.add(pipeline.process(frame, index))
        return kept

    reference = outputs(RunSettings())
    same = drift(outputs(RunSettings()), reference)
    assert same["iris_px"] == 0.0 and same["gaze_deg"] == 0.0 and same["face_mismatch"] == 0.0
    assert budget_share(same, DEFAULT_BUDGET) == 0.0 and over_budget(same, DEFAULT_BUDGET) == []
    fp16 = drift(outputs(RunSettings(variants=(("iris_landmarks", "FP16"),))), reference)
    assert 0.0 < fp16["iris_px"] < 0.05  # FP16 weights: a trace of drift, the mesh untouched
    assert fp16["landmarks_px"] == 0.0 and fp16["head_pose_deg"] == 0.0


def test_drift_counts_a_lost_face_and_a_missing_metric_is_over_budget():
    import numpy as np

    reference, candidate = Outputs(), Outputs()
    for index in (1, 3):
        reference.add(FrameResult(index, face_found=True, landmarks=np.zeros((468, 2))))
        candidate.add(FrameResult(index, face_found=index == 1, landmarks=np.zeros((468, 2))))
    candidate.add(FrameResult(2, face_found=True))  # an even frame is not held out: not kept
    measured = drift(candidate, reference)
    assert measured["face_mismatch"] == 0.5 and 2 not in candidate.found
    assert set(over_budget(measured, DEFAULT_BUDGET)) == {"iris_px", "gaze_deg", "face_mismatch"}  # no eyes, no gaze


def test_pareto_front_keeps_only_the_undominated():
    points = [{"label": "a", "ratio_to_default": 1.0, "budget_share": 0.0},
              {"label": "b", "ratio_to_default": 0.8, "budget_share": 0.5},
              {"label": "c", "ratio_to_default": 0.9, "budget_share": 0.6},  # b beats it on both
              {"label": "d", "ratio_to_default": 0.7, "budget_share": 2.0},
              {"label": "e", "ratio_to_default": None, "budget_share": 0.1}]
    assert [p["label"] for p in pareto_front(points)] == ["d", "b", "a"]


def test_tune_interrupted_keeps_what_was_measured(tmp_path):
    out, err = tmp_path / "cut.json", tmp_path / "stderr.txt"
    with open(err, "w") as stderr:
        proc = spawn(perfharness_command("tune", "--max-time", "600", "--out", str(out), "--no-store"),
                     stderr=stderr)
        try:
            wait_until(lambda: "tune [" in err.read_text(), proc, "the first measured configuration")
            proc.send_signal(signal.SIGINT)
            proc.communicate(timeout=300)
        finally:
            proc.kill()
    assert proc.returncode == 130, err.read_text()[-2000:]
    tune = json.loads(out.read_text())["tune"]
    assert tune["complete"] is False and tune["stopped"] == "interrupted"
    assert tune["candidates"], "the configuration measured before Ctrl-C was lost"


@pytest.mark.parametrize("args, message", [
    (["--budget", "speed=1"], "--budget 'speed=1': expected KEY=VALUE"),
    (["--budget", "iris_px=-1"], "--budget iris_px=-1: expected a number >= 0"),
    (["--budget", "gaze_deg=nan"], "expected a number >= 0"),
    (["--max-time", "3"], "expected a number >= 10 and <= 604800 (a week), got 3"),
    (["--device", "NPU9"], "cannot compile models for device 'NPU9'"),
])
def test_tune_bad_options_are_one_line(tmp_path, args, message):
    completed = subprocess.run(perfharness_command("tune", "--out", str(tmp_path / "x.json"), "--no-store", *args),
                               capture_output=True, text=True, timeout=120, check=False)
    assert completed.returncode == 2
    assert message in completed.stderr and len(completed.stderr.strip().splitlines()) == 1
    assert "Traceback" not in completed.stderr and not (tmp_path / "x.json").exists()


def test_tune_without_fetched_models_is_one_line(tmp_path):
    env = {**os.environ, "PERFHARNESS_CACHE": str(tmp_path / "empty-cache")}
    completed = subprocess.run(perfharness_command("tune", "--out", str(tmp_path / "x.json"), "--no-store"),
                               capture_output=True, text=True, timeout=120, check=False, env=env)
    assert completed.returncode == 2
    assert "perfharness models fetch mediapipe" in completed.stderr
    assert len(completed.stderr.strip().splitlines()) == 1 and "Traceback" not in completed.stderr
    assert not (tmp_path / "x.json").exists()
