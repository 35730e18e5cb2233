"""Shared fixtures: the sample photo and compiled mediapipe pipelines (real models, real images)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from perfharness import zoo
from perfharness.gaze.pipeline import GazePipeline, build_pipeline
from perfharness.runtime.engine import EngineConfig


@pytest.fixture(scope="session")
def astronaut() -> np.ndarray:
    """The sample photo (512x512 BGR, one face), from the verified cache."""
    return cv2.imread(str(zoo.media_file()))


@pytest.fixture(scope="session")
def pipelines() -> dict[str, GazePipeline]:
    """The mediapipe chain compiled at FP32 and FP16 (both pinned to f32 inference), detecting on
    every frame: tests feed it unrelated images, which tracking would take for a video."""
    return {precision: build_pipeline("mediapipe", EngineConfig(precision=precision), tracking=False)
            for precision in ("FP32", "FP16")}
