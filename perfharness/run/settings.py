"""The settings of a run of the chain, named once: which models, how OpenVINO compiles them, and
which of the controller's switches are on. Controller flags, scenario fields and the peer's
``--ours-set`` all map onto ``RunSettings`` and are checked here, the same way for all three.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

from perfharness import zoo
from perfharness.core.argtypes import MAX_COUNT
from perfharness.core.errors import UsageError
from perfharness.gaze.iris_landmarks import EYE_BATCHES
from perfharness.gaze.pipeline import FACE_POLICIES, GazePipeline, build_pipeline
from perfharness.run.loop import IN_FLIGHT
from perfharness.runtime.engine import INFERENCE_PRECISIONS, PERFORMANCE_HINTS, EngineConfig, check_device
from perfharness.zoo import variants as zoo_variants
from perfharness.zoo.layout import compiled_model_cache
from perfharness.zoo.manifest import PRECISIONS, ModelSet, check_precision, load_manifest


@dataclass(frozen=True)
class RunSettings:
    """What a run of the chain is made of. ``threads``/``streams`` None: OpenVINO's own choice;
    ``inference_precision`` None: f32 for FP32/FP16 models, the device default for INT8."""

    model_set: str = "mediapipe"
    precision: str = "FP32"
    device: str = "CPU"
    threads: int | None = None  # INFERENCE_NUM_THREADS
    streams: int | None = None  # NUM_STREAMS
    hint: str = "LATENCY"  # PERFORMANCE_HINT
    inference_precision: str | None = None  # INFERENCE_PRECISION_HINT
    model_cache: bool = False  # OpenVINO's compiled-model cache
    tracking: bool = True  # False: the face detector on every frame
    eye_batch: int = 2  # eyes per iris inference
    in_flight: int = 1  # frames in flight: 1 synchronous, 2 pipelined on OpenVINO's async requests
    face_policy: str = "largest"  # which face to follow when there are several
    variants: tuple[tuple[str, str], ...] = ()  # (model, lab variant name or precision): those models' instead

    def __post_init__(self) -> None:
        if isinstance(self.variants, list):  # pairs come back as lists from JSON (the peer worker's --settings)
            object.__setattr__(self, "variants", tuple(tuple(pair) for pair in self.variants))
        if isinstance(self.variants, tuple) and all(isinstance(p, tuple) and len(p) == 2 for p in self.variants):
            object.__setattr__(self, "variants", tuple(  # a precision in its one spelling: int8 -> INT8
                (model, name.upper() if isinstance(name, str) and name.upper() in PRECISIONS else name)
                for model, name in self.variants))

    def engine_config(self) -> EngineConfig:
        """How OpenVINO compiles the models (with ``model_cache``, into the zoo's compiled-model cache)."""
        return EngineConfig(device=self.device, precision=self.precision.upper(),
                            inference_precision=self.inference_precision, num_threads=self.threads,
                            num_streams=self.streams, performance_hint=self.hint,
                            cache_dir=compiled_model_cache() if self.model_cache else None)

    def build_pipeline(self) -> GazePipeline:
        """The chain these settings describe, its models loaded and compiled."""
        return build_pipeline(self.model_set, self.engine_config(), self.face_policy, self.tracking, self.eye_batch,
                              self.variants)

    def check(self) -> None:
        """UsageError ("NAME=VALUE ...") for the first value that cannot run; the model set and
        precision are checked against the manifest."""
        for name, (lowest, whole) in LIMITS.items():
            value = getattr(self, name)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int if whole else (int, float)) or not math.isfinite(value):
                raise UsageError(f"{name}={value!r} must be {'a whole number' if whole else 'a finite number'}")
            if value < lowest:
                raise UsageError(f"{name}={value} must be >= {lowest}")
            if value > MAX_COUNT:
                raise UsageError(f"{name}={value} must be <= {MAX_COUNT}")
        for name, allowed in CHOICES.items():
            if getattr(self, name) not in allowed:
                raise UsageError(f"{name}={getattr(self, name)!r} is not one of {', '.join(map(str, allowed))}")
        for name, example in (("device", "CPU"), ("model_set", "mediapipe"), ("precision", "FP32")):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                raise UsageError(f"{name}={value!r} must be a name, such as {example}")
        model_set = load_manifest().model_set(self.model_set)
        check_precision(self.precision, model_set)
        check_variants(self.variants, model_set)
        check_device(self.device)

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


FIELDS = tuple(f.name for f in dataclasses.fields(RunSettings))
# field -> (smallest allowed value, whether it is a whole number); None is always allowed
LIMITS = {"threads": (1, True), "streams": (1, True), "eye_batch": (1, True), "in_flight": (1, True)}
# field -> the values it may take
CHOICES = {"hint": PERFORMANCE_HINTS, "inference_precision": (None, *INFERENCE_PRECISIONS), "in_flight": IN_FLIGHT,
           "eye_batch": EYE_BATCHES, "tracking": (True, False), "model_cache": (True, False),
           "face_policy": FACE_POLICIES}


def check_variants(pairs: object, model_set: ModelSet) -> None:
    """UsageError unless ``pairs`` is (model, variant) pairs, each model of ``model_set`` once, each
    variant a lab variant in the cache or a precision the set offers (INT8: once quantized)."""
    if not isinstance(pairs, tuple) or not all(isinstance(p, tuple) and len(p) == 2 for p in pairs):
        raise UsageError(f"variants={pairs!r} must be (model, variant name) pairs, given as MODEL=NAME")
    models = [model for model, _ in pairs]
    for model, name in pairs:
        spec = model_set.models.get(model)
        if spec is None:
            raise UsageError(f"variant {model}={name}: model set {model_set.name!r} has no model {model!r}; "
                             f"it has {', '.join(model_set.models)}")
        if models.count(model) > 1:
            raise UsageError(f"variant {model}=...: one variant per model")
        if not isinstance(name, str):
            raise UsageError(f"variant {model}={name!r}: give a lab variant name or a precision")
        if zoo_variants.is_variant_name(name):
            zoo_variants.find(spec, name)
        else:
            zoo.check_quantized(spec, check_precision(name, model_set))


def parse_variants(text: str) -> tuple[tuple[str, str], ...]:
    """``MODEL=NAME[+MODEL=NAME...]`` -> ((model, name), ...); ``none`` or empty -> ()."""
    if text.strip().lower() in ("", "none"):
        return ()
    pairs = []
    for part in text.split("+"):
        model, equals, name = part.strip().partition("=")
        if not equals or not model or not name:
            raise UsageError(f"variants={text}: expected MODEL=NAME (several joined by +)")
        pairs.append((model.strip(), name.strip()))
    return tuple(pairs)


def parse_value(name: str, text: str, kind: object = None) -> Any:
    """``text`` as the value of field ``name`` of type ``kind`` (default: the RunSettings field's
    type, as its annotation reads: ``int | None``...); ``none`` for an optional field's None.
    UsageError naming the field when it is not of its type. Ranges are ``check``'s."""
    kind = str(SETTING_TYPES[name] if kind is None else kind)
    if kind.startswith("tuple"):  # variants
        return parse_variants(text)
    if text.strip().lower() in ("none", "null") and "None" in kind:
        return None
    try:
        if kind.startswith("bool"):
            if text.strip().lower() not in ("true", "false", "1", "0", "yes", "no"):
                raise ValueError(text)
            return text.strip().lower() in ("true", "1", "yes")
        if kind.startswith("int"):
            return int(text)
        if kind.startswith("float"):
            return float(text)
    except ValueError:
        raise UsageError(f"{name}={text}: expected {kind.split(' |')[0]}") from None
    return text.strip()


SETTING_TYPES = {f.name: f.type for f in dataclasses.fields(RunSettings)}
