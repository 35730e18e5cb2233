"""The report's plots as PNG bytes (matplotlib's Agg canvas; no pyplot, no global state).

``resources`` is resources.csv as columns of floats: ``t``, ``process_cpu_percent``,
``system_cpu_percent`` (mean over cores), ``rss_bytes``, ``uss_bytes``.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from perfharness.report.content import MIB, Plot, variant_names

STAGE_STEPS = ("preprocess", "infer", "postprocess", "map", "move")  # <stage>.<step>; not frame, not source.read
WIDTH = 10.0  # inches, at 100 dpi
DPI = 100


def render_plots(variants: Sequence[Mapping[str, Any]], resources: Mapping[str, Sequence[float]],
                 frames: Mapping[str, tuple[Sequence[float], Sequence[float]]] | None = None) -> dict[str, Plot]:
    """Every plot the data allows, by name: sweep_comparison, latency_over_time, stage_breakdown,
    cpu_timeline, rss_timeline. ``frames`` maps a variant's name to (seconds since its start,
    frame latency in seconds), from frames.csv."""
    plots = [
        sweep_comparison(variants),
        latency_over_time(variants, frames or {}),
        stage_breakdown(variants),
        cpu_timeline(resources, variants),
        rss_timeline(resources, variants),
    ]
    return {plot.name: plot for plot in plots if plot is not None}


def per_frame(variant: Mapping[str, Any], region: str) -> float:
    """Seconds spent in ``region`` per frame of ``variant`` (0 for frames it did not run on)."""
    stats = variant.get("regions", {}).get(region, {})
    frames = variant.get("frames") or 0
    return stats.get("mean", 0.0) * stats.get("count", 0) / frames if frames else 0.0


def is_stage_region(name: str) -> bool:
    return "." in name and name.rsplit(".", 1)[1] in STAGE_STEPS


def sweep_comparison(variants: Sequence[Mapping[str, Any]]) -> Plot | None:
    """FPS, and frame latency p50/p90, per variant (horizontal bars: labels stay readable)."""
    if not variants:
        return None
    names = variant_names(variants)
    fig = new_figure(1.2 + 0.45 * len(names))
    fps_axes, latency_axes = fig.subplots(1, 2, sharey=True)
    rows = range(len(names))
    fps_axes.barh(rows, [v["fps"] for v in variants], color=_colours(len(names)))
    fps_axes.set(yticks=list(rows), yticklabels=names, xlabel="frames per second", title="throughput")
    fps_axes.invert_yaxis()
    frame = [v.get("regions", {}).get("frame", {}) for v in variants]
    height = 0.38
    latency_axes.barh([r - height / 2 for r in rows], [f.get("p50", 0) * 1e3 for f in frame], height, label="p50")
    latency_axes.barh([r + height / 2 for r in rows], [f.get("p90", 0) * 1e3 for f in frame], height, label="p90")
    latency_axes.set(xlabel="frame latency (ms)", title="latency")
    latency_axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small")
    return as_plot(fig, "sweep_comparison", "Sweep comparison: FPS and frame latency per variant")


def latency_over_time(variants: Sequence[Mapping[str, Any]],
                      frames: Mapping[str, tuple[Sequence[float], Sequence[float]]]) -> Plot | None:
    """Each frame's latency against time since its variant started."""
    series = [(name, frames[v.get("name", v["label"])]) for name, v in zip(variant_names(variants), variants)
              if v.get("name", v["label"]) in frames]
    if not series:
        return None
    fig = new_figure(4.0)
    axes = fig.subplots()
    for (name, (t, latency)), colour in zip(series, _colours(len(series))):
        axes.plot(t, [s * 1e3 for s in latency], lw=0.8, color=colour, label=name)
    axes.set(xlabel="time since variant start (s)", ylabel="frame latency (ms)", ylim=(0, None))
    axes.grid(alpha=0.3)
    axes.legend(fontsize="small", loc="upper right")
    return as_plot(fig, "latency_over_time", "Frame latency over time")


def stage_breakdown(variants: Sequence[Mapping[str, Any]]) -> Plot | None:
    """Stacked time per frame of each stage region (its total over the variant's frames, so
    regions that run on some frames only add up to the frame mean), with the mean frame marked."""
    regions = list(dict.fromkeys(r for v in variants for r in v.get("regions", {}) if is_stage_region(r)))
    if not regions:
        return None
    names = variant_names(variants)
    fig = new_figure(1.6 + 0.45 * len(names))
    axes = fig.subplots()
    rows = list(range(len(names)))
    left = [0.0] * len(names)
    colours = _colours(len(regions), "tab20")
    for region, colour in zip(regions, colours):
        widths = [per_frame(v, region) * 1e3 for v in variants]
        axes.barh(rows, widths, left=left, color=colour, label=region)
        left = [a + b for a, b in zip(left, widths)]
    frame = [v.get("regions", {}).get("frame", {}).get("mean") for v in variants]
    marked = [(row, mean * 1e3) for row, mean in zip(rows, frame) if mean is not None]
    if marked:
        axes.scatter([m for _, m in marked], [r for r, _ in marked], marker="|", s=400, color="black",
                     zorder=3, label="frame (mean)")
    axes.set(yticks=rows, yticklabels=names, xlabel="mean time per frame (ms)")
    axes.invert_yaxis()
    axes.legend(fontsize="x-small", loc="upper left", bbox_to_anchor=(1.01, 1.0), markerscale=0.5)
    return as_plot(fig, "stage_breakdown", "Per-stage breakdown (mean ms per frame)")


def cpu_timeline(resources: Mapping[str, Sequence[float]], variants: Sequence[Mapping[str, Any]]) -> Plot | None:
    """Process CPU % (100 = one core) and the system's mean per-core CPU %."""
    if not resources.get("t"):
        return None
    fig, axes, t = _timeline(resources, variants)
    axes.plot(t, resources["process_cpu_percent"], lw=1.0, label="process (100 = one core)")
    axes.plot(t, resources["system_cpu_percent"], lw=1.0, label="system (mean of cores)")
    axes.set(ylabel="CPU %", ylim=(0, None))
    axes.legend(fontsize="small", loc="lower right")
    return as_plot(fig, "cpu_timeline", "CPU over time")


def rss_timeline(resources: Mapping[str, Sequence[float]], variants: Sequence[Mapping[str, Any]]) -> Plot | None:
    """Resident and unique set size in MiB."""
    if not resources.get("t"):
        return None
    fig, axes, t = _timeline(resources, variants)
    axes.plot(t, [b / MIB for b in resources["rss_bytes"]], lw=1.0, label="RSS")
    axes.plot(t, [b / MIB for b in resources["uss_bytes"]], lw=1.0, label="USS")
    axes.set(ylabel="MiB")
    axes.legend(fontsize="small", loc="lower right")
    return as_plot(fig, "rss_timeline", "Memory over time")


def _timeline(resources: Mapping[str, Sequence[float]], variants: Sequence[Mapping[str, Any]]) -> tuple[Figure, Axes, list[float]]:
    """A figure whose x axis is seconds since the first sample, variants shaded and labelled."""
    origin = resources["t"][0]
    fig = new_figure(3.6)
    axes = fig.subplots()
    for index, (name, v) in enumerate(zip(variant_names(variants), variants)):
        start, end = v["t_start"] - origin, v["t_end"] - origin
        axes.axvspan(start, end, color="0.5", alpha=0.08 if index % 2 else 0.16, lw=0)
        axes.axvline(start, color="0.4", lw=0.8, ls="--")
        axes.annotate(name, (start, 1.0), xycoords=("data", "axes fraction"), xytext=(3, -3),
                      textcoords="offset points", va="top", fontsize="x-small", rotation=90, color="0.3")
    axes.set_xlabel("time since the first sample (s)")
    axes.grid(alpha=0.3)
    return fig, axes, [moment - origin for moment in resources["t"]]


def new_figure(height: float) -> Figure:
    fig = Figure(figsize=(WIDTH, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _colours(n: int, cmap: str = "tab10") -> list[tuple[float, ...]]:
    palette = colormaps[cmap]
    return [palette(i % palette.N) for i in range(n)]


def as_plot(fig: Figure, name: str, title: str) -> Plot:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
    return Plot(name, title, buffer.getvalue())
