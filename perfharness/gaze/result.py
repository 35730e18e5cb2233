"""What the pipeline returns for one frame.

Coordinates are frame pixels (x right, y down). Eyes are named by the side of the *image* they
appear on: ``left_eye`` is the eye on the image's left (the subject's right eye).
Angles are degrees. Head pose and gaze share one frame: x towards the image's right, y up,
z from the face towards the camera; yaw > 0 turns towards the image's right, pitch > 0 up,
roll > 0 counter-clockwise as seen in the image.

Every stage of the chain fills its part of one FrameResult; what a stage hands the next (the
detections, the face followed, the crops) is here too, never in the chain.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from perfharness.gaze.geometry import RotatedRect

Box = tuple[float, float, float, float]  # x_min, y_min, x_max, y_max in pixels


@dataclass
class Detection:
    """One face found by a detector; ``keypoints`` as the detector gives them (may be empty)."""

    box: Box
    score: float
    keypoints: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), np.float32))

    @property
    def area(self) -> float:
        return max(0.0, self.box[2] - self.box[0]) * max(0.0, self.box[3] - self.box[1])


@dataclass
class EyeResult:
    box: Box  # tight box around the eye opening
    crop_corners: np.ndarray  # (4, 2) corners of the (rotated) crop fed to the eye model
    iris_center: tuple[float, float] | None = None  # None when the model set has no iris model


@dataclass
class FrameResult:
    frame_index: int
    face_found: bool
    face_count: int = 0
    face_box: Box | None = None
    face_score: float | None = None  # the detector's score; on a tracked frame, the landmark model's presence
    landmarks: np.ndarray | None = None  # (N, 2) or (N, 3) in frame pixels
    left_eye: EyeResult | None = None
    right_eye: EyeResult | None = None
    head_pose: tuple[float, float, float] | None = None  # yaw, pitch, roll in degrees
    gaze: np.ndarray | None = None  # (3,) unit vector
    tracked: bool = False  # the face crop came from the previous frame's landmarks (no detector run)
    detections: list[Detection] = field(default_factory=list)  # the detector's faces, best first ([]: not run)
    face: Detection | None = None  # the detection followed (the face policy's pick); None on a tracked frame
    face_crop: RotatedRect | None = None  # the crop the face landmark model looked in
    next_face_crop: RotatedRect | None = None  # the track: the next frame's crop, from these landmarks (None: detect)
    timings: dict[str, float] = field(default_factory=dict)  # region name -> seconds

    @property
    def gaze_angles(self) -> tuple[float, float] | None:
        """(yaw, pitch) of the gaze vector in degrees."""
        if self.gaze is None:
            return None
        x, y, z = self.gaze.tolist()
        return math.degrees(math.atan2(x, z)), math.degrees(math.atan2(y, math.hypot(x, z)))
