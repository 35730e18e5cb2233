"""A benchmark over commits, per machine: as a table, and as a PNG plot with its change points."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from perfharness.report.regressions import Series, changes


def _scaled(s: Series) -> tuple[float, str]:
    return (1e3, "ms") if s.unit == "s" else (1.0, s.unit)


def overview_table(all_series: Sequence[Series]) -> str:
    """One line per series: benchmark, machine, commits, first and last value, change points."""
    width = max([len("benchmark")] + [len(s.benchmark) for s in all_series])
    lines = [f"{'benchmark':<{width}}  {'machine':<14}  {'env':<8}  {'commits':>7}  {'first':>10}  {'last':>10}  "
             + "change points"]
    for s in all_series:
        scale, unit = _scaled(s)
        points = ", ".join(f"{s.commits[c.index][:8]} x{c.ratio:.3f}" for c in changes(s)) or "-"
        lines.append(f"{s.benchmark:<{width}}  {s.machine:<14}  {s.environment[:8]:<8}  {len(s.commits):>7}  "
                     f"{s.values[0] * scale:>7.4g} {unit:<2}  {s.values[-1] * scale:>7.4g} {unit:<2}  {points}")
    return "\n".join(lines) + "\n"


def series_table(all_series: Sequence[Series]) -> str:
    """Per series (machine), one line per commit: commit, value, and the change starting there."""
    lines = []
    for s in all_series:
        scale, unit = _scaled(s)
        starts = {c.index: c for c in changes(s)}
        lines.append(f"{s.benchmark} on {s.machine} (machine {s.machine_fingerprint[:12]}, "
                     f"environment {s.environment[:12]}): {s.metric}, {unit}")
        for index, (commit, value) in enumerate(zip(s.commits, s.values)):
            mark = f"  <- change x{starts[index].ratio:.3f} (p {starts[index].p_value:.1e})" if index in starts else ""
            lines.append(f"  {commit[:12]:<12}  {value * scale:>10.4g}{mark}")
    return "\n".join(lines) + "\n"


def plot(all_series: Sequence[Series], path: Path) -> None:
    """A PNG: each series (one line per machine and environment) over its commits, change
    points marked with a dashed line and the first commit after them."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from perfharness.core.atomic import atomic_open

    figure, axes = plt.subplots(figsize=(10, 4.5), dpi=100)
    for s in all_series:
        scale, unit = _scaled(s)
        line, = axes.plot(range(len(s.values)), s.values * scale, marker="o", markersize=3,
                          label=f"{s.benchmark} on {s.machine}")
        for change in changes(s):
            axes.axvline(change.index - 0.5, color=line.get_color(), linestyle="--", linewidth=1)
            axes.annotate(f"{s.commits[change.index][:8]} x{change.ratio:.3f}", (change.index - 0.5, s.values[change.index] * scale),
                          textcoords="offset points", xytext=(4, 6), fontsize=8, color=line.get_color())
        axes.set_ylabel(f"{s.metric} ({unit})")
    axes.set_xlabel("commit (history order)")
    axes.grid(alpha=0.3)
    axes.legend(fontsize=8)
    figure.tight_layout()
    with atomic_open(path) as handle:
        figure.savefig(handle, format="png")
    plt.close(figure)
