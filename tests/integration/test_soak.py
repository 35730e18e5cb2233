"""The soak scenario's leak check fails on a real leak: frames that each keep 4 KiB alive."""

from __future__ import annotations

import json

from procs import perfharness_command, spawn

LEAK = """
import perfharness.run.frame as frame_loop
_kept = []
_process = frame_loop.FrameProcessor.process
def _leaky(self, *args, **kwargs):
    _kept.append(bytearray(4096))  # 4 KiB per frame: ~7 MiB per minute at 30 fps
    return _process(self, *args, **kwargs)
frame_loop.FrameProcessor.process = _leaky
"""


def test_soak_fails_when_every_frame_leaks(tmp_path):
    # the fit needs a minute after the first one: 125 s is about the shortest run that can tell
    command = perfharness_command("scenario", "run", "soak", "--set", "duration_s=125", "--out", str(tmp_path),
                                  "--no-progress", "--no-trace", prelude=LEAK)
    proc = spawn(command)
    out, err = proc.communicate(timeout=900)
    assert proc.returncode == 1, err  # a failed check
    (run_dir,) = tmp_path.iterdir()
    (check,) = json.loads((run_dir / "metrics.json").read_text())["checks"]
    assert check["name"].startswith("rss_growth_within_bound") and check["passed"] is False, check
    growth = float(check["detail"].split("grows ")[1].split(" MiB/min")[0])
    assert growth > 3.0, check  # the leak's ~7 MiB/min, against a bound of 0.1
    assert "check FAIL: rss_growth_within_bound" in out
