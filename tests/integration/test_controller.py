"""The controller on the synthetic sample clip and on the omz chain (synthetic-signature models)."""

from __future__ import annotations

import cv2
import numpy as np

import omz_synthetic
from perfharness.controller import ControllerOptions, run_controller
from perfharness.gaze.sources import open_source


def test_sample_clip_end_to_end_moves_only_when_a_face_is_seen():
    run = run_controller(ControllerOptions(input="sample", mouse="dry", window=False))
    with open_source("sample") as source:
        labels = source.labels
    assert len(run.frames) == len(labels) == 120
    moved = {index for index, _, _ in run.moves}
    for result in run.frames:
        label = labels[result.frame_index]
        assert result.face_count == label.expected_faces, label
        if label.expected_faces == 0:
            assert result.frame_index not in moved and result.gaze is None
        else:
            assert result.frame_index in moved
    assert all(0 <= x < 1920 and 0 <= y < 1080 for _, x, y in run.moves)
    assert {"frame", "source.read", "pointer.map", "pointer.move"} <= set(run.frames[0].timings)


def test_omz_chain_runs_through_the_zoo(tmp_path, monkeypatch, astronaut):
    monkeypatch.setenv("PERFHARNESS_CACHE", str(tmp_path / "cache"))
    omz_synthetic.install_in_cache(omz_synthetic.build_omz_models(tmp_path / "build"))
    image = tmp_path / "face.png"
    cv2.imwrite(str(image), astronaut)
    run = run_controller(ControllerOptions(input=str(image), model_set="omz", mouse="dry", window=False))
    (result,) = run.frames
    assert result.face_found and result.landmarks.shape == (5, 2)
    assert np.isclose(np.linalg.norm(result.gaze), 1.0)
    assert set(run.load_times) == {"face_detection", "face_landmarks", "head_pose", "gaze"}
    assert {"face_detection.infer", "face_landmarks.infer", "head_pose.infer", "gaze.infer"} <= set(result.timings)
