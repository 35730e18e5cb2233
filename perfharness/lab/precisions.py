"""FP32 vs FP16 vs INT8 (and lab variants) per model: file size, load+compile time, median latency, accuracy drift.

Config: 1 thread, LATENCY hint; FP32/FP16 pinned to f32 inference, INT8 at the device default
(as ``perfharness controller --precision INT8`` compiles it). Drift is measured against the FP32
chain on the held-out (odd) frames of the sample clip, changing one model at a time to the
precision under test (rows ``<model>``) and all of them at once (row ``chain``). A lab variant
(``perfharness/zoo/variants.py``) has rows for the models that have it; its chain row changes those.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from time import perf_counter

import numpy as np

from perfharness.gaze.chain import Chain, build_chain
from perfharness.gaze.pipeline import GazePipeline
from perfharness.gaze.result import FrameResult
from perfharness.lab.calibration_data import model_inputs, sample_frames
from perfharness.runtime.engine import EngineConfig
from perfharness.zoo import variants

EYE_CORNERS = (33, 263)  # outer eye corners of the face mesh: the inter-ocular distance
LATENCY_RUNS = 100


@dataclass
class Drift:
    """Accuracy drift against FP32 over frames where both found a face (means; ``*_max`` worst frame)."""

    frames: int = 0
    agreement: float = 1.0  # share of held-out frames where both agree on face found or not
    box_iou: float = 1.0
    box_iou_min: float = 1.0
    landmarks_px: float = 0.0
    landmarks_iod: float = 0.0  # landmark error / inter-ocular distance
    iris_px: float = 0.0
    iris_px_max: float = 0.0
    iris_iod: float = 0.0
    head_pose_deg: float = 0.0  # mean |difference| over yaw, pitch, roll
    head_pose_deg_max: float = 0.0
    gaze_deg: float = 0.0  # angle between the gaze vectors
    gaze_deg_max: float = 0.0


@dataclass
class Row:
    model: str  # a model name, or "chain" for all models at once
    precision: str
    file_bytes: int | None = None  # .xml + .bin
    bin_bytes: int | None = None  # the weights file alone
    load_compile_s: float | None = None
    latency_s: float | None = None  # median of LATENCY_RUNS inferences on held-out inputs
    drift: Drift | None = None


def config(precision: str) -> EngineConfig:
    return EngineConfig(precision=precision, num_threads=1, performance_hint="LATENCY")


def compare(precisions: list[str]) -> list[Row]:
    """Rows for every mediapipe model and precision, then a ``chain`` row per precision (FP32 must be among them)."""
    frames = sample_frames("held_out")
    inputs = model_inputs("held_out")
    chains = {p: _chain(p) for p in precisions}  # each model as published
    reference = _run(chains["FP32"], frames)
    rows = []
    for model in (stage.name for stage in chains["FP32"].model_stages):
        for precision in precisions:
            if variants.is_variant_name(precision) and model not in variants.models_with("mediapipe", precision):
                continue
            stage = chains[precision].stage(model)
            xml = stage.model.path
            bin_bytes = xml.with_suffix(".bin").stat().st_size
            rows.append(Row(model, precision, xml.stat().st_size + bin_bytes, bin_bytes,
                            stage.model.read_s + stage.model.compile_s, _latency(stage.model, inputs[model]),
                            drift(reference, _run(chains["FP32"].replaced(stage), frames))))
    rows += [Row("chain", p, drift=drift(reference, _run(chains[p], frames))) for p in precisions]
    return rows


def _chain(precision: str) -> Chain:
    """The chain at ``precision``; for a lab variant name, the FP32 chain with each model that has it replaced by it."""
    if not variants.is_variant_name(precision):
        return build_chain("mediapipe", config(precision), eye_batch=1)
    pairs = tuple((model, precision) for model in variants.models_with("mediapipe", precision))
    return build_chain("mediapipe", config("FP32"), eye_batch=1, variants=pairs)


def _run(chain: Chain, frames: list[tuple[int, np.ndarray]]) -> list[FrameResult]:
    pipeline = GazePipeline(chain, tracking=False)  # every frame on its own: drift is the models'
    return [pipeline.process(frame, index) for index, frame in frames]


def _latency(model, tensors: list[np.ndarray]) -> float:
    key = next(iter(model.input_names))
    times = []
    for i in range(LATENCY_RUNS):
        tensor = tensors[i % len(tensors)]
        start = perf_counter()
        model.infer({key: tensor})
        times.append(perf_counter() - start)
    return statistics.median(times)


def drift(reference: list[FrameResult], other: list[FrameResult]) -> Drift:
    """Drift of ``other`` against ``reference``, frame by frame."""
    pairs = [(a, b) for a, b in zip(reference, other) if a.face_found and b.face_found and a.landmarks is not None
             and b.landmarks is not None and a.left_eye and b.left_eye]
    agreement = float(np.mean([a.face_found == b.face_found for a, b in zip(reference, other)]))
    if not pairs:
        return Drift(0, agreement)
    ious, lm, lm_iod, iris, iris_iod, pose, gaze = [], [], [], [], [], [], []
    for a, b in pairs:
        iod = float(np.linalg.norm(a.landmarks[EYE_CORNERS[0], :2] - a.landmarks[EYE_CORNERS[1], :2]))
        ious.append(box_iou(a.face_box, b.face_box))
        lm.append(float(np.linalg.norm(a.landmarks[:, :2] - b.landmarks[:, :2], axis=1).mean()))
        lm_iod.append(lm[-1] / iod)
        iris.append(float(np.mean([np.hypot(*np.subtract(ea.iris_center, eb.iris_center))
                                   for ea, eb in ((a.left_eye, b.left_eye), (a.right_eye, b.right_eye))])))
        iris_iod.append(iris[-1] / iod)
        if a.head_pose is not None and b.head_pose is not None:
            pose.append(float(np.mean(np.abs(np.subtract(a.head_pose, b.head_pose)))))
        if a.gaze is not None and b.gaze is not None:
            gaze.append(float(np.degrees(np.arctan2(np.linalg.norm(np.cross(a.gaze, b.gaze)), np.dot(a.gaze, b.gaze)))))
    pose, gaze = pose or [0.0], gaze or [0.0]
    return Drift(len(pairs), agreement, float(np.mean(ious)), float(np.min(ious)), float(np.mean(lm)),
                 float(np.mean(lm_iod)), float(np.mean(iris)), float(np.max(iris)), float(np.mean(iris_iod)),
                 float(np.mean(pose)), float(np.max(pose)), float(np.mean(gaze)), float(np.max(gaze)))


def box_iou(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    inter = max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def format_table(rows: list[Row], markdown: bool = False) -> str:
    """One line per model and precision: sizes, load+compile, latency, drift (KB = 1024 bytes)."""
    head = ["model", "precision", "file KB", ".bin KB", "load+compile ms", "median ms", "frames", "agree", "box IoU (min)",
            "landmarks px", "landmarks /IOD", "iris px (max)", "iris /IOD", "head pose deg (max)", "gaze deg (max)"]
    lines = []
    for row in rows:
        d = row.drift
        cells = [row.model, row.precision,
                 f"{row.file_bytes / 1024:.0f}" if row.file_bytes else "",
                 f"{row.bin_bytes / 1024:.0f}" if row.bin_bytes else "",
                 f"{row.load_compile_s * 1e3:.1f}" if row.load_compile_s is not None else "",
                 f"{row.latency_s * 1e3:.3f}" if row.latency_s is not None else ""]
        cells += ([f"{d.frames}", f"{d.agreement:.0%}", f"{d.box_iou:.4f} ({d.box_iou_min:.4f})", f"{d.landmarks_px:.3f}",
                   f"{d.landmarks_iod:.4f}", f"{d.iris_px:.3f} ({d.iris_px_max:.3f})", f"{d.iris_iod:.4f}",
                   f"{d.head_pose_deg:.3f} ({d.head_pose_deg_max:.3f})", f"{d.gaze_deg:.3f} ({d.gaze_deg_max:.3f})"]
                  if d else [""] * 9)
        lines.append(cells)
    if markdown:
        return "\n".join(["| " + " | ".join(head) + " |", "|" + "---|" * len(head)] + ["| " + " | ".join(c) + " |" for c in lines])
    widths = [max(len(h), *(len(c[i]) for c in lines)) for i, h in enumerate(head)]
    return "\n".join("  ".join(cell.rjust(w) if i > 1 else cell.ljust(w) for i, (cell, w) in enumerate(zip(cells, widths)))
                     for cells in [head] + lines)
