"""Drift metrics between two runs of the chain, on hand-made frame results."""

from __future__ import annotations

import numpy as np
import pytest

from perfharness.core.errors import UsageError
from perfharness.gaze.result import EyeResult, FrameResult
from perfharness.lab.calibration_data import sample_frames
from perfharness.lab.precisions import Row, box_iou, drift, format_table
from perfharness.lab.targets import parse_precisions


def frame(shift: float = 0.0, gaze=(0.0, 0.0, 1.0), pose=(0.0, 0.0, 0.0), found: bool = True) -> FrameResult:
    landmarks = np.zeros((468, 3), np.float32)
    landmarks[33, :2], landmarks[263, :2] = (100, 100), (200, 100)  # inter-ocular distance 100 px
    landmarks[:, 0] += shift
    eye = EyeResult((0, 0, 1, 1), np.zeros((4, 2)), (150.0 + shift, 100.0))
    return FrameResult(0, found, int(found), (0.0, 0.0, 10.0, 10.0) if found else None, 0.9, landmarks if found else None,
                       eye, eye, pose, np.array(gaze, float))


def test_box_iou():
    assert box_iou((0, 0, 10, 10), (0, 0, 10, 10)) == 1.0
    assert box_iou((0, 0, 10, 10), (5, 0, 15, 10)) == pytest.approx(50 / 150)
    assert box_iou((0, 0, 1, 1), (2, 2, 3, 3)) == 0.0


def test_drift_by_hand():
    turned = (np.sin(np.radians(3)), 0.0, np.cos(np.radians(3)))
    d = drift([frame(), frame(), frame(found=False)], [frame(2.0, turned, (1.0, 2.0, 3.0)), frame(), frame(found=False)])
    assert d.frames == 2 and d.agreement == 1.0 and d.box_iou == 1.0
    assert d.landmarks_px == pytest.approx(1.0) and d.landmarks_iod == pytest.approx(0.01)
    assert d.iris_px == pytest.approx(1.0) and d.iris_px_max == pytest.approx(2.0) and d.iris_iod == pytest.approx(0.01)
    assert d.head_pose_deg == pytest.approx(1.0) and d.head_pose_deg_max == pytest.approx(2.0)
    assert d.gaze_deg == pytest.approx(1.5) and d.gaze_deg_max == pytest.approx(3.0)


def test_identical_runs_have_zero_drift_and_disagreement_counts():
    assert drift([frame()], [frame()]).gaze_deg == 0.0
    d = drift([frame(), frame()], [frame(), frame(found=False)])
    assert d.agreement == 0.5 and d.frames == 1


def test_markdown_table_has_a_row_per_model_and_precision():
    rows = [Row("iris_landmarks", "FP32", 3072, 2048, 0.1, 0.002, drift([frame()], [frame()])), Row("chain", "INT8")]
    text = format_table(rows, markdown=True).splitlines()
    assert len(text) == 4 and text[0].startswith("| model | precision") and "| iris_landmarks | FP32 | 3 | 2 | 100.0 | 2.000 |" in text[2]


def test_precision_lists_and_splits():
    assert parse_precisions("fp32, int8") == ["FP32", "INT8"]
    with pytest.raises(UsageError):
        parse_precisions(",")
    with pytest.raises(ValueError, match="calibration, held_out"):
        sample_frames("train")
