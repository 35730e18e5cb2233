"""Pruning: structured (whole output channels, refit by least squares) and unstructured (magnitude).

``channels`` (after He et al. 2017, "Channel Pruning for Accelerating Very Deep Neural
Networks", with a norm criterion in place of their LASSO selection): in every channel group of
the graph (``channel_groups``: a Convolution whose channels reach one 1x1 Convolution through
per-channel ops only) the fraction ``ratio`` of channels with the smallest contribution to the
consumer's output is removed; contribution of channel c = ||W_consumer[:, c]||_2 x RMS of channel
c at the consumer's input over the calibration inputs (the original model's activations). Groups
are pruned in graph order; after each, the consumer's weights and bias are refit by least
squares so that, fed the pruned model's activations, it reproduces the original model's output
of that layer on the calibration inputs (``ROWS`` sampled pixels, ridge ``RIDGE``). The graph is
rewritten with the smaller layers, so MACs and weights fall.

``magnitude``: in every Convolution, GroupConvolution and MatMul the fraction ``ratio`` of the
weights with the smallest magnitude is set to 0 (per layer). The IR keeps its dense shapes:
MACs, the stored size and the speed on dense kernels do not change; only a compressed copy of
the weights shrinks. OpenVINO's CPU plugin exploits sparsity only for int8 fully connected
(MatMul) layers on CPUs with AMX, when ``CPU_SPARSE_WEIGHTS_DECOMPRESSION_RATE`` is set: never
for convolutions, so not for these models.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np

from perfharness.core.errors import UsageError
from perfharness.lab import activations
from perfharness.lab.channel_groups import ChannelGroup, bias_after, find_groups, keep_channels, set_weight, weight
from perfharness.lab.complexity import MAC_TYPES, analyze
from perfharness.lab.variant_source import Source, calibration, check_ratio, source, versions
from perfharness.runtime.engine import read_model
from perfharness.zoo import variants
from perfharness.zoo.runtime import ov

METHODS = ("channels", "magnitude")
SEED = 0
ROWS = 16384  # pixels per layer for the criterion and the least-squares refit
RIDGE = 1e-6  # relative to the mean diagonal of X^T X


def default_name(method: str, ratio: float) -> str:
    return f"{'pruned' if method == 'channels' else 'sparse'}-{ratio:g}"


def prune(set_name: str, model: str, ratio: float, method: str = "channels", name: str | None = None,
          log: Callable[[str], None] = print) -> tuple[str, list[str]]:
    """Make and save a pruned variant; returns its name and the lines that summarise it."""
    if method not in METHODS:
        raise UsageError(f"unknown pruning method {method!r}; choose one of {', '.join(METHODS)}")
    check_ratio(ratio)
    name = variants.check_name(name or default_name(method, ratio))
    src = source(set_name, model, name)
    before = read_model(src.xml)
    if method == "channels":
        pruned, details = _channels(src, ratio, log)
    else:
        pruned, details = _magnitude(src, ratio)
    parameters = {"ratio": ratio, **details}
    xml = variants.save(pruned, src.spec, name, {"source": src.record(), "method": f"prune-{method}",
                                                 "parameters": parameters, "seed": SEED, "versions": versions()})
    return name, summary(before, src.xml, xml)


def _channels(src: Source, ratio: float, log: Callable[[str], None]) -> tuple[ov.Model, dict]:
    original, model = read_model(src.xml), read_model(src.xml)
    groups = find_groups(model)
    if not groups:
        raise UsageError(f"{src.spec.key}: no convolution can lose output channels (none reaches a single 1x1 "
                         "convolution through per-channel ops only); try --method magnitude")
    inputs = calibration(src.spec)
    log(f"pruning {ratio:g} of the channels of {len(groups)} convolutions of {src.spec.key}, refit on "
        f"{len(inputs)} calibration inputs")
    rng = np.random.default_rng(SEED)
    feeds = [_feed_name(group) for group in groups]
    outs = [group.consumer.get_friendly_name() for group in groups]
    picks = {}
    for group, feed, out in zip(groups, feeds, outs):
        pixels = int(np.prod(group.consumer.get_output_partial_shape(0).to_shape()[2:]))
        picks[feed] = picks[out] = activations.pick(len(inputs), pixels, ROWS, rng)
    reference = activations.rows(original, feeds + outs, inputs, picks)
    kept = {}
    for group, feed, out in zip(groups, feeds, outs):
        keep = _keep(group, reference[feed], ratio)
        kept[group.producer.get_friendly_name()] = [group.channels, len(keep)]
        keep_channels(group, keep)
        model.validate_nodes_and_infer_types()
        _refit(group, activations.rows(model, [feed], inputs, picks)[feed], reference[out])
    model.validate_nodes_and_infer_types()
    return model, {"criterion": "||W_next[:, c]|| x RMS(activation c), lowest removed per convolution",
                   "refit": "least squares of the next 1x1 convolution (He et al. 2017)",
                   "calibration": f"sample clip, even frames, {len(inputs)} inputs, {ROWS} pixels per layer",
                   "channels_before_after": kept}


def _feed_name(group: ChannelGroup) -> str:
    """The op whose output the consumer reads (the last per-channel op, or the producer)."""
    return group.consumer.input_value(0).get_node().get_friendly_name()


def _keep(group: ChannelGroup, x: np.ndarray, ratio: float) -> np.ndarray:
    """The channels to keep: all but the ``ratio`` with the smallest contribution (sorted indices)."""
    channels = group.channels
    count = max(1, channels - round(ratio * channels))
    contribution = np.linalg.norm(weight(group.consumer)[:, :, 0, 0], axis=0) * np.sqrt(np.mean(np.square(x), axis=0))
    return np.sort(np.argsort(-contribution, kind="stable")[:count])


def _refit(group: ChannelGroup, x: np.ndarray, y: np.ndarray) -> None:
    """Least-squares weights (and bias, when a bias Add follows) of the consumer: x @ W^T + b ~ y + b_old."""
    bias = bias_after(group.consumer)
    target = y.astype(np.float64)
    design = x.astype(np.float64)
    if bias is not None:
        old_bias = weight(bias)
        target = target + old_bias.reshape(1, -1)
        design = np.hstack([design, np.ones((len(design), 1))])
    gram = design.T @ design
    gram += RIDGE * np.mean(np.diag(gram)) * np.eye(len(gram))
    solution = np.linalg.solve(gram, design.T @ target)  # [C_kept (+1), C_out]
    set_weight(group.consumer, solution[:x.shape[1]].T[:, :, None, None])
    if bias is not None:
        set_weight(bias, solution[-1].reshape(old_bias.shape))


def _magnitude(src: Source, ratio: float) -> tuple[ov.Model, dict]:
    model = read_model(src.xml)
    zeroed = total = 0
    for op in model.get_ordered_ops():
        value = weight(op) if op.get_type_name() in MAC_TYPES else None
        if value is None:
            continue
        flat = value.ravel().copy()
        count = round(ratio * flat.size)
        flat[np.argsort(np.abs(flat), kind="stable")[:count]] = 0.0
        set_weight(op, flat.reshape(value.shape))
        zeroed, total = zeroed + count, total + flat.size
    model.validate_nodes_and_infer_types()
    return model, {"zeroed_weights": zeroed, "mac_layer_weights": total,
                   "sparsity_use": "none on dense kernels: OpenVINO CPU uses sparse weights only for int8 MatMul on AMX"}


def zlib_bytes(path: Path) -> int:
    """The size of ``path`` compressed with zlib (level 9): what storing or shipping it compressed costs."""
    return len(zlib.compress(path.read_bytes(), 9))


def summary(before: ov.Model, before_xml: Path, after_xml: Path) -> list[str]:
    """MACs, parameters, weights and their compressed size, before and after."""
    after = read_model(after_xml)
    a, b = analyze(before), analyze(after)
    bins = before_xml.with_suffix(".bin"), after_xml.with_suffix(".bin")
    nonzero = f"nonzero weights of MAC layers: {_nonzero(before):,} -> {_nonzero(after):,}"
    compressed = f"zlib -9: {zlib_bytes(bins[0]):,} -> {zlib_bytes(bins[1]):,} B"
    return [f"MACs: {a.total('macs'):,} -> {b.total('macs'):,} ({b.total('macs') / a.total('macs'):.3f}x)",
            f"parameters: {a.params:,} -> {b.params:,}; {nonzero}",
            f".bin: {bins[0].stat().st_size:,} -> {bins[1].stat().st_size:,} B; {compressed}",
            f"IR: {after_xml}"]


def _nonzero(model: ov.Model) -> int:
    return sum(int(np.count_nonzero(value)) for op in model.get_ordered_ops()
               if op.get_type_name() in MAC_TYPES and (value := weight(op)) is not None)
