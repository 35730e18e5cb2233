"""MediaPipe iris landmarks: 5 iris points per eye from a 64x64 eye crop.

The model was trained on one eye only: the crop of the image-right eye is mirrored before
inference and its points mirrored back, as MediaPipe's own graph does. With ``batch=2`` (the
default) both eyes go through one inference on the model reshaped to batch 2; with 1, each eye
is an inference of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from perfharness.core.errors import UsageError
from perfharness.gaze.geometry import (
    RotatedRect,
    apply_affine,
    box_of,
    crop,
    rgb_tensor,
)
from perfharness.gaze.result import EyeResult
from perfharness.gaze.stage import ModelStage
from perfharness.instrument import NULL_REGIONS, Regions
from perfharness.runtime.engine import EngineConfig
from perfharness.zoo.manifest import ModelSpec

INPUT_SIZE = 64
ROI_SCALE = 2.3
EYE_BATCHES = (1, 2)  # eyes per inference
# Face-mesh indices: the two corners of each eye (image-left point first) and its outline.
LEFT_EYE_CORNERS = (33, 133)
RIGHT_EYE_CORNERS = (362, 263)
LEFT_EYE_OUTLINE = (33, 7, 163, 144, 145, 153, 154, 155, 133, 173, 157, 158, 159, 160, 161, 246)
RIGHT_EYE_OUTLINE = (362, 382, 381, 380, 374, 373, 390, 249, 263, 466, 388, 387, 386, 385, 384, 398)
_EYES = ((LEFT_EYE_CORNERS, False, np.array(LEFT_EYE_OUTLINE)), (RIGHT_EYE_CORNERS, True, np.array(RIGHT_EYE_OUTLINE)))


@dataclass
class EyeCrops:
    """Both eyes' crops, started on the model: ``to_frame`` and ``rect`` per eye, image-left first."""

    to_frame: list[np.ndarray]
    rects: list[RotatedRect]
    landmarks: np.ndarray


class IrisLandmarks(ModelStage):
    """Iris centres of both eyes from the face-mesh landmarks."""

    name = "iris_landmarks"

    def __init__(self, path: Path, spec: ModelSpec, config: EngineConfig, batch: int = 2) -> None:
        if batch not in EYE_BATCHES:
            raise UsageError(f"eye batch {batch}: the iris model takes 1 eye per inference or both (2)")
        super().__init__(path, spec, config, batch=batch)
        self._done: list[np.ndarray] = []  # outputs of the inferences ``start`` already ran
        self._asynchronous = False

    def preprocess(self, frame: np.ndarray, landmarks: np.ndarray, out: np.ndarray | None = None) -> tuple[np.ndarray, EyeCrops]:
        """The (2, 64, 64, 3) RGB tensor in [0, 1] of both eye crops, image-left eye first (the
        other mirrored), into ``out`` when given, and the crops' geometry."""
        tensor = np.empty((2, INPUT_SIZE, INPUT_SIZE, 3), np.float32) if out is None else out
        crops = EyeCrops([], [], landmarks)
        for eye, (corners, mirrored, _) in enumerate(_EYES):
            rect = RotatedRect.through(landmarks[corners[0], :2], landmarks[corners[1], :2], ROI_SCALE)
            patch, to_frame = crop(frame, rect, INPUT_SIZE, INPUT_SIZE, flip=mirrored)
            rgb_tensor(patch, tensor[eye])
            crops.to_frame.append(to_frame)
            crops.rects.append(rect)
        return tensor, crops

    def start(self, frame: np.ndarray, landmarks: np.ndarray, regions: Regions = NULL_REGIONS,
              asynchronous: bool = False) -> EyeCrops:
        """Crop both eyes and infer them: at once, or (``asynchronous``) started on OpenVINO's
        async API for ``finish`` to wait on (with batch 1, the image-left eye runs at once)."""
        with regions.region(self.region_preprocess):
            batched = self.model.batch == 2
            tensor, crops = self.preprocess(frame, landmarks, self.model.input_tensor("input_1") if batched else None)
        with regions.region(self.region_infer):
            feeds = [None] if batched else [{"input_1": tensor[:1]}, {"input_1": tensor[1:]}]
            now = feeds[:-1] if asynchronous else feeds  # the last inference is the one started
            self._done = [self.model.infer(feed)["output_iris"].copy() for feed in now]
            if asynchronous:
                self.model.start(feeds[-1])
        self._asynchronous = asynchronous
        return crops

    def finish(self, crops: EyeCrops, regions: Regions = NULL_REGIONS) -> tuple[EyeResult, EyeResult]:
        """End the inference ``start`` began; (image-left eye, image-right eye) with their boxes
        from the face mesh and iris centres."""
        if self._asynchronous:
            with regions.region(self.region_infer):
                self._done.append(self.model.wait()["output_iris"])
        raws = np.concatenate([raw.reshape(-1) for raw in self._done]).reshape(2, -1)
        with regions.region(self.region_postprocess):
            results = []
            for iris_raw, to_frame, rect, (_, _, outline) in zip(raws, crops.to_frame, crops.rects, _EYES):
                iris = self.postprocess(iris_raw, to_frame)
                results.append(EyeResult(box_of(crops.landmarks[outline, :2]), rect.corners(),
                                         (float(iris[0, 0]), float(iris[0, 1]))))
            return results[0], results[1]

    def postprocess(self, iris_raw: np.ndarray, to_frame: np.ndarray) -> np.ndarray:
        """(5, 2) iris points in frame pixels, centre first."""
        return apply_affine(to_frame, iris_raw.reshape(5, 3)[:, :2])
