"""The per-frame run of a chain: locate the face (detector when needed, face landmarks), then the
stages on the face, for each model set.

Several faces: the policy picks one (``largest`` box by default, or ``best`` score);
``face_count`` still reports how many were found. No face: a FrameResult that says so.

Tracking (the default, as MediaPipe's own solution does it): the face crop of frame n+1 comes
from frame n's landmarks and the detector runs only when the track is lost -- the landmark
model's presence score falls below its threshold, the crop's centre leaves the frame, or (unlike
MediaPipe) the face found sits too far from the crop's middle after a fast move or a cut -- and
then on that same frame, so no frame is lost to it. A tracked frame reports the one face it
follows (``face_count`` 1, ``tracked`` True). ``tracking=False`` detects on every frame. The
track is the one thing kept from frame to frame (the landmark stage leaves it in
``FrameResult.next_face_crop``).

``process`` runs every stage in a row, every inference synchronous on the calling thread;
``step`` starts the chain's async stage (the iris model) on OpenVINO's async API and locates
frame n+1 while frame n's eyes are inferred, then ends frame n: two frames in flight on the
models' own infer requests, results handed back in frame order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from perfharness.core.errors import UsageError
from perfharness.gaze.chain import FACE_DETECTION, FACE_LANDMARKS, Chain, Variants, build_chain
from perfharness.gaze.geometry import RotatedRect, box_of
from perfharness.gaze.result import Detection, FrameResult
from perfharness.gaze.stage import Started
from perfharness.instrument import Regions
from perfharness.runtime.engine import EngineConfig
from perfharness.zoo.manifest import check_precision, load_manifest

FACE_POLICIES = ("largest", "best")


@dataclass(frozen=True)
class LoadTime:
    read_s: float
    compile_s: float
    first_infer_s: float | None  # None until the model has run once


def choose_face(detections: list[Detection], policy: str) -> Detection:
    """The face ``policy`` follows: the ``largest`` box, or the ``best`` score."""
    if policy == "best":
        return max(detections, key=lambda d: d.score)
    return max(detections, key=lambda d: d.area)


@dataclass
class _InFlight:
    """A frame between ``step`` and the ``step`` (or ``flush``) that ends it."""

    result: FrameResult
    frame: np.ndarray
    started: Started | None  # the async stage's call, None when it did not start


class GazePipeline:
    """Runs one chain on BGR frames and returns a FrameResult per frame (see the module docstring)."""

    def __init__(self, chain: Chain, face_policy: str = "largest", tracking: bool = True) -> None:
        if face_policy not in FACE_POLICIES:
            raise UsageError(f"unknown face policy {face_policy!r}; choose one of {', '.join(FACE_POLICIES)}")
        self._chain = chain
        self.face_policy = face_policy
        self.tracking = tracking
        self._detector, self._landmarks = chain.stage(FACE_DETECTION), chain.stage(FACE_LANDMARKS)
        self._face_stages = chain.face_stages
        self._at_start, self._async, self._at_end = chain.around_async_stage()
        self._track: RotatedRect | None = None  # the tracked face's crop for the next frame
        self._in_flight: _InFlight | None = None

    @property
    def chain(self) -> Chain:
        return self._chain

    @property
    def load_times(self) -> dict[str, LoadTime]:
        """Model read and compile times (seconds) by stage name."""
        return {stage.name: LoadTime(stage.model.read_s, stage.model.compile_s, stage.model.first_infer_s)
                for stage in self._chain.model_stages}

    def process(self, frame: np.ndarray, index: int = 0, regions: Regions | None = None) -> FrameResult:
        """Run the chain on one frame. With ``regions`` given, the caller collects the timings
        (``regions.take()``); without, the result carries this call's timings."""
        own = regions is None
        regions = Regions() if own else regions
        if self._in_flight is not None:
            raise RuntimeError("process() while a step() frame is in flight: flush() first")
        result = self._locate(frame, index, regions)
        if result.face_found:
            for stage in self._face_stages:
                stage(frame, result, regions)
        if own:
            result.timings = regions.take()
        return result

    def step(self, frame: np.ndarray, index: int, regions: Regions) -> FrameResult | None:
        """Locate the face in ``frame`` while the previous frame's eyes are inferred, end that
        frame and return it (None on the first step), then start this frame's eyes."""
        result = self._locate(frame, index, regions)
        done = self.flush(regions)
        self._in_flight = self._start(frame, result, regions)
        return done

    def flush(self, regions: Regions) -> FrameResult | None:
        """End the frame in flight, if any, and return it."""
        in_flight, self._in_flight = self._in_flight, None
        if in_flight is None:
            return None
        result = in_flight.result
        if in_flight.started is not None:
            self._async.finish(in_flight.started, result, regions)
            for stage in self._at_end:
                stage(in_flight.frame, result, regions)
        return result

    @property
    def in_flight(self) -> bool:
        """Whether a frame fed by ``step`` is still to be ended (by ``step`` or ``flush``)."""
        return self._in_flight is not None

    def reset(self) -> None:
        """Forget the frame in flight (if any) and the tracked face: the next frame starts afresh."""
        self._in_flight, self._track = None, None

    def _locate(self, frame: np.ndarray, index: int, regions: Regions) -> FrameResult:
        """A new FrameResult with the face located: in the track when it holds, else detected."""
        result = FrameResult(frame_index=index, face_found=False)
        if self._track is not None:
            result.face_crop = self._track
            self._landmarks(frame, result, regions)
        if result.face_found:
            result.face_count, result.tracked, result.face_box = 1, True, box_of(result.landmarks[:, :2])
        else:
            self._detector(frame, result, regions)
            if result.detections:
                result.face = choose_face(result.detections, self.face_policy)
                result.face_box, result.face_score = result.face.box, result.face.score
                self._landmarks(frame, result, regions)
        self._track = result.next_face_crop if self.tracking else None
        return result

    def _start(self, frame: np.ndarray, result: FrameResult, regions: Regions) -> _InFlight:
        started = None
        if result.face_found:
            for stage in self._at_start:
                stage(frame, result, regions)
            if self._async is not None:
                started = self._async.start(frame, result, regions)
        return _InFlight(result, frame, started)


def build_pipeline(model_set: str = "mediapipe", config: EngineConfig | None = None, face_policy: str = "largest",
                   tracking: bool = True, eye_batch: int = 2, variants: Variants = ()) -> GazePipeline:
    """Load the models of ``model_set`` through the zoo and compile them with ``config``;
    ``tracking`` and ``eye_batch`` (eyes per iris inference) are the mediapipe chain's switches;
    ``variants`` (model, lab variant name) pairs replace those models by their variants."""
    config = config or EngineConfig()
    model_set_entry = load_manifest().model_set(model_set)
    config_precision = check_precision(config.precision, model_set_entry)
    if config_precision != config.precision:
        raise UsageError(f"precision must be given as {config_precision}")
    return GazePipeline(build_chain(model_set, config, eye_batch, variants), face_policy, tracking)
