"""`perfharness models layers` on the real models: node times add up to the whole inference."""

from __future__ import annotations

import json

import cv2
import pytest
from test_lab_cli import lab_main

from perfharness import zoo
from perfharness.core.errors import UsageError
from perfharness.lab.layers import BUSY_SHARE, SUM_TOLERANCE, profile


@pytest.mark.parametrize("model", ["face_detection", "face_landmarks", "iris_landmarks"])
def test_layer_sum_matches_whole_inference(model):
    result = profile(zoo.model_path("mediapipe", model, "FP32"), "FP32", runs=30)
    if result.cpu_share < BUSY_SHARE:
        pytest.skip(f"other processes took the core ({result.cpu_share:.0%} CPU share): node times cannot add up to wall time")
    low, high = SUM_TOLERANCE
    assert low <= result.sum_over_wall <= high, (result.sum_over_wall, result.total_s, result.wall_s)
    convolutions = [node for node in result.nodes if node.type == "Convolution"]
    assert convolutions and all(node.flops > 0 and "conv" in node.exec_type for node in convolutions)
    assert result.peak_gflops > 0


def test_side_by_side_fp32_fp16(capsys, tmp_path):
    plot = tmp_path / "layers.png"
    assert lab_main("models", "layers", "iris_landmarks", "--precisions", "FP32,FP16", "--runs", "5", "--top", "4",
                    "--plot", str(plot)) == 0
    image = cv2.imread(str(plot))
    assert image is not None and image.shape[0] > 200 and image.shape[1] > 600  # a real chart, decoded
    out = capsys.readouterr().out.splitlines()
    assert "FP32 kernel" in out[1] and "FP16 kernel" in out[1]
    footers = [i for i, line in enumerate(out) if line.startswith(("FP32:", "FP16:"))]
    assert footers[0] == 2 + 4 and len(footers) == 2  # title, header, the 4 slowest nodes
    assert all("sum/whole" in out[i] and "CPU share" in out[i] for i in footers)


def test_json_keys_align_across_precisions(capsys):
    lab_main("models", "layers", "mediapipe/face_detection", "--runs", "3", "--json")
    fp32, fp16 = json.loads(capsys.readouterr().out)
    assert {n["key"] for n in fp32["nodes"] if n["type"] == "Convolution"} == {n["key"] for n in fp16["nodes"] if n["type"] == "Convolution"}
    assert sum(n["share"] for n in fp32["nodes"]) == pytest.approx(1.0)


def test_a_set_or_repeated_precisions_are_refused():
    with pytest.raises(UsageError, match="profiles one model"):
        lab_main("models", "layers", "mediapipe")
    with pytest.raises(UsageError, match="without repeats"):
        lab_main("models", "layers", "iris_landmarks", "--precisions", "FP32,fp32")
