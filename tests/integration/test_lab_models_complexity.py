"""`perfharness models complexity` on the real mediapipe models, through the lab's parser."""

from __future__ import annotations

import json

import pytest
from test_lab_cli import lab_main

from perfharness.core.errors import UsageError
from perfharness.zoo.layout import openvino_version_tag

# From the pinned .tflite files. MACs do not depend on the converter; parameters move slightly:
# openvino 2024.6 folds the bias of each depthwise convolution into the next 1x1 convolution's
# bias, so the same models have fewer parameters there.
EXPECTED = {
    "mediapipe/face_detection": (101_390, 30_760_960),
    "mediapipe/face_landmarks": (604_685, 34_979_040),
    "mediapipe/iris_landmarks": (649_764, 53_667_328),
}
if openvino_version_tag().startswith("2024."):
    EXPECTED.update({"mediapipe/face_detection": (100_412, 30_760_960), "mediapipe/face_landmarks": (603_133, 34_979_040)})


def test_json_totals_of_the_mediapipe_set(capsys):
    assert lab_main("models", "complexity", "mediapipe", "--json") == 0
    results = {r["model"]: r for r in json.loads(capsys.readouterr().out)}
    assert set(results) == set(EXPECTED)
    for name, (params, macs) in EXPECTED.items():
        totals = results[name]["totals"]
        assert (totals["params"], totals["macs"]) == (params, macs)
        assert totals["flops"] >= 2 * totals["macs"]
        assert totals["weight_bytes"] == {"FP32": 4 * totals["params"], "FP16": 2 * totals["params"], "INT8": totals["params"]}
        assert results[name]["energy"]["total_pj"] > results[name]["energy"]["weights_on_chip_total_pj"] > 0


@pytest.mark.parametrize("precision, bytes_per_weight", [("FP32", 4), ("FP16", 2)])
def test_stored_weights_follow_the_ir_precision_of_the_iris_model(capsys, precision, bytes_per_weight):
    lab_main("models", "complexity", "iris_landmarks", "--precision", precision, "--json")
    (result,) = json.loads(capsys.readouterr().out)
    assert result["totals"]["stored_weight_bytes"] == bytes_per_weight * result["totals"]["params"]


def test_fp16_weights_through_convert_count_as_parameters(capsys):
    # the FP16 IR stores f16 constants that reach each layer through Convert (decompression)
    for precision in ("FP32", "FP16"):
        lab_main("models", "complexity", "mediapipe/face_landmarks", "--precision", precision, "--json")
    fp32, fp16 = (json.loads(chunk)[0] for chunk in capsys.readouterr().out.replace("]\n[", "]\0[").split("\0"))
    assert fp16["totals"]["params"] == fp32["totals"]["params"]
    assert fp16["totals"]["stored_weight_bytes"] == 2 * fp16["totals"]["params"]
    assert not any(layer["type"] == "Convert" for layer in fp16["layers"])


def test_table_prints_layers_totals_and_the_labelled_energy_model(capsys):
    lab_main("models", "complexity", "face_detection")
    out = capsys.readouterr().out
    assert "Convolution" in out and "GroupConvolution" in out and "\ntotal " in out
    assert "energy MODEL (Han et al. 2015, 45 nm), not a measurement" in out and "640 pJ" in out


def test_unknown_model_and_missing_file(tmp_path):
    with pytest.raises(UsageError, match="has no model 'eyes'"):
        lab_main("models", "complexity", "eyes")
    with pytest.raises(UsageError, match="no such IR file"):
        lab_main("models", "complexity", str(tmp_path / "none.xml"))
