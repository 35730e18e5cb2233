"""Walking an OpenVINO graph: which ops are constant, where a weight really comes from."""

from __future__ import annotations

import math

from perfharness.core.errors import UsageError
from perfharness.zoo.runtime import ov

# Ops a weight passes through between its stored Constant and the layer that uses it:
# decompression (Convert), layout (Reshape, Unsqueeze, Squeeze, Transpose) and dequantization
# (Subtract zero point, Multiply scale, FakeQuantize); the data is always their input 0.
WEIGHT_CHAIN = {"Convert", "Reshape", "Unsqueeze", "Squeeze", "Transpose", "Subtract", "Multiply", "FakeQuantize"}


def constant_ids(model: ov.Model) -> set[int]:
    """Instance ids of the ops whose outputs are known before inference (folded at compile)."""
    constant: set[int] = set()
    for op in model.get_ordered_ops():
        kind = op.get_type_name()
        producers = [value.get_node().get_instance_id() for value in op.input_values()]
        static_shape_of = kind == "ShapeOf" and op.get_input_partial_shape(0).is_static
        folded = kind != "Parameter" and bool(producers) and all(p in constant for p in producers)
        if kind == "Constant" or static_shape_of or folded:
            constant.add(op.get_instance_id())
    return constant


def weight_root(node: ov.Node) -> ov.Node:
    """The stored Constant behind a weight input, followed through WEIGHT_CHAIN ops."""
    while node.get_type_name() in WEIGHT_CHAIN:
        node = node.input_value(0).get_node()
    return node


def elements(shape: ov.PartialShape, where: str) -> int:
    """Element count of a static shape; UsageError naming ``where`` for a dynamic one."""
    if shape.is_dynamic:
        raise UsageError(f"{where} has a dynamic shape {shape}; complexity needs static shapes (reshape the model first)")
    return math.prod(shape.to_shape())


def static_shape(shape: ov.PartialShape, where: str) -> tuple[int, ...]:
    """The dimensions of a static shape; UsageError naming ``where`` for a dynamic one."""
    elements(shape, where)
    return tuple(shape.to_shape())
