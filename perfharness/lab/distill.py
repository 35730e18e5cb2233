"""Knowledge distillation of the iris model into a smaller student, on unlabeled eye crops.

Data: the eye crops the FP32 chain feeds the iris model on the even (calibration) frames of the
sample clip, plus those of every frame of each ``--video`` (the odd frames of the sample clip
stay held out for ``compare-precisions``). Each training batch is ``BATCH`` crops drawn with a
fixed seed and augmented (rotation +-``ROTATE`` deg, scale, shift, brightness, contrast, noise);
the teacher (the FP32 IR, through OpenVINO) labels the augmented crops, so no label is needed.
Loss: mean squared error of the outputs in crop pixels, the iris points weighted ``IRIS_WEIGHT``
times the contour points. Adam, learning rate decayed with the elapsed share of ``max_time``.
The student (``student.py``) is exported to IR and saved as a variant only once training ends:
Ctrl-C leaves nothing behind. Training framework: PyTorch, the ``distill`` extra, pinned to
the CPU wheel (``torch==2.13.0``; an unpinned ``torch`` pulls the multi-GB CUDA build).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

from perfharness.core.errors import UsageError
from perfharness.gaze.sources import open_source
from perfharness.lab.calibration_data import frame_inputs
from perfharness.lab.complexity import analyze
from perfharness.lab.prune import summary
from perfharness.lab.variant_source import MIN_INPUTS, calibration, source, versions
from perfharness.runtime.engine import EngineConfig, compile_model, read_model, reshape_batch
from perfharness.zoo import variants

DISTILLABLE = ("iris_landmarks",)
SEED = 0
BATCH = 32
LEARNING_RATE = 2e-3
IRIS_WEIGHT = 4.0
ROTATE, SCALE, SHIFT = 12.0, 0.1, 3.0  # degrees, +- fraction, +- pixels
MAX_MACS_RATIO = 0.5  # the student must cost at most this share of the teacher's MACs


def _torch():
    try:
        import torch
    except ImportError:
        raise UsageError("distillation trains with PyTorch: pip install 'perfharness[distill]' "
                         "(torch==2.13.0, the CPU wheel)") from None
    return torch


def distill(set_name: str, model: str, max_time: float = 300.0, width: int = 32, videos: list[Path] = (),
            name: str | None = None, log: Callable[[str], None] = print) -> tuple[str, list[str]]:
    """Train and save a student of ``set_name/model``; returns its name and the lines that summarise it."""
    torch = _torch()
    from perfharness.lab.student import Student, to_openvino

    if not 0 < max_time < math.inf:
        raise UsageError(f"--max-time {max_time:g}: give a positive number of seconds")
    name = variants.check_name(name or f"student-w{width}")
    src = source(set_name, model, name)
    if model not in DISTILLABLE:
        raise UsageError(f"distill has a student for {', '.join(DISTILLABLE)}, not {model}")
    for video in videos:
        if not video.is_file():
            raise UsageError(f"--video {video}: no such file")
    crops = np.concatenate(calibration(src.spec) + [crop for video in videos for crop in _video_crops(video)])
    if len(crops) < MIN_INPUTS:
        raise UsageError(f"{src.spec.key}: {len(crops)} eye crops, need at least {MIN_INPUTS}")
    torch.manual_seed(SEED)
    torch.set_num_threads(1)  # measured 8x faster per step than 2 threads on the 2 shared cores, next to the teacher
    teacher_ir = read_model(src.xml)
    sizes = tuple(shape[-1] for shape in src.spec.outputs.values())
    student = Student(width, sizes)
    teacher_macs = analyze(teacher_ir).total("macs")
    student_macs = analyze(to_openvino(student, src.spec)).total("macs")
    if student_macs > MAX_MACS_RATIO * teacher_macs:
        raise UsageError(f"--width {width}: the student would cost {student_macs / teacher_macs:.2f}x the teacher's MACs; "
                         f"the limit is {MAX_MACS_RATIO}x (give a smaller width)")
    log(f"student w{width}: {student_macs:,} MACs = {student_macs / teacher_macs:.3f}x the teacher's; "
        f"training on {len(crops)} eye crops for {max_time:g} s")
    steps, loss = _train(torch, student, _teacher(read_model(src.xml), src.spec), crops, max_time, log)
    ir = to_openvino(student.eval(), src.spec)
    xml = variants.save(ir, src.spec, name, {
        "source": src.record(), "method": "distill",
        "parameters": {"width": width, "max_time_s": max_time, "steps": steps, "batch": BATCH, "final_loss": loss,
                       "crops": len(crops), "videos": [str(video) for video in videos],
                       "augmentation": f"rotate {ROTATE} deg, scale {SCALE}, shift {SHIFT} px, brightness, contrast, noise",
                       "student_macs": student_macs, "teacher_macs": teacher_macs},
        "seed": SEED, "versions": versions(torch=torch.__version__)})
    lines = summary(teacher_ir, src.xml, xml)
    lines.insert(0, f"trained {steps} steps of {BATCH} crops, final loss {loss:.3f} px^2")
    return name, lines


def _video_crops(video: Path) -> list[np.ndarray]:
    with open_source(str(video)) as frames:
        return frame_inputs(frames).get("iris_landmarks", [])


def _teacher(model, spec) -> Callable[[np.ndarray], list[np.ndarray]]:
    """The teacher at batch ``BATCH``: crops -> its outputs in the manifest's output order."""
    reshape_batch(model, spec, Path(spec.name), BATCH)
    compiled = compile_model(model, EngineConfig(precision="FP32", num_threads=1), spec.key)
    request = compiled.create_infer_request()
    names = list(spec.outputs)

    def label(batch: np.ndarray) -> list[np.ndarray]:
        request.infer({0: batch})
        return [request.get_tensor(compiled.output(name)).data.reshape(len(batch), -1).copy() for name in names]

    return label


def augment(crops: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Each crop rotated, scaled, shifted (edges replicated), its brightness and contrast changed, noise added."""
    out = np.empty_like(crops)
    size = crops.shape[1]
    for i, crop in enumerate(crops):
        matrix = cv2.getRotationMatrix2D((size / 2, size / 2), rng.uniform(-ROTATE, ROTATE), 1 + rng.uniform(-SCALE, SCALE))
        matrix[:, 2] += rng.uniform(-SHIFT, SHIFT, 2)
        out[i] = cv2.warpAffine(crop, matrix, (size, size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    mean = out.mean(axis=(1, 2, 3), keepdims=True)
    out = (out - mean) * rng.uniform(0.75, 1.25, (len(out), 1, 1, 1)) + mean + rng.uniform(-0.1, 0.1, (len(out), 1, 1, 1))
    out += rng.normal(0, 0.01, out.shape)
    return np.clip(out, 0, 1).astype(np.float32)


def _train(torch, student, teacher, crops: np.ndarray, max_time: float, log: Callable[[str], None]) -> tuple[int, float]:
    """Train until ``max_time`` seconds have passed; returns the steps and the last loss."""
    rng = np.random.default_rng(SEED)
    optimiser = torch.optim.Adam(student.parameters(), lr=LEARNING_RATE)
    weights = None
    start, steps, loss_value, reported = time.monotonic(), 0, math.nan, 0.0
    while (elapsed := time.monotonic() - start) < max_time or steps == 0:
        batch = augment(crops[rng.integers(0, len(crops), BATCH)], rng)
        targets = [torch.from_numpy(t) for t in teacher(batch)]
        if weights is None:  # iris outputs weighted IRIS_WEIGHT times the contour outputs
            weights = [torch.full((t.shape[1],), 1.0 if i == 0 else IRIS_WEIGHT) for i, t in enumerate(targets)]
        for group in optimiser.param_groups:
            group["lr"] = LEARNING_RATE * 0.5 * (1 + math.cos(math.pi * min(1.0, elapsed / max_time)))
        outputs = student(torch.from_numpy(batch))
        loss = sum(((o - t) ** 2 * w).mean() for o, t, w in zip(outputs, targets, weights)) / sum(w.mean() for w in weights)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        steps, loss_value = steps + 1, loss.item()
        if elapsed - reported >= 30:
            log(f"  {elapsed:5.0f} s, step {steps}: loss {loss_value:.3f} px^2")
            reported = elapsed
    return steps, loss_value
