"""Ctrl-C, SIGTERM and SIGKILL at every moment of a run leave readable files, marked as they are.

Moments no outside observer can hit reliably (before the models load, before the first frame,
while the last files are written) are reached by the child itself: a few lines run before
``perfharness`` patch one function so that the child sends itself the signal exactly there.
Mid-run signals come from the test, once the child has written frames (an observable state).
"""

from __future__ import annotations

import csv
import json
import signal
from pathlib import Path

import cv2
import pytest
from procs import perfharness_command, rows, spawn, wait_until
from trace_format import check_trace

from perfharness.instrument.itt_log import read_log
from perfharness.results.frames import COLUMNS as FRAME_COLUMNS
from perfharness.results.frames import read_frames

SIGNALS = {"SIGINT": signal.SIGINT, "SIGTERM": signal.SIGTERM}
TIMEOUT_S = 600


def self_signal(module: str, function: str, signals: str) -> str:
    """Code patching ``module.function`` (``Class.method`` allowed) so that the child sends
    itself ``signals`` (a Python list expression of signal numbers) on its first call."""
    owner, _, attribute = function.rpartition(".")
    return f"""
import importlib, os, signal
_owner = importlib.import_module({module!r})
if {owner!r}:
    _owner = getattr(_owner, {owner!r})
_original = getattr(_owner, {attribute!r})
_fired = []
def _patched(*args, **kwargs):
    if not _fired:
        _fired.append(1)
        for _signum in {signals}:
            os.kill(os.getpid(), _signum)
    return _original(*args, **kwargs)
setattr(_owner, {attribute!r}, _patched)
"""


def finish(proc, timeout: float = TIMEOUT_S) -> tuple[str, str]:
    try:
        return proc.communicate(timeout=timeout)
    finally:
        proc.kill()


def check_csv(path: Path, columns: tuple[str, ...] | None = None) -> list[dict[str, str]]:
    with open(path, newline="") as handle:
        table = list(csv.DictReader(handle))
    if columns:
        with open(path, newline="") as handle:
            assert tuple(next(csv.reader(handle))) == columns
    return table


def check_run_dir(run_dir: Path, complete: bool, frames_at_least: int = 0) -> dict:
    """Every output the manifest calls written exists and parses; the completeness flags agree."""
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["complete"] is complete
    outputs = manifest["outputs"]
    assert set(outputs) == {"metrics.json", "frames.csv", "resources.csv", "trace.json", "report.html", "report.md"}
    assert all(status == "written" for status in outputs.values()), outputs
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["complete"] is complete
    frames = list(read_frames(run_dir / "frames.csv"))
    assert len(check_csv(run_dir / "frames.csv", FRAME_COLUMNS)) == len(frames)  # every row parses
    assert len(frames) >= frames_at_least
    assert sum(v["frames"] for v in metrics["variants"]) == len(frames)
    check_csv(run_dir / "resources.csv")
    trace = json.loads((run_dir / "trace.json").read_text())
    assert trace["otherData"]["complete"] is complete
    check_trace(trace)
    html = (run_dir / "report.html").read_text()
    assert ("INCOMPLETE" in html) is (not complete)
    assert (run_dir / "report.md").read_text().startswith("# perfharness run")
    assert not list(run_dir.glob(".*")), list(run_dir.glob(".*"))  # no temporary or log files left
    return metrics


def scenario(out: Path, *extra: str, prelude: str = "") -> list[str]:
    return perfharness_command("scenario", "run", "steady_state", "--out", str(out), "--no-progress",
                               "--set", "pacing_fps=none", "--set", "warmup_frames=2", *extra, prelude=prelude)


def only(out: Path) -> Path:
    (run_dir,) = out.iterdir()
    return run_dir


MOMENTS = {
    # where the child signals itself: module, function
    "before models load": ("perfharness.gaze.pipeline", "build_pipeline"),
    "before frame 1": ("perfharness.run.frame", "FrameProcessor.process"),
}


@pytest.mark.parametrize("signame", SIGNALS)
@pytest.mark.parametrize("moment", MOMENTS)
def test_scenario_interrupted_before_any_frame(tmp_path, moment, signame):
    module, function = MOMENTS[moment]
    out = tmp_path / "runs"
    proc = spawn(scenario(out, "--frames", "50", prelude=self_signal(module, function, f"[{SIGNALS[signame]}]")))
    _, err = finish(proc)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "interrupted" in err
    metrics = check_run_dir(only(out), complete=False)
    assert sum(v["frames"] for v in metrics["variants"]) == 0


def test_scenario_interrupted_before_its_run_directory_exists_leaves_nothing(tmp_path):
    out = tmp_path / "runs"
    proc = spawn(scenario(out, prelude=self_signal("perfharness.scenario.loader", "load", "[signal.SIGINT]")))
    _, err = finish(proc)
    assert proc.returncode == 130 and err.strip() == "perfharness: interrupted"
    assert not out.exists()


@pytest.mark.parametrize("signame", SIGNALS)
def test_scenario_interrupted_mid_run(tmp_path, signame):
    out = tmp_path / "runs"
    proc = spawn(scenario(out, "--frames", "100000"))
    wait_until(lambda: out.exists() and any(rows(d / "frames.csv") >= 20 for d in out.iterdir()), proc,
               "20 frames measured")
    proc.send_signal(SIGNALS[signame])
    _, err = finish(proc)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    metrics = check_run_dir(only(out), complete=False, frames_at_least=20)
    assert metrics["variants"][0]["stopped"] == "interrupted"


def test_scenario_signals_while_writing_wait_for_the_write(tmp_path):
    """Ctrl-C and then SIGTERM while the report is written: the write finishes; all frames had been
    measured, so the run is complete; the exit status still says a signal came."""
    out = tmp_path / "runs"
    prelude = self_signal("perfharness.report", "write_reports", "[signal.SIGINT, signal.SIGTERM, signal.SIGINT]")
    proc = spawn(scenario(out, "--frames", "30", prelude=prelude))
    _, err = finish(proc)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "interrupted after every frame was measured" in err
    run_dir = only(out)
    check_run_dir(run_dir, complete=True, frames_at_least=30)
    assert json.loads((run_dir / "manifest.json").read_text())["stopped"] == "completed"


@pytest.mark.parametrize("moment", ["mid-run", "during the final write"])
def test_scenario_killed_leaves_parsable_files_and_an_incomplete_manifest(tmp_path, moment):
    out = tmp_path / "runs"
    if moment == "mid-run":
        proc = spawn(scenario(out, "--frames", "100000"))
        wait_until(lambda: out.exists() and any(rows(d / "frames.csv") >= 20 for d in out.iterdir()), proc,
                   "20 frames measured")
        proc.send_signal(signal.SIGKILL)
    else:
        proc = spawn(scenario(out, "--frames", "30",
                              prelude=self_signal("perfharness.report", "write_reports", "[signal.SIGKILL]")))
    finish(proc)
    assert proc.returncode == -signal.SIGKILL
    run_dir = only(out)
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["complete"] is False
    frames = list(read_frames(run_dir / "frames.csv"))
    assert len(frames) >= 20
    check_csv(run_dir / "resources.csv")
    if (run_dir / "metrics.json").exists():  # written after each variant and at the end
        assert json.loads((run_dir / "metrics.json").read_text())["variants"]
    if moment == "mid-run":  # the collector's log is still there, and reads as the events it completed
        (log,) = run_dir.glob(".trace.json.itt.log")
        assert [e for e in read_log(log) if e.kind == "begin" and e.name == "frame"]
    else:
        check_trace(json.loads((run_dir / "trace.json").read_text()))


def controller(tmp_path: Path, *extra: str, prelude: str = "") -> tuple[list[str], dict[str, Path]]:
    files = {"trace": tmp_path / "trace.json", "resources": tmp_path / "resources.csv",
             "save": tmp_path / "out.mp4", "frames-csv": tmp_path / "frames.csv"}
    args = ["controller", "--input", "sample", "--no-window", *extra]
    for option, path in files.items():
        args += [f"--{option}", str(path)]
    return perfharness_command(*args, prelude=prelude), files


def check_controller_files(files: dict[str, Path], frames: bool) -> None:
    check_trace(trace := json.loads(files["trace"].read_text()))
    assert trace["otherData"]["complete"] is False
    assert all(None not in row.values() for row in check_csv(files["resources"]))
    measured = list(read_frames(files["frames-csv"]))
    assert bool(measured) is frames
    capture = cv2.VideoCapture(str(files["save"]))
    assert capture.isOpened() is frames and (not frames or capture.read()[0])
    assert not list(files["trace"].parent.glob(".*"))  # no partial video, no log left


@pytest.mark.parametrize("in_flight", ["1", "2"])
@pytest.mark.parametrize("signame", SIGNALS)
def test_controller_interrupted_mid_run(tmp_path, signame, in_flight):
    """Also with two frames in flight: the signal lands while an eye inference may be running."""
    command, files = controller(tmp_path, "--max-frames", "100000", "--in-flight", in_flight)
    proc = spawn(command)
    wait_until(lambda: rows(files["frames-csv"]) >= 5, proc, "5 frames processed")
    proc.send_signal(SIGNALS[signame])
    out, err = finish(proc)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "interrupted" in out
    check_controller_files(files, frames=True)


@pytest.mark.parametrize("signame", SIGNALS)
def test_controller_interrupted_before_models_load(tmp_path, signame):
    command, files = controller(tmp_path, prelude=self_signal("perfharness.gaze.pipeline", "build_pipeline",
                                                                f"[{SIGNALS[signame]}]"))
    proc = spawn(command)
    out, err = finish(proc)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "interrupted" in out
    assert f"annotated video: none written to {files['save']} (no frame was processed)" in out
    check_controller_files(files, frames=False)
