"""Head pose from face-mesh landmarks: ``cv2.solvePnP`` against a generic 3-D face model."""

from __future__ import annotations

import math
from functools import lru_cache

import cv2
import numpy as np

from perfharness.gaze.result import FrameResult
from perfharness.instrument import NULL_REGIONS, Regions

# Face-mesh indices and a generic face in millimetres (x towards the image's right, y up,
# z towards the camera): nose tip, chin, outer eye corners, mouth corners.
MESH_POINTS = (1, 152, 33, 263, 61, 291)
MODEL_POINTS = np.array(
    [(0, 0, 0), (0, -330, -65), (-225, 170, -135), (225, 170, -135), (-150, -150, -125), (150, -150, -125)], float
)
_CV_FLIP = np.array([1.0, -1.0, -1.0])  # our axes -> OpenCV's (x right, y down, z away from camera)
_OBJECT_POINTS = MODEL_POINTS * _CV_FLIP
_MESH_INDEX = np.array(MESH_POINTS)


def camera_matrix(width: int, height: int) -> np.ndarray:
    """A pinhole camera with focal length = frame width and the principal point at the centre."""
    return np.array([[width, 0, width / 2], [0, width, height / 2], [0, 0, 1]], float)


_camera = lru_cache(maxsize=8)(camera_matrix)  # one per frame size, made once (solvePnP only reads it)


def angles_from_rotation(rotation: np.ndarray) -> tuple[float, float, float]:
    """(yaw, pitch, roll) in degrees, in the conventions of ``perfharness.gaze.result``."""
    (r00, _, r02), (r10, _, r12), (_, _, r22) = rotation.tolist()
    facing_x, facing_y, facing_z = -r02, r12, r22  # the face normal, rotation @ (0, 0, -1), in our axes
    yaw = math.degrees(math.atan2(facing_x, facing_z))
    pitch = math.degrees(math.atan2(facing_y, math.hypot(facing_x, facing_z)))
    roll = math.degrees(math.atan2(-r10, r00))  # the eye line, rotation @ (1, 0, 0), in OpenCV's axes
    return yaw, pitch, roll


class SolvePnPHeadPose:
    """``result.head_pose``, (yaw, pitch, roll) in degrees, from the face-mesh landmarks (None if
    PnP fails); its only region is ``head_pose.postprocess``."""

    name = "head_pose"
    region = "head_pose.postprocess"

    def __call__(self, frame: np.ndarray, result: FrameResult, regions: Regions = NULL_REGIONS) -> None:
        with regions.region(self.region):
            height, width = frame.shape[:2]
            image_points = result.landmarks[_MESH_INDEX, :2].astype(float)
            ok, rvec, _ = cv2.solvePnP(_OBJECT_POINTS, image_points, _camera(width, height), None,
                                       flags=cv2.SOLVEPNP_SQPNP)
            result.head_pose = angles_from_rotation(cv2.Rodrigues(rvec)[0]) if ok else None
