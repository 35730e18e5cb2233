"""MediaPipe iris landmarks: 5 iris points per eye from a 64x64 eye crop.

The model was trained on one eye only: the crop of the image-right eye is mirrored before
inference and its points mirrored back, as MediaPipe's own graph does.
"""

from __future__ import annotations

import cv2
import numpy as np

from perfharness.gaze.geometry import RotatedRect, apply_affine, box_of, crop
from perfharness.gaze.result import EyeResult
from perfharness.gaze.stage import ModelStage
from perfharness.instrument import NULL_REGIONS, Regions

INPUT_SIZE = 64
ROI_SCALE = 2.3
# Face-mesh indices: the two corners of each eye (image-left point first) and its outline.
LEFT_EYE_CORNERS = (33, 133)
RIGHT_EYE_CORNERS = (362, 263)
LEFT_EYE_OUTLINE = (33, 7, 163, 144, 145, 153, 154, 155, 133, 173, 157, 158, 159, 160, 161, 246)
RIGHT_EYE_OUTLINE = (362, 382, 381, 380, 374, 373, 390, 249, 263, 466, 388, 387, 386, 385, 384, 398)


class IrisLandmarks(ModelStage):
    """Iris centres of both eyes from the face-mesh landmarks."""

    name = "iris_landmarks"

    def preprocess(self, frame: np.ndarray, landmarks: np.ndarray) -> list[tuple[np.ndarray, np.ndarray, RotatedRect, bool]]:
        crops = []
        for corners, mirrored in ((LEFT_EYE_CORNERS, False), (RIGHT_EYE_CORNERS, True)):
            rect = RotatedRect.through(landmarks[corners[0], :2], landmarks[corners[1], :2], ROI_SCALE)
            patch, to_frame = crop(frame, rect, INPUT_SIZE, INPUT_SIZE, flip=mirrored)
            tensor = (cv2.cvtColor(patch, cv2.COLOR_BGR2RGB).astype(np.float32) / 255.0)[None]
            crops.append((tensor, to_frame, rect, mirrored))
        return crops

    def postprocess(self, iris_raw: np.ndarray, to_frame: np.ndarray) -> np.ndarray:
        """(5, 2) iris points in frame pixels, centre first."""
        return apply_affine(to_frame, iris_raw.reshape(5, 3)[:, :2])

    def eyes(self, frame: np.ndarray, landmarks: np.ndarray, regions: Regions = NULL_REGIONS) -> tuple[EyeResult, EyeResult]:
        """(image-left eye, image-right eye) with their boxes from the face mesh and iris centres."""
        with regions.region(self.region_preprocess):
            crops = self.preprocess(frame, landmarks)
        with regions.region(self.region_infer):
            raws = [self.model.infer({"input_1": tensor})["output_iris"] for tensor, *_ in crops]
        with regions.region(self.region_postprocess):
            results = []
            for raw, (_, to_frame, rect, _), outline in zip(raws, crops, (LEFT_EYE_OUTLINE, RIGHT_EYE_OUTLINE)):
                iris = self.postprocess(raw, to_frame)
                results.append(EyeResult(box_of(landmarks[list(outline), :2]), rect.corners(), (float(iris[0, 0]), float(iris[0, 1]))))
            return results[0], results[1]
