"""Geometric gaze: the iris offset within each eye turns the eye; the eye turn adds to the head pose.

Model: an eyeball of radius 12 mm behind an eye opening 30 mm wide, so an iris offset of ``d``
eye-widths from the centre of the eye turns the eye by ``asin(2.5 d)``. The eye turn is measured
along and across each eye's corner line (so head roll does not leak into it), averaged over both
eyes and added to the head's yaw and pitch. A first-order model: calibration absorbs the rest.
"""

from __future__ import annotations

import numpy as np

from perfharness.gaze.iris_landmarks import LEFT_EYE_CORNERS, RIGHT_EYE_CORNERS
from perfharness.gaze.result import EyeResult
from perfharness.instrument import NULL_REGIONS, Regions

EYE_WIDTH_OVER_RADIUS = 30.0 / 12.0


def eye_rotation(corner_a: np.ndarray, corner_b: np.ndarray, iris: np.ndarray) -> tuple[float, float]:
    """(yaw, pitch) of one eye in degrees from its corners (image-left first) and iris centre."""
    axis = corner_b - corner_a
    width = float(np.hypot(*axis))
    along = axis / width
    down = np.array([-along[1], along[0]])
    offset = iris - (corner_a + corner_b) / 2
    dx = float(offset @ along) / width
    dy = float(offset @ down) / width
    yaw = np.degrees(np.arcsin(np.clip(dx * EYE_WIDTH_OVER_RADIUS, -1, 1)))
    pitch = np.degrees(np.arcsin(np.clip(-dy * EYE_WIDTH_OVER_RADIUS, -1, 1)))
    return float(yaw), float(pitch)


def direction(yaw_deg: float, pitch_deg: float) -> np.ndarray:
    """Unit vector for (yaw, pitch): x towards the image's right, y up, z towards the camera."""
    yaw, pitch = np.radians(yaw_deg), np.radians(pitch_deg)
    return np.array([np.sin(yaw) * np.cos(pitch), np.sin(pitch), np.cos(yaw) * np.cos(pitch)])


class GeometricGaze:
    """Gaze vector from iris centres, eye corners and head pose; its region is ``gaze.postprocess``."""

    name = "gaze"

    def estimate(self, landmarks: np.ndarray, eyes: tuple[EyeResult, EyeResult], head_pose: tuple[float, float, float], regions: Regions = NULL_REGIONS) -> np.ndarray:
        with regions.region("gaze.postprocess"):
            turns = [
                eye_rotation(landmarks[a, :2], landmarks[b, :2], np.array(eye.iris_center))
                for eye, (a, b) in zip(eyes, (LEFT_EYE_CORNERS, RIGHT_EYE_CORNERS))
            ]
            eye_yaw, eye_pitch = np.mean(turns, axis=0)
            return direction(head_pose[0] + eye_yaw, head_pose[1] + eye_pitch)
