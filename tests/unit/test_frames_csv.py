"""frames.csv: the iris columns written and read back, and a file from before them still read."""

from __future__ import annotations

import csv

import numpy as np

from perfharness.gaze.result import EyeResult, FrameResult
from perfharness.instrument.regions import REGION_NAMES
from perfharness.results.frames import COLUMNS, FrameLog, read_frames

IRIS = ("left_iris_x", "left_iris_y", "right_iris_x", "right_iris_y")


def _eye(x: float, y: float | None) -> EyeResult:
    return EyeResult(box=(x - 10, 0.0, x + 10, 20.0), crop_corners=np.zeros((4, 2), np.float32),
                     iris_center=None if y is None else (np.float32(x), np.float32(y)))


def test_iris_centres_round_trip_and_are_none_when_not_found(tmp_path):
    path = tmp_path / "frames.csv"
    log = FrameLog(path)
    timings = {"frame": 0.004, "iris_landmarks.infer": 0.001}
    log.write("v", 1.0, FrameResult(0, True, 1, (1.0, 2.0, 3.0, 4.0), left_eye=_eye(200.25, 211.5),
                                    right_eye=_eye(288.125, 209.75)), (10, 20), timings)
    log.write("v", 2.0, FrameResult(1, False), None, timings)  # no face
    log.write("v", 3.0, FrameResult(2, True, 1, (1.0, 2.0, 3.0, 4.0), left_eye=_eye(201.0, None),
                                    right_eye=_eye(289.0, None)), (10, 20), timings)  # a set without an iris model
    log.close()
    with open(path, newline="") as handle:
        header = next(csv.reader(handle))
    assert tuple(header) == COLUMNS and set(IRIS) <= set(header) and header.index("pointer_y") + 1 == header.index(IRIS[0])
    first, blank, no_iris = read_frames(path)
    assert first.left_iris == (200.25, 211.5) and first.right_iris == (288.125, 209.75)
    assert first.timings == timings and first.pointer == (10, 20)
    assert blank.left_iris is blank.right_iris is None
    assert no_iris.left_iris is no_iris.right_iris is None and no_iris.face_found


def test_a_frames_csv_without_the_iris_columns_still_reads(tmp_path):
    path = tmp_path / "old.csv"
    old = [column for column in COLUMNS if column not in IRIS]
    row = {"variant": "v", "index": "3", "t": "1.5", "face_found": "1", "face_count": "1", "face_x0": "1",
           "face_y0": "2", "face_x1": "3", "face_y1": "4", "gaze_yaw_deg": "2.5", "gaze_pitch_deg": "-1",
           "pointer_x": "5", "pointer_y": "6", "frame": "0.004"}
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(old)
        writer.writerow([row.get(column, "") for column in old])
    (parsed,) = read_frames(path)
    assert parsed.index == 3 and parsed.gaze_angles == (2.5, -1.0) and parsed.timings == {"frame": 0.004}
    assert parsed.left_iris is None and parsed.right_iris is None
    assert REGION_NAMES[-1] in old  # the cut-short test still looks at the last column
