"""MediaPipe iris landmarks: 5 iris points per eye from a 64x64 eye crop.

The model was trained on one eye only: the crop of the image-right eye is mirrored before
inference and its points mirrored back, as MediaPipe's own graph does. With ``batch=2`` (the
default) both eyes go through one inference on the model reshaped to batch 2; with 1, each eye
is an inference of its own.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from perfharness.core.errors import UsageError
from perfharness.gaze.geometry import RotatedRect, box_of, crop, rgb_tensor
from perfharness.gaze.result import EyeResult, FrameResult
from perfharness.gaze.stage import ModelStage
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
EYE_CORNERS = np.array(LEFT_EYE_CORNERS + RIGHT_EYE_CORNERS)  # both eyes' corners, for one look-up


EyeCrop = tuple[np.ndarray, RotatedRect]  # the matrix from crop to frame pixels, the crop


class IrisLandmarks(ModelStage):
    """Both eyes of ``result.landmarks`` (image-left first): ``result.left_eye`` and ``right_eye``
    with their boxes from the face mesh and their iris centres."""

    name = "iris_landmarks"

    def __init__(self, path: Path, spec: ModelSpec, config: EngineConfig, batch: int = 2) -> None:
        if batch not in EYE_BATCHES:
            raise UsageError(f"eye batch {batch}: the iris model takes 1 eye per inference or both (2)")
        super().__init__(path, spec, config, batch=batch)
        self._patches = np.empty((2, INPUT_SIZE, INPUT_SIZE, 3), np.uint8)  # both eye crops, reused frame to frame

    def preprocess(self, frame: np.ndarray, result: FrameResult) -> tuple[dict[str, np.ndarray] | None, list[EyeCrop]]:
        """Both eye crops as (2, 64, 64, 3) RGB in [0, 1], image-left eye first (the other
        mirrored): written into the model's input at batch 2, a tensor of their own at batch 1."""
        batched = self.model.batch == 2
        tensor = self.model.input_tensor("input_1") if batched else np.empty((2, INPUT_SIZE, INPUT_SIZE, 3), np.float32)
        corners = result.landmarks[EYE_CORNERS, :2].tolist()
        eyes = []
        for eye, (_, mirrored, _) in enumerate(_EYES):
            rect = RotatedRect.through(corners[2 * eye], corners[2 * eye + 1], ROI_SCALE)
            _, to_frame = crop(frame, rect, INPUT_SIZE, INPUT_SIZE, flip=mirrored, out=self._patches[eye])
            eyes.append((to_frame, rect))
        rgb_tensor(self._patches.reshape(-1, INPUT_SIZE, 3), tensor.reshape(-1, INPUT_SIZE, 3))  # both eyes at once
        return (None if batched else {"input_1": tensor}), eyes

    def infer(self, inputs: dict[str, np.ndarray] | None) -> dict[str, np.ndarray]:
        """Both eyes in one inference (batch 2: ``inputs`` None, they are in the request), or one each."""
        if inputs is None:
            return super().infer(None)
        first = self.model.infer(_eye(inputs, 0))["output_iris"].copy()  # the next inference reuses its tensor
        return _both(first, super().infer(_eye(inputs, 1)))

    def start_infer(self, inputs: dict[str, np.ndarray] | None) -> np.ndarray | None:
        """Start both eyes' inference (batch 2), or infer the image-left eye at once and start the
        other's (batch 1): returns the image-left eye's outputs then."""
        if inputs is None:
            return super().start_infer(None)
        first = self.model.infer(_eye(inputs, 0))["output_iris"].copy()
        super().start_infer(_eye(inputs, 1))
        return first

    def wait_infer(self, early: np.ndarray | None) -> dict[str, np.ndarray]:
        outputs = super().wait_infer(early)
        return outputs if early is None else _both(early, outputs)

    def postprocess(self, outputs: dict[str, np.ndarray], eyes: list[EyeCrop], result: FrameResult) -> None:
        raws = outputs["output_iris"].reshape(2, -1)
        result.left_eye, result.right_eye = (
            EyeResult(box_of(result.landmarks[outline, :2]), rect.corners(), iris_center(raw, to_frame))
            for raw, (to_frame, rect), (_, _, outline) in zip(raws, eyes, _EYES))


def _eye(inputs: dict[str, np.ndarray], index: int) -> dict[str, np.ndarray]:
    """The feed of one eye (0: image-left) for the model at batch 1."""
    return {"input_1": inputs["input_1"][index:index + 1]}


def _both(first: np.ndarray, second: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The iris outputs of the two batch-1 inferences, image-left eye first."""
    return {"output_iris": np.concatenate([first, second["output_iris"]])}


def iris_center(iris_raw: np.ndarray, to_frame: np.ndarray) -> tuple[float, float]:
    """The iris centre in frame pixels from one eye's raw iris output (5 points, centre first)."""
    x, y = iris_raw.reshape(-1)[:2].tolist()
    (a, b, c), (d, e, f) = to_frame.tolist()
    return a * x + b * y + c, d * x + e * y + f
