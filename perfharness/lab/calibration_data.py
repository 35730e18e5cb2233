"""Real model inputs for calibration and accuracy checks: the pipeline's own preprocessing on the sample clip.

The FP32 mediapipe chain runs on the synthetic sample clip (``open_source("sample")``); each stage's
``preprocess`` gives exactly the tensor that stage feeds its model: the letterboxed frame for face
detection, the rotated face crop for the face mesh, both eye crops (one mirrored) for the iris model.
Even frames calibrate; odd frames are held out for the accuracy comparison.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from perfharness.gaze.face_landmarks import PRESENCE_THRESHOLD, face_roi
from perfharness.gaze.pipeline import MediaPipeChain, choose_face
from perfharness.gaze.sources import open_source
from perfharness.runtime.engine import EngineConfig

SPLITS = {"calibration": 0, "held_out": 1}  # split -> frame index parity


def sample_frames(split: str) -> list[tuple[int, np.ndarray]]:
    """(index, BGR frame) of one split of the sample clip: even frames calibrate, odd are held out."""
    if split not in SPLITS:
        raise ValueError(f"split is one of {', '.join(SPLITS)}, not {split!r}")
    with open_source("sample") as source:
        return [(index, frame) for index, frame in source if index % 2 == SPLITS[split]]


def model_inputs(split: str = "calibration") -> dict[str, list[np.ndarray]]:
    """Input tensors by model name (face_detection, face_landmarks, iris_landmarks) for one split."""
    chain = MediaPipeChain(EngineConfig(precision="FP32"), eye_batch=1)
    inputs: dict[str, list[np.ndarray]] = defaultdict(list)
    for _, frame in sample_frames(split):
        inputs["face_detection"].append(chain.detector.preprocess(frame)[0])  # a fresh array per call
        detections = chain.detector.detect(frame)
        if not detections:
            continue
        face = choose_face(detections, "largest")
        inputs["face_landmarks"].append(chain.mesh.preprocess(frame, face_roi(face))[0])
        landmarks, presence = chain.mesh.landmarks(frame, face)
        if presence >= PRESENCE_THRESHOLD:
            eyes, _ = chain.iris.preprocess(frame, landmarks)
            inputs["iris_landmarks"].extend(eyes[i:i + 1] for i in range(len(eyes)))
    return dict(inputs)
