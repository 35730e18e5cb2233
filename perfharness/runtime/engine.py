"""OpenVINO Core wrapper: compile configuration, signature checks, timed model loading."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from time import perf_counter

import numpy as np

from perfharness.core.errors import ModelError, UsageError
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


VIRTUAL_DEVICES = ("AUTO", "MULTI", "HETERO", "BATCH")  # OpenVINO's devices made of others: "AUTO:CPU,GPU"


def check_device(device: str) -> None:
    """UsageError unless OpenVINO has ``device`` here (a virtual device is left to compile time)."""
    if device.partition(":")[0] in VIRTUAL_DEVICES:
        return
    available = core().available_devices
    if device not in available:
        raise UsageError(f"cannot compile models for device {device!r}: not available here "
                         f"(devices available here: {', '.join(available) or 'none'})")


def native_inference_precisions(device: str = "CPU") -> tuple[str, ...]:
    """The INFERENCE_PRECISION_HINT values ``device`` runs natively, from its OPTIMIZATION_CAPABILITIES
    (on a CPU: bf16 with AVX512_BF16 or AMX, f16 with AVX512_FP16 or AMX-FP16); f32 always."""
    capabilities = set(core().get_property(device, "OPTIMIZATION_CAPABILITIES"))
    return ("f32", *(hint for hint in INFERENCE_PRECISIONS[1:] if hint.upper() in capabilities))


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
    """A compiled model with one reusable infer request and its load timings (seconds).

    ``batch`` is the batch the model was reshaped to at load (1: as published). Outputs are
    views of the request's own output tensors: valid until this model's next inference, so
    callers copy what they keep (every stage's postprocess builds new arrays).
    """

    spec: ModelSpec
    path: Path
    compiled: ov.CompiledModel
    read_s: float
    compile_s: float
    input_names: dict[str, str]
    output_names: dict[str, str]
    first_infer_s: float | None = None  # the first inference, usually the slowest
    batch: int = 1

    def __post_init__(self) -> None:
        self._request = self.compiled.create_infer_request()
        self._outputs = {key: self.compiled.output(name) for key, name in self.output_names.items()}
        # The request keeps its input tensors (``infer(inputs)`` copies into them): their arrays are looked up once.
        self._inputs = {key: self._request.get_tensor(name).data for key, name in self.input_names.items()}
        self._started = 0.0

    def input_tensor(self, key: str) -> np.ndarray:
        """The request's own input tensor for ``key``, writable: a preprocess that fills it in
        place saves the copy ``infer(inputs)`` makes."""
        return self._inputs[key]

    def infer(self, inputs: dict[str, np.ndarray] | None = None) -> dict[str, np.ndarray]:
        """Run synchronously, on the calling thread, on ``inputs`` (copied into the request) or,
        with None, on what was written into ``input_tensor``; keys are the manifest's signature keys."""
        feed = self._feed(inputs)
        if self.first_infer_s is None:
            start = perf_counter()
            self._request.infer(feed)
            self.first_infer_s = perf_counter() - start
        else:
            self._request.infer(feed)
        return self._output_views()

    def start(self, inputs: dict[str, np.ndarray] | None = None) -> None:
        """Start an inference with OpenVINO's async API (it runs on the plugin's own thread) and
        return at once; ``wait`` ends it."""
        feed = self._feed(inputs)
        self._started = perf_counter() if self.first_infer_s is None else 0.0
        self._request.start_async(feed)

    def wait(self) -> dict[str, np.ndarray]:
        """Wait for the inference ``start`` began; its outputs by signature key."""
        self._request.wait()
        if self.first_infer_s is None:
            self.first_infer_s = perf_counter() - self._started
        return self._output_views()

    def _feed(self, inputs: dict[str, np.ndarray] | None) -> dict[str, np.ndarray]:
        return {self.input_names[key]: value for key, value in (inputs or {}).items()}

    def _output_views(self) -> dict[str, np.ndarray]:
        return {key: self._request.get_tensor(port).data for key, port in self._outputs.items()}


def load_model(path: Path, spec: ModelSpec, config: EngineConfig, batch: int = 1) -> LoadedModel:
    """Read ``path``, check it against ``spec``, reshape it to ``batch`` (its inputs' first
    dimension), compile it with ``config``.

    With a model cache and batch 1, the file goes to ``compile_model`` directly, so a cached
    blob skips reading too (``read_s`` is then 0 and the signature is checked on the compiled model)."""
    read_s = 0.0
    source: ov.Model | str = str(path)
    if config.cache_dir is None or batch != 1:
        start = perf_counter()
        source = read_model(path)
        read_s = perf_counter() - start
        check_signature(source, spec, path)
        if batch != 1:
            reshape_batch(source, spec, path, batch)
    start = perf_counter()
    compiled = compile_model(source, config, spec.key)
    compile_s = perf_counter() - start
    if batch == 1:
        check_signature(compiled, spec, path)
    inputs = {key: port_name(compiled.inputs, key) for key in spec.inputs}
    outputs = {key: port_name(compiled.outputs, key) for key in spec.outputs}
    return LoadedModel(spec, path, compiled, read_s, compile_s, inputs, outputs, batch=batch)


def reshape_batch(model: ov.Model, spec: ModelSpec, path: Path, batch: int) -> None:
    """Give every input of ``model`` the first dimension ``batch``; UsageError when the model
    cannot take it (OpenVINO's reason) or when its outputs do not grow with the batch."""
    if batch < 1:
        raise UsageError(f"{spec.key}: batch {batch} must be >= 1")
    before = {port.get_any_name(): shape_size(port) for port in model.outputs}
    try:
        model.reshape({port.get_any_name(): [batch, *list(port.get_partial_shape().to_shape())[1:]]
                       for port in model.inputs})
    except RuntimeError as error:
        raise UsageError(f"{path}: {spec.key} cannot take batch {batch}: {error_reason(error)}") from None
    for port in model.outputs:
        if port.get_partial_shape().is_dynamic or shape_size(port) != batch * before[port.get_any_name()]:
            raise UsageError(f"{path}: {spec.key} cannot take batch {batch}: output {port.get_any_name()!r} "
                             f"has shape {port.get_partial_shape()} after the reshape")


def shape_size(port) -> int:
    """The number of elements of a port's static shape."""
    return int(np.prod(list(port.get_partial_shape().to_shape())))


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
