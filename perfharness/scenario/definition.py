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
from perfharness.gaze.mouse import KINDS as MOUSE_KINDS
from perfharness.results.run_dir import check_name
from perfharness.run.settings import FIELDS as RUN_SETTINGS_FIELDS
from perfharness.run.settings import RunSettings, parse_value
from perfharness.scenario.view import VariantView

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
    face_policy: str = "largest"  # which face to follow when there are several: largest or best
    variants: tuple[tuple[str, str], ...] = ()  # (model, lab variant or precision); --set variant=MODEL=NAME[+MODEL=NAME]
    opencv_threads: int | None = None  # cv2.setNumThreads for the variant; None: OpenCV's default
    background_workers: int = 0  # CPU-bound processes competing for the cores
    memory_pressure_mb: int = 0  # held by each background worker
    mouse: str = "dry"
    sweep: dict[str, list] = field(default_factory=dict)
    checks: tuple[Check, ...] = ()
    # the configuration file its run settings came from (--set config=FILE): {path, made_on, note}
    config_file: dict[str, Any] | None = None

    def settings(self) -> RunSettings:
        """The run settings among its fields (same names, see ``perfharness.run.settings``)."""
        return RunSettings(**{name: getattr(self, name) for name in SETTINGS_FIELDS})

    def resolved(self) -> dict[str, Any]:
        """The settings as plain data (for manifest.json), checks by name, ``config_file`` only when
        a configuration file gave the run settings."""
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "checks"}
        if self.config_file is None:
            del data["config_file"]
        data["checks"] = [check.__name__ for check in self.checks]
        return data


@dataclass(frozen=True)
class Variant:
    """One point of the sweep grid, one repeat."""

    label: str
    params: dict[str, Any]
    repeat: int
    scenario: Scenario


SETTABLE = {f.name: f for f in dataclasses.fields(Scenario) if f.name not in ("name", "sweep", "checks", "config_file")}
SETTINGS_FIELDS = tuple(name for name in SETTABLE if name in RUN_SETTINGS_FIELDS)
ALIASES = {"variant": "variants"}  # --set variant=MODEL=NAME, as the controller's --variant
CONFIG = "config"  # --set config=FILE: the run settings of a configuration file (perfharness.run.config_file)


def _convert(name: str, text: str) -> Any:
    try:
        return parse_value(name, text, SETTABLE[name].type)
    except UsageError as error:
        raise UsageError(f"--set {error}") from None


def with_config(scenario: Scenario, path: Path) -> Scenario:
    """``scenario`` with the run settings of the configuration file at ``path`` in place of its own
    (its sweep still sweeps), and the file recorded in ``config_file``; UsageError "PATH: ..."
    when the file cannot run here."""
    from perfharness.run.config_file import load_config

    settings, note, source = load_config(path)
    record = {**source, "note": note}
    return dataclasses.replace(scenario, config_file=record,
                               **{name: getattr(settings, name) for name in SETTINGS_FIELDS})


def with_overrides(scenario: Scenario, assignments: list[str]) -> Scenario:
    """Apply ``key=value`` strings (from ``--set``); a comma-separated value sweeps the field.
    ``config=FILE`` (once; its value a path, never a sweep) applies first, whatever its place:
    the other assignments win over the file's values."""
    configs = [text for name, sep, text in (a.partition("=") for a in assignments) if name == CONFIG and sep]
    if len(configs) > 1:
        raise UsageError(f"--set {CONFIG}=...: one configuration file per run, got {len(configs)}")
    if configs:
        if not configs[0]:
            raise UsageError(f"--set {CONFIG}=: give the path of a configuration file")
        scenario = with_config(scenario, Path(configs[0]))
    changes: dict[str, Any] = {}
    sweep = dict(scenario.sweep)
    for assignment in assignments:
        name, sep, text = assignment.partition("=")
        if name == CONFIG and sep:
            continue
        name = ALIASES.get(name, name)
        if not sep or name not in SETTABLE:
            raise UsageError(f"--set {assignment}: use key=value with key one of "
                             f"{', '.join(sorted([*SETTABLE, CONFIG]))}")
        values = [_convert(name, part) for part in text.split(",")]
        if len(values) > 1:
            sweep[name] = values
        else:
            changes[name] = values[0]
            sweep.pop(name, None)
    return dataclasses.replace(scenario, sweep=sweep, **changes)


# field -> (smallest allowed value, whether it must be strictly above it); None is always allowed.
# The run settings among the fields are checked by RunSettings.check.
LIMITS = {"frames": (1, False), "duration_s": (0, True), "pacing_fps": (0.01, False), "warmup_frames": (0, False),
          "repeats": (1, False), "background_workers": (0, False), "memory_pressure_mb": (0, False),
          "opencv_threads": (1, False)}
CHOICES = {"mouse": MOUSE_KINDS}  # field -> the values it may take


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
    if not isinstance(scenario.input, str) or not scenario.input.strip():
        refuse(f"input={scenario.input!r} must be a path, cam[:N] or sample")
    try:
        scenario.settings().check()
    except UsageError as error:
        refuse(str(error))


def variants(scenario: Scenario) -> list[Variant]:
    """Every combination of the sweep values, each ``repeats`` times (values checked first)."""
    check_name(scenario.name)
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
