"""The policy for every file the harness writes and reads (perfharness/core/outputs.py, inputs.py),
through the real `perfharness` in subprocesses: links, devices, shared paths, names that escape
--out, a run directory written twice at once, full and read-only file systems, data files that
are not data, and signals that arrive after the command is done."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path

import pytest
from procs import perfharness_command, spawn, wait_until

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT_S = 300


def perfharness(*argv: str, cwd: Path, prelude: str = "") -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key != "DISPLAY"}
    return subprocess.run(perfharness_command(*argv, prelude=prelude), capture_output=True, text=True, cwd=cwd,
                          env=env, stdin=subprocess.DEVNULL, timeout=TIMEOUT_S)


def one_error(done: subprocess.CompletedProcess, status: int, text: str) -> None:
    assert done.returncode == status, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.startswith("perfharness: error")]
    assert len(lines) == 1 and text in lines[0], done.stderr


@pytest.fixture
def tmpfs(tmp_path: Path):
    """A 256 KiB tmpfs (root only): a disk that fills up, and can be made read-only."""
    mount = tmp_path / "small"
    mount.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount)],
                                           capture_output=True).returncode != 0:
        pytest.skip("mounting a small tmpfs needs root and mount(8)")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def test_an_output_that_is_a_link_is_refused_and_its_target_untouched(tmp_path: Path):
    target = tmp_path / "precious.txt"
    target.write_text("keep me")
    (tmp_path / "frames.csv").symlink_to(target)
    done = perfharness("controller", "--max-frames", "2", "--no-window", "--frames-csv", "frames.csv", cwd=tmp_path)
    one_error(done, 2, "--frames-csv frames.csv: is a symbolic link")
    assert target.read_text() == "keep me"


def test_a_device_is_never_an_output(tmp_path: Path):
    done = perfharness("controller", "--max-frames", "2", "--no-window", "--trace", "/dev/null", cwd=tmp_path)
    one_error(done, 2, "--trace /dev/null: is not a regular file")
    assert Path("/dev/null").is_char_device()


@pytest.mark.parametrize("argv,text", [
    (("--trace", "x.json", "--resources", "x.json"), "--resources x.json: is also the output --trace"),
    (("--frames-csv", "x.csv", "--resources", "x.csv"), "--frames-csv x.csv: is also the output --resources"),
])
def test_two_outputs_on_one_path_are_refused(tmp_path: Path, argv, text):
    one_error(perfharness("controller", "--max-frames", "2", "--no-window", *argv, cwd=tmp_path), 2, text)
    assert not list(tmp_path.iterdir())


def test_the_input_is_never_an_output(tmp_path: Path):
    image = tmp_path / "face.mp4"
    image.write_bytes(b"a video, say")
    done = perfharness("controller", "--input", "face.mp4", "--save", "face.mp4", "--no-window", cwd=tmp_path)
    one_error(done, 2, "is also the input --input")
    assert image.read_bytes() == b"a video, say"


def test_a_scenario_name_cannot_leave_out(tmp_path: Path):
    script = tmp_path / "escape.py"
    script.write_text("from perfharness.scenario import Scenario\nSCENARIO = Scenario(name='../../ESCAPED', frames=1)\n")
    done = perfharness("scenario", "run", str(script), "--out", str(tmp_path / "runs" / "a"), cwd=tmp_path)
    one_error(done, 2, "run name '../../ESCAPED': use letters")
    assert not (tmp_path / "ESCAPED").exists() and not (tmp_path / "runs").exists()


def test_a_run_directory_takes_one_writer_at_a_time(tmp_path: Path):
    run_dir = tmp_path / "run"
    first = spawn(perfharness_command("scenario", "run", "steady_state", "--run-dir", str(run_dir), "--frames", "100000",
                                      "--no-progress"), cwd=tmp_path)
    try:
        wait_until(lambda: (run_dir / "frames.csv").exists(), first, "the first run measures")
        second = perfharness("scenario", "run", "steady_state", "--run-dir", str(run_dir), "--frames", "5", cwd=tmp_path)
        one_error(second, 2, "is being written by another run")
    finally:
        first.send_signal(signal.SIGTERM)
        first.communicate(timeout=TIMEOUT_S)
    assert first.returncode == 130
    assert json.loads((run_dir / "manifest.json").read_text())["scenario"] == "steady_state"


def test_a_full_disk_ends_a_run_in_one_line_marked_incomplete(tmp_path: Path, tmpfs: Path):
    done = perfharness("controller", "--max-frames", "3000", "--no-window", "--frames-csv", str(tmpfs / "frames.csv"),
                       cwd=tmp_path)
    one_error(done, 1, f"cannot write {tmpfs / 'frames.csv'}: no space left on the device")


def test_a_full_disk_leaves_a_scenario_run_marked_incomplete(tmp_path: Path, tmpfs: Path):
    done = perfharness("scenario", "run", "steady_state", "--frames", "3000", "--no-progress", "--no-trace",
                       "--run-dir", str(tmpfs / "run"), cwd=tmp_path)
    one_error(done, 1, "no space left on the device")
    manifest = tmpfs / "run" / "manifest.json"
    assert not manifest.exists() or json.loads(manifest.read_text())["complete"] is False


def test_a_read_only_disk_is_refused_before_the_run(tmp_path: Path, tmpfs: Path):
    subprocess.run(["mount", "-o", "remount,ro", str(tmpfs)], check=True)
    done = perfharness("controller", "--max-frames", "2", "--no-window", "--trace", str(tmpfs / "t.json"), cwd=tmp_path)
    one_error(done, 2, "is not writable")
    done = perfharness("bench", "run", "--processes", "1", "-k", "reference", "--json", str(tmpfs / "b.json"), cwd=ROOT)
    one_error(done, 2, "is not writable")


@pytest.mark.parametrize("source", ["/dev/zero", "fifo", "big"])
def test_a_calibration_that_is_not_a_small_regular_file_is_refused(tmp_path: Path, source: str):
    path = source
    if source == "fifo":
        os.mkfifo(tmp_path / "fifo")
    if source == "big":
        (tmp_path / "big").write_bytes(b" " * (1 << 20))
    done = perfharness("controller", "--max-frames", "1", "--no-window", "--calibration", path, cwd=tmp_path)
    one_error(done, 2, "not a regular file" if source != "big" else "larger than 64 KiB")


def test_a_newline_in_a_path_keeps_the_error_on_one_line(tmp_path: Path):
    done = perfharness("controller", "--input", "no\nsuch.mp4", "--no-window", cwd=tmp_path)
    one_error(done, 2, "no\\nsuch.mp4")
    assert len(done.stderr.splitlines()) == 1


def test_a_check_that_raises_fails_in_one_line_with_its_traceback_kept(tmp_path: Path):
    script = tmp_path / "raising.py"
    script.write_text("from perfharness.scenario import Scenario\n"
                      "def broken(view):\n    return 1 / 0, ''\n"
                      "SCENARIO = Scenario(name='raising', frames=2, warmup_frames=0, checks=(broken,))\n")
    done = perfharness("scenario", "run", str(script), "--no-progress", "--run-dir", str(tmp_path / "run"), cwd=tmp_path)
    assert done.returncode == 1 and "Traceback" not in done.stderr + done.stdout, done.stderr
    assert "check FAIL: broken [default]: the check raised ZeroDivisionError: division by zero" in done.stdout
    assert "ZeroDivisionError" in (tmp_path / "run" / "checks.log").read_text()


def test_a_signal_after_the_command_is_done_is_held(tmp_path: Path):
    """Python restores the default action of handled signals as it shuts down: a Ctrl-C then
    would kill the process with no message. After the command, signals are ignored."""
    prelude = "import atexit, os, signal\natexit.register(lambda: os.kill(os.getpid(), signal.SIGINT))"
    done = perfharness("models", "list", cwd=tmp_path, prelude=prelude)
    assert done.returncode == 0 and done.stderr == "", done.stderr


def test_set_values_are_checked_before_a_run_directory_exists(tmp_path: Path):
    for assignment, text in (("input=cam:99", "camera 99 does not open"), ("device=NPU", "for device 'NPU'"),
                             ("mouse=real", "no display"), ("pacing_fps=1e-300", "pacing_fps=1e-300 must be >= 0.01"),
                             ("input=", "input='' must be")):
        done = perfharness("scenario", "run", "steady_state", "--set", assignment, "--out", "runs", cwd=tmp_path)
        one_error(done, 2, text)
        assert "run directory" not in done.stderr and not (tmp_path / "runs").exists()
