"""Draw a FrameResult onto a frame: face box, landmarks, eyes and irises, head-pose axes, gaze."""

from __future__ import annotations

import cv2
import numpy as np

from perfharness.core.errors import UsageError
from perfharness.gaze.gaze_geometry import direction
from perfharness.gaze.result import FrameResult

LAYERS = ("face", "landmarks", "iris", "pose", "gaze")


def _point(xy) -> tuple[int, int]:
    return int(round(xy[0])), int(round(xy[1]))


def _arrow(image: np.ndarray, origin, vector: np.ndarray, length: float, colour) -> None:
    # our axes have y up; the image has y down
    tip = (origin[0] + vector[0] * length, origin[1] - vector[1] * length)
    cv2.arrowedLine(image, _point(origin), _point(tip), colour, 2, cv2.LINE_AA, tipLength=0.2)


def draw(frame: np.ndarray, result: FrameResult, layers: set[str]) -> np.ndarray:
    """A copy of ``frame`` with the requested layers drawn (names from ``LAYERS``)."""
    image = frame.copy()
    if not result.face_found or result.face_box is None:
        cv2.putText(image, "no face", (10, 30), cv2.FONT_HERSHEY_SIMPLEX, 0.8, (0, 0, 255), 2, cv2.LINE_AA)
        return image
    x0, y0, x1, y1 = result.face_box
    size = max(x1 - x0, y1 - y0)
    centre = ((x0 + x1) / 2, (y0 + y1) / 2)
    if "face" in layers:
        cv2.rectangle(image, _point((x0, y0)), _point((x1, y1)), (0, 255, 0), 2)
        cv2.putText(image, f"{result.face_score:.2f}", _point((x0, y0 - 5)), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 255, 0), 1)
    if "landmarks" in layers and result.landmarks is not None:
        for point in result.landmarks[:, :2]:
            cv2.circle(image, _point(point), 1, (255, 200, 0), -1)
    eyes = [eye for eye in (result.left_eye, result.right_eye) if eye is not None]
    if "iris" in layers:
        for eye in eyes:
            cv2.polylines(image, [np.round(eye.crop_corners).astype(np.int32)], True, (200, 200, 200), 1)
            if eye.iris_center is not None:
                cv2.circle(image, _point(eye.iris_center), 2, (0, 0, 255), -1)
    if "pose" in layers and result.head_pose is not None:
        yaw, pitch, _ = result.head_pose
        _arrow(image, centre, direction(yaw, pitch), size * 0.6, (255, 0, 255))
    if "gaze" in layers and result.gaze is not None:
        for eye in eyes:
            origin = eye.iris_center or ((eye.box[0] + eye.box[2]) / 2, (eye.box[1] + eye.box[3]) / 2)
            _arrow(image, origin, result.gaze, size * 0.8, (0, 255, 255))
    return image


def parse_layers(text: str) -> set[str]:
    """``face,landmarks`` -> {"face", "landmarks"}; ``all`` for every layer, empty for none."""
    if text.strip() in ("", "none"):
        return set()
    if text.strip() == "all":
        return set(LAYERS)
    layers = {part.strip() for part in text.split(",") if part.strip()}
    unknown = layers - set(LAYERS)
    if unknown:
        raise UsageError(f"unknown --show layer(s) {', '.join(sorted(unknown))}; choose from {', '.join(LAYERS)}")
    return layers
