"""Shared fixtures: the sample photo and compiled mediapipe pipelines (real models, real images)."""

from __future__ import annotations

import os

import cv2
import numpy as np
import pytest

from perfharness import zoo
from perfharness.gaze.pipeline import GazePipeline, build_pipeline
from perfharness.runtime.engine import EngineConfig


@pytest.fixture(scope="session", autouse=True)
def _results_store(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Jobs record themselves in the results store: the tests' go to a temporary one, never the user's."""
    os.environ["PERFHARNESS_STORE"] = str(tmp_path_factory.mktemp("store") / "store.sqlite")


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
