"""OpenVINO Core wrapper: compile configuration, signature checks, timed model loading."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from time import perf_counter

import numpy as np

from perfharness.errors import ModelError, UsageError
from perfharness.zoo.manifest import ModelSpec
from perfharness.zoo.runtime import error_reason, ov

INFERENCE_PRECISIONS = ("f32", "bf16", "f16")  # INFERENCE_PRECISION_HINT values
PERFORMANCE_HINTS = ("LATENCY", "THROUGHPUT", "CUMULATIVE_THROUGHPUT")  # PERFORMANCE_HINT values


@dataclass(frozen=True)
class EngineConfig:
    """How models are compiled. ``inference_precision=None`` means: f32 for FP32/FP16 models
    (many CPUs otherwise run bf16 and silently change the numbers), the device default for INT8."""

    device: str = "CPU"
    precision: str = "FP32"
    inference_precision: str | None = None
    num_threads: int | None = None
    num_streams: int | None = None
    performance_hint: str = "LATENCY"
    cache_dir: Path | None = None  # OpenVINO's model cache: compiled blobs reused across runs
    extra: dict[str, str] = field(default_factory=dict)

    def compile_properties(self) -> dict[str, str]:
        """The properties passed to ``Core.compile_model``."""
        props: dict[str, str] = {"PERFORMANCE_HINT": self.performance_hint}
        hint = self.inference_precision
        if hint is None and self.precision in ("FP32", "FP16"):
            hint = "f32"
        if hint is not None:
            if hint not in INFERENCE_PRECISIONS:
                raise UsageError(f"unknown inference precision {hint!r}; choose one of {', '.join(INFERENCE_PRECISIONS)}")
            props["INFERENCE_PRECISION_HINT"] = hint
        if self.num_threads is not None:
            props["INFERENCE_NUM_THREADS"] = str(self.num_threads)
        if self.num_streams is not None:
            props["NUM_STREAMS"] = str(self.num_streams)
        if self.cache_dir is not None:
            props["CACHE_DIR"] = str(self.cache_dir)
        props.update(self.extra)
        return props


@lru_cache(maxsize=1)
def core() -> ov.Core:
    """One OpenVINO Core per process."""
    return ov.Core()


def _name_matches(pattern: str, names: set[str]) -> bool:
    return pattern == "*" or any(alt in names for alt in pattern.split("|"))


def check_signature(model: ov.Model | ov.CompiledModel, spec: ModelSpec, path: Path) -> None:
    """Raise ModelError naming the file and the mismatch when inputs/outputs differ from ``spec``."""
    for kind, ports, expected in (("input", model.inputs, spec.inputs), ("output", model.outputs, spec.outputs)):
        if len(ports) != len(expected):
            found = ", ".join(sorted("|".join(sorted(p.get_names())) or "?" for p in ports))
            raise ModelError(f"{path}: expected {len(expected)} {kind}(s) for {spec.key}, found {len(ports)} ({found})")
        remaining = list(ports)
        for pattern, shape in expected.items():
            port = next((p for p in remaining if _name_matches(pattern, p.get_names())), None)
            if port is None:
                raise ModelError(f"{path}: {spec.key} has no {kind} named {pattern!r}")
            remaining.remove(port)
            actual = port.get_partial_shape()
            if actual.is_dynamic or tuple(actual.to_shape()) != shape:
                raise ModelError(f"{path}: {kind} {pattern!r} of {spec.key} has shape {actual}, expected {list(shape)}")


def port_name(ports, pattern: str) -> str:
    """The actual tensor name of the port matching a signature key (``a|b`` or ``*``)."""
    for port in ports:
        names = port.get_names()
        if _name_matches(pattern, names):
            return next(alt for alt in pattern.split("|") if alt in names) if pattern != "*" else port.get_any_name()
    raise KeyError(pattern)


@dataclass
class LoadedModel:
    """A compiled model with one reusable infer request and its load timings (seconds)."""

    spec: ModelSpec
    path: Path
    compiled: ov.CompiledModel
    read_s: float
    compile_s: float
    input_names: dict[str, str]
    output_names: dict[str, str]
    first_infer_s: float | None = None  # the first inference, usually the slowest

    def __post_init__(self) -> None:
        self._request = self.compiled.create_infer_request()
        self._outputs = {key: self.compiled.output(name) for key, name in self.output_names.items()}

    def infer(self, inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Run synchronously; inputs and outputs are keyed by the signature keys of the manifest."""
        feed = {self.input_names[key]: value for key, value in inputs.items()}
        if self.first_infer_s is None:
            start = perf_counter()
            self._request.infer(feed)
            self.first_infer_s = perf_counter() - start
        else:
            self._request.infer(feed)
        return {key: self._request.get_tensor(port).data.copy() for key, port in self._outputs.items()}

    def new_request(self) -> LoadedModel:
        """The same compiled model with a request of its own (for another thread)."""
        return LoadedModel(self.spec, self.path, self.compiled, self.read_s, self.compile_s, self.input_names,
                           self.output_names)


def load_model(path: Path, spec: ModelSpec, config: EngineConfig) -> LoadedModel:
    """Read ``path``, check it against ``spec``, compile it with ``config``.

    With a model cache, the file goes to ``compile_model`` directly, so a cached blob skips
    reading too (``read_s`` is then 0 and the signature is checked on the compiled model)."""
    read_s = 0.0
    source: ov.Model | str = str(path)
    if config.cache_dir is None:
        start = perf_counter()
        source = read_model(path)
        read_s = perf_counter() - start
        check_signature(source, spec, path)
    start = perf_counter()
    compiled = compile_model(source, config, spec.key)
    compile_s = perf_counter() - start
    check_signature(compiled, spec, path)
    inputs = {key: port_name(compiled.inputs, key) for key in spec.inputs}
    outputs = {key: port_name(compiled.outputs, key) for key in spec.outputs}
    return LoadedModel(spec, path, compiled, read_s, compile_s, inputs, outputs)


def compile_model(source: ov.Model | str, config: EngineConfig, what: str) -> ov.CompiledModel:
    """``Core.compile_model`` with ``config``; UsageError with OpenVINO's reason and the devices there are."""
    try:
        return core().compile_model(source, config.device, config.compile_properties())
    except RuntimeError as error:
        raise UsageError(f"cannot compile {what} for device {config.device!r}: {error_reason(error)} "
                         f"(devices available here: {', '.join(core().available_devices) or 'none'})") from None


def read_model(path: Path) -> ov.Model:
    """The model at ``path``; ModelError with OpenVINO's reason when it cannot be read."""
    try:
        return core().read_model(str(path))
    except RuntimeError as error:
        raise ModelError(f"{path}: OpenVINO cannot read this model ({error_reason(error)})") from None
