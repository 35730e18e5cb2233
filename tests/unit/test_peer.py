"""The peer benchmark (tools/peer_benchmark.py, peer/): its statistics and eye matching on
synthetic arrays, the order the runs go in, our worker on real frames, and the driver's exits.
Nothing here needs mediapipe; the one cross-check against MediaPipe's worker runs only where
its venv has been made (``tox -e peer`` or ``tools/peer_benchmark.py --setup``)."""

from __future__ import annotations

import importlib.util
import json
import signal
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import psutil
import pytest
from procs import spawn, wait_until

from perfharness.gaze.sources import SAMPLE_FACE_BOX

ROOT = Path(__file__).resolve().parents[2]
DRIVER = ROOT / "tools" / "peer_benchmark.py"
_spec = importlib.util.spec_from_file_location("peer_benchmark", DRIVER)
peer = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(peer)


# --- the order of the runs ---------------------------------------------------------------------


def test_round_plan_alternates_sides_and_rotates_who_goes_first():
    assert peer.round_plan(2) == [
        (0, "detect", "ours"), (0, "detect", "mediapipe"), (0, "tracking", "ours"), (0, "tracking", "mediapipe"),
        (1, "detect", "mediapipe"), (1, "detect", "ours"), (1, "tracking", "mediapipe"), (1, "tracking", "ours"),
    ]
    assert peer.round_plan(3, ("tracking",)) == [
        (0, "tracking", "ours"), (0, "tracking", "mediapipe"),
        (1, "tracking", "mediapipe"), (1, "tracking", "ours"),
        (2, "tracking", "ours"), (2, "tracking", "mediapipe"),
    ]


# --- statistics -------------------------------------------------------------------------------


def test_summary_drops_nan_and_says_none_for_nothing():
    assert peer.summary(np.array([np.nan, np.nan])) == {"count": 0, "median": None, "p90": None, "max": None}
    stats = peer.summary(np.array([1.0, 5.0, np.nan, 10.0]))
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
    pairs = peer.iris_indices(mediapipe["landmarks"])
    assert pairs.tolist() == [[468, 473], [468, 473], [473, 468], [468, 473], [-1, -1], [-1, -1]]
    centres, _ = peer.peer_iris(mediapipe["landmarks"])
    assert centres[2, 0] == pytest.approx([212.0, 200.0])  # the image-left centre came from index 473
    assert centres[2, 1] == pytest.approx([290.0, 203.0])
    assert np.isnan(centres[4]).all()


def test_agreement_over_frames_where_both_found_a_face():
    ours, mediapipe = _synthetic_sides()
    result = peer.agreement(ours, mediapipe)
    assert result["frames"] == {"total": 6, "both": 3, "only_ours": 1, "only_mediapipe": 1, "neither": 1}
    left, right, both = (result["iris"][key] for key in ("left", "right", "both"))
    assert (left["count"], left["median"], left["p90"], left["max"]) == (3, pytest.approx(1.0), pytest.approx(1.8), pytest.approx(2.0))
    assert (right["median"], right["p90"]) == (pytest.approx(0.75), pytest.approx(2.55))
    assert (both["count"], both["median"], both["p90"]) == (6, pytest.approx(0.875), pytest.approx(2.5))
    for index in ("1", "33", "152"):
        assert result["mesh"][index]["median"] == pytest.approx(5.0, abs=1e-4)
        assert result["mesh"][index]["p90"] == pytest.approx(9.0, abs=1e-4)
    assert result["mesh"]["33"]["name"] == "image-left eye, outer corner"
    assert result["mesh_all"]["count"] == 3 * 468 and result["mesh_all"]["p90"] == pytest.approx(10.0, abs=1e-4)
    assert result["mediapipe_image_left_iris"] == {"468": 2, "473": 1}
    assert result["mediapipe_33_left_of_263"] == 3


def test_agreement_refuses_sides_of_different_lengths():
    ours, mediapipe = _synthetic_sides()
    mediapipe["found"] = mediapipe["found"][:5]
    with pytest.raises(ValueError, match="different frame counts"):
        peer.agreement(ours, mediapipe)


def _runs(means_ms, n=4):
    return [{"times_s": np.full(n, mean / 1e3), "cpu_s": np.full(n, 2 * mean / 1e3)} for mean in means_ms]


def test_times_are_medians_over_rounds_and_the_paired_ratio_is_per_round():
    ours, mediapipe = peer.timing(_runs([2.0, 4.0, 3.0])), peer.timing(_runs([4.0, 4.0, 6.0]))
    assert ours["mean_ms"] == pytest.approx(3.0) and ours["fps"] == pytest.approx(1000 / 3)
    assert ours["cpu_ms"] == pytest.approx(6.0) and ours["rounds"]["mean_ms"] == pytest.approx([2.0, 4.0, 3.0])
    compared = peer.compare_times(ours, mediapipe)
    assert compared["ratio"] == pytest.approx(0.75)
    assert compared["paired"] == pytest.approx([0.5, 1.0, 0.5])
    assert (compared["paired_median"], compared["paired_min"], compared["paired_max"]) == (
        pytest.approx(0.5), pytest.approx(0.5), pytest.approx(1.0))


def test_repeatability_measures_how_far_later_rounds_moved():
    ours, _ = _synthetic_sides()
    moved = {key: value.copy() for key, value in ours.items()}
    moved["landmarks"][1, 10] += (0.0, 0.25)
    moved["found"][2] = False
    result = peer.repeatability([ours, ours, moved])
    assert result == {"rounds": 3, "max_landmark_change_px": pytest.approx(0.25), "found_changed_frames": 1}


def test_report_table_shows_ratio_agreement_and_targets():
    ours, mediapipe = _synthetic_sides()
    ours_runs = [dict(ours, detector_ran=np.ones(6, bool), **run) for run in _runs([1.0, 1.2], n=6)]
    peer_runs = [dict(mediapipe, **run) for run in _runs([2.0, 2.0], n=6)]
    modes = {"detect": peer.summarise_mode({"ours": ours_runs, "mediapipe": peer_runs})}
    report = {"input": {"spec": "sample", "frames": 6, "width": 640, "height": 480},
              "machine": {"model": "Test CPU", "logical_cores": 2, "usable_cores": 2, "flags": ["avx2"]},
              "versions": {"ours": {"openvino": "X"}, "mediapipe": {"mediapipe": "0.10.21"}},
              "settings": {"rounds": 2, "ours": {"compile_properties": {"PERFORMANCE_HINT": "LATENCY"}}},
              "modes": modes, "targets": peer.targets(modes, "sample")}
    text = peer.render_markdown(report)
    assert "| detect | 1.10 | 909.1 | 2.20 | 2.00 | 500.0 | 4.00 | 0.55 | 0.55 (0.50-0.60) | met |" in text
    assert "| iris centres, both eyes | 0.88 | 2.50 |" in text
    assert "| mesh 152 (chin) | 5.00 | 9.00 |" in text
    assert "a face on 3 of 6 frames by both, 1 by ours only, 1 by MediaPipe only, 1 by neither" in text
    assert "index 468 on 2, 473 on 1 frames" in text and "ours ran its face detector on 6 frames" in text
    assert "- detect: ours <= 0.8 x MediaPipe's time per frame: 0.55, met" in text
    assert "- detect: iris centres within 1 px of MediaPipe's (median): 0.88, met" in text
    slow = peer.targets({"detect": dict(modes["detect"], compare={"ratio": 0.9})}, "clip.mp4")
    assert [target["met"] for target in slow] == [False, True] and slow[1]["applies"] is False
    json.dumps(report, allow_nan=False)  # what peer.json gets: no NaN anywhere


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
    worker = peer.Worker("ours", [sys.executable, str(peer.PEER_DIR / "ours_worker.py"), str(three_frames),
                                  "--config", json.dumps({"num_threads": 1})], tmp_path / "ours.log")
    try:
        ready = worker.wait_ready(timeout_s=300)
        assert (ready["frames"], ready["width"], ready["height"]) == (3, 512, 512)
        assert ready["settings"]["compile_properties"]["INFERENCE_NUM_THREADS"] == "1"
        assert ready["versions"]["openvino"]
        detect = worker.run("detect", tmp_path / "detect.npz", timeout_s=300)
        tracking = worker.run("tracking", tmp_path / "tracking.npz", timeout_s=300)
        with pytest.raises(peer.WorkerError, match="unknown mode 'fast'"):
            worker.run("fast", tmp_path / "fast.npz", timeout_s=300)
    finally:
        worker.close()
    assert worker.process.returncode == 0
    for run in (detect, tracking):
        assert run["found"].tolist() == [True] * 3
        assert run["landmarks"].shape == (3, 468, 2) and np.isfinite(run["landmarks"]).all()
        assert run["iris"].shape == (3, 2, 2) and _in_face_box(run["iris"])
        assert (run["iris"][:, 0, 0] < run["iris"][:, 1, 0]).all()  # image-left eye first
        assert (run["times_s"] > 0).all() and run["cpu_s"].shape == (3,)
    assert detect["detector_ran"].tolist() == [True, True, True]
    assert tracking["detector_ran"].tolist() == [True, False, False]  # the pass starts from detection
    assert not (tmp_path / "fast.npz").exists()


MEDIAPIPE_PYTHON = peer.DEFAULT_VENV / "bin" / "python"


@pytest.mark.skipif(peer.venv_problem(peer.DEFAULT_VENV) is not None,
                    reason="no MediaPipe venv (make it with tox -e peer or tools/peer_benchmark.py --setup)")
def test_mediapipe_worker_agrees_with_ours_on_the_photo(tmp_path, three_frames):
    workers = {"mediapipe": peer.Worker("MediaPipe", [str(MEDIAPIPE_PYTHON), str(peer.PEER_DIR / "mediapipe_worker.py"),
                                                      str(three_frames)], tmp_path / "mp.log"),
               "ours": peer.Worker("ours", [sys.executable, str(peer.PEER_DIR / "ours_worker.py"), str(three_frames)],
                                   tmp_path / "ours.log")}
    try:
        assert workers["mediapipe"].wait_ready(timeout_s=300)["versions"]["mediapipe"] == "0.10.21"
        workers["ours"].wait_ready(timeout_s=300)
        runs = {side: worker.run("detect", tmp_path / f"{side}.npz", timeout_s=300) for side, worker in workers.items()}
    finally:
        for worker in workers.values():
            worker.close()
    assert runs["mediapipe"]["landmarks"].shape == (3, 478, 2) and runs["mediapipe"]["found"].all()
    result = peer.agreement(runs["ours"], runs["mediapipe"])
    assert result["mediapipe_image_left_iris"] == {"468": 3, "473": 0}
    assert result["iris"]["both"]["median"] < 1.0
    assert result["mesh_all"]["median"] < 3.0


# --- the driver's exits ---------------------------------------------------------------------


@pytest.fixture
def still(tmp_path) -> Path:
    path = tmp_path / "still.png"
    cv2.imwrite(str(path), np.full((48, 64, 3), 128, np.uint8))
    return path


def _driver(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(DRIVER), *args], capture_output=True, text=True, timeout=300, cwd=ROOT)


@pytest.mark.parametrize("args, message", [
    (["--input", "/nonexistent/clip.mp4"], "no such file: /nonexistent/clip.mp4"),
    (["--rounds", "0"], "--rounds: expected a number >= 1 and <= 2147483647, got 0"),
    (["--max-frames", "many"], "--max-frames: expected a whole number, got 'many'"),
    (["--modes", "detect,fast"], "--modes: expected modes from detect, tracking"),
    (["--ours-set", "colour=blue"], "--ours-set 'colour=blue': expected key=value with key one of num_threads"),
    (["--ours-set", "num_threads=0"], "--ours-set num_threads: expected a number >= 1 and <= 2147483647, got 0"),
    (["--ours-set", "performance_hint=FAST"], "--ours-set performance_hint: expected one of LATENCY"),
    (["--input", "cam:0"], "a camera never ends: give --max-frames"),
])
def test_bad_input_is_one_line_and_exit_2(args, message, tmp_path):
    result = _driver(*args, "--venv", str(tmp_path / "no-venv"), "--out", str(tmp_path / "out"))
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert not (tmp_path / "out").exists()


def test_missing_venv_without_setup_is_exit_2(tmp_path, still):
    result = _driver("--input", str(still), "--venv", str(tmp_path / "no-venv"), "--out", str(tmp_path / "out"))
    assert result.returncode == 2
    assert result.stderr.strip() == (f"peer benchmark: error: no MediaPipe venv at {tmp_path / 'no-venv'}: "
                                     "run with --setup (or tox -e peer) to make it")
    assert not (tmp_path / "out").exists() and not (tmp_path / "no-venv").exists()


def test_out_that_is_a_file_is_exit_2(tmp_path, still):
    (tmp_path / "out").write_text("")
    result = _driver("--input", str(still), "--venv", str(tmp_path / "no-venv"), "--out", str(tmp_path / "out"))
    assert result.returncode == 2 and result.stderr.strip().endswith("is a file; give a folder")


def _fake_venv(tmp_path: Path, python: str) -> Path:
    """A 'venv' the driver accepts (its stamp matches) whose python is ``python``."""
    venv = tmp_path / "fake-venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").symlink_to(python)
    (venv / peer.STAMP_NAME).write_text(peer.requirements_digest() + "\n")
    return venv


def test_a_worker_that_fails_is_one_line_exit_1(tmp_path, still):
    venv = _fake_venv(tmp_path, sys.executable)  # a python without mediapipe (and, out of its venv, without cv2)
    result = _driver("--input", str(still), "--venv", str(venv), "--out", str(tmp_path / "out"))
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("peer benchmark: error: the MediaPipe worker ended (exit 1): "
                                    "ModuleNotFoundError: No module named "), result.stderr
    assert not (tmp_path / "out").exists()


def test_ctrl_c_ends_the_workers_and_writes_nothing(tmp_path, still):
    hang = tmp_path / "hang"
    hang.write_text("#!/bin/sh\nexec sleep 600\n")  # a MediaPipe worker that never gets ready
    hang.chmod(0o755)
    venv = _fake_venv(tmp_path, str(hang))
    proc = spawn([sys.executable, str(DRIVER), "--input", str(still), "--venv", str(venv), "--out", str(tmp_path / "out")])
    driver = psutil.Process(proc.pid)
    wait_until(lambda: len(driver.children()) == 2, proc, "both workers started")
    workers = driver.children()
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert stderr.strip() == "peer benchmark: interrupted; nothing written"
    assert not (tmp_path / "out").exists()
    for worker in workers:
        assert not worker.is_running() or worker.status() == psutil.STATUS_ZOMBIE
