"""`perfharness calibrate` shows its targets in a real window (Xvfb) and writes a usable file."""

from __future__ import annotations

import json
import os
import subprocess
import sys


def perfharness(*args: str, display: bool = True) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    if not display:
        env.pop("DISPLAY", None)
    return subprocess.run([sys.executable, "-m", "perfharness", *args], capture_output=True, text=True, env=env, timeout=600)


def test_five_point_calibration_on_the_sample_clip(xvfb_display, tmp_path):
    out = tmp_path / "calibration.json"
    completed = perfharness("calibrate", "--input", "sample", "--points", "5", "--samples", "4",
                            "--settle", "0", "--out", str(out))
    assert completed.returncode == 0, completed.stderr
    saved = json.loads(out.read_text())
    assert saved["screen_size"] == [1280, 800]
    assert len(saved["matrix"]) == 2 and all(len(row) == 3 for row in saved["matrix"])
    used = perfharness("controller", "--input", "sample", "--max-frames", "10", "--no-window",
                       "--calibration", str(out))
    assert used.returncode == 0, used.stderr


def test_calibration_without_a_display_is_a_usage_error(tmp_path):
    completed = perfharness("calibrate", "--out", str(tmp_path / "c.json"), display=False)
    assert completed.returncode == 2
    assert completed.stderr.strip() == "perfharness: error: calibration shows its targets on screen: it needs an X display (set DISPLAY)"
