"""``frames.csv``: one row per measured frame, written as frames complete (a line each, so a run
cut short at any moment leaves every finished row), read back by checks and plots.

Columns: ``variant``, ``index`` (of the frame in the input), ``t`` (perf_counter seconds at the frame's
start), ``face_found``, ``face_count``, ``face_x0, face_y0, face_x1, face_y1`` (pixels),
``gaze_yaw_deg``, ``gaze_pitch_deg``, ``pointer_x``, ``pointer_y`` (empty: no move), ``left_iris_x``,
``left_iris_y``, ``right_iris_x``, ``right_iris_y`` (each eye's iris centre in frame pixels, left = the
eye on the image's left; empty when not found), then one column per region of the contract
(``REGION_NAMES``) in seconds, empty when it did not run. A file written before the iris columns
existed still reads (its iris centres None).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from perfharness.core.outputs import open_stream, output_error, writing
from perfharness.gaze.result import Box, EyeResult, FrameResult
from perfharness.instrument.regions import REGION_NAMES

FIELDS = ("variant", "index", "t", "face_found", "face_count", "face_x0", "face_y0", "face_x1", "face_y1",
          "gaze_yaw_deg", "gaze_pitch_deg", "pointer_x", "pointer_y",
          "left_iris_x", "left_iris_y", "right_iris_x", "right_iris_y")
IRIS_COLUMNS = {"left": ("left_iris_x", "left_iris_y"), "right": ("right_iris_x", "right_iris_y")}
COLUMNS = FIELDS + REGION_NAMES


class FrameRow(NamedTuple):
    variant: str
    index: int
    t: float
    face_found: bool
    face_count: int
    face_box: Box | None
    gaze_angles: tuple[float, float] | None
    pointer: tuple[int, int] | None
    timings: dict[str, float]
    left_iris: tuple[float, float] | None = None  # iris centre of the image-left eye, frame pixels
    right_iris: tuple[float, float] | None = None  # of the image-right eye


class FrameLog:
    """Appends rows to ``path`` (created with its header), one write per row."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._handle = open_stream(self.path)
        self._writer = csv.writer(self._handle, lineterminator="\n")
        with writing(self.path):
            self._writer.writerow(COLUMNS)

    def write(self, variant: str, t: float, result: FrameResult, pointer: tuple[int, int] | None,
              timings: dict[str, float]) -> None:
        box = result.face_box or ("", "", "", "")
        angles = result.gaze_angles or ("", "")
        row = [
            variant, result.frame_index, f"{t:.6f}", int(result.face_found), result.face_count,
            *(_number(v) for v in box), *(_number(v) for v in angles), *(pointer or ("", "")),
            *(_number(v) for eye in (result.left_eye, result.right_eye) for v in _iris(eye)),
            *(_number(timings.get(name, "")) for name in REGION_NAMES),
        ]
        try:
            self._writer.writerow(row)
        except OSError as error:
            raise output_error(self.path, error) from None

    def close(self) -> None:
        with writing(self.path):
            self._handle.close()


def _iris(eye: EyeResult | None) -> tuple[float, float] | tuple[str, str]:
    return eye.iris_center if eye is not None and eye.iris_center is not None else ("", "")


def _number(value: float | str) -> str:
    return value if isinstance(value, str) else f"{value:.9g}"


def read_frames(path: Path, variant: str | None = None) -> Iterator[FrameRow]:
    """The rows of ``path`` (of one ``variant`` when given), in order; a row cut short by an
    interrupted run, or otherwise malformed, is skipped."""
    if not Path(path).exists():
        return
    with open(path, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if variant is not None and row.get("variant") != variant:
                continue
            parsed = _parse(row)
            if parsed is not None:
                yield parsed


def _parse(row: dict[str, str | None]) -> FrameRow | None:
    try:
        box = tuple(float(row[k]) for k in ("face_x0", "face_y0", "face_x1", "face_y1")) if row["face_x0"] else None
        angles = (float(row["gaze_yaw_deg"]), float(row["gaze_pitch_deg"])) if row["gaze_yaw_deg"] else None
        pointer = (int(row["pointer_x"]), int(row["pointer_y"])) if row["pointer_x"] else None
        iris = {eye: (float(row[x]), float(row[y])) if row.get(x) else None for eye, (x, y) in IRIS_COLUMNS.items()}
        timings = {name: float(row[name]) for name in REGION_NAMES if row.get(name)}
        if row.get(REGION_NAMES[-1]) is None:  # the last column is missing: a line cut short
            return None
        return FrameRow(row["variant"], int(row["index"]), float(row["t"]), row["face_found"] == "1",
                        int(row["face_count"]), box, angles, pointer, timings, iris["left"], iris["right"])
    except (KeyError, TypeError, ValueError):
        return None
