"""Turn a run directory into ``report.html``, ``report.md`` and ``plots/*.png`` (each written
atomically). The run is read through ``perfharness.results.run_dir.RunDir`` only."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from perfharness.core.atomic import atomic_write_bytes
from perfharness.core.outputs import writing
from perfharness.instrument.resources import ResourceSample
from perfharness.report.content import compose
from perfharness.report.flame import flame_graph
from perfharness.report.html import render_html
from perfharness.report.markdown import plot_path, render_markdown
from perfharness.report.plots import render_plots
from perfharness.results.frames import FrameRow
from perfharness.results.run_dir import REPORT_HTML, REPORT_MD, RunDir

RESOURCE_COLUMNS = ("t", "process_cpu_percent", "system_cpu_percent", "rss_bytes", "uss_bytes")


def resource_columns(samples: Iterable[ResourceSample]) -> dict[str, list[float]]:
    """The columns the plots use, from resources.csv's samples."""
    columns: dict[str, list[float]] = {name: [] for name in RESOURCE_COLUMNS}
    for sample in samples:
        for name in RESOURCE_COLUMNS:
            columns[name].append(float(getattr(sample, name)))
    return columns


def frame_series(rows: Iterable[FrameRow], variants: list[dict[str, Any]],
                 points: int = 20_000) -> dict[str, tuple[list[float], list[float]]]:
    """Per variant name: (seconds since its start, frame latency in seconds) from frames.csv's
    rows, every k-th frame so that no variant has more than ``points`` (a long run stays plottable)."""
    strides = {v.get("name", v["label"]): max(1, -(-v["frames"] // points)) for v in variants}
    starts = {v.get("name", v["label"]): v["t_start"] for v in variants}
    series: dict[str, tuple[list[float], list[float]]] = {name: ([], []) for name in strides}
    seen: dict[str, int] = dict.fromkeys(strides, 0)
    for row in rows:
        if row.variant not in series or "frame" not in row.timings:
            continue
        seen[row.variant] += 1
        if (seen[row.variant] - 1) % strides[row.variant] == 0:
            series[row.variant][0].append(row.t - starts[row.variant])
            series[row.variant][1].append(row.timings["frame"])
    return {name: values for name, values in series.items() if values[0]}


def write_reports(run_dir: Path | RunDir, manifest: dict[str, Any] | None = None) -> tuple[Path, Path]:
    """Write the plots, ``report.md`` and ``report.html`` for ``run_dir``; returns (html, md) paths.

    ``manifest`` is manifest.json's content when the caller has it (the runner writes the file
    after the report). A run without ``metrics.json`` or marked incomplete gets an
    "INCOMPLETE: interrupted" banner.
    """
    run = run_dir if isinstance(run_dir, RunDir) else RunDir(run_dir)
    manifest = manifest or run.read_manifest()
    metrics = run.metrics()
    variants = metrics.get("variants", [])
    plots = render_plots(variants, resource_columns(run.resource_samples()), frame_series(run.frames(), variants))
    hotspots = run.hotspots()
    flame = flame_graph(run.folded_stacks()) if hotspots else None
    if flame:
        plots[flame.name] = flame
    report = compose(manifest, metrics, plots, run.vtune_tables(), run.listing(), hotspots)
    md_path, html_path = run.file(REPORT_MD), run.file(REPORT_HTML)
    for path, data in [*((run.file(plot_path(plot)), plot.png) for plot in plots.values()),
                       (md_path, render_markdown(report).encode()), (html_path, render_html(report).encode())]:
        with writing(path):
            atomic_write_bytes(path, data)
    return html_path, md_path
