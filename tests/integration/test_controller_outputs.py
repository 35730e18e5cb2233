"""--trace and --resources from the controller (interrupted runs: test_interrupts.py)."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys

import openvino
import pytest
from trace_format import check_trace

from perfharness.instrument.capture import FOREIGN_EVERY
from perfharness.instrument.collector import find_compiler
from perfharness.instrument.resources import COLUMNS

# OpenVINO 2026 emits ITT tasks of its own (ov::phases, per-layer ov::op::cpu); 2024.6 emits none
OPENVINO_EMITS_ITT = int(openvino.get_version().split(".")[0]) >= 2026
REGIONS_OUTSIDE_STAGES = {"frame", "source.read", "pointer.map", "pointer.move"}
STAGE_REGIONS = {
    "face_detection.preprocess", "face_detection.infer", "face_detection.postprocess",
    "face_landmarks.preprocess", "face_landmarks.infer", "face_landmarks.postprocess",
    "iris_landmarks.preprocess", "iris_landmarks.infer", "iris_landmarks.postprocess",
    "head_pose.postprocess", "gaze.postprocess",
}
REGIONS = STAGE_REGIONS | REGIONS_OUTSIDE_STAGES


def controller(*args: str) -> list[str]:
    return [sys.executable, "-m", "perfharness", "controller", "--input", "sample", "--no-window", *args]


def check_frames(track: list[tuple[str, int, str | None]], frames: int) -> None:
    """Our regions on the main track: each read, then a frame holding every stage region."""
    ours = [(name, depth, parent) for name, depth, parent in track if name in REGIONS]
    starts = [i for i, (name, _, _) in enumerate(ours) if name == "frame"]
    assert len(starts) == frames and all(ours[i][1] == 0 for i in starts)
    first = ours[starts[0] + 1:starts[1] - 1]
    assert {name for name, _, _ in first} == STAGE_REGIONS | {"pointer.map", "pointer.move"}
    assert all(depth == 1 and parent == "frame" for _, depth, parent in first)
    assert ours[starts[1] - 1] == ("source.read", 0, None)  # each read precedes its frame
    assert ours[-1] == ("source.read", 0, None)  # the read that found the end of the input


def main_track(opened: dict) -> list[tuple[str, int, str | None]]:
    (track,) = [track for track in opened.values() if any(name == "frame" for name, _, _ in track)]
    return track


@pytest.mark.skipif(find_compiler() is None, reason="no C compiler: the ITT collector cannot be built")
def test_trace_with_openvino_tasks_under_our_infer_regions(tmp_path):
    trace, resources = tmp_path / "trace.json", tmp_path / "resources.csv"
    completed = subprocess.run(controller("--max-frames", "12", "--trace", str(trace), "--resources", str(resources),
                                          "--resources-hz", "50", "--detect-every-frame"),
                               capture_output=True, text=True, timeout=600)
    assert completed.returncode == 0, completed.stderr
    assert "resources: cpu mean" in completed.stdout and "package energy" in completed.stdout
    document = json.loads(trace.read_text())
    assert document["otherData"]["complete"] is True and document["otherData"]["source"] == "itt collector"
    track = main_track(check_trace(document))
    check_frames(track, 12)
    phases = [(name, depth, parent) for name, depth, parent in track if name.startswith("SyncInferenceCPU::infer")]
    assert all(parent.endswith(".infer") for _, _, parent in phases)
    if OPENVINO_EMITS_ITT:
        # OpenVINO's tasks are kept during every FOREIGN_EVERY-th frame (the 1st, 5th, 9th), each
        # with one OpenVINO inference per model call: detection, mesh, both irises in one
        kept = len(range(0, 12, FOREIGN_EVERY))
        assert document["otherData"]["frames_with_foreign_tasks"] == kept
        assert len(phases) == kept * 3
        layers = {name for name, _, parent in track if parent and parent.startswith("SyncInferenceCPU::infer")}
        assert "Convolution::execute" in layers  # per-layer tasks nest inside each inference
    assert not list(tmp_path.glob(".*"))  # the collector's log is gone once the trace is written
    with open(resources, newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows and list(rows[0]) == list(COLUMNS)
    span = [e["ts"] / 1e6 for e in document["traceEvents"] if e["ph"] != "M"]
    # samples and regions share one clock: the samples fall inside the run's trace span (+- 1 s)
    assert min(span) - 1 <= float(rows[0]["t"]) <= max(span) + 1


def test_python_side_trace_without_itt(tmp_path):
    trace = tmp_path / "trace.json"
    completed = subprocess.run(controller("--max-frames", "6", "--trace", str(trace), "--no-itt"),
                               capture_output=True, text=True, timeout=600)
    assert completed.returncode == 0, completed.stderr
    document = json.loads(trace.read_text())
    assert document["otherData"]["source"] == "perfharness regions"
    opened = check_trace(document)
    assert len(opened) == 1
    check_frames(main_track(opened), 6)


def test_warmup_frames_are_left_out_of_the_summary():
    completed = subprocess.run(controller("--max-frames", "8", "--warmup-frames", "3", "--detect-every-frame"), capture_output=True,
                               text=True, timeout=600)
    assert completed.returncode == 0, completed.stderr
    assert "frames: 5 (+3 warm-up)" in completed.stdout
    assert re.search(r"^face_detection\.infer +5 ", completed.stdout, re.MULTILINE)
