"""A configuration file (perfharness.run.config_file) run every way: ``controller --config``,
a scenario's ``--set config=FILE``, ``peer --ours-config``; real models on the sample clip."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from perfharness import zoo
from perfharness.cli import controller
from perfharness.cli.main import build_parser
from perfharness.core.errors import UsageError
from perfharness.peer.mediapipe_venv import default_venv
from perfharness.peer.settings import ours_config, ours_settings
from perfharness.results.frames import read_frames
from perfharness.run.config_file import write_config
from perfharness.run.settings import RunSettings
from perfharness.scenario.definition import Scenario, variants, with_overrides
from perfharness.zoo.manifest import load_manifest

INT8_IRIS = (("iris_landmarks", "INT8"),)
FRAMES = 12


@pytest.fixture(scope="module", autouse=True)
def _int8_iris() -> None:
    spec = load_manifest().model_set("mediapipe").models["iris_landmarks"]
    try:
        zoo.check_quantized(spec, "INT8")
    except UsageError as error:
        pytest.skip(f"needs the INT8 iris model (`perfharness models quantize mediapipe`): {error}")


def perfharness(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    environment = dict(os.environ)
    environment.pop("DISPLAY", None)
    return subprocess.run([sys.executable, "-m", "perfharness", *args], check=False, capture_output=True, text=True,
                          env=environment, cwd=cwd, timeout=600)


def config(path: Path, edit=None, **fields) -> Path:
    """A file written by write_config with ``fields``, its JSON then passed through ``edit``."""
    write_config(path, RunSettings(**fields))
    if edit is not None:
        document = json.loads(path.read_text())
        edit(document)
        path.write_text(json.dumps(document))
    return path


def iris_centres(frames_csv: Path) -> np.ndarray:
    """(frames, 2 eyes, x y) from the iris columns; NaN where not found."""
    return np.array([[eye or (np.nan, np.nan) for eye in (row.left_iris, row.right_iris)]
                     for row in read_frames(frames_csv)], float)


def detector_count(summary: str) -> int:
    return int(re.search(r"^face_detection\.infer\s+(\d+)", summary, re.MULTILINE).group(1))


def test_controller_runs_a_file_with_an_int8_iris_and_its_iris_centres_stay_near_fp32(tmp_path):
    path = config(tmp_path / "int8.json", variants=INT8_IRIS)
    runs = {}
    for name, extra in (("fp32", []), ("int8", ["--config", str(path)])):
        runs[name] = tmp_path / f"{name}.csv"
        completed = perfharness("controller", "--max-frames", str(FRAMES), "--frames-csv", str(runs[name]), *extra)
        assert completed.returncode == 0 and completed.stderr == "", completed.stderr  # made here: no note
    fp32, int8 = iris_centres(runs["fp32"]), iris_centres(runs["int8"])
    assert fp32.shape == int8.shape == (FRAMES, 2, 2) and not np.isnan(fp32).any() and not np.isnan(int8).any()
    with open(runs["int8"]) as handle:
        assert {"left_iris_x", "left_iris_y", "right_iris_x", "right_iris_y"} <= set(handle.readline().strip().split(","))
    assert (fp32[:, 0, 0] < fp32[:, 1, 0]).all()  # left = the image-left eye
    drift = np.hypot(*(int8 - fp32).transpose(2, 0, 1))
    assert drift.max() < 3.0, drift
    assert drift.mean() > 0.01  # not the FP32 model again: the file's INT8 iris ran


def test_options_given_override_the_file_and_options_not_given_leave_it(tmp_path):
    path = config(tmp_path / "c.json", threads=1, eye_batch=1, tracking=False, variants=INT8_IRIS)
    args = build_parser().parse_args(["controller", "--config", str(path), "--threads", "2",
                                      "--variant", "face_landmarks=fp16", "--no-detect-every-frame"])
    settings = controller._settings(args)
    assert settings == RunSettings(threads=2, eye_batch=1, tracking=True,
                                   variants=(("iris_landmarks", "INT8"), ("face_landmarks", "FP16")))
    args = build_parser().parse_args(["controller", "--config", str(path), "--variant", "iris_landmarks=FP32"])
    assert controller._settings(args) == RunSettings(threads=1, eye_batch=1, tracking=False,
                                                     variants=(("iris_landmarks", "FP32"),))
    assert controller._settings(build_parser().parse_args(["controller"])) == RunSettings()

    tracking = config(tmp_path / "tracking.json", tracking=True)  # end to end: the detector on every frame
    completed = perfharness("controller", "--config", str(tracking), "--max-frames", "6", "--detect-every-frame")
    assert completed.returncode == 0, completed.stderr
    assert detector_count(completed.stdout) == 6
    assert detector_count(perfharness("controller", "--config", str(tracking), "--max-frames", "6").stdout) == 1


def test_a_file_made_on_another_machine_says_so_in_one_line_and_runs(tmp_path):
    def elsewhere(document):
        document["made_on"].update(cpu="Some Other CPU", openvino="2024.0.0-0000")

    path = config(tmp_path / "other.json", elsewhere, variants=INT8_IRIS)
    completed = perfharness("controller", "--config", str(path), "--max-frames", "3")
    assert completed.returncode == 0, completed.stderr
    assert completed.stderr.count("\n") == 1 and completed.stderr.startswith(f"perfharness: note: {path}: "), \
        completed.stderr
    assert "Some Other CPU" in completed.stderr and "OpenVINO 2024.0.0-0000" in completed.stderr
    assert "frames: 3" in completed.stdout


def _missing_variant(document):
    document["settings"]["variants"] = {"iris_landmarks": "pruned-0.97"}


def _unknown_field(document):
    document["settings"]["colour"] = "blue"


@pytest.mark.parametrize("edit, message", [
    (_missing_variant, "cannot run here: model mediapipe/iris_landmarks has no variant 'pruned-0.97'"),
    (_unknown_field, "settings has no field colour"),
    ("broken", "not valid JSON"),
])
def test_a_file_that_cannot_run_is_one_line_and_exit_2(tmp_path, edit, message):
    path = tmp_path / "bad.json"
    if edit == "broken":
        path.write_text('{"format": "perfharness-config", "schema": 1, "settings": {')
    else:
        config(path, edit)
    frames_csv = tmp_path / "frames.csv"
    for command in (["controller", "--config", str(path), "--max-frames", "2", "--frames-csv", str(frames_csv)],
                    ["scenario", "run", "steady_state", "--set", f"config={path}", "--out", str(tmp_path / "out")],
                    ["peer", "--ours-config", str(path), "--out", str(tmp_path / "peer")]):
        completed = perfharness(*command)
        assert completed.returncode == 2, (command, completed.stderr)
        assert completed.stderr.count("\n") == 1 and "Traceback" not in completed.stderr, completed.stderr
        assert completed.stderr.startswith(f"perfharness: error: {path}: ") and message in completed.stderr, \
            completed.stderr
    assert not frames_csv.exists() and not (tmp_path / "out").exists() and not (tmp_path / "peer").exists()


def test_set_config_replaces_the_scenarios_run_settings_and_the_other_sets_win(tmp_path):
    path = config(tmp_path / "c.json", threads=1, eye_batch=1, tracking=False, variants=INT8_IRIS)
    base = Scenario(name="probe", precision="FP16", threads=3, sweep={"in_flight": [1, 2]})
    scenario = with_overrides(base, ["threads=2", f"config={path}"])  # the --set wins, whatever its place
    assert (scenario.threads, scenario.eye_batch, scenario.precision, scenario.variants) == (2, 1, "FP32", INT8_IRIS)
    assert scenario.sweep == {"in_flight": [1, 2]} and len(variants(scenario)) == 2  # the scenario's sweep still sweeps
    assert scenario.config_file["path"] == str(path.resolve()) and scenario.config_file["note"] is None
    with pytest.raises(UsageError, match="one configuration file per run"):
        with_overrides(base, [f"config={path}", f"config={path}"])

    out = tmp_path / "out"
    completed = perfharness("scenario", "run", "steady_state", "--frames", "5", "--set", "warmup_frames=1",
                            "--set", "pacing_fps=none", "--set", "threads=2", "--set", f"config={path}",
                            "--out", str(out), "--no-progress", "--no-store")
    assert completed.returncode == 0, completed.stderr
    (run_dir,) = out.iterdir()
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["complete"] is True
    recorded = manifest["config"]
    assert recorded["threads"] == 2 and recorded["eye_batch"] == 1 and recorded["tracking"] is False
    assert recorded["variants"] == [["iris_landmarks", "INT8"]]
    made_on = json.loads(path.read_text())["made_on"]
    assert recorded["config_file"] == {"path": str(path.resolve()), "made_on": made_on, "note": None}
    (variant,) = json.loads((run_dir / "metrics.json").read_text())["variants"]
    assert variant["frames"] == 5
    assert variant["regions"]["face_detection.infer"]["count"] == 5  # the file's tracking=False: detected every frame
    assert not np.isnan(iris_centres(run_dir / "frames.csv")).any()


def test_peer_ours_config_takes_the_file_and_sets_its_fixed_fields_itself(tmp_path):
    path = config(tmp_path / "c.json", threads=1, in_flight=2, tracking=False, variants=INT8_IRIS)
    loaded = ours_config(path)
    assert loaded.settings == RunSettings(threads=1, variants=INT8_IRIS)  # in_flight 1, tracking: the peer's
    (note,) = loaded.notes
    assert note.startswith(f"note: {path}: the peer sets these itself: ") and "\n" not in note
    assert "tracking=False not used" in note and "in_flight=2 not used" in note and "model_set" not in note
    assert loaded.record == {"path": str(path.resolve()), "made_on": json.loads(path.read_text())["made_on"]}
    assert ours_settings(["num_threads=2"], loaded.settings) == RunSettings(threads=2, variants=INT8_IRIS)
    assert ours_config(config(tmp_path / "plain.json", threads=1)).notes == ()

    if not (default_venv() / "bin" / "python").exists():
        pytest.skip("the MediaPipe venv is not made (`perfharness peer --setup`)")
    out = tmp_path / "peer"
    completed = perfharness("peer", "--ours-config", str(path), "--ours-set", "threads=2", "--rounds", "1",
                            "--max-frames", "3", "--modes", "tracking", "--out", str(out), "--no-store")
    assert completed.returncode == 0, completed.stderr
    assert f"perfharness: {note}\n" in completed.stderr
    ours = json.loads((out / "manifest.json").read_text())["config"]["ours"]
    assert ours["run_settings"]["threads"] == 2 and ours["run_settings"]["in_flight"] == 1
    assert ours["run_settings"]["variants"] == [["iris_landmarks", "INT8"]]
    assert ours["config_file"]["path"] == str(path.resolve())
    assert "iris_landmarks as INT8" in completed.stdout
