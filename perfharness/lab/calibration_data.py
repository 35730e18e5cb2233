"""Real model inputs for calibration and accuracy checks: the pipeline's own preprocessing on the sample clip.

The FP32 mediapipe chain runs on the synthetic sample clip (``open_source("sample")``), detecting
on every frame and following the largest face; the chain gives back exactly the tensors each model
was fed (``Chain.model_inputs``): the letterboxed frame for face detection, the rotated face crop
for the face mesh, both eye crops (one mirrored) for the iris model, one tensor per eye.
Even frames calibrate; odd frames are held out for the accuracy comparison.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import numpy as np

from perfharness.gaze.pipeline import build_pipeline
from perfharness.gaze.sources import SAMPLE_SPLITS, open_source
from perfharness.runtime.engine import EngineConfig


def sample_frames(split: str) -> list[tuple[int, np.ndarray]]:
    """(index, BGR frame) of one split of the sample clip: even frames calibrate, odd are held out."""
    if split not in SAMPLE_SPLITS:
        raise ValueError(f"split is one of {', '.join(SAMPLE_SPLITS)}, not {split!r}")
    with open_source("sample") as source:
        return [(index, frame) for index, frame in source if index % 2 == SAMPLE_SPLITS[split]]


def model_inputs(split: str = "calibration") -> dict[str, list[np.ndarray]]:
    """Input tensors by model name (face_detection, face_landmarks, iris_landmarks) for one split,
    each of batch 1, as the models are published."""
    return frame_inputs(sample_frames(split))


def frame_inputs(frames: Iterable[tuple[int, np.ndarray]]) -> dict[str, list[np.ndarray]]:
    """``model_inputs`` of any (index, BGR frame) sequence, such as the frames of a video."""
    pipeline = build_pipeline("mediapipe", EngineConfig(precision="FP32"), tracking=False, eye_batch=1)
    inputs: dict[str, list[np.ndarray]] = defaultdict(list)
    for index, frame in frames:
        for model, tensors in pipeline.chain.model_inputs(frame, pipeline.process(frame, index)).items():
            (tensor,) = tensors.values()  # each mediapipe model has one input
            inputs[model].extend(tensor[i:i + 1] for i in range(len(tensor)))  # the iris stage's holds both eyes
    return dict(inputs)
