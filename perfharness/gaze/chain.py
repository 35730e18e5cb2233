"""The chain: a model set's stages in frame order, each addressable by name; and each set's chain.

A chain starts with the two stages that locate the face, ``face_detection`` and
``face_landmarks`` (the pipeline runs the detector only when it has no track); the stages after
them run in order on the face found. Stages hand each other data through the frame's
FrameResult only, so a chain holds nothing between stages and a stage can be swapped by name.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from perfharness import zoo
from perfharness.core.errors import UsageError
from perfharness.gaze.face_detection import BlazeFaceDetector
from perfharness.gaze.face_landmarks import FaceMeshLandmarks
from perfharness.gaze.gaze_geometry import GeometricGaze
from perfharness.gaze.head_pose import SolvePnPHeadPose
from perfharness.gaze.iris_landmarks import IrisLandmarks
from perfharness.gaze.omz import OmzFaceDetector, OmzFaceLandmarks, OmzGaze, OmzHeadPose
from perfharness.gaze.result import FrameResult
from perfharness.gaze.stage import ModelStage, Stage
from perfharness.runtime.engine import EngineConfig
from perfharness.zoo import variants as zoo_variants
from perfharness.zoo.manifest import load_manifest

FACE_DETECTION, FACE_LANDMARKS = "face_detection", "face_landmarks"
Variants = tuple[tuple[str, str], ...]  # (model, lab variant name or precision) pairs


class Chain:
    """The stages of a frame, in order. ``async_stage`` names the model stage that
    ``GazePipeline.step`` starts on OpenVINO's async API and finishes with the next frame (two
    frames in flight); the stages before it run at once, those after it when it finishes. None:
    every stage runs at once."""

    def __init__(self, stages: Sequence[Stage], async_stage: str | None = None) -> None:
        names = [stage.name for stage in stages]
        if names[:2] != [FACE_DETECTION, FACE_LANDMARKS] or len(set(names)) != len(names):
            raise ValueError(f"a chain is {FACE_DETECTION}, {FACE_LANDMARKS}, then the stages on the face, "
                             f"each name once; got {names}")
        self.stages: tuple[Stage, ...] = tuple(stages)
        self._by_name = dict(zip(names, self.stages))
        if async_stage is not None and not (async_stage in names[2:]
                                            and isinstance(self._by_name[async_stage], ModelStage)):
            raise ValueError(f"async stage {async_stage!r} is not a model stage after {FACE_LANDMARKS} in {names}")
        self.async_stage = async_stage

    def stage(self, name: str) -> Stage:
        """The stage called ``name``."""
        try:
            return self._by_name[name]
        except KeyError:
            raise KeyError(f"no stage {name!r} in this chain ({', '.join(self._by_name)})") from None

    @property
    def face_stages(self) -> tuple[Stage, ...]:
        """The stages after the face is located, in order."""
        return self.stages[2:]

    def around_async_stage(self) -> tuple[tuple[Stage, ...], ModelStage | None, tuple[Stage, ...]]:
        """The face stages before the async stage, that stage, the face stages after it; without an
        async stage: all of them, None, none."""
        if self.async_stage is None:
            return self.face_stages, None, ()
        split = [stage.name for stage in self.face_stages].index(self.async_stage)
        return self.face_stages[:split], self.stage(self.async_stage), self.face_stages[split + 1:]

    @property
    def model_stages(self) -> list[ModelStage]:
        """The stages that own a model, in order."""
        return [stage for stage in self.stages if isinstance(stage, ModelStage)]

    def replaced(self, stage: Stage) -> Chain:
        """This chain with ``stage`` in place of the stage of the same name."""
        self.stage(stage.name)  # a KeyError when there is none
        return Chain([stage if old.name == stage.name else old for old in self.stages], self.async_stage)

    def model_inputs(self, frame: np.ndarray, result: FrameResult) -> dict[str, dict[str, np.ndarray]]:
        """The inputs each model was fed for ``frame`` (by stage name, then signature key), rebuilt
        by its stage's ``preprocess`` from ``result``, the FrameResult the pipeline returned for
        that frame: the detector's unless the frame was tracked, the landmark model's when it had
        a crop (after a lost track, its second), the others' when the face was found. It writes
        the models' input tensors, as a frame does."""
        ran = {FACE_DETECTION: not result.tracked, FACE_LANDMARKS: result.face_crop is not None}
        return {stage.name: stage.model_inputs(frame, result)
                for stage in self.model_stages if ran.get(stage.name, result.face_found)}


def _mediapipe_chain(config: EngineConfig, eye_batch: int = 2, variants: Variants = ()) -> Chain:
    """BlazeFace -> face mesh -> iris (both eyes, ``eye_batch`` per inference) -> solvePnP head pose
    -> geometric gaze; the iris inference is the one left in flight."""
    return Chain([_load(BlazeFaceDetector, "mediapipe", FACE_DETECTION, config, variants),
                  _load(FaceMeshLandmarks, "mediapipe", FACE_LANDMARKS, config, variants),
                  _load(IrisLandmarks, "mediapipe", "iris_landmarks", config, variants, batch=eye_batch),
                  SolvePnPHeadPose(), GeometricGaze()], async_stage="iris_landmarks")


def _omz_chain(config: EngineConfig, variants: Variants = ()) -> Chain:
    """Open Model Zoo: face-detection-adas -> landmarks-regression -> head-pose -> gaze-estimation,
    every model synchronous. Its landmark model has no presence score to tell a lost track, so
    it leaves no track: the detector runs on every frame."""
    return Chain([_load(OmzFaceDetector, "omz", FACE_DETECTION, config, variants),
                  _load(OmzFaceLandmarks, "omz", FACE_LANDMARKS, config, variants),
                  _load(OmzHeadPose, "omz", "head_pose", config, variants),
                  _load(OmzGaze, "omz", "gaze", config, variants)])


def build_chain(model_set: str, config: EngineConfig, eye_batch: int = 2, variants: Variants = ()) -> Chain:
    """The chain of ``model_set``, its models found through the zoo and compiled with ``config``;
    ``eye_batch`` (eyes per iris inference) is the mediapipe chain's; ``variants`` (model, lab
    variant name or precision) pairs load those models' variants instead: a lab variant compiled as
    FP32 (float IR), a precision (FP32, FP16, INT8) as that precision whatever the set's is."""
    if model_set == "mediapipe":
        return _mediapipe_chain(config, eye_batch, variants)
    if model_set == "omz":
        return _omz_chain(config, variants)
    raise UsageError(f"no chain for model set {model_set!r}")


def _load(stage_class: type[ModelStage], set_name: str, model: str, config: EngineConfig, variants: Variants,
          **options) -> ModelStage:
    spec = load_manifest().sets[set_name].models[model]
    variant = dict(variants).get(model)
    if variant is not None:  # a lab variant compiles as FP32 (float IR); a precision as itself
        precision = zoo_variants.PRECISION if zoo_variants.is_variant_name(variant) else variant.upper()
        config = dataclasses.replace(config, precision=precision)
    return stage_class(zoo.model_path(set_name, model, variant or config.precision), spec, config, **options)
