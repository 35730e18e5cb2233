"""Layer-wise timings from OpenVINO's per-node counters (``PERF_COUNT``), side by side across precisions.

Config: 1 thread, LATENCY hint (one stream), f32 inference for FP32/FP16 (``EngineConfig``), the
device default for INT8. With one stream the CPU plugin runs the nodes of a request one after
another, so node times do not overlap and they add up; ``real_time`` is used (wall time of a
node), never ``cpu_time``. The sum covers node execution only: the whole ``infer()`` call also
binds inputs and returns to Python, and each node's counter has 1 microsecond resolution, so the
sum and the whole-inference time agree within ``SUM_TOLERANCE``, judged on the median over the
runs of (sum of node times in a run) / (that run's ``infer()`` time), which one slow run (another
process on the core) cannot move. Measured: 0.87-0.97 for the mediapipe models, FP32, FP16 and
INT8, idle 2-core AMD EPYC VM, openvino 2026.4.1. When other processes take the core, the
process waits to be scheduled between nodes and the ratio falls (0.4-0.7 seen); ``cpu_share``
(process CPU time / wall time during ``infer()``) shows it, and below ``BUSY_SHARE`` the
measurement is flagged as disturbed instead of being trusted.

Achieved GFLOP/s of a node = FLOPs of the original layers it runs (``originalLayersNames`` of
the runtime model: a convolution with its fused bias and activation) / its time, against the
peak of ``peak.py`` (f32 peak for FP32/FP16, int8 peak for INT8).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from time import perf_counter, process_time

import numpy as np

from perfharness.lab.complexity import analyze
from perfharness.lab.peak import peak_gflops
from perfharness.runtime.engine import EngineConfig, compile_model, read_model
from perfharness.zoo.runtime import ov

SUM_TOLERANCE = (0.6, 1.2)  # accepted median (sum of node times) / (whole-inference time)
BUSY_SHARE = 0.9  # below this CPU share the machine was busy and times are not trustworthy
WARMUP = 5


@dataclass
class NodeTime:
    key: str  # "Convolution#3": type and ordinal in the source IR, equal across precisions
    name: str
    type: str
    exec_type: str
    seconds: float  # mean per inference
    flops: int
    macs: int = 0  # MACs of the original layers the node runs

    @property
    def source_type(self) -> str:
        """The type of the node's main op in the source IR (``GroupConvolution``), else its runtime type."""
        return self.key.split("#")[0] if "#" in self.key else self.type

    @property
    def gflops(self) -> float:
        return self.flops / self.seconds / 1e9 if self.seconds > 0 else 0.0


@dataclass
class Profile:
    label: str
    precision: str
    runs: int
    wall_s: float  # mean whole-inference time
    sum_over_wall: float  # median over runs of (sum of node times) / (infer() time)
    cpu_share: float  # process CPU time / wall time during infer(): below ~0.9 other processes took the core
    peak_gflops: float
    nodes: list[NodeTime] = field(default_factory=list)

    @property
    def total_s(self) -> float:
        return sum(node.seconds for node in self.nodes)

    def as_dict(self) -> dict:
        return {"model": self.label, "precision": self.precision, "runs": self.runs, "wall_s": self.wall_s,
                "layers_sum_s": self.total_s, "sum_over_wall": self.sum_over_wall, "cpu_share": self.cpu_share, "peak_gflops": self.peak_gflops,
                "per_type": [{"type": kind, "nodes": count, "macs": macs, "seconds": seconds}
                             for kind, count, macs, seconds in per_type(self)],
                "nodes": [{**asdict(node), "share": node.seconds / self.total_s if self.total_s else 0.0,
                           "gflops": node.gflops} for node in self.nodes]}


def profile(path: Path, precision: str, runs: int, device: str = "CPU", label: str = "") -> Profile:
    """Mean per-node times over ``runs`` inferences (after a warm-up) of the IR at ``path``."""
    model = read_model(path)
    layers = analyze(model).layers
    flops = {layer.name: layer.flops for layer in layers}
    macs = {layer.name: layer.macs for layer in layers}
    keys = _ordinal_keys(model)
    config = EngineConfig(device=device, precision=precision, num_threads=1, performance_hint="LATENCY",
                          extra={"PERF_COUNT": "YES"})
    compiled = compile_model(model, config, label or path.stem)
    fused = _original_layers(compiled)
    request = compiled.create_infer_request()
    rng = np.random.default_rng(0)
    feed = {port.get_any_name(): rng.random(tuple(port.get_shape()), np.float32) for port in compiled.inputs}
    for _ in range(WARMUP):
        request.infer(feed)
    totals: dict[str, float] = defaultdict(float)
    meta: dict[str, tuple[str, str]] = {}
    walls, ratios, cpu = [], [], 0.0
    for _ in range(runs):
        start, start_cpu = perf_counter(), process_time()
        request.infer(feed)
        cpu += process_time() - start_cpu
        walls.append(perf_counter() - start)
        run_sum = 0.0
        for info in request.get_profiling_info():
            if info.status.name == "EXECUTED":
                totals[info.node_name] += info.real_time.total_seconds()
                meta[info.node_name] = (info.node_type, info.exec_type)
                run_sum += info.real_time.total_seconds()
        ratios.append(run_sum / walls[-1])
    peak = peak_gflops("int8" if precision == "INT8" else "f32")
    result = Profile(label or path.stem, precision, runs, float(np.mean(walls)), float(np.median(ratios)),
                     cpu / sum(walls), peak)
    for name, seconds in totals.items():
        node_type, exec_type = meta[name]
        originals = fused.get(name, [name])
        result.nodes.append(NodeTime(keys.get(name, name), name, node_type, exec_type, seconds / runs,
                                     sum(flops.get(o, 0) for o in originals), sum(macs.get(o, 0) for o in originals)))
    result.nodes.sort(key=lambda node: -node.seconds)
    return result


def _ordinal_keys(model: ov.Model) -> dict[str, str]:
    """Friendly name -> ``Type#k`` (k-th op of that type): the same key in the FP32, FP16 and INT8 IR."""
    seen: dict[str, int] = defaultdict(int)
    keys = {}
    for op in model.get_ordered_ops():
        kind = op.get_type_name()
        keys[op.get_friendly_name()] = f"{kind}#{seen[kind]}"
        seen[kind] += 1
    return keys


def _original_layers(compiled: ov.CompiledModel) -> dict[str, list[str]]:
    """Runtime node name -> the names of the original layers it executes (fusions included)."""
    layers = {}
    for op in compiled.get_runtime_model().get_ordered_ops():
        names = op.get_rt_info()["originalLayersNames"].astype(str)
        layers[op.get_friendly_name()] = [name for name in names.split(",") if name]
    return layers


def per_type(profile: Profile) -> list[tuple[str, int, int, float]]:
    """(source op type, nodes, MACs, seconds) per type of the nodes that do MACs: which layer kinds
    are cheap here (MACs per ms), most efficient first."""
    totals: dict[str, list] = defaultdict(lambda: [0, 0, 0.0])
    for node in profile.nodes:
        if node.macs:
            entry = totals[node.source_type]
            entry[0] += 1
            entry[1] += node.macs
            entry[2] += node.seconds
    rows = [(kind, count, macs, seconds) for kind, (count, macs, seconds) in totals.items()]
    return sorted(rows, key=lambda row: -row[2] / row[3] if row[3] else 0.0)


def format_per_type(profiles: list[Profile]) -> str:
    """MACs per ms achieved per layer type and precision ("using efficient layers")."""
    lines = ["MACs per ms by layer type (a layer's fused bias and activation included in its time):"]
    for p in profiles:
        for kind, count, macs, seconds in per_type(p):
            rate = macs / (seconds * 1e3) if seconds else 0.0
            lines.append(f"  {p.precision:<12} {kind:<17} {count:>3} nodes {macs:>12,} MACs {seconds * 1e3:>8.3f} ms "
                         f"{rate:>12,.0f} MACs/ms")
    return "\n".join(lines)


def format_side_by_side(profiles: list[Profile], top: int) -> str:
    """The ``top`` slowest nodes of the first precision, with the same nodes in the others."""
    first = profiles[0]
    by_key = [{node.key: node for node in p.nodes} for p in profiles]
    head = f"{'node':<28} {'type':<17}"
    for p in profiles:
        head += f" | {p.precision + ' kernel':<24} {'ms':>7} {'share':>6} {'GFLOP/s':>8} {'%peak':>6}"
    lines = [f"{first.label}: per-layer time, mean of {first.runs} inferences (1 thread, LATENCY)", head]
    for node in first.nodes[:top]:
        line = f"{node.name[:28]:<28} {node.type[:17]:<17}"
        for p, nodes in zip(profiles, by_key):
            other = nodes.get(node.key)
            if other is None:
                line += f" | {'(fused away)':<24} {'':>7} {'':>6} {'':>8} {'':>6}"
                continue
            share = other.seconds / p.total_s if p.total_s else 0.0
            line += (f" | {other.exec_type[:24]:<24} {other.seconds * 1e3:>7.3f} {share:>6.1%} "
                     f"{other.gflops:>8.1f} {other.gflops / p.peak_gflops:>6.1%}")
        lines.append(line)
    for p in profiles:
        lines.append(f"{p.precision}: {len(p.nodes)} nodes executed, layer sum {p.total_s * 1e3:.3f} ms, whole inference "
                     f"{p.wall_s * 1e3:.3f} ms (median sum/whole per run {p.sum_over_wall:.2f}), peak {p.peak_gflops:.1f} "
                     f"{'GOP/s int8' if p.precision == 'INT8' else 'GFLOP/s f32'} (1-thread MatMul), CPU share {p.cpu_share:.0%}")
        if p.cpu_share < BUSY_SHARE:
            lines.append(f"  warning: this process had the CPU only {p.cpu_share:.0%} of the {p.precision} inference time: "
                         "other processes took the core, the times are inflated")
    return "\n".join(lines)
