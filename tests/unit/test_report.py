"""Run reports from a synthetic run directory: tables in ms, plots, the incomplete banner, atomic writes."""

from __future__ import annotations

import base64
import json
import os
import re
from pathlib import Path

import pytest
from report_run import LABELS, make_run

from perfharness.core.outputs import OutputError
from perfharness.report import write_reports
from perfharness.report.build import resource_columns
from perfharness.results import run_dir as run_dir_module
from perfharness.results.run_dir import RunDir

PLOTS = ("sweep_comparison", "latency_over_time", "stage_breakdown", "cpu_timeline", "rss_timeline")
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def run(tmp_path: Path) -> Path:
    return make_run(tmp_path / "run")


def test_writes_both_reports_and_every_plot(run: Path):
    html_path, md_path = write_reports(run)
    assert (html_path, md_path) == (run / "report.html", run / "report.md")
    html, md = html_path.read_text(), md_path.read_text()
    for name in PLOTS:
        assert (run / "plots" / f"{name}.png").read_bytes().startswith(PNG)
        assert f"](plots/{name}.png)" in md
        data = re.search(rf'id="plot-{name}".*?src="data:image/png;base64,([^"]+)"', html).group(1)
        assert base64.b64decode(data) == (run / "plots" / f"{name}.png").read_bytes()
    assert 'data-plots="5"' in html
    assert not list(run.glob(".*")) and not list((run / "plots").glob(".*"))  # no temporary files left
    assert all(path.stat().st_mode & 0o777 == 0o644 for path in (html_path, md_path, *(run / "plots").iterdir()))


def test_html_is_self_contained(run: Path):
    html = write_reports(run)[0].read_text()
    assert not re.search(r'(src|href)="(?!data:)', html)
    assert "http://" not in html and "https://" not in html
    assert "Content-Security-Policy" in html


def test_tables_in_milliseconds(run: Path):
    html_path, md_path = write_reports(run)
    md = md_path.read_text()
    # variants: fps, dropped, detection %, frame p50/p90/p99 ms
    assert f"| {LABELS[0]} | 60 | 5 | 2.00 | 30.0 | 0 | 95.0 | 12.35 | 15.00 | 18.52 |" in md
    assert f"| {LABELS[1]} | 60 | 5 | 2.00 | 15.0 | 3 | 95.0 | 24.69 | 30.00 | 37.04 |" in md
    # per-region table: count, mean, stdev, min, p50, p90, p99 (ms)
    assert "| face_detection.infer | 60 | 0.40 | 0.04 | 0.32 | 0.40 | 0.48 | 0.60 |" in md
    assert "| pointer.move | 60 | 1.80 | 0.18 | 1.44 | 1.80 | 2.16 | 2.70 |" in md
    assert f"| {LABELS[0]} | face_detection | 4.00 | 81.50 | 2.00 |" in md
    assert f"| {LABELS[0]} | 20 | 2.0 | 97.5 | 180.0 | 300.0 | 1.00 | 12.5 |" in md
    assert f"| {LABELS[1]} | 20 | 2.0 | 97.5 | 180.0 | 300.0 | n/a (run too short) | unavailable |" in md
    assert "| fps >= 25 | FAIL | 15.0 fps |" in md
    assert ("trace.json holds 12,345 events: our regions on all 130 frames run (warm-up included), and OpenVINO's "
            "own tasks (per layer) on 31 of them: every 4th frame") in md
    assert "until the collector's cap of 9,000 tasks" in md
    assert "| pacing.fps | 30 |" in md
    html = html_path.read_text()
    assert '<td class="n">12.35</td>' in html and '<td class="FAIL">FAIL</td>' in html


def test_vtune_tables_next_to_harness_regions(run: Path, monkeypatch: pytest.MonkeyPatch):
    seen: list[str] = []

    def reader(path: Path) -> list[dict[str, str]]:
        seen.append(path.name)
        return [{"Task Type": "face_detection.infer", "CPU Time": "0.421"}]

    monkeypatch.setattr(run_dir_module, "read_vtune_csv", reader)
    md = write_reports(run)[1].read_text()
    assert sorted(seen) == ["vtune-hotspots-by-task.csv", "vtune-summary.csv"]
    where = md.index("## Where the time goes")
    assert where < md.index("**harness regions: precision=FP16 threads=2**") < md.index(
        "**VTune: vtune-hotspots-by-task.csv**") < md.index("## Model load")
    assert "| face_detection.infer | 0.421 |" in md


def test_default_csv_reader_takes_tab_separated(run: Path):
    md = write_reports(run)[1].read_text()
    assert "| Task Type | CPU Time | Task Time | Task Count |" in md
    assert "| iris_landmarks.infer | 0.310 | 0.318 | 240 |" in md
    assert "| 0 | Elapsed Time | 6.021 |" in md


def test_incomplete_run_has_banner(tmp_path: Path):
    run = make_run(tmp_path / "run", complete=False)
    html_path, md_path = write_reports(run)
    assert 'class="banner"' in html_path.read_text() and "INCOMPLETE: interrupted" in html_path.read_text()
    assert md_path.read_text().splitlines()[2].startswith("> **INCOMPLETE: interrupted**")


def test_complete_run_has_no_banner(run: Path):
    html_path, md_path = write_reports(run)
    assert "INCOMPLETE" not in html_path.read_text() + md_path.read_text()


def test_run_without_metrics_is_incomplete(run: Path):
    (run / "metrics.json").unlink()
    (run / "resources.csv").unlink()
    html_path, md_path = write_reports(run)
    assert "INCOMPLETE: interrupted" in md_path.read_text()
    assert 'data-plots="0"' in html_path.read_text()


def test_repeats_are_named(run: Path):
    metrics = json.loads((run / "metrics.json").read_text())
    metrics["variants"][1].update(label=LABELS[0], repeat=1)
    (run / "metrics.json").write_text(json.dumps(metrics))
    md = write_reports(run)[1].read_text()
    assert f"| {LABELS[0]} #0 | 60 |" in md and f"| {LABELS[0]} #1 | 60 |" in md


def test_resources_skip_a_cut_row(run: Path):
    columns = resource_columns(RunDir(run).resource_samples())
    assert len(columns["t"]) == 60
    assert columns["system_cpu_percent"][0] == pytest.approx(25.0)


def test_writes_are_atomic(run: Path, monkeypatch: pytest.MonkeyPatch):
    (run / "report.html").write_text("old html")
    (run / "report.md").write_text("old md")
    replaced: list[tuple[Path, Path]] = []

    def failing_replace(src: str, dst: str) -> None:
        replaced.append((Path(src), Path(dst)))
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OutputError, match="sweep_comparison.png: disk full"):
        write_reports(run)
    assert replaced and replaced[0][0].parent == replaced[0][1].parent  # temp file beside its target
    assert (run / "report.html").read_text() == "old html" and (run / "report.md").read_text() == "old md"
    assert not list(run.glob(".*")) and not list((run / "plots").glob("*"))


def test_stage_breakdown_adds_per_frame_times_that_sum_to_the_frame():
    """A region that ran on half the frames counts half its mean per frame, so the stack of the
    stage regions adds up to the frame's mean instead of overshooting it."""
    from perfharness.report.plots import per_frame

    variant = {"frames": 100, "regions": {"frame": {"count": 100, "mean": 0.010},
                                          "face_detection.infer": {"count": 100, "mean": 0.004},
                                          "face_landmarks.infer": {"count": 50, "mean": 0.008}}}
    assert per_frame(variant, "face_detection.infer") == pytest.approx(0.004)
    assert per_frame(variant, "face_landmarks.infer") == pytest.approx(0.004)  # not its 8 ms mean
    assert per_frame(variant, "iris_landmarks.infer") == 0.0
    assert per_frame({"frames": 0, "regions": {}}, "frame") == 0.0
