"""report.html in a real headless Chromium: it loads with no console messages and every plot decodes.

The page's own script sets ``data-plots-loaded`` on ``<body>`` to the number of decoded images,
which ``--dump-dom`` shows; console messages (errors, CSP violations) reach stderr as ``CONSOLE`` lines.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from report_run import make_run

from perfharness.report import write_reports

CHROMIUM_TIMEOUT = 120.0  # seconds for one headless run
WINDOW = "1280,5200"  # tall enough for the whole report in one screenshot
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def chromium() -> str:
    path = shutil.which("chromium")
    if path is None:
        pytest.skip("the HTML report is checked in Debian's chromium: apt-get install -y chromium")
    return path


def headless(chromium: str, page: Path, profile: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """Run headless Chromium on ``page`` with console logging to stderr."""
    args = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
            "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
            f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0", f"--window-size={WINDOW}",
            *extra, page.resolve().as_uri()]
    return subprocess.run(args, capture_output=True, text=True, timeout=CHROMIUM_TIMEOUT, check=True)


def console_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


def plot_counts(dom: str) -> tuple[int, int]:
    """(images on the page, images decoded), from the attributes on ``<body>``."""
    body = re.search(r"<body[^>]*>", dom).group(0)
    loaded = re.search(r'data-plots-loaded="(\d+)"', body)
    return int(re.search(r'data-plots="(\d+)"', body).group(1)), int(loaded.group(1)) if loaded else -1


def test_report_loads_cleanly_and_shows_every_plot(chromium: str, tmp_path: Path):
    html_path, _ = write_reports(make_run(tmp_path / "run", complete=False))
    dom = headless(chromium, html_path, tmp_path / "profile", "--dump-dom")
    assert console_lines(dom.stderr) == []
    assert plot_counts(dom.stdout) == (5, 5)
    assert "INCOMPLETE: interrupted" in dom.stdout
    screenshot = tmp_path / "report.png"
    shot = headless(chromium, html_path, tmp_path / "profile", f"--screenshot={screenshot}")
    assert console_lines(shot.stderr) == []
    assert screenshot.read_bytes().startswith(PNG) and screenshot.stat().st_size > 50_000


def test_the_checks_catch_a_broken_page(chromium: str, tmp_path: Path):
    """The same checks fail on a page with an undecodable image and a script error."""
    html_path, _ = write_reports(make_run(tmp_path / "run"))
    html = html_path.read_text()
    html = re.sub(r"base64,[^\"]+", "base64,AAAA", html, count=1).replace("</body>", "<script>missing();</script></body>")
    broken = tmp_path / "broken.html"
    broken.write_text(html)
    dom = headless(chromium, broken, tmp_path / "profile", "--dump-dom")
    assert any("missing is not defined" in line for line in console_lines(dom.stderr))
    assert plot_counts(dom.stdout) == (5, 4)
