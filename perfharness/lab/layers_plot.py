"""A bar chart of per-layer time, side by side across precisions (PNG)."""

from __future__ import annotations

import io
from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from perfharness.core.atomic import atomic_write_bytes
from perfharness.core.errors import UsageError
from perfharness.lab.layers import Profile


def write_layers_plot(profiles: list[Profile], top: int, path: Path) -> None:
    """Horizontal bars: the ``top`` slowest nodes of the first precision, ms per inference."""
    nodes = profiles[0].nodes[:top]
    figure = Figure(figsize=(9, 0.35 * len(nodes) * len(profiles) + 1.5))
    FigureCanvasAgg(figure)
    axes = figure.subplots()
    height = 0.8 / len(profiles)
    for offset, profile in enumerate(profiles):
        by_key = {node.key: node for node in profile.nodes}
        times = [by_key[node.key].seconds * 1e3 if node.key in by_key else 0.0 for node in nodes]
        positions = [index + offset * height for index in range(len(nodes))]
        axes.barh(positions, times, height=height, label=profile.precision)
    axes.set_yticks([index + height * (len(profiles) - 1) / 2 for index in range(len(nodes))])
    axes.set_yticklabels([f"{node.name[:30]} ({node.type})" for node in nodes], fontsize=8)
    axes.invert_yaxis()
    axes.set_xlabel("ms per inference (1 thread, LATENCY)")
    axes.set_title(f"{profiles[0].label}: slowest layers")
    axes.legend()
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    try:
        atomic_write_bytes(path, buffer.getvalue())
    except OSError as error:
        raise UsageError(f"--plot {path}: cannot write ({error.strerror})") from None
