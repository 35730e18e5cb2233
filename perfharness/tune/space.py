"""What ``perfharness tune`` searches: the chain's settings, one dimension at a time, with only the
values that can run on this machine (a precision's IR made, a lab variant in the cache, an
inference precision the CPU runs natively, threads up to its usable cores)."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from perfharness.run.settings import RunSettings
from perfharness.runtime.engine import native_inference_precisions
from perfharness.zoo import layout
from perfharness.zoo import variants as zoo_variants
from perfharness.zoo.manifest import load_manifest

MODEL_SET = "mediapipe"  # the chain tune searches (the one the peer compares with MediaPipe's own)


@dataclass(frozen=True)
class Dimension:
    """One setting: its name (``variant:<model>`` for a model's variant), its values here, and how
    a value goes into RunSettings."""

    name: str
    values: tuple[Any, ...]
    apply: Callable[[RunSettings, Any], RunSettings]


def _field(name: str) -> Callable[[RunSettings, Any], RunSettings]:
    return lambda settings, value: dataclasses.replace(settings, **{name: value})


def _variant(model: str) -> Callable[[RunSettings, Any], RunSettings]:
    """A model's variant: FP32 (the set's own, no entry) or a precision or lab variant name."""
    def apply(settings: RunSettings, value: str) -> RunSettings:
        others = tuple(pair for pair in settings.variants if pair[0] != model)
        chosen = () if value == "FP32" else ((model, value),)
        return dataclasses.replace(settings, variants=tuple(sorted(others + chosen)))
    return apply


def model_variants(model: str) -> tuple[str, ...]:
    """FP32, then what else of ``model`` runs here: FP16, INT8 once quantized, its lab variants."""
    spec = load_manifest().model_set(MODEL_SET).models[model]
    values = ["FP32", "FP16"]
    if layout.ir_path(spec, "INT8").exists():
        values.append("INT8")
    values += [variant.name for variant in zoo_variants.listing(MODEL_SET)
               if variant.model == model and zoo_variants.problem(variant) is None]
    return tuple(values)


def dimensions(device: str = "CPU") -> list[Dimension]:
    """The dimensions in the order coordinate descent visits them: the models' variants first (the
    largest effects), then how OpenVINO runs them, then the chain's switches."""
    models = load_manifest().model_set(MODEL_SET).models
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    found = [Dimension(f"variant:{model}", model_variants(model), _variant(model))
             for model in ("iris_landmarks", "face_landmarks", "face_detection") if model in models]
    found += [
        Dimension("inference_precision", (None, *native_inference_precisions(device)[1:]),
                  _field("inference_precision")),
        Dimension("threads", (None, *range(1, cores + 1)), _field("threads")),
        Dimension("eye_batch", (2, 1), _field("eye_batch")),
        Dimension("tracking", (True, False), _field("tracking")),
        Dimension("in_flight", (1, 2), _field("in_flight")),
        Dimension("streams", (None, 2), _field("streams")),
    ]
    return [dimension for dimension in found if len(dimension.values) > 1]


def describe(settings: RunSettings, default: RunSettings) -> str:
    """What ``settings`` changes from ``default``, as ``KEY=VALUE`` words (``default`` when nothing)."""
    words = []
    for name in ("inference_precision", "threads", "streams", "eye_batch", "tracking", "in_flight"):
        if getattr(settings, name) != getattr(default, name):
            words.append(f"{name}={getattr(settings, name)}")
    words += [f"{model}={name}" for model, name in settings.variants if (model, name) not in default.variants]
    return " ".join(words) or "default"
