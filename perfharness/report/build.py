"""Turn a run directory into ``report.html``, ``report.md`` and ``plots/*.png`` (each written atomically)."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from perfharness.core.atomic import atomic_write_bytes
from perfharness.profilers.hotspots import FOLDED, HOTSPOTS_JSON
from perfharness.profilers.vtune import (
    HOTSPOTS_BY_TASK_CSV,
    SUMMARY_CSV,
    read_vtune_csv,
)
from perfharness.report.content import compose
from perfharness.report.flame import flame_graph
from perfharness.report.html import render_html
from perfharness.report.markdown import PLOTS_DIR, plot_path, render_markdown
from perfharness.report.plots import render_plots
from perfharness.results.frames import read_frames

VTUNE_FILES = (SUMMARY_CSV, HOTSPOTS_BY_TASK_CSV)
OUTPUTS = ("report.html", "report.md", PLOTS_DIR)
ReadCsv = Callable[[Path], list[dict[str, str]]]


def read_resources(path: Path) -> dict[str, list[float]]:
    """The columns the plots use; a row cut short by an interrupted run is skipped."""
    columns: dict[str, list[float]] = {"t": [], "process_cpu_percent": [], "system_cpu_percent": [],
                                       "rss_bytes": [], "uss_bytes": []}
    if not path.exists():
        return columns
    with open(path, newline="") as handle:
        for row in csv.DictReader(handle):
            try:
                cores = [float(value) for value in row["system_cpu_percent"].split(";")]
                values = {key: float(row[key]) for key in columns if key != "system_cpu_percent"}
            except (AttributeError, KeyError, TypeError, ValueError):
                continue
            values["system_cpu_percent"] = sum(cores) / len(cores)
            for key, value in values.items():
                columns[key].append(value)
    return columns


def frame_series(path: Path, variants: list[dict[str, Any]], points: int = 20_000) -> dict[str, tuple[list[float], list[float]]]:
    """Per variant name: (seconds since its start, frame latency in seconds) from frames.csv,
    every k-th frame so that no variant has more than ``points`` (a long run stays plottable)."""
    strides = {v.get("name", v["label"]): max(1, -(-v["frames"] // points)) for v in variants}
    starts = {v.get("name", v["label"]): v["t_start"] for v in variants}
    series: dict[str, tuple[list[float], list[float]]] = {name: ([], []) for name in strides}
    seen: dict[str, int] = dict.fromkeys(strides, 0)
    for row in read_frames(path):
        if row.variant not in series or "frame" not in row.timings:
            continue
        seen[row.variant] += 1
        if (seen[row.variant] - 1) % strides[row.variant] == 0:
            series[row.variant][0].append(row.t - starts[row.variant])
            series[row.variant][1].append(row.timings["frame"])
    return {name: values for name, values in series.items() if values[0]}


def write_reports(run_dir: Path, read_csv: ReadCsv = read_vtune_csv,
                  manifest: dict[str, Any] | None = None) -> tuple[Path, Path]:
    """Write the plots, ``report.md`` and ``report.html`` for ``run_dir``; returns (html, md) paths.

    ``manifest`` is manifest.json's content when the caller has it (the runner writes the file
    after the report). A run without ``metrics.json`` or marked incomplete gets an
    "INCOMPLETE: interrupted" banner.
    """
    run_dir = Path(run_dir)
    manifest = manifest or json.loads((run_dir / "manifest.json").read_text())
    metrics = _load_json(run_dir / "metrics.json", {"complete": False, "variants": [], "checks": []})
    vtune = {name: read_csv(run_dir / name) for name in VTUNE_FILES if (run_dir / name).exists()}
    files = sorted(p.name for p in run_dir.iterdir() if not p.name.startswith(".") and p.name not in OUTPUTS)
    variants = metrics.get("variants", [])
    plots = render_plots(variants, read_resources(run_dir / "resources.csv"), frame_series(run_dir / "frames.csv", variants))
    hotspots = _load_json(run_dir / HOTSPOTS_JSON, None)
    flame = flame_graph(run_dir / FOLDED) if hotspots else None
    if flame:
        plots[flame.name] = flame
    report = compose(manifest, metrics, plots, vtune, files, hotspots)
    for plot in plots.values():
        atomic_write_bytes(run_dir / plot_path(plot), plot.png)
    md_path, html_path = run_dir / "report.md", run_dir / "report.html"
    atomic_write_bytes(md_path, render_markdown(report).encode())
    atomic_write_bytes(html_path, render_html(report).encode())
    return html_path, md_path


def _load_json(path: Path, missing: dict[str, Any] | None) -> dict[str, Any] | None:
    return json.loads(path.read_text()) if path.exists() else missing
