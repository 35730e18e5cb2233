"""The per-frame chain: detect -> landmarks -> eyes -> head pose -> gaze, for each model set.

Several faces: the policy picks one (``largest`` box by default, or ``best`` score);
``face_count`` still reports how many were found. No face: a FrameResult that says so.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from perfharness import zoo
from perfharness.engine import EngineConfig
from perfharness.errors import UsageError
from perfharness.gaze.result import Detection, FrameResult
from perfharness.gaze.stage import ModelStage
from perfharness.instrument import Regions
from perfharness.zoo.manifest import check_precision, load_manifest

FACE_POLICIES = ("largest", "best")


@dataclass(frozen=True)
class LoadTime:
    read_s: float
    compile_s: float
    first_infer_s: float | None  # None until the model has run once


class Chain(Protocol):
    stages: list[ModelStage]

    def run(self, frame: np.ndarray, face: Detection, result: FrameResult, regions: Regions) -> None: ...


def choose_face(detections: list[Detection], policy: str) -> Detection:
    if policy == "best":
        return max(detections, key=lambda d: d.score)
    return max(detections, key=lambda d: d.area)


class MediaPipeChain:
    """BlazeFace -> face mesh -> iris (both eyes) -> solvePnP head pose -> geometric gaze."""

    def __init__(self, config: EngineConfig) -> None:
        from perfharness.gaze.face_detection import BlazeFaceDetector
        from perfharness.gaze.face_landmarks import FaceMeshLandmarks
        from perfharness.gaze.gaze_geometry import GeometricGaze
        from perfharness.gaze.head_pose import SolvePnPHeadPose
        from perfharness.gaze.iris_landmarks import IrisLandmarks

        self.detector = _load(BlazeFaceDetector, "mediapipe", "face_detection", config)
        self.mesh = _load(FaceMeshLandmarks, "mediapipe", "face_landmarks", config)
        self.iris = _load(IrisLandmarks, "mediapipe", "iris_landmarks", config)
        self.head_pose = SolvePnPHeadPose()
        self.gaze = GeometricGaze()
        self.stages = [self.detector, self.mesh, self.iris]

    def detect(self, frame: np.ndarray, regions: Regions) -> list[Detection]:
        return self.detector.detect(frame, regions)

    def run(self, frame: np.ndarray, face: Detection, result: FrameResult, regions: Regions) -> None:
        landmarks, presence = self.mesh.landmarks(frame, face, regions)
        if presence < 0.5:
            result.face_found = False
            return
        result.landmarks = landmarks
        result.left_eye, result.right_eye = self.iris.eyes(frame, landmarks, regions)
        height, width = frame.shape[:2]
        result.head_pose = self.head_pose.estimate(landmarks, (width, height), regions)
        if result.head_pose is not None:
            result.gaze = self.gaze.estimate(landmarks, (result.left_eye, result.right_eye), result.head_pose, regions)


class OmzChain:
    """Open Model Zoo: face-detection-adas -> landmarks-regression -> head-pose -> gaze-estimation."""

    def __init__(self, config: EngineConfig) -> None:
        from perfharness.gaze.omz import OmzFaceDetector, OmzFaceLandmarks, OmzGaze, OmzHeadPose

        self.detector = _load(OmzFaceDetector, "omz", "face_detection", config)
        self.mesh = _load(OmzFaceLandmarks, "omz", "face_landmarks", config)
        self.head_pose = _load(OmzHeadPose, "omz", "head_pose", config)
        self.gaze = _load(OmzGaze, "omz", "gaze", config)
        self.stages = [self.detector, self.mesh, self.head_pose, self.gaze]

    def detect(self, frame: np.ndarray, regions: Regions) -> list[Detection]:
        return self.detector.detect(frame, regions)

    def run(self, frame: np.ndarray, face: Detection, result: FrameResult, regions: Regions) -> None:
        result.landmarks = self.mesh.landmarks(frame, face, regions)
        result.head_pose = self.head_pose.estimate(frame, face, regions)
        result.gaze, result.left_eye, result.right_eye = self.gaze.estimate(frame, result.landmarks, result.head_pose, regions)


def _load(stage_class, set_name: str, model: str, config: EngineConfig):
    spec = load_manifest().sets[set_name].models[model]
    return stage_class(zoo.model_path(set_name, model, config.precision), spec, config)


CHAINS = {"mediapipe": MediaPipeChain, "omz": OmzChain}


class GazePipeline:
    """Runs one chain on BGR frames and returns a FrameResult per frame."""

    def __init__(self, chain: Chain, face_policy: str = "largest") -> None:
        if face_policy not in FACE_POLICIES:
            raise UsageError(f"unknown face policy {face_policy!r}; choose one of {', '.join(FACE_POLICIES)}")
        self.chain = chain
        self.face_policy = face_policy

    @property
    def load_times(self) -> dict[str, LoadTime]:
        """Model read and compile times (seconds) by stage name."""
        return {stage.name: LoadTime(stage.model.read_s, stage.model.compile_s, stage.model.first_infer_s)
                for stage in self.chain.stages}

    def clone(self) -> GazePipeline:
        """The same compiled models with infer requests of their own, for another thread."""
        chain = copy.copy(self.chain)
        fresh = {}
        for attribute, value in vars(self.chain).items():
            if isinstance(value, ModelStage):
                fresh[id(value)] = copy.copy(value)
                fresh[id(value)].model = value.model.new_request()
                setattr(chain, attribute, fresh[id(value)])
        chain.stages = [fresh[id(stage)] for stage in self.chain.stages]
        return GazePipeline(chain, self.face_policy)

    def process(self, frame: np.ndarray, index: int = 0, regions: Regions | None = None) -> FrameResult:
        """Run the chain on one frame. With ``regions`` given, the caller collects the timings
        (``regions.take()``); without, the result carries this call's timings."""
        own = regions is None
        regions = Regions() if own else regions
        detections = self.chain.detect(frame, regions)
        result = FrameResult(frame_index=index, face_found=bool(detections), face_count=len(detections))
        if detections:
            face = choose_face(detections, self.face_policy)
            result.face_box, result.face_score = face.box, face.score
            self.chain.run(frame, face, result, regions)
        if own:
            result.timings = regions.take()
        return result


def build_pipeline(model_set: str = "mediapipe", config: EngineConfig | None = None, face_policy: str = "largest") -> GazePipeline:
    """Load the models of ``model_set`` through the zoo and compile them with ``config``."""
    config = config or EngineConfig()
    model_set_entry = load_manifest().model_set(model_set)
    config_precision = check_precision(config.precision, model_set_entry)
    if config_precision != config.precision:
        raise UsageError(f"precision must be given as {config_precision}")
    return GazePipeline(CHAINS[model_set](config), face_policy)
