"""Geometric gaze: the iris offset within each eye turns the eye; the eye turn adds to the head pose.

Model: an eyeball of radius 12 mm behind an eye opening 30 mm wide, so an iris offset of ``d``
eye-widths from the centre of the eye turns the eye by ``asin(2.5 d)``. The eye turn is measured
along and across each eye's corner line (so head roll does not leak into it), averaged over both
eyes and added to the head's yaw and pitch. A first-order model: calibration absorbs the rest.
"""

from __future__ import annotations

import math

import numpy as np

from perfharness.gaze.iris_landmarks import EYE_CORNERS
from perfharness.gaze.result import FrameResult
from perfharness.instrument import NULL_REGIONS, Regions

EYE_WIDTH_OVER_RADIUS = 30.0 / 12.0


def eye_rotation(corner_a: np.ndarray, corner_b: np.ndarray, iris: np.ndarray) -> tuple[float, float]:
    """(yaw, pitch) of one eye in degrees from its corners (image-left first) and iris centre."""
    (ax, ay), (bx, by), (ix, iy) = (tuple(map(float, point[:2])) for point in (corner_a, corner_b, iris))
    width = math.hypot(bx - ax, by - ay)
    along_x, along_y = (bx - ax) / width, (by - ay) / width
    off_x, off_y = ix - (ax + bx) / 2, iy - (ay + by) / 2
    dx = (off_x * along_x + off_y * along_y) / width
    dy = (-off_x * along_y + off_y * along_x) / width
    clip = lambda v: min(1.0, max(-1.0, v))  # noqa: E731
    return math.degrees(math.asin(clip(dx * EYE_WIDTH_OVER_RADIUS))), math.degrees(math.asin(clip(-dy * EYE_WIDTH_OVER_RADIUS)))


def direction(yaw_deg: float, pitch_deg: float) -> np.ndarray:
    """Unit vector for (yaw, pitch): x towards the image's right, y up, z towards the camera."""
    yaw, pitch = math.radians(yaw_deg), math.radians(pitch_deg)
    return np.array([math.sin(yaw) * math.cos(pitch), math.sin(pitch), math.cos(yaw) * math.cos(pitch)])


class GeometricGaze:
    """``result.gaze`` from the iris centres, the eye corners and the head pose (none without a head
    pose); its only region is ``gaze.postprocess``."""

    name = "gaze"
    region = "gaze.postprocess"

    def __call__(self, frame: np.ndarray, result: FrameResult, regions: Regions = NULL_REGIONS) -> None:
        if result.head_pose is None:
            return
        with regions.region(self.region):
            corners = result.landmarks[EYE_CORNERS, :2].tolist()
            (yaw_a, pitch_a), (yaw_b, pitch_b) = (
                eye_rotation(corners[2 * eye], corners[2 * eye + 1], eye_result.iris_center)
                for eye, eye_result in enumerate((result.left_eye, result.right_eye))
            )
            eye_yaw, eye_pitch = (yaw_a + yaw_b) / 2, (pitch_a + pitch_b) / 2
            result.gaze = direction(result.head_pose[0] + eye_yaw, result.head_pose[1] + eye_pitch)
