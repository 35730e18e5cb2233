"""INT8 by NNCF: quantized into a fresh cache, loaded, run on the astronaut and the held-out frames.

Accuracy bounds, from drift against FP32 measured here (openvino 2026.4.1, nncf 3.4.0, AMD EPYC,
1 thread; INT8 at the device default hint as the controller compiles it), on the 51 held-out
frames with a face: chain box IoU mean 0.978 / min 0.949, landmarks 0.63 px (0.006 IOD), iris
centres 0.25 px mean / 0.49 px max, head pose 0.58 deg mean / 1.9 deg max, gaze 2.0 deg mean /
5.3 deg max. Bounds leave about 2x headroom for other CPUs (other kernels, other rounding).
"""

from __future__ import annotations

import json
import shutil

import pytest
from test_lab_cli import lab_main

from perfharness import zoo
from perfharness.core.errors import ModelError, UsageError
from perfharness.gaze.pipeline import build_pipeline
from perfharness.lab import precisions
from perfharness.runtime.engine import EngineConfig
from perfharness.zoo import layout
from perfharness.zoo.cache import cache_root

pytest.importorskip("nncf", reason="INT8 tests need the lab extra (pip install 'perfharness[lab]')")

BOUNDS = {"box_iou": 0.9, "box_iou_min": 0.85, "landmarks_px": 1.5, "iris_px": 0.6, "iris_px_max": 1.2,
          "head_pose_deg": 1.5, "head_pose_deg_max": 4.0, "gaze_deg": 4.0, "gaze_deg_max": 10.0}


@pytest.fixture(scope="module")
def int8_cache(tmp_path_factory):
    """A cache with the verified sources, media and FP32 IR copied in, then `models quantize` run in it."""
    real, fresh = cache_root(), tmp_path_factory.mktemp("cache")
    fp32 = layout.ir_path(zoo.load_manifest().sets["mediapipe"].models["face_detection"], "FP32").parent
    for folder in (real / "source", real / "media", fp32):
        shutil.copytree(folder, fresh / folder.relative_to(real))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PERFHARNESS_CACHE", str(fresh))
        assert lab_main("models", "quantize", "mediapipe") == 0
        yield fresh


def test_quantize_writes_recorded_int8_ir_next_to_fp32(int8_cache, capsys):
    for model in ("face_detection", "face_landmarks", "iris_landmarks"):
        xml = zoo.model_path("mediapipe", model, "INT8")
        assert xml.is_relative_to(int8_cache) and xml.parent.name == "INT8"
        record = json.loads(layout.record_path(xml).read_text())
        assert record["precision"] == "INT8" and record["nncf"] and "even frames" in record["calibration"]
    assert ("iris_landmarks", "INT8", None) in zoo.verify("mediapipe")


def test_int8_weights_are_int8(int8_cache, capsys):
    lab_main("models", "complexity", "iris_landmarks", "--precision", "INT8", "--json")
    (result,) = json.loads(capsys.readouterr().out)
    layers = [layer for layer in result["layers"] if layer["type"] in ("Convolution", "GroupConvolution")]
    assert sum(layer["integer"] for layer in layers) >= 0.9 * len(layers)
    assert result["totals"]["stored_weight_bytes"] < 0.3 * 4 * result["totals"]["params"]


def test_int8_runs_on_the_astronaut(int8_cache, astronaut):
    fp32 = build_pipeline("mediapipe", EngineConfig(precision="FP32")).process(astronaut)
    int8 = build_pipeline("mediapipe", EngineConfig(precision="INT8")).process(astronaut)
    assert int8.face_found and int8.face_count == 1 and int8.landmarks.shape == (468, 3)
    d = precisions.drift([fp32], [int8])
    assert d.frames == 1 and d.box_iou > BOUNDS["box_iou"] and d.iris_px_max < BOUNDS["iris_px_max"]
    assert d.head_pose_deg_max < BOUNDS["head_pose_deg_max"] and d.gaze_deg_max < BOUNDS["gaze_deg_max"]


def test_compare_precisions_on_held_out_frames_stays_within_bounds(int8_cache):
    rows = {(row.model, row.precision): row for row in precisions.compare(["FP32", "FP16", "INT8"])}
    chain = rows["chain", "INT8"].drift
    assert chain.frames >= 45 and chain.agreement == 1.0
    assert chain.box_iou > BOUNDS["box_iou"] and chain.box_iou_min > BOUNDS["box_iou_min"]
    for name in ("landmarks_px", "iris_px", "iris_px_max", "head_pose_deg", "head_pose_deg_max", "gaze_deg", "gaze_deg_max"):
        assert getattr(chain, name) < BOUNDS[name], name
    assert rows["chain", "FP32"].drift.gaze_deg == 0.0
    assert rows["iris_landmarks", "FP16"].drift.gaze_deg < 0.1  # FP16 weights, f32 compute
    assert rows["iris_landmarks", "INT8"].file_bytes < rows["iris_landmarks", "FP32"].file_bytes
    assert all(row.latency_s > 0 for row in rows.values() if row.model != "chain")


def test_omz_is_not_quantized_here(int8_cache):
    with pytest.raises(UsageError, match="has its own INT8 variant"):
        lab_main("models", "quantize", "omz")
    with pytest.raises(UsageError, match="unknown model set"):
        lab_main("models", "quantize", "nope")


def test_missing_int8_says_quantize(tmp_path, monkeypatch):
    monkeypatch.setenv("PERFHARNESS_CACHE", str(tmp_path))
    with pytest.raises(ModelError, match="run `perfharness models quantize mediapipe`"):
        build_pipeline("mediapipe", EngineConfig(precision="INT8"))
