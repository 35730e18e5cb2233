"""MediaPipe face mesh: 468 landmarks from a rotation-aligned face crop (192x192)."""

from __future__ import annotations

import cv2
import numpy as np

from perfharness.gaze.geometry import RotatedRect, apply_affine, crop
from perfharness.gaze.result import Detection
from perfharness.gaze.stage import ModelStage
from perfharness.instrument import NULL_REGIONS, Regions

INPUT_SIZE = 192
ROI_SCALE = 1.5
PRESENCE_THRESHOLD = 0.5


def face_roi(detection: Detection) -> RotatedRect:
    """A square around the detection box, 1.5x its longer side, rotated so the eyes are level."""
    x0, y0, x1, y1 = detection.box
    right_eye, left_eye = detection.keypoints[0], detection.keypoints[1]
    delta = left_eye - right_eye
    side = max(x1 - x0, y1 - y0) * ROI_SCALE
    return RotatedRect((x0 + x1) / 2, (y0 + y1) / 2, side, side, float(np.arctan2(delta[1], delta[0])))


class FaceMeshLandmarks(ModelStage):
    """468 (x, y, z) landmarks in frame pixels and a face-presence score for one detection."""

    name = "face_landmarks"

    def preprocess(self, frame: np.ndarray, detection: Detection) -> tuple[np.ndarray, np.ndarray, float]:
        rect = face_roi(detection)
        patch, to_frame = crop(frame, rect, INPUT_SIZE, INPUT_SIZE)
        tensor = (cv2.cvtColor(patch, cv2.COLOR_BGR2RGB).astype(np.float32) / 255.0)[None]
        return tensor, to_frame, rect.width / INPUT_SIZE

    def postprocess(self, outputs: dict[str, np.ndarray], to_frame: np.ndarray, z_scale: float) -> tuple[np.ndarray, float]:
        raw = outputs["conv2d_21"].reshape(-1, 3)
        points = np.empty_like(raw)
        points[:, :2] = apply_affine(to_frame, raw[:, :2])
        points[:, 2] = raw[:, 2] * z_scale
        logit = float(np.clip(outputs["conv2d_31"].reshape(-1)[0], -80, 80))
        return points.astype(np.float32), 1 / (1 + np.exp(-logit))

    def landmarks(self, frame: np.ndarray, detection: Detection, regions: Regions = NULL_REGIONS) -> tuple[np.ndarray, float]:
        """((468, 3) landmarks in frame pixels, presence score in 0..1)."""
        with regions.region(self.region_preprocess):
            tensor, to_frame, z_scale = self.preprocess(frame, detection)
        with regions.region(self.region_infer):
            outputs = self.model.infer({"input_1": tensor})
        with regions.region(self.region_postprocess):
            return self.postprocess(outputs, to_frame, z_scale)
