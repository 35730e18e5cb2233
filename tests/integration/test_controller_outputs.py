"""--trace and --resources from the controller, and what an interrupted run leaves behind."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time

import cv2
import pytest
from trace_format import check_trace

from perfharness.instrument.resources import COLUMNS

STAGE_REGIONS = {
    "face_detection.preprocess", "face_detection.infer", "face_detection.postprocess",
    "face_landmarks.preprocess", "face_landmarks.infer", "face_landmarks.postprocess",
    "iris_landmarks.preprocess", "iris_landmarks.infer", "iris_landmarks.postprocess",
    "head_pose.postprocess", "gaze.postprocess",
}


def controller(*args: str) -> list[str]:
    return [sys.executable, "-m", "perfharness", "controller", "--input", "sample", "--no-window", *args]


def test_trace_and_resources_of_a_complete_run(tmp_path):
    trace, resources = tmp_path / "trace.json", tmp_path / "resources.csv"
    completed = subprocess.run(controller("--max-frames", "12", "--trace", str(trace), "--resources", str(resources),
                                          "--resources-hz", "50"), capture_output=True, text=True, timeout=600)
    assert completed.returncode == 0, completed.stderr
    assert "resources: cpu mean" in completed.stdout and "package energy" in completed.stdout
    document = json.loads(trace.read_text())
    assert document["otherData"]["complete"] is True
    opened = check_trace(document)
    (main,) = opened.values()
    frames = [i for i, (name, depth) in enumerate(main) if name == "frame"]
    assert len(frames) == 12 and all(main[i][1] == 0 for i in frames)
    first_frame = main[frames[0] + 1:frames[1] - 1]
    assert {name for name, _ in first_frame} == STAGE_REGIONS | {"pointer.map", "pointer.move"}
    assert all(depth == 1 for _, depth in first_frame)  # stage regions directly inside frame
    assert main[frames[1] - 1] == ("source.read", 0)  # each read precedes its frame
    assert main[-1] == ("source.read", 0)  # the read that found the end of the input
    with open(resources, newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows and list(rows[0]) == list(COLUMNS)
    span = [e["ts"] / 1e6 for e in document["traceEvents"] if e["ph"] != "M"]
    # samples and regions share one clock: the samples fall inside the run's trace span (+- 1 s)
    assert min(span) - 1 <= float(rows[0]["t"]) <= max(span) + 1


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_interrupted_run_leaves_readable_files_marked_incomplete(tmp_path, signum):
    trace, resources, video = tmp_path / "trace.json", tmp_path / "resources.csv", tmp_path / "out.mp4"
    proc = subprocess.Popen(controller("--trace", str(trace), "--resources", str(resources), "--save", str(video)),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        for _ in range(2000):  # until frames are flowing (resource rows on disk), or it ended
            if proc.poll() is not None or (resources.exists() and len(resources.read_text().splitlines()) > 3):
                break
            time.sleep(0.05)
        assert proc.poll() is None, "the run ended before it could be interrupted"
        os.kill(proc.pid, signum)
        out, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    assert "interrupted" in out
    document = json.loads(trace.read_text())
    assert document["otherData"]["complete"] is False
    check_trace(document)
    with open(resources, newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows and all(None not in row.values() for row in rows)
    capture = cv2.VideoCapture(str(video))
    assert capture.isOpened() and capture.read()[0]
