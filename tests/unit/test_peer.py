"""The peer benchmark (``perfharness peer``, ``perfharness.peer``): its statistics and eye matching
on synthetic arrays, the order the runs go in, the report, our worker on real frames, and the
command's exits. Nothing here needs mediapipe; the one cross-check against MediaPipe's worker
runs only where its venv has been made (``perfharness peer --setup`` or ``tox -e peer``)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import psutil
import pytest
from procs import perfharness_command, spawn, wait_until

from perfharness.core.children import ChildError
from perfharness.gaze.sources import SAMPLE_FACE_BOX
from perfharness.peer.agreement import agreement, iris_indices, peer_iris, repeatability, summary
from perfharness.peer.analysis import summarise_mode
from perfharness.peer.connection import WORKERS_DIR, start_mediapipe_worker, start_ours_worker
from perfharness.peer.mediapipe_venv import STAMP_NAME, default_venv, requirements_digest, venv_problem
from perfharness.peer.plan import round_plan
from perfharness.peer.settings import ours_settings
from perfharness.peer.targets import targets
from perfharness.peer.timing import compare_times, timing
from perfharness.report.peer import render_peer
from perfharness.run.settings import RunSettings
from perfharness.stats.bootstrap import paired_median_ratio_interval

# --- the order of the runs ---------------------------------------------------------------------


def test_round_plan_alternates_sides_and_rotates_who_goes_first():
    assert round_plan(2) == [
        (0, "detect", "ours"), (0, "detect", "mediapipe"), (0, "tracking", "ours"), (0, "tracking", "mediapipe"),
        (1, "detect", "mediapipe"), (1, "detect", "ours"), (1, "tracking", "mediapipe"), (1, "tracking", "ours"),
    ]
    assert round_plan(3, ("tracking",)) == [
        (0, "tracking", "ours"), (0, "tracking", "mediapipe"),
        (1, "tracking", "mediapipe"), (1, "tracking", "ours"),
        (2, "tracking", "ours"), (2, "tracking", "mediapipe"),
    ]


# --- our side's settings ------------------------------------------------------------------------


def test_ours_set_takes_run_settings_fields_and_the_engine_config_names():
    settings = ours_settings(["num_threads=1", "performance_hint=THROUGHPUT", "streams=2", "inference_precision=bf16",
                              "eye_batch=1"])
    assert settings == RunSettings(threads=1, hint="THROUGHPUT", streams=2, inference_precision="bf16", eye_batch=1)
    assert ours_settings([]) == RunSettings()


# --- statistics -------------------------------------------------------------------------------


def test_summary_drops_nan_and_says_none_for_nothing():
    assert summary(np.array([np.nan, np.nan])) == {"count": 0, "median": None, "p90": None, "max": None}
    stats = summary(np.array([1.0, 5.0, np.nan, 10.0]))
    assert stats == {"count": 3, "median": 5.0, "p90": pytest.approx(9.0), "max": 10.0}


def _synthetic_sides():
    """Six frames: both find a face on 0-2, only MediaPipe on 3, only ours on 4, neither on 5.
    MediaPipe's mesh is ours moved by 5, 1 and 10 px on frames 0-2; its iris centres are off by
    known amounts, and on frame 2 its image-left iris is index 473 instead of 468."""
    rng = np.random.default_rng(7)
    n = 6
    ours_found = np.array([1, 1, 1, 0, 1, 0], bool)
    peer_found = np.array([1, 1, 1, 1, 0, 0], bool)
    mesh = rng.uniform(150, 350, (n, 468, 2))
    mesh[:, 33] = (200.0, 200.0)
    mesh[:, 263] = (300.0, 200.0)
    ours_iris = np.stack([np.tile([210.0, 200.0], (n, 1)), np.tile([290.0, 200.0], (n, 1))], axis=1)
    offsets = np.array([[3, 4], [0, 1], [6, 8], [0, 0], [0, 0], [0, 0]], float)
    left_error = [0.5, 1.0, 2.0]
    right_error = [0.25, 0.75, 3.0]
    peer_landmarks = np.full((n, 478, 2), np.nan)
    peer_landmarks[:, :468] = mesh + offsets[:, None, :]
    for frame in range(3):
        left = ours_iris[frame, 0] + (left_error[frame], 0.0)
        right = ours_iris[frame, 1] + (0.0, right_error[frame])
        first, second = (473, 468) if frame == 2 else (468, 473)
        peer_landmarks[frame, first], peer_landmarks[frame, second] = left, right
    peer_landmarks[3] = 1000.0  # found by MediaPipe only: must not count
    peer_landmarks[3, 33], peer_landmarks[3, 468], peer_landmarks[3, 473] = (0, 0), (1, 1), (500, 500)
    peer_landmarks[~peer_found] = np.nan
    ours_landmarks = mesh.copy()
    ours_landmarks[4] += 700.0  # found by ours only: must not count
    ours_landmarks[~ours_found] = np.nan
    ours_iris[~ours_found] = np.nan
    ours = {"found": ours_found, "landmarks": ours_landmarks.astype(np.float32), "iris": ours_iris.astype(np.float32)}
    mediapipe = {"found": peer_found, "landmarks": peer_landmarks.astype(np.float32)}
    return ours, mediapipe


def test_iris_indices_pick_the_centre_nearer_landmark_33():
    _, mediapipe = _synthetic_sides()
    pairs = iris_indices(mediapipe["landmarks"])
    assert pairs.tolist() == [[468, 473], [468, 473], [473, 468], [468, 473], [-1, -1], [-1, -1]]
    centres, _ = peer_iris(mediapipe["landmarks"])
    assert centres[2, 0] == pytest.approx([212.0, 200.0])  # the image-left centre came from index 473
    assert centres[2, 1] == pytest.approx([290.0, 203.0])
    assert np.isnan(centres[4]).all()


def test_agreement_over_frames_where_both_found_a_face():
    ours, mediapipe = _synthetic_sides()
    result = agreement(ours, mediapipe)
    assert result["frames"] == {"total": 6, "both": 3, "only_ours": 1, "only_mediapipe": 1, "neither": 1}
    left, right, both = (result["iris"][key] for key in ("left", "right", "both"))
    assert (left["count"], left["median"], left["p90"], left["max"]) == (
        3, pytest.approx(1.0), pytest.approx(1.8), pytest.approx(2.0))
    assert (right["median"], right["p90"]) == (pytest.approx(0.75), pytest.approx(2.55))
    assert (both["count"], both["median"], both["p90"]) == (6, pytest.approx(0.875), pytest.approx(2.5))
    for index in ("1", "33", "152"):
        assert result["mesh"][index]["median"] == pytest.approx(5.0, abs=1e-4)
        assert result["mesh"][index]["p90"] == pytest.approx(9.0, abs=1e-4)
    assert result["mesh"]["33"]["name"] == "image-left eye, outer corner"
    assert result["mesh_all"]["count"] == 3 * 468 and result["mesh_all"]["p90"] == pytest.approx(10.0, abs=1e-4)
    assert result["mesh_size"] == 468
    assert result["mediapipe_image_left_iris"] == {"468": 2, "473": 1}
    assert result["mediapipe_33_left_of_263"] == 3


def test_agreement_refuses_sides_of_different_lengths():
    ours, mediapipe = _synthetic_sides()
    mediapipe["found"] = mediapipe["found"][:5]
    with pytest.raises(ValueError, match="different frame counts"):
        agreement(ours, mediapipe)


def _runs(means_ms, n=4):
    return [{"times_s": np.full(n, mean / 1e3), "cpu_s": np.full(n, 2 * mean / 1e3)} for mean in means_ms]


def test_times_are_medians_over_rounds_and_the_paired_ratio_is_per_round():
    ours, mediapipe = timing(_runs([2.0, 4.0, 3.0])), timing(_runs([4.0, 4.0, 6.0]))
    assert ours["mean_ms"] == pytest.approx(3.0) and ours["fps"] == pytest.approx(1000 / 3)
    assert ours["cpu_ms"] == pytest.approx(6.0) and ours["rounds"]["mean_ms"] == pytest.approx([2.0, 4.0, 3.0])
    compared = compare_times(ours, mediapipe)
    assert compared["ratio"] == pytest.approx(0.75)
    assert compared["paired"] == pytest.approx([0.5, 1.0, 0.5])
    assert (compared["paired_median"], compared["paired_min"], compared["paired_max"]) == (
        pytest.approx(0.5), pytest.approx(0.5), pytest.approx(1.0))
    low, high = compared["ratio_interval"]
    assert low <= compared["ratio"] <= high and low < high and compared["confidence"] == 0.95
    assert compare_times(timing(_runs([2.0])), timing(_runs([4.0])))["ratio_interval"] is None  # one round


def test_the_ratio_interval_resamples_rounds_as_pairs():
    drift = np.array([1.0, 1.3, 0.9, 1.6, 1.1, 1.2])  # the machine's speed, round by round
    assert paired_median_ratio_interval(0.5 * drift, drift) == (pytest.approx(0.5), pytest.approx(0.5))
    rng = np.random.default_rng(3)
    ours, peer = 0.8 * drift * rng.lognormal(0, 0.05, 6), drift * rng.lognormal(0, 0.05, 6)
    interval = paired_median_ratio_interval(ours, peer)
    assert interval == paired_median_ratio_interval(ours, peer)  # a fixed seed: the same interval every time
    assert interval[0] < np.median(ours) / np.median(peer) < interval[1] and interval[1] - interval[0] < 0.5
    with pytest.raises(ValueError, match="2 or more pairs"):
        paired_median_ratio_interval(np.array([1.0]), np.array([2.0]))


def test_repeatability_measures_how_far_later_rounds_moved():
    ours, _ = _synthetic_sides()
    moved = {key: value.copy() for key, value in ours.items()}
    moved["landmarks"][1, 10] += (0.0, 0.25)
    moved["found"][2] = False
    result = repeatability([ours, ours, moved])
    assert result == {"rounds": 3, "max_landmark_change_px": pytest.approx(0.25), "found_changed_frames": 1}


# --- the report ------------------------------------------------------------------------------------


def test_report_table_shows_ratio_interval_agreement_and_targets():
    ours, mediapipe = _synthetic_sides()
    ours_runs = [dict(ours, detector_ran=np.ones(6, bool), **run) for run in _runs([1.0, 1.2], n=6)]
    peer_runs = [dict(mediapipe, **run) for run in _runs([2.0, 2.0], n=6)]
    modes = {"detect": summarise_mode({"ours": ours_runs, "mediapipe": peer_runs})}
    report = {"complete": True, "input": {"spec": "sample", "frames": 6, "width": 640, "height": 480},
              "machine": {"model": "Test CPU", "logical_cores": 2, "usable_cores": 2, "flags": ["avx2"]},
              "versions": {"ours": {"openvino": "X"}, "mediapipe": {"mediapipe": "0.10.21"}},
              "settings": {"rounds": 2, "ours": {"run_settings": RunSettings().as_dict(),
                                                 "compile_properties": {"PERFORMANCE_HINT": "LATENCY"}}},
              "modes": modes, "targets": targets(modes, "sample")}
    text = render_peer(report)
    assert text.startswith("# Peer benchmark: our controller vs MediaPipe's Face Mesh\n")
    assert "| 95% interval | per-round ratio, median (min-max) | target <= 0.8 |" in text
    assert "| detect | 1.10 | 909.1 | 2.20 | 2.00 | 500.0 | 4.00 | 0.55 | 0.50-0.60 | 0.55 (0.50-0.60) | met |" in text
    assert "Ours: mediapipe model set, compiled with PERFORMANCE_HINT=LATENCY." in text
    assert "| iris centres, both eyes | 0.88 | 2.50 |" in text
    assert "| mesh 152 (chin) | 5.00 | 9.00 |" in text and "| all 468 mesh points |" in text
    assert "a face on 3 of 6 frames by both, 1 by ours only, 1 by MediaPipe only, 1 by neither" in text
    assert "index 468 on 2, 473 on 1 frames" in text and "ours ran its face detector on 6 frames" in text
    assert "- detect: ours <= 0.8 x MediaPipe's time per frame: 0.55, met" in text
    assert "- detect: iris centres within 1 px of MediaPipe's (median): 0.88, met" in text
    slow = targets({"detect": dict(modes["detect"], compare={"ratio": 0.9})}, "clip.mp4")
    assert [target["met"] for target in slow] == [False, True] and slow[1]["applies"] is False
    json.dumps(report, allow_nan=False)  # what peer.json gets: no NaN anywhere


# --- the MediaPipe venv --------------------------------------------------------------------------


def _fake_venv(tmp_path: Path, python: str, stamp: str | None = None) -> Path:
    """A 'venv' whose python is ``python``, stamped with ``stamp`` (default: the current digest)."""
    venv = tmp_path / "fake-venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").symlink_to(python)
    (venv / STAMP_NAME).write_text((stamp or requirements_digest()) + "\n")
    return venv


def test_a_venv_is_usable_only_when_stamped_with_the_current_requirements(tmp_path):
    assert venv_problem(tmp_path / "none") == f"no MediaPipe venv at {tmp_path / 'none'}"
    assert venv_problem(_fake_venv(tmp_path, sys.executable)) is None
    (tmp_path / "fake-venv" / STAMP_NAME).write_text("0" * 64 + "\n")
    assert "was not made from the current requirements.txt" in venv_problem(tmp_path / "fake-venv")


# --- our worker on real frames ------------------------------------------------------------------


@pytest.fixture
def three_frames(tmp_path, astronaut) -> Path:
    path = tmp_path / "frames.npy"
    np.save(path, np.stack([astronaut] * 3))
    return path


def _in_face_box(points: np.ndarray) -> bool:
    x0, y0, x1, y1 = SAMPLE_FACE_BOX
    return bool(((points[..., 0] > x0) & (points[..., 0] < x1) & (points[..., 1] > y0) & (points[..., 1] < y1)).all())


def test_ours_worker_answers_both_modes(tmp_path, three_frames):
    worker = start_ours_worker(RunSettings(threads=1), three_frames, tmp_path / "ours.log")
    try:
        ready = worker.wait_ready(timeout_s=300)
        assert (ready["frames"], ready["width"], ready["height"]) == (3, 512, 512)
        assert ready["settings"]["compile_properties"]["INFERENCE_NUM_THREADS"] == "1"
        assert ready["settings"]["run_settings"]["tracking"] == {"detect": False, "tracking": True}
        assert ready["versions"]["openvino"]
        detect = worker.run("detect", tmp_path / "detect.npz", timeout_s=300)
        tracking = worker.run("tracking", tmp_path / "tracking.npz", timeout_s=300)
        with pytest.raises(ChildError, match="the ours worker failed on fast: ValueError: unknown mode 'fast'"):
            worker.run("fast", tmp_path / "fast.npz", timeout_s=300)
    finally:
        worker.close()
    assert worker.child.process.returncode == 0
    for run in (detect, tracking):
        assert run["found"].tolist() == [True] * 3
        assert run["landmarks"].shape == (3, 468, 2) and np.isfinite(run["landmarks"]).all()
        assert run["iris"].shape == (3, 2, 2) and _in_face_box(run["iris"])
        assert (run["iris"][:, 0, 0] < run["iris"][:, 1, 0]).all()  # image-left eye first
        assert (run["times_s"] > 0).all() and run["cpu_s"].shape == (3,)
    assert detect["detector_ran"].tolist() == [True, True, True]
    assert tracking["detector_ran"].tolist() == [True, False, False]  # the pass starts from detection
    assert not (tmp_path / "fast.npz").exists()


def test_the_mediapipe_worker_never_imports_perfharness():
    source = (WORKERS_DIR / "mediapipe_worker.py").read_text() + (WORKERS_DIR / "worker_protocol.py").read_text()
    assert "perfharness" not in "".join(line for line in source.splitlines() if line.startswith(("import", "from")))
    assert "sys.path" not in source


@pytest.mark.skipif(venv_problem(default_venv()) is not None,
                    reason=f"no MediaPipe venv at {default_venv()} (make it with perfharness peer --setup)")
def test_mediapipe_worker_agrees_with_ours_on_the_photo(tmp_path, three_frames):
    workers = {"mediapipe": start_mediapipe_worker(default_venv(), three_frames, tmp_path / "mp.log"),
               "ours": start_ours_worker(RunSettings(), three_frames, tmp_path / "ours.log")}
    try:
        assert workers["mediapipe"].wait_ready(timeout_s=300)["versions"]["mediapipe"] == "0.10.21"
        workers["ours"].wait_ready(timeout_s=300)
        runs = {side: worker.run("detect", tmp_path / f"{side}.npz", timeout_s=300) for side, worker in workers.items()}
    finally:
        for worker in workers.values():
            worker.close()
    assert runs["mediapipe"]["landmarks"].shape == (3, 478, 2) and runs["mediapipe"]["found"].all()
    result = agreement(runs["ours"], runs["mediapipe"])
    assert result["mediapipe_image_left_iris"] == {"468": 3, "473": 0}
    assert result["iris"]["both"]["median"] < 1.0
    assert result["mesh_all"]["median"] < 3.0


# --- the command's exits ------------------------------------------------------------------------


@pytest.fixture
def still(tmp_path) -> Path:
    path = tmp_path / "still.png"
    cv2.imwrite(str(path), np.full((48, 64, 3), 128, np.uint8))
    return path


def _peer(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(perfharness_command("peer", *args), capture_output=True, text=True, timeout=300, cwd=cwd)


def test_help_names_every_option_and_the_default_venv(tmp_path):
    result = _peer("--help", cwd=tmp_path)
    assert result.returncode == 0 and result.stderr == ""
    for option in ("--input", "--max-frames", "--rounds", "--modes", "--out", "--venv", "--setup", "--peer-python",
                   "--ours-set"):
        assert option in result.stdout
    assert "peer-mediapipe in the model cache" in " ".join(result.stdout.split())


@pytest.mark.parametrize("args, message", [
    (["--input", "/nonexistent/clip.mp4"], "no such file: /nonexistent/clip.mp4"),
    (["--input", ""], "--input: expected a path, cam[:N] or sample, got ''"),
    (["--rounds", "0"], "--rounds: expected a number >= 1 and <= 2147483647, got 0"),
    (["--max-frames", "many"], "--max-frames: expected a whole number, got 'many'"),
    (["--modes", "detect,fast"], "--modes: expected modes from detect, tracking"),
    (["--ours-set", "colour=blue"], "--ours-set 'colour=blue': expected KEY=VALUE with KEY one of precision, device"),
    (["--ours-set", "num_threads=0"], "--ours-set: threads=0 must be >= 1"),
    (["--ours-set", "threads=many"], "--ours-set: threads=many: expected int"),
    (["--ours-set", "performance_hint=FAST"], "--ours-set: hint='FAST' is not one of LATENCY"),
    (["--ours-set", "tracking=false"], "--ours-set tracking: not settable, each mode sets it"),
    (["--input", "cam:0"], "a camera never ends: give --max-frames"),
])
def test_bad_input_is_one_line_and_exit_2(args, message, tmp_path):
    result = _peer(*args, "--venv", str(tmp_path / "no-venv"), "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert not (tmp_path / "out").exists()


def test_a_bad_ours_set_is_refused_before_anything_starts(tmp_path):
    result = _peer("--ours-set", "precision=INT4", "--input", "/nonexistent/clip.mp4", "--setup",
                   "--venv", str(tmp_path / "venv"), "--peer-python", "/nonexistent/python3.11", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == "perfharness: error: --ours-set: unknown precision 'INT4'; choose one of FP32, FP16, INT8\n"
    assert list(tmp_path.iterdir()) == []  # no venv, no report folder


def test_missing_venv_without_setup_is_exit_2(tmp_path, still):
    result = _peer("--input", str(still), "--venv", str(tmp_path / "no-venv"), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == (f"perfharness: error: no MediaPipe venv at {tmp_path / 'no-venv'}: "
                             "run with --setup (or tox -e peer) to make it\n")
    assert not (tmp_path / "reports").exists() and not (tmp_path / "no-venv").exists()


def test_out_that_is_a_file_is_exit_2(tmp_path, still):
    (tmp_path / "out").write_text("")
    result = _peer("--input", str(still), "--venv", str(tmp_path / "no-venv"), "--out", str(tmp_path / "out"),
                   cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == f"perfharness: error: --out {tmp_path / 'out'} is a file; give a folder\n"


def test_a_failed_setup_step_is_its_error_line_and_exit_1(tmp_path, still):
    python = tmp_path / "python3.11"  # says it is 3.11, then fails to make the venv, writing on stdout and stderr
    python.write_text('#!/bin/sh\nif [ "$1" = "-c" ]; then echo 3 11; exit 0; fi\n'
                      'echo "progress on stdout"\necho "Error: no room for a venv" >&2\nexit 3\n')
    python.chmod(0o755)
    result = _peer("--input", str(still), "--setup", "--venv", str(tmp_path / "venv"), "--peer-python", str(python),
                   "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert result.returncode == 1 and result.stdout == ""
    assert "progress on stdout" in result.stderr  # the tool's output goes to stderr, stdout is the report's
    assert result.stderr.splitlines()[-1] == ("perfharness: error: making the MediaPipe venv failed (exit 3): "
                                              "Error: no room for a venv")
    assert not (tmp_path / "out").exists()


def test_a_worker_that_fails_is_one_line_exit_1(tmp_path, still):
    venv = _fake_venv(tmp_path, sys.executable)  # a python outside its venv: no mediapipe, no cv2
    result = _peer("--input", str(still), "--venv", str(venv), "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("perfharness: error: the MediaPipe worker ended (exit 1): "
                                    "ModuleNotFoundError: No module named "), result.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_ends_the_workers_and_writes_nothing(tmp_path, still, signum):
    hang = tmp_path / "hang"
    hang.write_text("#!/bin/sh\nexec sleep 600\n")  # a MediaPipe worker that never gets ready
    hang.chmod(0o755)
    venv = _fake_venv(tmp_path, str(hang))
    command = perfharness_command("peer", "--input", str(still), "--venv", str(venv), "--out", str(tmp_path / "out"))
    proc = spawn(command, cwd=tmp_path)
    driver = psutil.Process(proc.pid)
    wait_until(lambda: len(driver.children()) == 2, proc, "both workers started")
    workers = driver.children()
    proc.send_signal(signum)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert stderr == "perfharness: interrupted; nothing written\n"
    assert not (tmp_path / "out").exists()
    for worker in workers:
        assert not worker.is_running() or worker.status() == psutil.STATUS_ZOMBIE
