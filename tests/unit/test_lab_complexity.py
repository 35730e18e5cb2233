"""Complexity counts on small synthetic graphs, checked against values computed by hand."""

from __future__ import annotations

import numpy as np
import openvino as ov
import pytest

from perfharness.core.errors import UsageError
from perfharness.lab import energy
from perfharness.lab.complexity import analyze
from perfharness.lab.opset import ops


def model_of(*outputs, params) -> ov.Model:
    return ov.Model(list(outputs), params, "synthetic")


def only(result, kind: str):
    (layer,) = [layer for layer in result.layers if layer.type == kind]
    return layer


def weights(*shape: int, dtype=np.float32) -> np.ndarray:
    return np.arange(np.prod(shape), dtype=np.float32).reshape(shape).astype(dtype)


def test_convolution():
    x = ops.parameter([1, 3, 8, 8], np.float32)
    conv = ops.convolution(x, ops.constant(weights(4, 3, 3, 3)), [1, 1], [0, 0], [0, 0], [1, 1])
    result = analyze(model_of(conv, params=[x]))
    layer = only(result, "Convolution")
    # output 1x4x6x6 = 144 elements, each 3*3*3 = 27 MACs
    assert (layer.params, layer.macs, layer.flops, layer.mults, layer.adds) == (108, 3888, 7776, 3888, 3888)
    assert layer.weight_bytes("FP32") == 432 and layer.weight_bytes("FP16") == 216 and layer.weight_bytes("INT8") == 108
    assert layer.activation_bytes == (192 + 144) * 4
    assert layer.intensity == pytest.approx(7776 / (432 + 1344))
    assert result.params == 108 and len(result.layers) == 1


def test_depthwise_group_convolution_with_fp16_weights_through_convert():
    x = ops.parameter([1, 4, 8, 8], np.float32)
    kernel = ops.convert(ops.constant(weights(4, 1, 1, 3, 3, dtype=np.float16)), np.float32)
    conv = ops.group_convolution(x, kernel, [1, 1], [1, 1], [1, 1], [1, 1])
    result = analyze(model_of(conv, params=[x]))
    layer = only(result, "GroupConvolution")
    # output 1x4x8x8 = 256 elements, each 1*3*3 = 9 MACs; the Convert is folded, not a layer
    assert (layer.params, layer.macs, layer.flops) == (36, 2304, 4608)
    assert layer.stored_weight_bytes == 72 and layer.executed_weight_bytes == 144
    assert [layer.type for layer in result.layers] == ["GroupConvolution"]


@pytest.mark.parametrize("transpose_b", [False, True])
def test_matmul_fully_connected(transpose_b):
    x = ops.parameter([2, 16], np.float32)
    w = weights(8, 16) if transpose_b else weights(16, 8)
    mm = ops.matmul(x, ops.constant(w), False, transpose_b)
    layer = only(analyze(model_of(mm, params=[x])), "MatMul")
    assert (layer.params, layer.macs, layer.flops) == (128, 2 * 8 * 16, 2 * 2 * 8 * 16)
    assert layer.activation_bytes == (32 + 16) * 4


def test_matmul_of_two_activations_has_no_parameters():
    a = ops.parameter([3, 4, 5], np.float32)
    b = ops.parameter([3, 5, 6], np.float32)
    layer = only(analyze(model_of(ops.matmul(a, b, False, False), params=[a, b])), "MatMul")
    assert (layer.params, layer.macs) == (0, 3 * 4 * 6 * 5)


def test_pooling():
    x = ops.parameter([1, 4, 8, 8], np.float32)
    max_pool = ops.max_pool(x, [2, 2], [1, 1], [0, 0], [0, 0], [2, 2])
    avg_pool = ops.avg_pool(x, [2, 2], [0, 0], [0, 0], [2, 2], True)
    result = analyze(model_of(max_pool.output(0), avg_pool.output(0), params=[x]))
    # 1x4x4x4 = 64 outputs of a 2x2 window: 3 compares each; the average adds 3 and scales once
    assert (only(result, "MaxPool").adds, only(result, "MaxPool").mults) == (192, 0)
    assert (only(result, "AvgPool").adds, only(result, "AvgPool").mults) == (192, 64)


def test_elementwise_bias_activation_and_scale():
    x = ops.parameter([1, 4, 8, 8], np.float32)
    biased = ops.add(x, ops.unsqueeze(ops.constant(weights(4)), ops.constant(np.array([0, 2, 3]))))
    relu = ops.relu(biased)
    prelu = ops.prelu(relu, ops.constant(np.full([4, 1, 1], 0.1, np.float32)))
    scaled = ops.multiply(prelu, ops.constant(np.float32(0.5)))
    result = analyze(model_of(scaled, params=[x]))
    assert [(layer.type, layer.params, layer.adds, layer.mults) for layer in result.layers] == [
        ("Add", 4, 256, 0), ("Relu", 0, 256, 0), ("PRelu", 4, 256, 256), ("Multiply", 1, 0, 256)]
    assert result.total("flops") == 1280 and result.params == 9


def test_int8_dequantize_chain_and_fake_quantize():
    x = ops.parameter([1, 3, 8, 8], np.float32)
    lo, hi = ops.constant(np.float32(-1)), ops.constant(np.float32(1))
    quantized_x = ops.fake_quantize(x, lo, hi, lo, hi, 256)
    stored = ops.constant(np.ones([4, 3, 3, 3], np.int8))
    kernel = ops.multiply(ops.subtract(ops.convert(stored, np.float32), ops.constant(np.float32(0))),
                          ops.constant(np.full([4, 1, 1, 1], 0.01, np.float32)))
    conv = ops.convolution(quantized_x, kernel, [1, 1], [0, 0], [0, 0], [1, 1])
    result = analyze(model_of(conv, params=[x]))
    layer = only(result, "Convolution")
    assert layer.integer and layer.params == 108 and layer.stored_weight_bytes == 108
    assert layer.executed_weight_bytes == 108 and layer.activation_bytes == 192 + 144 * 4
    assert only(result, "FakeQuantize").flops == 0
    assert [layer.type for layer in result.layers] == ["FakeQuantize", "Convolution"]


def test_shared_weight_counts_once_in_the_total():
    x = ops.parameter([1, 16], np.float32)
    w = ops.constant(weights(16, 16))
    result = analyze(model_of(ops.matmul(ops.matmul(x, w, False, False), w, False, False), params=[x]))
    assert [layer.params for layer in result.layers] == [256, 256] and result.params == 256


def test_energy_model_by_hand():
    x = ops.parameter([1, 3, 8, 8], np.float32)
    conv = ops.convolution(x, ops.constant(weights(4, 3, 3, 3)), [1, 1], [0, 0], [0, 0], [1, 1])
    estimate = energy.estimate(analyze(model_of(conv, params=[x])).layers)
    assert estimate.compute_pj == pytest.approx(3888 * 3.7 + 3888 * 0.9)
    assert estimate.weights_dram_pj == pytest.approx(432 / 4 * 640)
    assert estimate.activations_sram_pj == pytest.approx(1344 / 4 * 5)
    assert estimate.weights_on_chip_pj == pytest.approx(3888 * 4.6 + 432 / 4 * 5 + 1344 / 4 * 5)
    text = energy.format_estimate(estimate)
    assert "MODEL" in text and "not a measurement" in text and "640 pJ" in text


def test_integer_layers_use_integer_energy():
    x = ops.parameter([1, 16], np.float32)
    lo, hi = ops.constant(np.float32(-1)), ops.constant(np.float32(1))
    mm = ops.matmul(ops.fake_quantize(x, lo, hi, lo, hi, 256), ops.convert(ops.constant(np.ones([16, 4], np.int8)), np.float32), False, False)
    layers = [layer for layer in analyze(model_of(mm, params=[x])).layers if layer.type == "MatMul"]
    assert energy.estimate(layers).compute_pj == pytest.approx(64 * (3.1 + 0.1))


def test_dynamic_shapes_are_refused():
    x = ops.parameter(ov.PartialShape([-1, 16]), np.float32)
    with pytest.raises(UsageError, match="dynamic shape"):
        analyze(model_of(ops.relu(x), params=[x]))
