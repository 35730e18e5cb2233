"""The distilled iris student: a small residual depthwise-separable network, as a PyTorch module to
train and as an OpenVINO graph built from its trained weights (no converter involved).

Layout (``width`` W): a 3x3 stride-2 convolution to W channels (64 -> 32 px), then stages at 32,
16, 8, 4 and 2 px with W, 2W, 4W, 4W, 4W channels; each stage starts with a block that halves
the size (from the second stage on) and widens, then ``BLOCKS`` residual blocks; a block is a
depthwise 3x3 convolution then a 1x1 convolution, bias after each, PReLU after the block (after
the residual add). Two 2x2 convolution heads give the teacher's two outputs. Input NHWC RGB in
[0, 1], as the teacher's.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from perfharness.lab.opset import ops
from perfharness.zoo.manifest import ModelSpec
from perfharness.zoo.runtime import ov

STAGES = (1, 2, 4, 4, 4)  # width multipliers at 32, 16, 8, 4, 2 px
BLOCKS = 1  # residual blocks per stage after its first


class Block(nn.Module):
    """Depthwise 3x3 (stride 1 or 2) + 1x1; residual when the shape is kept; PReLU after."""

    def __init__(self, inputs: int, outputs: int, stride: int) -> None:
        super().__init__()
        self.depthwise = nn.Conv2d(inputs, inputs, 3, stride, 1, groups=inputs)
        self.pointwise = nn.Conv2d(inputs, outputs, 1)
        self.residual = stride == 1 and inputs == outputs
        self.activation = nn.PReLU(outputs, 0.25)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.pointwise(self.depthwise(x))
        return self.activation(x + y if self.residual else y)


class Student(nn.Module):
    """The student network; ``outputs`` are the teacher's output sizes in its output order."""

    def __init__(self, width: int, outputs: tuple[int, ...]) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, width, 3, 2, 1)
        self.stem_activation = nn.PReLU(width, 0.25)
        blocks, channels = [], width
        for stage, multiplier in enumerate(STAGES):
            blocks.append(Block(channels, width * multiplier, 1 if stage == 0 else 2))
            channels = width * multiplier
            blocks += [Block(channels, channels, 1) for _ in range(BLOCKS)]
        self.blocks = nn.Sequential(*blocks)
        self.heads = nn.ModuleList(nn.Conv2d(channels, size, 2) for size in outputs)

    def forward(self, nhwc: torch.Tensor) -> list[torch.Tensor]:
        x = self.blocks(self.stem_activation(self.stem(nhwc.permute(0, 3, 1, 2))))
        return [head(x).flatten(1) for head in self.heads]


def to_openvino(student: Student, spec: ModelSpec) -> ov.Model:
    """The trained student as an OpenVINO model with the teacher's signature (``spec``), batch 1
    (and reshapeable to any batch, as the chain does for both eyes)."""
    (input_name, shape), = spec.inputs.items()
    parameter = ops.parameter(list(shape), np.float32, name=input_name)
    parameter.output(0).get_tensor().set_names({input_name})
    x = ops.transpose(parameter, ops.constant(np.array([0, 3, 1, 2], dtype=np.int64)))
    x = _prelu(_conv(x, student.stem), student.stem_activation)
    for block in student.blocks:
        y = _conv(_conv(x, block.depthwise), block.pointwise)
        x = _prelu(ops.add(x, y) if block.residual else y, block.activation)
    results = []
    for head, name in zip(student.heads, spec.outputs):
        flat = ops.reshape(_conv(x, head), ops.constant(np.array([0, -1], dtype=np.int64)), special_zero=True)  # [N, size]
        flat.output(0).get_tensor().set_names({name})
        results.append(ops.result(flat))
    return ov.Model(results, [parameter], "iris_student")


def _array(tensor: torch.Tensor) -> np.ndarray:
    return tensor.detach().cpu().numpy().astype(np.float32)


def _conv(x: ov.Output, conv: nn.Conv2d) -> ov.Node:
    stride, pad = list(conv.stride), list(conv.padding)
    w = _array(conv.weight)
    if conv.groups > 1:  # depthwise: [C, 1, k, k] -> [G=C, 1, 1, k, k]
        y = ops.group_convolution(x, ops.constant(w[:, None]), stride, pad, pad, [1, 1])
    else:
        y = ops.convolution(x, ops.constant(w), stride, pad, pad, [1, 1])
    return ops.add(y, ops.constant(_array(conv.bias).reshape(1, -1, 1, 1)))


def _prelu(x: ov.Output, prelu: nn.PReLU) -> ov.Node:
    return ops.prelu(x, ops.constant(_array(prelu.weight).reshape(1, -1, 1, 1)))
