"""`perfharness publish` in a real headless Chromium, from the file system: the DOM after the
scripts ran (rows, sparklines, the change point with its commit), no console messages, and a
screenshot."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import test_report_chromium as report_page
from store_history import sha, write_history
from test_report_chromium import PNG, console_lines, headless

from perfharness.cli.main import main
from perfharness.report.dashboard import page_name

chromium = report_page.chromium  # the same fixture: Debian's chromium, or a skip saying how to install it


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("dashboard")
    url = f"sqlite:///{folder / 'store.sqlite'}"
    write_history(folder / "h", ["laptop", "server"], 40, {("model[a]", "laptop"): (20, 0.08)},
                  {"model[a]": 0.004, "model[b]": 0.010}, seed=2)
    assert main(["store", "import", str(folder / "h"), "--store", url]) == 0
    assert main(["publish", "--out", str(folder / "site"), "--store", url]) == 0
    return folder / "site"


def test_index_lists_benchmarks_by_machine_with_sparklines(chromium: str, dashboard: Path, tmp_path: Path):
    dom = headless(chromium, dashboard / "index.html", tmp_path / "profile", "--dump-dom")
    assert console_lines(dom.stderr) == []
    assert 'data-ready="true"' in dom.stdout and 'data-rows="4"' in dom.stdout
    assert dom.stdout.count('class="series-row"') == 4 and dom.stdout.count("<polyline") == 4
    assert re.search(rf'class="regression">{sha(20)[:8]} x1\.0[5-9]', dom.stdout)
    assert '<option value="laptop">laptop</option>' in dom.stdout


def test_benchmark_page_marks_the_change_point_with_its_commit(chromium: str, dashboard: Path, tmp_path: Path):
    page = dashboard / page_name("model[a]")
    dom = headless(chromium, page, tmp_path / "profile", "--dump-dom")
    assert console_lines(dom.stderr) == []
    assert 'data-series="2"' in dom.stdout and dom.stdout.count('class="change-row"') == 1
    assert f"<td>{sha(20)}</td>" in dom.stdout and '<td class="regression">regression</td>' in dom.stdout
    shot = tmp_path / "benchmark.png"
    headless(chromium, page, tmp_path / "profile", f"--screenshot={shot}")
    assert shot.read_bytes().startswith(PNG) and shot.stat().st_size > 10_000
