"""Reshaping a model to another batch: the iris model takes 2, a model whose outputs do not grow
with its batch, or a batch below 1, is a one-line UsageError naming the model."""

from __future__ import annotations

import numpy as np
import pytest

from perfharness import zoo
from perfharness.core.errors import UsageError
from perfharness.runtime.engine import EngineConfig, load_model, read_model, reshape_batch
from perfharness.zoo.manifest import ModelSpec, load_manifest


def fixed_batch_model(path):
    """A model whose Reshape pins the batch: [N, 4] -> [1, 4] only works for N = 1."""
    import openvino as ov

    try:
        import openvino.opset13 as ops
    except ImportError:  # openvino 2024.6
        import openvino.runtime.opset13 as ops
    data = ops.parameter([1, 4], np.float32, name="x")
    out = ops.reshape(ops.relu(data), ops.constant(np.array([1, 4], np.int64)), False)
    out.output(0).get_tensor().set_names({"y"})
    ov.save_model(ov.Model([out], [data], "fixed"), str(path))
    return ModelSpec("test", "fixed", {"x": (1, 4)}, {"y": (1, 4)})


def test_the_iris_model_takes_both_eyes():
    spec = load_manifest().sets["mediapipe"].models["iris_landmarks"]
    model = load_model(zoo.model_path("mediapipe", "iris_landmarks", "FP32"), spec, EngineConfig(), batch=2)
    assert model.batch == 2
    assert list(model.input_tensor("input_1").shape) == [2, 64, 64, 3]


def test_a_model_that_cannot_take_the_batch_is_a_usage_error(tmp_path):
    spec = fixed_batch_model(tmp_path / "fixed.xml")
    with pytest.raises(UsageError, match="cannot take batch 2") as error:
        load_model(tmp_path / "fixed.xml", spec, EngineConfig(), batch=2)
    assert "\n" not in str(error.value) and "fixed.xml" in str(error.value)
    assert load_model(tmp_path / "fixed.xml", spec, EngineConfig(), batch=1).batch == 1


def test_batch_zero_is_a_usage_error():
    spec = load_manifest().sets["mediapipe"].models["iris_landmarks"]
    path = zoo.model_path("mediapipe", "iris_landmarks", "FP32")
    with pytest.raises(UsageError, match="batch 0 must be >= 1"):
        reshape_batch(read_model(path), spec, path, 0)
