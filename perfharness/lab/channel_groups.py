"""Which output channels of an OpenVINO graph can be removed, and rewriting the graph without them.

A *channel group* is a Convolution (the producer) whose output channels reach exactly one
1x1, stride-1, unpadded Convolution (the consumer) through per-channel ops only: a bias Add or
a scale Multiply by a per-channel constant, PRelu with per-channel slopes, an activation
(Relu, Clamp, ...), a depthwise GroupConvolution; every op on the way has a single consumer.
Removing channel c then removes filter c of the producer, element c of each per-channel
constant, depthwise filter c, and input channel c of the consumer, and nothing else of the graph
changes shape. Channels that also feed a residual Add (the trunk of a ResNet-like block) or a
second consumer do not qualify: removing them would change another layer's input. The consumer
stays a linear map of each pixel's channel vector, which least squares can refit (``prune.py``).

Weights must be stored Constants, possibly decompressed (``f16 Constant -> Convert``), as in
FP32 and FP16 IR; rewritten weights are stored as f32 Constants.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from perfharness.lab.opset import ops
from perfharness.zoo.runtime import ov

PER_CHANNEL_CONSTANT = {"Add", "Multiply", "PRelu"}  # input 1 a constant with one value per channel
UNARY = {"Relu", "Clamp", "Sigmoid", "Tanh", "HSwish", "Swish", "Elu", "Abs"}


@dataclass
class ChannelGroup:
    """A producer Convolution, the per-channel ops after it, and the 1x1 Convolution that reads its channels."""

    producer: ov.Node
    between: list[ov.Node]
    consumer: ov.Node

    @property
    def channels(self) -> int:
        return int(self.producer.get_output_partial_shape(0).to_shape()[1])


def constant_value(node: ov.Node) -> np.ndarray | None:
    """The value of a stored Constant, or of a Constant through a decompression Convert; None otherwise."""
    if node.get_type_name() == "Convert" and node.input_value(0).get_node().get_type_name() == "Constant":
        return node.input_value(0).get_node().get_data().astype(np.float32)
    if node.get_type_name() == "Constant":
        return np.array(node.get_data(), dtype=np.float32)
    return None


def weight(op: ov.Node, port: int = 1) -> np.ndarray | None:
    """The constant value fed to input ``port`` of ``op`` (see ``constant_value``)."""
    return constant_value(op.input_value(port).get_node())


def set_weight(op: ov.Node, value: np.ndarray, port: int = 1) -> None:
    """Feed input ``port`` of ``op`` from a new f32 Constant holding ``value``."""
    op.input(port).replace_source_output(ops.constant(np.ascontiguousarray(value, dtype=np.float32)).output(0))


def _single_consumer(node: ov.Node) -> ov.Node | None:
    targets = node.output(0).get_target_inputs()
    if len(node.outputs()) != 1 or len(targets) != 1:
        return None
    target = next(iter(targets))
    return target.get_node() if target.get_index() == 0 else None


def _per_channel(node: ov.Node, channels: int) -> bool:
    """Whether ``node`` maps each channel on its own (so a channel can leave it)."""
    kind = node.get_type_name()
    if kind in UNARY:
        return True
    if kind in PER_CHANNEL_CONSTANT:
        value = weight(node)
        return value is not None and value.size == channels and channels in value.shape
    if kind == "GroupConvolution":
        value = weight(node)  # [G, C_out/G, C_in/G, k, k]; depthwise: G = C, 1, 1
        return value is not None and value.shape[:3] == (channels, 1, 1)
    return False


def _is_refittable(node: ov.Node) -> bool:
    """A 1x1, stride-1, unpadded Convolution with stored weights."""
    if node.get_type_name() != "Convolution":
        return False
    value = weight(node)
    if value is None or value.shape[2:] != (1, 1):
        return False
    attrs = node.get_attributes()
    return all(int(s) == 1 for s in attrs["strides"]) and not any(int(p) for p in (*attrs["pads_begin"], *attrs["pads_end"]))


def find_groups(model: ov.Model) -> list[ChannelGroup]:
    """The channel groups of ``model`` in graph order (see the module docstring)."""
    groups = []
    for op in model.get_ordered_ops():
        if op.get_type_name() != "Convolution" or weight(op) is None:
            continue
        channels = int(op.get_output_partial_shape(0).to_shape()[1])
        between: list[ov.Node] = []
        node = _single_consumer(op)
        while node is not None and _per_channel(node, channels):
            between.append(node)
            node = _single_consumer(node)
        if node is not None and _is_refittable(node):
            groups.append(ChannelGroup(op, between, node))
    return groups


def keep_channels(group: ChannelGroup, keep: np.ndarray) -> None:
    """Rewrite the group so that only channels ``keep`` (sorted indices) remain (then
    ``model.validate_nodes_and_infer_types()`` gives every op its new shape)."""
    channels = group.channels
    set_weight(group.producer, weight(group.producer)[keep])
    for node in group.between:
        if node.get_type_name() in UNARY:
            continue
        value = weight(node)
        if node.get_type_name() == "GroupConvolution":
            set_weight(node, value[keep])
        else:
            set_weight(node, np.take(value, keep, axis=value.shape.index(channels)))
    set_weight(group.consumer, weight(group.consumer)[:, keep])


def bias_after(node: ov.Node) -> ov.Node | None:
    """The bias Add (per-channel constant) that alone consumes ``node``'s output, if any."""
    after = _single_consumer(node)
    channels = int(node.get_output_partial_shape(0).to_shape()[1])
    if after is not None and after.get_type_name() == "Add" and _per_channel(after, channels):
        return after
    return None
