"""MediaPipe face mesh: 468 landmarks from a rotation-aligned face crop (192x192).

The crop comes from a detection (``face_roi``) or, when tracking, from the previous frame's
landmarks (``tracked_roi``), as MediaPipe's own face-mesh graph does.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from perfharness.gaze.geometry import RotatedRect, box_of, crop, rgb_tensor
from perfharness.gaze.result import Detection, FrameResult
from perfharness.gaze.stage import ModelStage

INPUT_SIZE = 192
ROI_SCALE = 1.5
PRESENCE_THRESHOLD = 0.5
# Face-mesh indices whose line sets a tracked crop's rotation: the outer eye corners.
TRACKING_EYE_CORNERS = (33, 263)
# A tracked crop is given up when the face it found sits further than this share of the crop's
# side from the crop's centre: the head moved (or the video cut) too far for the crop to hold
# all of it, and landmarks from a partial face need frames to settle.
TRACKING_MAX_DRIFT = 0.1


def face_roi(detection: Detection) -> RotatedRect:
    """A square around the detection box, 1.5x its longer side, rotated so the eyes are level."""
    x0, y0, x1, y1 = detection.box
    right_eye, left_eye = detection.keypoints[0], detection.keypoints[1]
    delta = left_eye - right_eye
    side = max(x1 - x0, y1 - y0) * ROI_SCALE
    return RotatedRect((x0 + x1) / 2, (y0 + y1) / 2, side, side, float(np.arctan2(delta[1], delta[0])))


def tracked_roi(landmarks: np.ndarray) -> RotatedRect:
    """The crop for the next frame from this frame's landmarks: a square 1.5x the longer side of
    their bounding box, about its centre, rotated so the outer eye corners are level."""
    x0, y0, x1, y1 = box_of(landmarks)
    (ax, ay), (bx, by) = landmarks[TRACKING_EYE_CORNERS, :2].tolist()
    side = max(x1 - x0, y1 - y0) * ROI_SCALE
    return RotatedRect((x0 + x1) / 2, (y0 + y1) / 2, side, side, math.atan2(by - ay, bx - ax))


def drifted(roi: RotatedRect, found: RotatedRect) -> bool:
    """Whether the face found in the tracked crop ``roi`` (its own crop: ``found``) has left the
    crop's middle (TRACKING_MAX_DRIFT)."""
    return math.hypot(found.cx - roi.cx, found.cy - roi.cy) > TRACKING_MAX_DRIFT * roi.width


class FaceMeshLandmarks(ModelStage):
    """468 (x, y, z) landmarks in frame pixels, in the crop of ``result.face`` (``face_roi``) or,
    on a tracked frame (no ``face``), in ``result.face_crop``, the previous frame's track.

    The face is there when the presence score reaches PRESENCE_THRESHOLD and, in a tracked crop,
    has not drifted out of its middle; then ``landmarks``, ``face_found`` and the track for the
    next frame (``next_face_crop``, None when its centre leaves the frame) are filled, and on a
    tracked frame ``face_score`` = the presence. ``face_crop`` always says where it looked."""

    name = "face_landmarks"

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._patch = np.empty((INPUT_SIZE, INPUT_SIZE, 3), np.uint8)  # the crop, reused frame to frame

    def preprocess(self, frame: np.ndarray,
                   result: FrameResult) -> tuple[None, tuple[np.ndarray, RotatedRect, tuple[int, int]]]:
        """The 192x192 RGB crop in [0, 1], written into the model's input; the matrix from crop to
        frame pixels, the crop, the frame's (height, width)."""
        roi = face_roi(result.face) if result.face is not None else result.face_crop
        result.face_crop = roi
        _, to_frame = crop(frame, roi, INPUT_SIZE, INPUT_SIZE, out=self._patch)
        rgb_tensor(self._patch, self.model.input_tensor("input_1")[0])
        return None, (to_frame, roi, frame.shape[:2])

    def postprocess(self, outputs: dict[str, np.ndarray], meta: tuple[np.ndarray, RotatedRect, tuple[int, int]],
                    result: FrameResult) -> None:
        to_frame, roi, (height, width) = meta
        presence = sigmoid(float(outputs["conv2d_31"].reshape(-1)[0]))
        if presence < PRESENCE_THRESHOLD:
            return
        landmarks = mesh_to_frame(outputs["conv2d_21"].reshape(-1, 3), to_frame, roi.width / INPUT_SIZE)
        found = tracked_roi(landmarks)
        tracked = result.face is None
        if tracked and drifted(roi, found):
            return
        result.landmarks, result.face_found = landmarks, True
        if tracked:
            result.face_score = presence
        result.next_face_crop = found if 0 <= found.cx < width and 0 <= found.cy < height else None


def sigmoid(logit: float) -> float:
    """The presence score of a logit (clipped to +-80, where the score is 0 or 1 anyway)."""
    return 1 / (1 + math.exp(-min(80.0, max(-80.0, logit))))


def mesh_to_frame(raw: np.ndarray, to_frame: np.ndarray, depth_scale: float) -> np.ndarray:
    """(N, 3) float32 landmarks in frame pixels from the model's (N, 3) crop pixels, in one OpenCV
    pass (in float64): x, y through the crop's 2x3 matrix, z scaled by ``depth_scale`` (frame
    pixels per crop pixel)."""
    (a, b, c), (d, e, f) = to_frame.tolist()
    matrix = np.array([[a, b, 0.0, c], [d, e, 0.0, f], [0.0, 0.0, depth_scale, 0.0]])
    return cv2.transform(raw.reshape(-1, 1, 3).astype(np.float64), matrix).reshape(-1, 3).astype(np.float32)
