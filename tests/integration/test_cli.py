"""The controller CLI end to end. Its bad inputs are rows of test_bad_input.py."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import cv2
import pytest


def run_cli(*args: str) -> subprocess.CompletedProcess:
    environment = dict(os.environ)
    environment.pop("DISPLAY", None)
    return subprocess.run([sys.executable, "-m", "perfharness", *args], capture_output=True, text=True,
                          env=environment, timeout=600)


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
