"""The controller CLI end to end, and every bad input: one line on stderr, exit 2, no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

import omz_synthetic


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    environment = {**os.environ, **(env or {})}
    environment.pop("DISPLAY", None)
    return subprocess.run([sys.executable, "-m", "perfharness", *args], capture_output=True, text=True,
                          env=environment, timeout=600)


def assert_usage_error(completed: subprocess.CompletedProcess, fragment: str) -> None:
    assert completed.returncode == 2, completed.stderr
    lines = completed.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in completed.stderr, completed.stderr
    assert lines[0].startswith("perfharness") and fragment in lines[0], lines[0]


def test_sample_run_prints_the_latency_table_and_saves_the_video(tmp_path):
    video = tmp_path / "annotated.mp4"
    completed = run_cli("controller", "--input", "sample", "--max-frames", "40", "--save", str(video))
    assert completed.returncode == 0, completed.stderr
    out = completed.stdout
    for region in ("frame", "source.read", "face_detection.infer", "face_landmarks.infer",
                   "iris_landmarks.infer", "head_pose.postprocess", "gaze.postprocess", "pointer.map", "pointer.move"):
        assert f"\n{region} " in out, region
    assert "mean ms" in out and "p90 ms" in out and "fps:" in out and "compile" in out
    assert "frames: 40" in out and "pointer moves (dry)" in out
    capture = cv2.VideoCapture(str(video))
    assert int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) == 40
    assert not list(tmp_path.glob(".*partial*"))


def test_image_input_finds_the_face(astronaut_path):
    completed = run_cli("controller", "--input", str(astronaut_path), "--precision", "FP16", "--mouse", "off")
    assert completed.returncode == 0, completed.stderr
    assert "faces found: 1/1" in completed.stdout


@pytest.fixture(scope="module")
def astronaut_path() -> Path:
    from perfharness import zoo

    return zoo.media_file()


def test_missing_video(tmp_path):
    assert_usage_error(run_cli("controller", "--input", str(tmp_path / "nope.mp4")), "no such file")


def test_corrupt_video(tmp_path):
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"\x00\x00\x00\x18ftypmp42" + os.urandom(4000))
    assert_usage_error(run_cli("controller", "--input", str(broken)), "cannot read video")


def test_camera_that_does_not_open():
    assert_usage_error(run_cli("controller", "--input", "cam:7"), "camera 7 does not open")


def test_image_with_no_face(tmp_path):
    blank = tmp_path / "wall.png"
    cv2.imwrite(str(blank), np.full((240, 320, 3), 128, np.uint8))
    assert_usage_error(run_cli("controller", "--input", str(blank)), f"no face found in {blank}")


def test_unknown_model_set_and_precision():
    assert_usage_error(run_cli("controller", "--model-set", "nope"), "unknown model set 'nope'")
    assert_usage_error(run_cli("controller", "--precision", "FP8"), "unknown precision 'FP8'")
    assert_usage_error(run_cli("controller", "--show", "face,aura"), "unknown --show layer(s) aura")
    assert_usage_error(run_cli("controller", "--max-frames", "0"), "--max-frames")


def test_real_mouse_without_display_says_how_to_fix():
    assert_usage_error(run_cli("controller", "--mouse", "real", "--max-frames", "1"), "xvfb-run")


def test_model_not_fetched(tmp_path):
    completed = run_cli("controller", "--max-frames", "1", env={"PERFHARNESS_CACHE": str(tmp_path)})
    assert_usage_error(completed, "perfharness models fetch")


def test_model_with_the_wrong_signature(tmp_path, monkeypatch):
    """A face detector of the omz set whose input is 300x300 instead of 384x672."""
    monkeypatch.setenv("PERFHARNESS_CACHE", str(tmp_path / "cache"))
    models = omz_synthetic.build_omz_models(tmp_path / "build")
    models["face_detection"] = omz_synthetic.build_wrong_models(tmp_path / "build")["wrong_shape"]
    omz_synthetic.install_in_cache(models)
    completed = run_cli("controller", "--model-set", "omz", "--max-frames", "1")
    assert_usage_error(completed, "face-detection-adas-0001.xml: input 'data' of omz/face_detection has shape [1,3,300,300]")


def test_unknown_set_to_fetch():
    assert_usage_error(run_cli("models", "fetch", "nope"), "unknown model set 'nope'")
