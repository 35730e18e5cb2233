"""Model complexity from the OpenVINO graph: parameters, MACs, FLOPs, bytes, arithmetic intensity.

Counting rules (1 MAC = 1 multiply + 1 add = 2 FLOPs; FLOPs = multiplies + adds):

- Convolution: MACs = output elements x C_in x kernel area (weights ``[C_out, C_in, k...]``).
- GroupConvolution (depthwise when C_in/G = 1): MACs = output elements x C_in/G x kernel area.
- MatMul (fully connected when one side is constant): MACs = output elements x K.
- Elementwise: 1 FLOP per output element. Add, Subtract, Maximum, Minimum, Relu, Clamp, Abs and
  Negative count as adds (a compare costs like an add); Multiply, Divide and the smooth activations
  (Sigmoid, Tanh, Exp, Swish, ...) as multiplies; PRelu as 2 (a compare and a multiply).
- MaxPool: (kernel area - 1) compares per output element; AvgPool: kernel area per output element
  (kernel area - 1 adds and one multiply by 1/area). Padding is ignored.
- Everything else (Transpose, Reshape, Pad, Concat, Convert of activations, FakeQuantize) moves or
  rescales data: 0 FLOPs, but its activation bytes count. Bias adds and activations stay separate
  layers here even though the CPU plugin fuses them into the convolution.
- Ops whose inputs are all constant (weight decompression ``f16 -> Convert``, dequantization
  ``i8 -> Convert -> Subtract -> Multiply``, bias ``Unsqueeze``) are folded at compile time: they
  are not layers. A layer's parameters are the elements of the stored Constant behind each of its
  constant inputs, found by following such chains back (``graph.WEIGHT_CHAIN``).

Bytes as executed (for arithmetic intensity and the energy model): FP32 and FP16 IR run in f32
(weights are decompressed at compile time), so weights and activations are 4 bytes each; a MAC
layer fed by a FakeQuantize (INT8 IR) reads 1-byte weights and 1-byte inputs and writes 4-byte
outputs. Activation bytes = data inputs read + outputs written, once each.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from pathlib import Path

from perfharness.lab import energy
from perfharness.lab.graph import constant_ids, elements, static_shape, weight_root
from perfharness.zoo.runtime import ov

MAC_TYPES = {"Convolution", "GroupConvolution", "MatMul"}
ADD_LIKE = {"Add", "Subtract", "Maximum", "Minimum", "Relu", "Clamp", "Abs", "Negative"}
MULT_LIKE = {"Multiply", "Divide", "Power", "Sigmoid", "Tanh", "Exp", "Log", "Sqrt", "Erf", "Swish",
             "HSwish", "HSigmoid", "Gelu", "Elu", "SoftPlus", "Mish"}
POOLING = {"MaxPool", "AvgPool"}
WEIGHTED = MAC_TYPES | ADD_LIKE | MULT_LIKE | {"PRelu"}
BYTES_PER_WEIGHT = {"FP32": 4, "FP16": 2, "INT8": 1}


@dataclass
class Layer:
    """One op on the data path, with its counts."""

    name: str
    type: str
    params: int = 0
    stored_weight_bytes: int = 0  # as stored in the IR (f32, f16 or i8 constants)
    macs: int = 0
    mults: int = 0
    adds: int = 0
    executed_weight_bytes: int = 0
    activation_bytes: int = 0
    integer: bool = False  # an INT8 MAC layer (input from a FakeQuantize)

    @property
    def flops(self) -> int:
        return self.mults + self.adds

    @property
    def intensity(self) -> float:
        moved = self.executed_weight_bytes + self.activation_bytes
        return self.flops / moved if moved else 0.0

    def weight_bytes(self, precision: str) -> int:
        return self.params * BYTES_PER_WEIGHT[precision]

    def as_dict(self) -> dict:
        row = asdict(self)
        row.update(flops=self.flops, intensity=round(self.intensity, 3),
                   weight_bytes={p: self.weight_bytes(p) for p in BYTES_PER_WEIGHT})
        return row


@dataclass
class Complexity:
    """Per-layer and total counts of one model."""

    label: str
    path: str
    layers: list[Layer] = field(default_factory=list)
    params: int = 0  # each stored weight once, even when two layers share it

    def total(self, name: str) -> int:
        return sum(getattr(layer, name) for layer in self.layers)

    @property
    def intensity(self) -> float:
        moved = self.total("executed_weight_bytes") + self.total("activation_bytes")
        return self.total("flops") / moved if moved else 0.0

    def as_dict(self) -> dict:
        totals = {name: self.total(name) for name in ("macs", "flops", "mults", "adds", "stored_weight_bytes",
                                                      "executed_weight_bytes", "activation_bytes")}
        totals.update(params=self.params, intensity=round(self.intensity, 3),
                      weight_bytes={p: self.params * b for p, b in BYTES_PER_WEIGHT.items()})
        return {"model": self.label, "path": self.path, "totals": totals,
                "energy": energy.estimate(self.layers).as_dict(), "layers": [layer.as_dict() for layer in self.layers]}


def analyze(model: ov.Model, label: str = "", path: Path | str = "") -> Complexity:
    """Count every data-path op of ``model`` (see the module docstring for the rules)."""
    constant = constant_ids(model)
    result = Complexity(label or model.get_friendly_name(), str(path))
    seen_roots: set[int] = set()
    for op in model.get_ordered_ops():
        if op.get_instance_id() in constant or op.get_type_name() in ("Parameter", "Result"):
            continue
        layer = _count(op)
        for port in op.input_values():
            producer = port.get_node()
            if producer.get_instance_id() in constant:
                root = weight_root(producer)
                if op.get_type_name() in WEIGHTED and root.get_type_name() == "Constant":
                    count = elements(root.get_output_partial_shape(0), root.get_friendly_name())
                    layer.params += count
                    layer.stored_weight_bytes += count * root.get_output_element_type(0).size
                    layer.executed_weight_bytes += count * (1 if layer.integer else 4)
                    if root.get_instance_id() not in seen_roots:
                        seen_roots.add(root.get_instance_id())
                        result.params += count
            else:
                size = 1 if layer.integer else port.get_element_type().size
                layer.activation_bytes += size * elements(port.get_partial_shape(), op.get_friendly_name())
        for output in op.outputs():
            if output.get_target_inputs():
                layer.activation_bytes += output.get_element_type().size * elements(output.get_partial_shape(), op.get_friendly_name())
        result.layers.append(layer)
    return result


def _count(op: ov.Node) -> Layer:
    """A Layer with its MACs and multiply/add counts filled in."""
    kind, name = op.get_type_name(), op.get_friendly_name()
    layer = Layer(name, kind)
    out = elements(op.get_output_partial_shape(0), name)
    if kind in MAC_TYPES:
        if kind == "MatMul":
            a = static_shape(op.get_input_partial_shape(0), name)
            transpose_a = op.get_attributes().get("transpose_a", False)
            inner = a[-2] if transpose_a and len(a) > 1 else a[-1]
        else:  # weights [C_out, C_in, k...] or [G, C_out/G, C_in/G, k...]
            w = static_shape(op.get_input_partial_shape(1), name)
            inner = math.prod(w[1 if kind == "Convolution" else 2:])
        layer.macs = layer.mults = layer.adds = out * inner
        layer.integer = any(v.get_node().get_type_name() == "FakeQuantize" for v in op.input_values())
    elif kind in ADD_LIKE:
        layer.adds = out
    elif kind in MULT_LIKE:
        layer.mults = out
    elif kind == "PRelu":
        layer.adds = layer.mults = out
    elif kind in POOLING:
        area = math.prod(int(k) for k in op.get_attributes()["kernel"])
        layer.adds = out * (area - 1)
        layer.mults = out if kind == "AvgPool" else 0
    return layer


def format_table(result: Complexity, all_layers: bool = False) -> str:
    """A text table: every counted layer (or every data-path op), then totals and the energy model."""
    header = (f"{'layer':<34} {'type':<16} {'params':>9} {'MACs':>12} {'FLOPs':>12} {'W fp32 B':>10} "
              f"{'W fp16 B':>10} {'W int8 B':>9} {'act B':>10} {'FLOP/B':>7}")
    lines = [f"{result.label}  ({result.path})", header]
    shown = [layer for layer in result.layers if all_layers or layer.flops or layer.params]
    for layer in shown:
        lines.append(f"{layer.name[:34]:<34} {layer.type[:16]:<16} {layer.params:>9,} {layer.macs:>12,} {layer.flops:>12,} "
                     f"{layer.weight_bytes('FP32'):>10,} {layer.weight_bytes('FP16'):>10,} {layer.weight_bytes('INT8'):>9,} "
                     f"{layer.activation_bytes:>10,} {layer.intensity:>7.2f}")
    hidden = len(result.layers) - len(shown)
    if hidden:
        lines.append(f"({hidden} data-movement ops with 0 FLOPs and no weights not shown; --all-layers shows them)")
    lines.append(f"{'total':<34} {'':<16} {result.params:>9,} {result.total('macs'):>12,} {result.total('flops'):>12,} "
                 f"{result.params * 4:>10,} {result.params * 2:>10,} {result.params:>9,} "
                 f"{result.total('activation_bytes'):>10,} {result.intensity:>7.2f}")
    lines.append(f"stored weights in this IR: {result.total('stored_weight_bytes'):,} B")
    lines.append(energy.format_estimate(energy.estimate(result.layers)))
    return "\n".join(lines)
