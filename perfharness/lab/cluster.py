"""Weight sharing by clustering (Deep Compression, Han et al. 2016), with the stored size after entropy coding.

Each Convolution, GroupConvolution and MatMul weight tensor is clustered to K shared values by
1-D k-means (linear initialisation between its min and max, as Han et al. found best; Lloyd
iterations until no weight changes cluster, ``MAX_ITERATIONS`` at most); each weight is replaced
by its cluster's centre. The IR stays dense f32 (OpenVINO has no shared-weight kernel), so
MACs and speed do not change: what falls is the stored size once the cluster indices are entropy
coded. Reported sizes: plain f32 weights (``.bin``); INT8 (the INT8 IR's ``.bin`` when
``models quantize`` made it, else one byte per weight); clustered = per layer a Huffman code of
its indices (the code lengths of the layer's own index histogram) + a K-entry f32 codebook,
plus every other parameter (biases, PReLU slopes) at 4 bytes. NNCF's weight compression
(``nncf.compress_weights``, INT8 asymmetric) is tried too and its result reported.
"""

from __future__ import annotations

import contextlib
import heapq
import sys
from collections.abc import Callable

import numpy as np

from perfharness.core.errors import UsageError
from perfharness.lab.channel_groups import set_weight, weight
from perfharness.lab.complexity import MAC_TYPES, analyze
from perfharness.lab.graph import weight_root
from perfharness.lab.prune import summary
from perfharness.lab.variant_source import source, versions
from perfharness.runtime.engine import read_model
from perfharness.zoo import layout, variants
from perfharness.zoo.runtime import ov

MAX_ITERATIONS = 100
MAX_CLUSTERS = 256  # indices of at most one byte


def compress(set_name: str, model: str, clusters: int = 16, name: str | None = None,
             log: Callable[[str], None] = print) -> tuple[str, list[str]]:
    """Make and save a clustered variant; returns its name and the lines that summarise it."""
    if not 2 <= clusters <= MAX_CLUSTERS:
        raise UsageError(f"--clusters {clusters}: give 2 to {MAX_CLUSTERS} shared values per layer")
    name = variants.check_name(name or f"clustered-{clusters}")
    src = source(set_name, model, name)
    model_ir = read_model(src.xml)
    log(f"clustering the weights of {src.spec.key} to {clusters} values per layer")
    coded_bits = clustered_weights = 0
    layers = 0
    for op in model_ir.get_ordered_ops():
        value = weight(op) if op.get_type_name() in MAC_TYPES else None
        if value is None:
            continue
        centres, labels = kmeans_1d(value.ravel(), clusters)
        set_weight(op, centres[labels].reshape(value.shape))
        coded_bits += huffman_bits(np.bincount(labels, minlength=len(centres))) + 32 * len(centres)
        clustered_weights += value.size
        layers += 1
    model_ir.validate_nodes_and_infer_types()
    params = analyze(model_ir).params
    coded = (coded_bits + 7) // 8 + 4 * (params - clustered_weights)
    sizes = {"fp32_bytes": 4 * params, "int8_bytes": _int8_bytes(src.spec, params), "clustered_coded_bytes": coded}
    xml = variants.save(model_ir, src.spec, name, {
        "source": src.record(), "method": "cluster-weights",
        "parameters": {"clusters": clusters, "layers": layers, "init": "linear", **sizes},
        "seed": None, "versions": versions()})
    lines = summary(read_model(src.xml), src.xml, xml)
    lines.insert(0, f"stored weights: FP32 {sizes['fp32_bytes']:,} B, INT8 {sizes['int8_bytes']:,} B, "
                    f"{clusters} clusters + Huffman-coded indices {coded:,} B ({sizes['fp32_bytes'] / coded:.1f}x smaller than FP32)")
    lines.insert(1, nncf_weight_compression(read_model(src.xml)))
    return name, lines


def kmeans_1d(values: np.ndarray, clusters: int) -> tuple[np.ndarray, np.ndarray]:
    """Centres (sorted, empty clusters dropped) and each value's cluster, by Lloyd's algorithm in 1-D."""
    values = values.astype(np.float64)
    centres = np.linspace(values.min(), values.max(), min(clusters, len(np.unique(values))))
    labels = np.zeros(len(values), dtype=np.int64)
    for iteration in range(MAX_ITERATIONS):
        new = np.searchsorted((centres[1:] + centres[:-1]) / 2, values)
        if iteration and np.array_equal(new, labels):
            break
        labels = new
        counts = np.bincount(labels, minlength=len(centres))
        sums = np.bincount(labels, weights=values, minlength=len(centres))
        centres = np.where(counts > 0, sums / np.maximum(counts, 1), centres)
    used = np.unique(labels)
    remap = np.zeros(len(centres), dtype=np.int64)
    remap[used] = np.arange(len(used))
    return centres[used].astype(np.float32), remap[labels]


def huffman_bits(counts: np.ndarray) -> int:
    """Total bits of a Huffman code of symbols with these counts (one symbol: 1 bit each)."""
    counts = [int(c) for c in counts if c > 0]
    if len(counts) == 1:
        return counts[0]
    heap = list(counts)
    heapq.heapify(heap)
    total = 0
    while len(heap) > 1:  # each merge adds one bit to every symbol below it: the sum of merged weights
        merged = heapq.heappop(heap) + heapq.heappop(heap)
        total += merged
        heapq.heappush(heap, merged)
    return total


def _int8_bytes(spec, params: int) -> int:
    """The INT8 IR's ``.bin`` when ``models quantize`` made it, else one byte per parameter."""
    int8 = layout.ir_path(spec, "INT8").with_suffix(".bin")
    return int8.stat().st_size if int8.exists() else params


def nncf_weight_compression(model: ov.Model) -> str:
    """One line: what ``nncf.compress_weights`` (INT8 asymmetric) compresses in ``model``."""
    try:
        import nncf
    except ImportError:
        return "NNCF weight compression: not tried (pip install 'perfharness[lab]')"
    macs = [op for op in model.get_ordered_ops() if op.get_type_name() in MAC_TYPES]
    with contextlib.redirect_stdout(sys.stderr):
        compressed = nncf.compress_weights(model, mode=nncf.CompressWeightsMode.INT8_ASYM)
    int8 = [op for op in compressed.get_ordered_ops() if op.get_type_name() in MAC_TYPES
            and weight_root(op.input_value(1).get_node()).get_output_element_type(0).get_type_name() in ("u8", "i8")]
    return (f"NNCF weight compression (nncf {nncf.__version__}, INT8_ASYM): weights of {len(int8)} of {len(macs)} MAC "
            f"layers stored as 8-bit, {analyze(compressed).total('stored_weight_bytes'):,} B of weights "
            "(dequantized to f32 at compile: the same arithmetic)")
