"""MediaPipe face mesh: 468 landmarks from a rotation-aligned face crop (192x192).

The crop comes from a detection (``face_roi``) or, when tracking, from the previous frame's
landmarks (``tracked_roi``), as MediaPipe's own face-mesh graph does.
"""

from __future__ import annotations

import math

import numpy as np

from perfharness.gaze.geometry import RotatedRect, apply_affine, crop, rgb_tensor
from perfharness.gaze.result import Detection
from perfharness.gaze.stage import ModelStage
from perfharness.instrument import NULL_REGIONS, Regions

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
    x0, y0 = landmarks.min(axis=0)[:2].tolist()
    x1, y1 = landmarks.max(axis=0)[:2].tolist()
    (ax, ay), (bx, by) = landmarks[TRACKING_EYE_CORNERS, :2].tolist()
    side = max(x1 - x0, y1 - y0) * ROI_SCALE
    return RotatedRect((x0 + x1) / 2, (y0 + y1) / 2, side, side, math.atan2(by - ay, bx - ax))


def drifted(roi: RotatedRect, found: RotatedRect) -> bool:
    """Whether the face found in the tracked crop ``roi`` (its own crop: ``found``) has left the
    crop's middle (TRACKING_MAX_DRIFT)."""
    return math.hypot(found.cx - roi.cx, found.cy - roi.cy) > TRACKING_MAX_DRIFT * roi.width


class FaceMeshLandmarks(ModelStage):
    """468 (x, y, z) landmarks in frame pixels and a face-presence score for one detection."""

    name = "face_landmarks"

    def preprocess(self, frame: np.ndarray, roi: RotatedRect, out: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, float]:
        """The (1, 192, 192, 3) RGB tensor in [0, 1] of the crop ``roi`` (into ``out`` when given),
        the matrix from crop to frame pixels, and the depth scale."""
        patch, to_frame = crop(frame, roi, INPUT_SIZE, INPUT_SIZE)
        tensor = np.empty((1, INPUT_SIZE, INPUT_SIZE, 3), np.float32) if out is None else out
        rgb_tensor(patch, tensor[0])
        return tensor, to_frame, roi.width / INPUT_SIZE

    def postprocess(self, outputs: dict[str, np.ndarray], to_frame: np.ndarray, z_scale: float) -> tuple[np.ndarray, float]:
        raw = outputs["conv2d_21"].reshape(-1, 3)
        points = np.empty_like(raw)
        points[:, :2] = apply_affine(to_frame, raw[:, :2])
        points[:, 2] = raw[:, 2] * z_scale
        logit = float(np.clip(outputs["conv2d_31"].reshape(-1)[0], -80, 80))
        return points.astype(np.float32), 1 / (1 + np.exp(-logit))

    def landmarks(self, frame: np.ndarray, roi: RotatedRect | Detection, regions: Regions = NULL_REGIONS) -> tuple[np.ndarray, float]:
        """((468, 3) landmarks in frame pixels, presence score in 0..1) in the crop ``roi``, or
        in that of a detection."""
        if isinstance(roi, Detection):
            roi = face_roi(roi)
        with regions.region(self.region_preprocess):
            _, to_frame, z_scale = self.preprocess(frame, roi, self.model.input_tensor("input_1"))
        with regions.region(self.region_infer):
            outputs = self.model.infer()
        with regions.region(self.region_postprocess):
            return self.postprocess(outputs, to_frame, z_scale)
