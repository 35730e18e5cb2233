"""Tiny stand-ins for the Open Model Zoo gaze chain: the published tensor names and shapes,
deterministic outputs that tests can check exactly. Saved as OpenVINO IR (FP32)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import openvino as ov

try:
    import openvino.opset13 as ops
except ImportError:  # openvino 2024.x keeps the opsets under openvino.runtime
    import openvino.runtime.opset13 as ops

# face-detection-adas-0001 rows: image_id, label, conf, x0, y0, x1, y1 (normalised).
DETECTION_ROWS = np.array([
    [0, 1, 0.70, 0.90, 0.80, 1.10, 1.20],  # face leaving the frame's bottom-right corner
    [0, 1, 0.90, 0.25, 0.20, 0.50, 0.70],  # the best face
    [0, 2, 0.95, 0.10, 0.10, 0.20, 0.20],  # not a face label
    [0, 1, 0.30, 0.60, 0.10, 0.70, 0.30],  # below the score threshold
    [-1, 0, 0, 0, 0, 0, 0],                # end of the list
    [0, 1, 0.99, 0.00, 0.00, 0.10, 0.10],  # after the end: must be ignored
], np.float32)
# landmarks-regression-retail-0009: (x, y) normalised to the face crop.
LANDMARKS = np.array([[0.30, 0.40], [0.70, 0.40], [0.50, 0.60], [0.35, 0.80], [0.65, 0.80]], np.float32)
# head-pose-estimation-adas-0001, OMZ convention, degrees.
HEAD_POSE_OMZ = (20.0, -10.0, 15.0)
HEAD_POSE_NAMES = ("fc_y", "fc_p", "fc_r")
HEAD_POSE_OLD_NAMES = ("angle_y_fc", "angle_p_fc", "angle_r_fc")


def _parameter(name: str, shape: list[int]):
    node = ops.parameter(shape, np.float32, name=name)
    node.output(0).get_tensor().set_names({name})
    return node


def _named(node, name: str):
    node.set_friendly_name(name)
    node.output(0).get_tensor().set_names({name})
    return ops.result(node)


def _save(results: list, parameters: list, folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.xml"
    ov.save_model(ov.Model(results, parameters, name), str(path), compress_to_fp16=False)
    return path


def _constant_of(image, value: np.ndarray):
    """``value``, made to depend on the NCHW ``image`` (+ 0 x its mean) so the input is really used."""
    zero = ops.multiply(ops.reduce_mean(image, [0, 1, 2, 3], False), np.float32(0))
    return ops.add(ops.constant(value), zero)


def build_face_detection(folder: Path, shape: tuple[int, ...] = (1, 3, 384, 672)) -> Path:
    """``data`` -> ``detection_out`` [1,1,200,7]: DETECTION_ROWS, padded with zero rows."""
    rows = np.zeros((1, 1, 200, 7), np.float32)
    rows[0, 0, : len(DETECTION_ROWS)] = DETECTION_ROWS
    data = _parameter("data", list(shape))
    return _save([_named(_constant_of(data, rows), "detection_out")], [data], folder, "face_detection")


def build_face_landmarks(folder: Path) -> Path:
    """``0`` -> one unnamed-by-contract output [1,10,1,1]: LANDMARKS."""
    image = _parameter("0", [1, 3, 48, 48])
    points = _constant_of(image, LANDMARKS.reshape(1, 10, 1, 1))
    return _save([_named(points, "95")], [image], folder, "face_landmarks")


def build_head_pose(folder: Path, names: tuple[str, str, str] = HEAD_POSE_NAMES) -> Path:
    """``data`` -> three [1,1] outputs named ``names`` (yaw, pitch, roll): HEAD_POSE_OMZ."""
    data = _parameter("data", [1, 3, 60, 60])
    results = [_named(_constant_of(data, np.full((1, 1), angle, np.float32)), name)
               for angle, name in zip(HEAD_POSE_OMZ, names)]
    return _save(results, [data], folder, f"head_pose_{names[0]}")


def build_gaze(folder: Path, left_name: str = "left_eye_image") -> Path:
    """``gaze_vector = head_pose_angles + [(mean(left_eye_image) - mean(right_eye_image)) / 255, 0, 0]``."""
    left = _parameter(left_name, [1, 3, 60, 60])
    right = _parameter("right_eye_image", [1, 3, 60, 60])
    angles = _parameter("head_pose_angles", [1, 3])
    difference = ops.subtract(ops.reduce_mean(left, [1, 2, 3], True), ops.reduce_mean(right, [1, 2, 3], True))
    x_only = ops.multiply(ops.reshape(difference, [1, 1], False), np.array([[1 / 255, 0, 0]], np.float32))
    gaze = _named(ops.add(angles, x_only), "gaze_vector")
    return _save([gaze], [left, right, angles], folder, f"gaze_{left_name}")


def build_omz_models(folder: Path) -> dict[str, Path]:
    """All four models of the set, keyed like the manifest's "omz" set."""
    return {
        "face_detection": build_face_detection(folder),
        "face_landmarks": build_face_landmarks(folder),
        "head_pose": build_head_pose(folder),
        "gaze": build_gaze(folder),
    }


def build_wrong_models(folder: Path) -> dict[str, Path]:
    """Models with a wrong signature: a gaze model whose input is named ``left_eye`` and a face
    detector whose ``data`` input is 300x300."""
    return {
        "wrong_name": build_gaze(folder / "wrong_name", left_name="left_eye"),
        "wrong_shape": build_face_detection(folder / "wrong_shape", shape=(1, 3, 300, 300)),
    }


def install_in_cache(models: dict[str, Path], precision: str = "FP32") -> None:
    """Place models where omz_downloader would put them in the current cache, with sha256 records."""
    from perfharness.zoo import layout
    from perfharness.zoo.manifest import load_manifest

    model_set = load_manifest().sets["omz"]
    for name, xml in models.items():
        target = layout.omz_ir_path(model_set.models[name], model_set.downloader["omz_precisions"][precision])
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(xml, target)
        shutil.copy(xml.with_suffix(".bin"), target.with_suffix(".bin"))
        layout.write_ir_record(target)
