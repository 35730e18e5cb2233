"""The per-frame chain: detect -> landmarks -> eyes -> head pose -> gaze, for each model set.

Several faces: the policy picks one (``largest`` box by default, or ``best`` score);
``face_count`` still reports how many were found. No face: a FrameResult that says so.

Tracking (the default, as MediaPipe's own solution does it): the face crop of frame n+1 comes
from frame n's landmarks and the detector runs only when the track is lost -- the landmark
model's presence score falls below its threshold, the crop's centre leaves the frame, or (unlike
MediaPipe) the face found sits too far from the crop's middle after a fast move or a cut -- and
then on that same frame, so no frame is lost to it. A tracked frame reports the one face it
follows (``face_count`` 1, ``tracked`` True). ``tracking=False`` detects on every frame.

A frame runs in three steps: ``locate`` (detector when needed, face landmarks), ``start``
(the eye crops' inference) and ``end`` (head pose and gaze). ``process`` runs them in a row,
every inference synchronous on the calling thread; ``step`` starts the eyes on OpenVINO's async
API and runs frame n+1's ``locate`` while frame n's eyes are inferred, then ends frame n: two
frames in flight on the models' own infer requests, results handed back in frame order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from perfharness import zoo
from perfharness.core.errors import UsageError
from perfharness.gaze.geometry import RotatedRect, box_of
from perfharness.gaze.result import Detection, FrameResult
from perfharness.gaze.stage import ModelStage
from perfharness.instrument import Regions
from perfharness.runtime.engine import EngineConfig
from perfharness.zoo.manifest import check_precision, load_manifest

FACE_POLICIES = ("largest", "best")


@dataclass(frozen=True)
class LoadTime:
    read_s: float
    compile_s: float
    first_infer_s: float | None  # None until the model has run once


class Chain(Protocol):
    stages: list[ModelStage]

    def detect(self, frame: np.ndarray, regions: Regions) -> list[Detection]: ...

    def locate(self, frame: np.ndarray, roi: Detection | RotatedRect, result: FrameResult, regions: Regions) -> float | None: ...

    def start(self, frame: np.ndarray, result: FrameResult, regions: Regions, asynchronous: bool) -> Any: ...

    def end(self, pending: Any, frame_size: tuple[int, int], result: FrameResult, regions: Regions) -> None: ...

    def next_roi(self, result: FrameResult, frame_size: tuple[int, int]) -> RotatedRect | None: ...


def choose_face(detections: list[Detection], policy: str) -> Detection:
    if policy == "best":
        return max(detections, key=lambda d: d.score)
    return max(detections, key=lambda d: d.area)


class MediaPipeChain:
    """BlazeFace -> face mesh -> iris (both eyes) -> solvePnP head pose -> geometric gaze."""

    def __init__(self, config: EngineConfig, eye_batch: int = 2) -> None:
        from perfharness.gaze.face_detection import BlazeFaceDetector
        from perfharness.gaze.face_landmarks import FaceMeshLandmarks
        from perfharness.gaze.gaze_geometry import GeometricGaze
        from perfharness.gaze.head_pose import SolvePnPHeadPose
        from perfharness.gaze.iris_landmarks import IrisLandmarks

        self.detector = _load(BlazeFaceDetector, "mediapipe", "face_detection", config)
        self.mesh = _load(FaceMeshLandmarks, "mediapipe", "face_landmarks", config)
        self.iris = _load(IrisLandmarks, "mediapipe", "iris_landmarks", config, batch=eye_batch)
        self.head_pose = SolvePnPHeadPose()
        self.gaze = GeometricGaze()
        self.stages = [self.detector, self.mesh, self.iris]
        self._found: RotatedRect | None = None  # the crop of the face ``locate`` found last

    def detect(self, frame: np.ndarray, regions: Regions) -> list[Detection]:
        return self.detector.detect(frame, regions)

    def locate(self, frame: np.ndarray, roi: Detection | RotatedRect, result: FrameResult, regions: Regions) -> float | None:
        """Face landmarks in ``roi`` and their presence score; None when the face is not there
        (presence below threshold) or, in a tracked crop, has drifted out of its middle."""
        from perfharness.gaze.face_landmarks import (
            PRESENCE_THRESHOLD,
            drifted,
            tracked_roi,
        )

        landmarks, presence = self.mesh.landmarks(frame, roi, regions)
        if presence < PRESENCE_THRESHOLD:
            return None
        self._found = tracked_roi(landmarks)
        if isinstance(roi, RotatedRect) and drifted(roi, self._found):
            return None
        result.landmarks = landmarks
        return presence

    def start(self, frame: np.ndarray, result: FrameResult, regions: Regions, asynchronous: bool) -> Any:
        return self.iris.start(frame, result.landmarks, regions, asynchronous)

    def end(self, pending: Any, frame_size: tuple[int, int], result: FrameResult, regions: Regions) -> None:
        result.left_eye, result.right_eye = self.iris.finish(pending, regions)
        result.head_pose = self.head_pose.estimate(result.landmarks, frame_size, regions)
        if result.head_pose is not None:
            result.gaze = self.gaze.estimate(result.landmarks, (result.left_eye, result.right_eye), result.head_pose, regions)

    def next_roi(self, result: FrameResult, frame_size: tuple[int, int]) -> RotatedRect | None:
        """The crop of the next frame from this frame's landmarks (``locate`` just found them);
        None when it leaves the frame."""
        roi = self._found
        width, height = frame_size
        return roi if 0 <= roi.cx < width and 0 <= roi.cy < height else None


class OmzChain:
    """Open Model Zoo: face-detection-adas -> landmarks-regression -> head-pose -> gaze-estimation.

    No tracking: its landmark model has no presence score to tell a lost track, so the detector
    runs on every frame; every model runs synchronously in ``start``."""

    def __init__(self, config: EngineConfig) -> None:
        from perfharness.gaze.omz import (
            OmzFaceDetector,
            OmzFaceLandmarks,
            OmzGaze,
            OmzHeadPose,
        )

        self.detector = _load(OmzFaceDetector, "omz", "face_detection", config)
        self.mesh = _load(OmzFaceLandmarks, "omz", "face_landmarks", config)
        self.head_pose = _load(OmzHeadPose, "omz", "head_pose", config)
        self.gaze = _load(OmzGaze, "omz", "gaze", config)
        self.stages = [self.detector, self.mesh, self.head_pose, self.gaze]
        self._face: Detection | None = None  # the detection ``locate`` worked on, for ``start``

    def detect(self, frame: np.ndarray, regions: Regions) -> list[Detection]:
        return self.detector.detect(frame, regions)

    def locate(self, frame: np.ndarray, roi: Detection | RotatedRect, result: FrameResult, regions: Regions) -> float | None:
        self._face = roi
        result.landmarks = self.mesh.landmarks(frame, roi, regions)
        return 1.0  # no presence score: the detection stands

    def start(self, frame: np.ndarray, result: FrameResult, regions: Regions, asynchronous: bool) -> Any:
        result.head_pose = self.head_pose.estimate(frame, self._face, regions)
        result.gaze, result.left_eye, result.right_eye = self.gaze.estimate(frame, result.landmarks, result.head_pose, regions)

    def end(self, pending: Any, frame_size: tuple[int, int], result: FrameResult, regions: Regions) -> None:
        pass

    def next_roi(self, result: FrameResult, frame_size: tuple[int, int]) -> RotatedRect | None:
        return None


def _load(stage_class, set_name: str, model: str, config: EngineConfig, **options):
    spec = load_manifest().sets[set_name].models[model]
    return stage_class(zoo.model_path(set_name, model, config.precision), spec, config, **options)


CHAINS = {"mediapipe": MediaPipeChain, "omz": OmzChain}


@dataclass
class _InFlight:
    """A frame between ``start`` and ``end``."""

    result: FrameResult
    frame_size: tuple[int, int]
    pending: Any


class GazePipeline:
    """Runs one chain on BGR frames and returns a FrameResult per frame (see the module docstring)."""

    def __init__(self, chain: Chain, face_policy: str = "largest", tracking: bool = True) -> None:
        if face_policy not in FACE_POLICIES:
            raise UsageError(f"unknown face policy {face_policy!r}; choose one of {', '.join(FACE_POLICIES)}")
        self.chain = chain
        self.face_policy = face_policy
        self.tracking = tracking
        self._roi: RotatedRect | None = None  # the tracked face's crop for the next frame
        self._in_flight: _InFlight | None = None

    @property
    def load_times(self) -> dict[str, LoadTime]:
        """Model read and compile times (seconds) by stage name."""
        return {stage.name: LoadTime(stage.model.read_s, stage.model.compile_s, stage.model.first_infer_s)
                for stage in self.chain.stages}

    def process(self, frame: np.ndarray, index: int = 0, regions: Regions | None = None) -> FrameResult:
        """Run the chain on one frame. With ``regions`` given, the caller collects the timings
        (``regions.take()``); without, the result carries this call's timings."""
        own = regions is None
        regions = Regions() if own else regions
        if self._in_flight is not None:
            raise RuntimeError("process() while a step() frame is in flight: flush() first")
        result = self._end(self._start(frame, self._locate(frame, index, regions), regions, False), regions)
        if own:
            result.timings = regions.take()
        return result

    def step(self, frame: np.ndarray, index: int, regions: Regions) -> FrameResult | None:
        """Locate the face in ``frame`` while the previous frame's eyes are inferred, end that
        frame and return it (None on the first step), then start this frame's eyes."""
        result = self._locate(frame, index, regions)
        done = self.flush(regions)
        self._in_flight = self._start(frame, result, regions, True)
        return done

    def flush(self, regions: Regions) -> FrameResult | None:
        """End the frame in flight, if any, and return it."""
        in_flight, self._in_flight = self._in_flight, None
        return self._end(in_flight, regions) if in_flight is not None else None

    @property
    def in_flight(self) -> bool:
        """Whether a frame fed by ``step`` is still to be ended (by ``step`` or ``flush``)."""
        return self._in_flight is not None

    def reset(self) -> None:
        """Forget the frame in flight (if any) and the tracked face: the next frame starts afresh."""
        self._in_flight, self._roi = None, None

    def _locate(self, frame: np.ndarray, index: int, regions: Regions) -> FrameResult:
        result = FrameResult(frame_index=index, face_found=False)
        presence = self.chain.locate(frame, self._roi, result, regions) if self._roi is not None else None
        if presence is not None:
            result.face_found, result.face_count, result.tracked = True, 1, True
            result.face_box, result.face_score = box_of(result.landmarks[:, :2]), presence
        else:
            detections = self.chain.detect(frame, regions)
            result.face_count = len(detections)
            if detections:
                face = choose_face(detections, self.face_policy)
                result.face_box, result.face_score = face.box, face.score
                result.face_found = self.chain.locate(frame, face, result, regions) is not None
        size = (frame.shape[1], frame.shape[0])
        self._roi = self.chain.next_roi(result, size) if self.tracking and result.face_found else None
        return result

    def _start(self, frame: np.ndarray, result: FrameResult, regions: Regions, asynchronous: bool) -> _InFlight:
        pending = self.chain.start(frame, result, regions, asynchronous) if result.face_found else None
        return _InFlight(result, (frame.shape[1], frame.shape[0]), pending)

    def _end(self, in_flight: _InFlight, regions: Regions) -> FrameResult:
        if in_flight.result.face_found:
            self.chain.end(in_flight.pending, in_flight.frame_size, in_flight.result, regions)
        return in_flight.result


def build_pipeline(model_set: str = "mediapipe", config: EngineConfig | None = None, face_policy: str = "largest",
                   tracking: bool = True, eye_batch: int = 2) -> GazePipeline:
    """Load the models of ``model_set`` through the zoo and compile them with ``config``;
    ``tracking`` and ``eye_batch`` (eyes per iris inference) are the mediapipe chain's switches."""
    config = config or EngineConfig()
    model_set_entry = load_manifest().model_set(model_set)
    config_precision = check_precision(config.precision, model_set_entry)
    if config_precision != config.precision:
        raise UsageError(f"precision must be given as {config_precision}")
    chain = MediaPipeChain(config, eye_batch) if model_set == "mediapipe" else CHAINS[model_set](config)
    return GazePipeline(chain, face_policy, tracking)
