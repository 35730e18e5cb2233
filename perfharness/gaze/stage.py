"""A stage of the chain: one call, ``stage(frame, result, regions)``, that fills the frame's FrameResult.

A model stage is preprocess -> infer -> postprocess, as OpenVINO model_api's ``Model.__call__``,
each phase inside its region ``<name>.preprocess|infer|postprocess``, written here once.
``start`` and ``finish`` are the same call split around an inference on OpenVINO's async API.
A stage without a model (solvePnP head pose, geometric gaze) is its own ``__call__`` with one
``<name>.postprocess`` region.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from perfharness.gaze.result import FrameResult
from perfharness.instrument import NULL_REGIONS, Regions
from perfharness.instrument.regions import PHASES
from perfharness.runtime.engine import EngineConfig, LoadedModel, load_model
from perfharness.zoo.manifest import ModelSpec

Inputs = dict[str, np.ndarray] | None  # by signature key; None: already written into the request's own input tensors
Outputs = dict[str, np.ndarray]


class Stage(Protocol):
    """One step of the chain: reads what the stages before it left in ``result``, adds its own."""

    name: str

    def __call__(self, frame: np.ndarray, result: FrameResult, regions: Regions = NULL_REGIONS) -> None: ...


@dataclass(frozen=True)
class Started:
    """A stage call between ``start`` and ``finish``: what postprocess needs, and the outputs of any
    inference ``start`` already ran."""

    meta: Any
    early: Any


class ModelStage(ABC):
    """A stage that owns one model. ``name`` prefixes its regions: ``<name>.preprocess|infer|postprocess``.

    Loading checks the model's tensor names and shapes against ``spec`` and fails with a
    ModelError naming the file and the mismatch; ``batch`` reshapes it to that batch.
    """

    name: str = "stage"

    def __init__(self, path: Path, spec: ModelSpec, config: EngineConfig, batch: int = 1) -> None:
        self.model: LoadedModel = load_model(path, spec, config, batch)
        self.region_preprocess, self.region_infer, self.region_postprocess = (
            f"{self.name}.{phase}" for phase in PHASES)

    def __call__(self, frame: np.ndarray, result: FrameResult, regions: Regions = NULL_REGIONS) -> None:
        """Fill ``result`` for ``frame``, every inference synchronous on the calling thread."""
        with regions.region(self.region_preprocess):
            inputs, meta = self.preprocess(frame, result)
        with regions.region(self.region_infer):
            outputs = self.infer(inputs)
        with regions.region(self.region_postprocess):
            self.postprocess(outputs, meta, result)

    def start(self, frame: np.ndarray, result: FrameResult, regions: Regions = NULL_REGIONS) -> Started:
        """The first half of the call: preprocess, then the inference started on OpenVINO's async API
        (it runs on the plugin's thread); ``finish`` waits for it and fills ``result``."""
        with regions.region(self.region_preprocess):
            inputs, meta = self.preprocess(frame, result)
        with regions.region(self.region_infer):
            early = self.start_infer(inputs)
        return Started(meta, early)

    def finish(self, started: Started, result: FrameResult, regions: Regions = NULL_REGIONS) -> None:
        """The second half of the call ``start`` began."""
        with regions.region(self.region_infer):
            outputs = self.wait_infer(started.early)
        with regions.region(self.region_postprocess):
            self.postprocess(outputs, started.meta, result)

    @abstractmethod
    def preprocess(self, frame: np.ndarray, result: FrameResult) -> tuple[Inputs, Any]:
        """The model's inputs for ``frame`` and what ``postprocess`` needs to read its outputs."""

    @abstractmethod
    def postprocess(self, outputs: Outputs, meta: Any, result: FrameResult) -> None:
        """Fill ``result`` from the model's outputs (views valid until its next inference)."""

    def infer(self, inputs: Inputs) -> Outputs:
        return self.model.infer(inputs)

    def start_infer(self, inputs: Inputs) -> Any:
        """Start the inference; returns the outputs of any inference run at once (none here)."""
        self.model.start(inputs)
        return None

    def wait_infer(self, early: Any) -> Outputs:
        return self.model.wait()

    def model_inputs(self, frame: np.ndarray, result: FrameResult) -> dict[str, np.ndarray]:
        """Copies of the inputs ``preprocess`` makes for ``frame`` and ``result``, by signature key."""
        inputs, _ = self.preprocess(frame, result)
        if inputs is None:
            inputs = {key: self.model.input_tensor(key) for key in self.model.input_names}
        return {key: value.copy() for key, value in inputs.items()}
