"""The controller on the synthetic sample clip and on the omz chain (synthetic-signature models)."""

from __future__ import annotations

import cv2
import numpy as np
import omz_synthetic

from perfharness.app.controller import ControllerOptions, run_controller
from perfharness.gaze.pipeline import build_pipeline
from perfharness.gaze.sources import open_source
from perfharness.results.frames import read_frames
from perfharness.run.settings import RunSettings


def test_sample_clip_end_to_end_moves_only_when_a_face_is_seen(tmp_path):
    frames_csv = tmp_path / "frames.csv"
    run = run_controller(ControllerOptions(input="sample", mouse="dry", window=False, frames_csv=frames_csv))
    with open_source("sample") as source:
        labels = source.labels
    rows = list(read_frames(frames_csv))
    assert run.measured.stats.frames == len(rows) == len(labels) == 120
    assert [row.index for row in rows] == list(range(120))
    for row in rows:
        label = labels[row.index]
        # a tracked frame follows one face; the detector counts them all
        assert row.face_count == (label.expected_faces if "face_detection.infer" in row.timings else 1), label
        if label.expected_faces == 0:
            assert row.pointer is None and row.gaze_angles is None
        else:
            assert row.pointer is not None
    assert all(0 <= x < 1920 and 0 <= y < 1080 for x, y in (row.pointer for row in rows if row.pointer))
    assert run.measured.stats.moves == sum(row.pointer is not None for row in rows)
    assert {"frame", "source.read", "pointer.map", "pointer.move"} <= set(rows[0].timings)
    summary = run.measured.stats.regions.summary()
    assert summary["frame"]["count"] == 120 and summary["face_landmarks.infer"]["count"] >= 120 - 18
    assert summary["face_detection.infer"]["count"] < 60  # tracking: the detector only where the track was lost


def test_omz_chain_runs_through_the_zoo(tmp_path, monkeypatch, astronaut):
    monkeypatch.setenv("PERFHARNESS_CACHE", str(tmp_path / "cache"))
    omz_synthetic.install_in_cache(omz_synthetic.build_omz_models(tmp_path / "build"))
    image = tmp_path / "face.png"
    cv2.imwrite(str(image), astronaut)
    frames_csv = tmp_path / "frames.csv"
    run = run_controller(ControllerOptions(input=str(image), settings=RunSettings(model_set="omz"), mouse="dry", window=False,
                                           frames_csv=frames_csv))
    (row,) = read_frames(frames_csv)
    assert row.face_found and row.gaze_angles is not None and row.pointer is not None
    result = build_pipeline("omz").process(astronaut)
    assert result.face_found and result.landmarks.shape == (5, 2)
    assert np.isclose(np.linalg.norm(result.gaze), 1.0)
    assert set(run.measured.load_times) == {"face_detection", "face_landmarks", "head_pose", "gaze"}
    assert {"face_detection.infer", "face_landmarks.infer", "head_pose.infer", "gaze.infer"} <= set(row.timings)
