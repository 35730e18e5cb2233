"""``perfharness publish``: the store's history as a static dashboard that opens from the file
system (no server, no network): ``index.html`` (benchmarks x machines, a sparkline each, filters
by machine and environment) and a page per benchmark (its series per machine and environment,
change points marked with their commit). The data is one script, ``data.js``, so the pages need
no fetch (which ``file://`` refuses); the drawing is ``app.js`` (SVG), the same on every page."""

from __future__ import annotations

import hashlib
import html
import json
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

from perfharness.core.atomic import atomic_write_text
from perfharness.report.regressions import Series, changes, worse_by
from perfharness.results import stamps

ASSETS = ("app.js", "style.css")


def page_name(benchmark: str) -> str:
    """The file of a benchmark's page: readable, safe, unique."""
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in benchmark)[:60]
    return f"b-{safe}-{hashlib.sha1(benchmark.encode()).hexdigest()[:8]}.html"


def data(all_series: Sequence[Series], threshold) -> dict[str, object]:
    """What the pages draw: every series with its commits, values and change points."""
    rows = []
    for s in all_series:
        limit = threshold(s)
        rows.append({
            "benchmark": s.benchmark, "page": page_name(s.benchmark), "machine": s.machine,
            "machine_fingerprint": s.machine_fingerprint[:12], "environment": s.environment[:12],
            "environment_facts": s.first.environment_facts, "metric": s.metric, "unit": s.unit,
            "commits": s.commits, "values": [float(v) for v in s.values],
            "changes": [{"index": c.index, "commit": s.commits[c.index], "ratio": c.ratio, "p_value": c.p_value,
                         "regression": worse_by(s, c.ratio) > 1 + limit} for c in changes(s)],
        })
    return {"generated": stamps.iso(), "series": rows}


def _page(title: str, body_attrs: str) -> str:
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:">
<link rel="stylesheet" href="style.css"></head>
<body {body_attrs}><main id="app"><p>perfharness dashboard: this page needs JavaScript.</p></main>
<script src="data.js"></script><script src="app.js"></script></body></html>
"""


def publish(all_series: Sequence[Series], out: Path, threshold) -> list[Path]:
    """Write the dashboard into ``out``; the files written."""
    content = data(all_series, threshold)
    written = []
    files = {"data.js": "window.PERFHARNESS_DASHBOARD = " + json.dumps(content).replace("</", "<\\/") + ";\n",
             "index.html": _page("perfharness: benchmarks x machines", 'data-page="index"')}
    for name in ASSETS:
        files[name] = resources.files("perfharness.report").joinpath("dashboard_assets", name).read_text()
    for benchmark in sorted({s.benchmark for s in all_series}):
        files[page_name(benchmark)] = _page(f"perfharness: {benchmark}",
                                            f'data-page="benchmark" data-benchmark="{html.escape(benchmark)}"')
    for name, text in files.items():
        atomic_write_text(out / name, text)
        written.append(out / name)
    return written
