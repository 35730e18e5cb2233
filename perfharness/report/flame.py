"""A flame graph (PNG) of a run's collapsed stacks (``stacks.folded``: ``a;b;c count`` lines).

The root frames are the harness regions, so the picture is grouped as VTune groups hotspots by
task. Frames narrower than ``MIN_SHARE`` of all samples are left out (their time still counts in
their parent's width); for every frame, open ``stacks.folded`` in speedscope or flamegraph.pl.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable

from matplotlib import colormaps

from perfharness.report.content import Plot
from perfharness.report.plots import as_plot, new_figure

MIN_SHARE = 0.005
MAX_DEPTH = 40
ROW = 0.22  # inches per stack level


class _Node:
    __slots__ = ("count", "children")

    def __init__(self) -> None:
        self.count = 0
        self.children: dict[str, _Node] = {}


def stack_tree(stacks: Iterable[tuple[list[str], int]]) -> tuple[_Node, int]:
    """The stacks (frames root first, samples) as a tree of counts, and the number of samples."""
    root = _Node()
    for frames, n in stacks:
        root.count += n
        node = root
        for frame in frames[:MAX_DEPTH]:
            node = node.children.setdefault(frame, _Node())
            node.count += n
    return root, root.count


def flame_graph(stacks: Iterable[tuple[list[str], int]]) -> Plot | None:
    """The flame graph of collapsed stacks (``RunDir.folded_stacks``), or None when there are no samples."""
    root, total = stack_tree(stacks)
    if not total:
        return None
    boxes: list[tuple[float, int, float, str]] = []  # (x, depth, width, name), as shares of all samples

    def place(node: _Node, x: float, depth: int) -> int:
        deepest = depth
        for name, child in sorted(node.children.items(), key=lambda item: -item[1].count):
            width = child.count / total
            if width >= MIN_SHARE:
                boxes.append((x, depth, width, name))
                deepest = max(deepest, place(child, x, depth + 1))
            x += width
        return deepest

    depth = place(root, 0.0, 0)
    fig = new_figure(max(2.0, ROW * depth + 0.8))
    ax = fig.add_subplot()
    palette = colormaps["autumn"]
    for x, level, width, name in boxes:
        colour = palette((zlib.crc32(name.encode()) % 1000) / 1000 * 0.8)
        ax.barh(level, width, left=x, height=0.95, color=colour, edgecolor="white", linewidth=0.3)
        room = int(width * 160)  # characters that fit at this figure width
        if room >= 4:
            label = name if len(name) <= room else name[:room - 1] + "…"
            ax.text(x + 0.002, level, label, va="center", ha="left", fontsize=6, clip_on=True)
    ax.set_xlim(0, 1)
    ax.set_ylim(-0.6, depth + 0.4)
    ax.set_yticks([])
    ax.set_xlabel(f"share of {total} samples (root: the harness region a sample was attributed to)")
    return as_plot(fig, "flame_graph", "Flame graph (perf samples by region)")
