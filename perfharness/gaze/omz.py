"""Stage adapters for the Open Model Zoo gaze chain: face-detection-adas-0001,
landmarks-regression-retail-0009, head-pose-estimation-adas-0001, gaze-estimation-adas-0002.

All inputs are BGR 0..255 float NCHW. Everything returned is in result.py's conventions; the
OMZ conventions are converted here, in ``omz_pose_to_ours`` and ``omz_gaze_to_ours``.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from perfharness.gaze.geometry import RotatedRect, apply_affine, box_of, crop
from perfharness.gaze.result import Box, Detection, EyeResult, FrameResult
from perfharness.gaze.stage import ModelStage
from perfharness.runtime.engine import EngineConfig
from perfharness.zoo.manifest import ModelSpec

DETECTION_SIZE = (672, 384)  # width, height of face-detection-adas-0001's input
FACE_LABEL = 1
SCORE_THRESHOLD = 0.5
LANDMARKS_SIZE = 48
HEAD_POSE_SIZE = 60
EYE_SIZE = 60
# Side of an eye crop relative to the distance between the two eye centres. The OMZ gaze demo
# crops 1.8 x the eye-corner distance; an eye is about 0.45 x the inter-eye distance wide.
EYE_CROP_SCALE = 0.8
# Signature keys of the manifest's "omz" set.
HEAD_POSE_KEYS = ("fc_y|angle_y_fc", "fc_p|angle_p_fc", "fc_r|angle_r_fc")


def to_nchw(image: np.ndarray) -> np.ndarray:
    """An HxWx3 BGR image as a 1x3xHxW float32 tensor, values unchanged (0..255)."""
    return np.ascontiguousarray(image.transpose(2, 0, 1)[None], dtype=np.float32)


def box_rect(box: Box) -> RotatedRect:
    """The axis-aligned rectangle of a box."""
    x0, y0, x1, y1 = box
    return RotatedRect((x0 + x1) / 2, (y0 + y1) / 2, x1 - x0, y1 - y0)


def omz_pose_to_ours(angles: tuple[float, float, float]) -> tuple[float, float, float]:
    """Convert (yaw, pitch, roll) degrees between OMZ's convention and ours; its own inverse.

    OMZ (model card: x from the face to the camera, y to the right, z up; yaw and pitch
    counter-clockwise, roll clockwise; the gaze demo draws y as the image's right): yaw > 0
    turns the face towards the image's right, pitch > 0 tilts it down, roll > 0 is clockwise
    in the image. Ours: the same yaw, pitch > 0 up, roll > 0 counter-clockwise. So
    (yaw, pitch, roll) -> (yaw, -pitch, -roll).
    """
    yaw, pitch, roll = angles
    return float(yaw), float(-pitch), float(-roll)


def omz_gaze_to_ours(vector: np.ndarray) -> np.ndarray:
    """The unit gaze vector in our frame from gaze-estimation-adas-0002's raw ``gaze_vector``.

    x (image's right) and y (up) agree: the OMZ demo draws the arrow (x, -y) in image pixels.
    z is flipped: the demo's horizontal gaze angle 90° + atan2(z, x) is 0 for z < 0, and published
    outputs for users facing a webcam have z of -0.8..-0.9, although the model card says z points
    from the eyes to the camera. Ours has z > 0 when looking at the camera.
    """
    x, y, z = (float(v) for v in np.ravel(vector))
    ours = np.array([x, y, -z])
    return ours / np.linalg.norm(ours)


class OmzFaceDetector(ModelStage):
    """face-detection-adas-0001: every face with score >= SCORE_THRESHOLD, best first, as
    ``result.detections`` and ``result.face_count``."""

    name = "face_detection"

    def preprocess(self, frame: np.ndarray, result: FrameResult) -> tuple[dict[str, np.ndarray], tuple[int, int]]:
        """Resize (not letterbox) to 672x384, as the OMZ demos do; the frame's (width, height)."""
        resized = cv2.resize(frame, DETECTION_SIZE, interpolation=cv2.INTER_LINEAR)
        return {"data": to_nchw(resized)}, (frame.shape[1], frame.shape[0])

    def postprocess(self, outputs: dict[str, np.ndarray], size: tuple[int, int], result: FrameResult) -> None:
        """Rows (image_id, label, conf, x0, y0, x1, y1) normalised; image_id < 0 ends the list."""
        width, height = size
        rows = outputs["detection_out"].reshape(-1, 7)
        ends = np.flatnonzero(rows[:, 0] < 0)
        if ends.size:
            rows = rows[: ends[0]]
        rows = rows[(rows[:, 1] == FACE_LABEL) & (rows[:, 2] >= SCORE_THRESHOLD)]
        rows = rows[np.argsort(-rows[:, 2], kind="stable")]
        scale = np.array([width, height, width, height], np.float64)
        detections = []
        for row in rows:
            x0, y0, x1, y1 = np.clip(row[3:7] * scale, 0, scale)
            if x1 > x0 and y1 > y0:
                detections.append(Detection((float(x0), float(y0), float(x1), float(y1)), float(row[2])))
        result.detections, result.face_count = detections, len(detections)


class OmzFaceLandmarks(ModelStage):
    """landmarks-regression-retail-0009 in the face box: ``result.landmarks``, five points in frame
    pixels, in the model's order: the image-left eye (``left_eye`` in result.py, the subject's
    right eye), the image-right eye, the nose tip, the image-left and the image-right lip corner.
    It has no presence score: the face is found wherever the detector put it."""

    name = "face_landmarks"

    def preprocess(self, frame: np.ndarray, result: FrameResult) -> tuple[dict[str, np.ndarray], np.ndarray]:
        result.face_crop = box_rect(result.face_box)
        patch, to_frame = crop(frame, result.face_crop, LANDMARKS_SIZE, LANDMARKS_SIZE)
        return {"0": to_nchw(patch)}, to_frame

    def postprocess(self, outputs: dict[str, np.ndarray], to_frame: np.ndarray, result: FrameResult) -> None:
        result.landmarks = apply_affine(to_frame, outputs["*"].reshape(5, 2) * LANDMARKS_SIZE)
        result.face_found = True


class OmzHeadPose(ModelStage):
    """head-pose-estimation-adas-0001 on the face box: ``result.head_pose``, (yaw, pitch, roll)
    degrees in our convention (see ``omz_pose_to_ours``). Either generation of output names is accepted."""

    name = "head_pose"

    def preprocess(self, frame: np.ndarray, result: FrameResult) -> tuple[dict[str, np.ndarray], None]:
        patch, _ = crop(frame, box_rect(result.face_box), HEAD_POSE_SIZE, HEAD_POSE_SIZE)
        return {"data": to_nchw(patch)}, None

    def postprocess(self, outputs: dict[str, np.ndarray], meta: None, result: FrameResult) -> None:
        yaw, pitch, roll = (float(outputs[key].ravel()[0]) for key in HEAD_POSE_KEYS)
        result.head_pose = omz_pose_to_ours((yaw, pitch, roll))


class OmzGaze(ModelStage):
    """gaze-estimation-adas-0002 on square eye crops centred on the two eye landmarks, side
    EYE_CROP_SCALE x the inter-eye distance: ``result.gaze`` (unit vector) and both eyes' crops
    (``left_eye``, ``right_eye``, no iris). ``left_eye_image`` gets the image-left eye, as in the
    OMZ demo. With ``roll_align`` (the demo's default) the crops are rotated with the head's
    roll, roll 0 is fed and the gaze vector is rotated back."""

    name = "gaze"

    def __init__(self, path: Path, spec: ModelSpec, config: EngineConfig, roll_align: bool = True) -> None:
        super().__init__(path, spec, config)
        self.roll_align = roll_align

    def eye_rects(self, landmarks5: np.ndarray, angle: float) -> tuple[RotatedRect, RotatedRect]:
        """Crop squares of the image-left and image-right eye, tilted by ``angle`` (radians, clockwise on screen)."""
        left, right = np.asarray(landmarks5, float)[:2]
        side = max(EYE_CROP_SCALE * float(np.hypot(*(right - left))), 1.0)
        return tuple(RotatedRect(float(x), float(y), side, side, angle) for x, y in (left, right))

    def preprocess(self, frame: np.ndarray,
                   result: FrameResult) -> tuple[dict[str, np.ndarray], tuple[float, tuple[RotatedRect, RotatedRect]]]:
        """Both eye crops and the head pose in OMZ's convention; the crops' tilt and rectangles."""
        yaw, pitch, roll = omz_pose_to_ours(result.head_pose)  # the conversion is its own inverse: ours -> OMZ
        tilt = np.radians(roll) if self.roll_align else 0.0
        rects = self.eye_rects(result.landmarks, tilt)
        left, right = (to_nchw(crop(frame, rect, EYE_SIZE, EYE_SIZE)[0]) for rect in rects)
        angles = np.array([[yaw, pitch, 0.0 if self.roll_align else roll]], np.float32)
        return {"left_eye_image": left, "right_eye_image": right, "head_pose_angles": angles}, (tilt, rects)

    def postprocess(self, outputs: dict[str, np.ndarray], meta: tuple[float, tuple[RotatedRect, RotatedRect]],
                    result: FrameResult) -> None:
        tilt, rects = meta
        x, y, z = outputs["gaze_vector"].ravel()
        # The crop's x axis is the image's turned clockwise by ``tilt``; turn the vector back (y up).
        cos, sin = np.cos(tilt), np.sin(tilt)
        result.gaze = omz_gaze_to_ours(np.array([x * cos + y * sin, -x * sin + y * cos, z]))
        result.left_eye, result.right_eye = (EyeResult(box_of(corners), corners)
                                             for corners in (rect.corners() for rect in rects))
