"""A Scenario says what to run and under which load; ``variants()`` expands its sweep grid."""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

from perfharness.core.argtypes import MAX_COUNT
from perfharness.core.errors import UsageError
from perfharness.gaze.iris_landmarks import EYE_BATCHES
from perfharness.gaze.mouse import KINDS as MOUSE_KINDS
from perfharness.run.loop import IN_FLIGHT
from perfharness.runtime.engine import (
    INFERENCE_PRECISIONS,
    PERFORMANCE_HINTS,
    EngineConfig,
)
from perfharness.scenario.view import VariantView
from perfharness.zoo.manifest import check_precision, load_manifest

# A check looks at one finished variant (its metrics, its frames streamed from frames.csv, its
# resource samples, the sample clip's labels: see VariantView) and returns (passed, detail).
Check = Callable[[VariantView], tuple[bool, str]]


@dataclass(frozen=True)
class Scenario:
    """One workload. Times are seconds; ``pacing_fps=None`` runs as fast as possible."""

    name: str
    description: str = ""
    input: str = "sample"
    model_set: str = "mediapipe"
    precision: str = "FP32"
    device: str = "CPU"
    threads: int | None = None
    streams: int | None = None
    hint: str = "LATENCY"
    inference_precision: str | None = None
    model_cache: bool = False
    pacing_fps: float | None = None
    frames: int | None = None
    duration_s: float | None = None
    warmup_frames: int = 10
    repeats: int = 1
    in_flight: int = 1  # frames in flight: 1 = synchronous, 2 = pipelined on OpenVINO's async requests
    tracking: bool = True  # False: the face detector on every frame
    eye_batch: int = 2  # eyes per iris inference: 1 or 2
    opencv_threads: int | None = None  # cv2.setNumThreads for the variant; None: OpenCV's default
    background_workers: int = 0  # CPU-bound processes competing for the cores
    memory_pressure_mb: int = 0  # held by each background worker
    mouse: str = "dry"
    sweep: dict[str, list] = field(default_factory=dict)
    checks: tuple[Check, ...] = ()

    def engine_config(self, cache_dir: Path | None = None) -> EngineConfig:
        return EngineConfig(
            device=self.device, precision=self.precision.upper(), inference_precision=self.inference_precision,
            num_threads=self.threads, num_streams=self.streams, performance_hint=self.hint,
            cache_dir=cache_dir if self.model_cache else None,
        )

    def resolved(self) -> dict[str, Any]:
        """The settings as plain data (for manifest.json), checks by name."""
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "checks"}
        data["checks"] = [check.__name__ for check in self.checks]
        return data


@dataclass(frozen=True)
class Variant:
    """One point of the sweep grid, one repeat."""

    label: str
    params: dict[str, Any]
    repeat: int
    scenario: Scenario


SETTABLE = {f.name: f for f in dataclasses.fields(Scenario) if f.name not in ("name", "sweep", "checks")}


def _convert(name: str, text: str) -> Any:
    kind = str(SETTABLE[name].type)
    if text.lower() in ("none", "null") and "None" in kind:
        return None
    try:
        if kind.startswith("bool"):
            if text.lower() not in ("true", "false", "1", "0", "yes", "no"):
                raise ValueError(text)
            return text.lower() in ("true", "1", "yes")
        if kind.startswith("int"):
            return int(text)
        if kind.startswith("float"):
            return float(text)
    except ValueError:
        raise UsageError(f"--set {name}={text}: expected {kind.split(' |')[0]}") from None
    return text


def with_overrides(scenario: Scenario, assignments: list[str]) -> Scenario:
    """Apply ``key=value`` strings (from ``--set``); a comma-separated value sweeps the field."""
    changes: dict[str, Any] = {}
    sweep = dict(scenario.sweep)
    for assignment in assignments:
        name, sep, text = assignment.partition("=")
        if not sep or name not in SETTABLE:
            raise UsageError(f"--set {assignment}: use key=value with key one of {', '.join(sorted(SETTABLE))}")
        values = [_convert(name, part) for part in text.split(",")]
        if len(values) > 1:
            sweep[name] = values
        else:
            changes[name] = values[0]
            sweep.pop(name, None)
    return dataclasses.replace(scenario, sweep=sweep, **changes)


# field -> (smallest allowed value, whether it must be strictly above it); None is always allowed
LIMITS = {"frames": (1, False), "duration_s": (0, True), "pacing_fps": (0, True), "warmup_frames": (0, False),
          "repeats": (1, False), "in_flight": (1, False), "eye_batch": (1, False), "background_workers": (0, False),
          "memory_pressure_mb": (0, False), "threads": (1, False), "streams": (1, False), "opencv_threads": (1, False)}


# field -> the values it may take; None is allowed where listed
CHOICES = {"hint": PERFORMANCE_HINTS, "inference_precision": (None, *INFERENCE_PRECISIONS), "mouse": MOUSE_KINDS,
           "in_flight": IN_FLIGHT, "eye_batch": EYE_BATCHES, "tracking": (True, False)}


def _check(scenario: Scenario) -> None:
    """UsageError ("scenario NAME: ...") for the first value that cannot run."""
    def refuse(problem: str) -> NoReturn:
        raise UsageError(f"scenario {scenario.name}: {problem}")

    for name, (lowest, strict) in LIMITS.items():
        value = getattr(scenario, name)
        if value is None:
            continue
        whole = str(SETTABLE[name].type).startswith("int")
        if isinstance(value, bool) or not isinstance(value, int if whole else (int, float)) or not math.isfinite(value):
            refuse(f"{name}={value!r} must be {'a whole number' if whole else 'a finite number'}")
        if value <= lowest if strict else value < lowest:
            refuse(f"{name}={value} must be {'>' if strict else '>='} {lowest}")
        if value > MAX_COUNT:
            refuse(f"{name}={value} must be <= {MAX_COUNT}")
    for name, allowed in CHOICES.items():
        if getattr(scenario, name) not in allowed:
            refuse(f"{name}={getattr(scenario, name)!r} is not one of {', '.join(map(str, allowed))}")
    for name, example in (("device", "CPU"), ("model_set", "mediapipe"), ("precision", "FP32")):
        value = getattr(scenario, name)
        if not isinstance(value, str) or not value.strip():
            refuse(f"{name}={value!r} must be a name, such as {example}")
    try:
        check_precision(scenario.precision, load_manifest().model_set(scenario.model_set))
    except UsageError as error:
        refuse(str(error))


def variants(scenario: Scenario) -> list[Variant]:
    """Every combination of the sweep values, each ``repeats`` times (values checked first)."""
    unknown = set(scenario.sweep) - set(SETTABLE)
    if unknown:
        raise UsageError(f"scenario {scenario.name}: cannot sweep {', '.join(sorted(unknown))}")
    _check(scenario)
    names = list(scenario.sweep)
    grid = list(itertools.product(*(scenario.sweep[name] for name in names))) or [()]
    result = []
    for values in grid:
        params = dict(zip(names, values))
        label = " ".join(f"{name}={value}" for name, value in params.items()) or "default"
        point = dataclasses.replace(scenario, sweep={}, **params)
        _check(point)
        result.extend(Variant(label, params, repeat, point) for repeat in range(scenario.repeats))
    return result
