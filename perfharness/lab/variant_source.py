"""What every lab variant starts from and records: the source model's FP32 IR, its calibration
inputs, the checks of a variant's name and of the inputs, the versions a record holds."""

from __future__ import annotations

import platform
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from perfharness import __version__, zoo
from perfharness.core.errors import UsageError
from perfharness.lab.calibration_data import model_inputs
from perfharness.lab.targets import models
from perfharness.zoo import variants
from perfharness.zoo.cache import sha256_file
from perfharness.zoo.manifest import ModelSpec, load_manifest
from perfharness.zoo.runtime import ov

MIN_INPUTS = 16  # calibration tensors needed to fit or train anything


@dataclass(frozen=True)
class Source:
    """The model a variant is made from: its spec and verified FP32 IR."""

    spec: ModelSpec
    xml: Path

    def record(self) -> dict:
        """The ``source`` entry of a variant record."""
        return {"model": self.spec.key, "precision": "FP32", "ir": self.xml.name, "xml_sha256": sha256_file(self.xml),
                "source_sha256": self.spec.sha256}


def source(set_name: str, model: str, name: str) -> Source:
    """The FP32 IR of ``set_name/model``, after checking the model exists, is one model (not a
    set), and that variant ``name`` of it does not exist yet: each a UsageError before any work."""
    ((set_name, model, _),) = models(f"{set_name}/{model}", "FP32")
    spec = load_manifest().sets[set_name].models[model]
    if spec.omz_name:
        raise UsageError(f"{spec.key}: the lab makes variants of the mediapipe models, not of the omz set's")
    variants.refuse_existing(spec, name)
    return Source(spec, zoo.model_path(set_name, model, "FP32"))


def calibration(spec: ModelSpec, split: str = "calibration") -> list[np.ndarray]:
    """The model's inputs from the sample clip (``calibration_data``), at least ``MIN_INPUTS``."""
    inputs = model_inputs(split).get(spec.name, [])
    if len(inputs) < MIN_INPUTS:
        raise UsageError(f"{spec.key}: {len(inputs)} calibration inputs from the sample clip, need at least {MIN_INPUTS}")
    return inputs


def versions(**more: str) -> dict[str, str]:
    """The versions a variant depends on."""
    return {"perfharness": __version__, "openvino": ov.get_version(), "numpy": np.__version__,
            "python": platform.python_version(), **more}


def check_ratio(ratio: float) -> float:
    """``ratio`` when it lies strictly between 0 and 1."""
    if not 0.0 < ratio < 1.0:
        raise UsageError(f"--ratio {ratio:g}: must lie strictly between 0 and 1 (the fraction removed)")
    return ratio
