"""Intermediate activations of a model on calibration inputs, as rows of per-pixel channel vectors."""

from __future__ import annotations

import numpy as np

from perfharness.runtime.engine import EngineConfig, compile_model
from perfharness.zoo.runtime import ov

CONFIG = EngineConfig(precision="FP32", num_threads=None)  # f32 inference: activations as the FP32 model computes them


def rows(model: ov.Model, names: list[str], inputs: list[np.ndarray], picks: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """For each op called ``names[i]`` (friendly name), its output 0 on every input as rows
    ``[pixel, channel]`` (NCHW outputs, batch 1): of input j the pixels ``picks[name][j]``
    (flat indices), so two models give the same pixels; the rows of all inputs one after another."""
    probe = model.clone()
    by_name = {op.get_friendly_name(): op for op in probe.get_ordered_ops()}
    probe.add_outputs([by_name[name].output(0) for name in names])  # appended after the model's own outputs
    compiled = compile_model(probe, CONFIG, "activations")
    request = compiled.create_infer_request()
    outputs = compiled.outputs[len(compiled.outputs) - len(names):]
    chunks: dict[str, list[np.ndarray]] = {name: [] for name in names}
    for j, tensor in enumerate(inputs):
        request.infer({0: tensor})
        for name, port in zip(names, outputs):
            value = request.get_tensor(port).data
            chunks[name].append(value.reshape(value.shape[1], -1).T[picks[name][j]])
    return {name: np.concatenate(chunks[name]) for name in names}


def pick(inputs: int, pixels: int, rows: int, rng: np.random.Generator) -> np.ndarray:
    """Per input, about ``rows / inputs`` distinct pixel indices out of ``pixels`` (all when fewer), sorted."""
    per_input = max(1, rows // inputs)
    if per_input >= pixels:
        return np.tile(np.arange(pixels), (inputs, 1))
    return np.sort(np.stack([rng.choice(pixels, per_input, replace=False) for _ in range(inputs)]), axis=1)
