"""MediaPipe BlazeFace short-range face detector (128x128 input, 896 SSD anchors)."""

from __future__ import annotations

import cv2
import numpy as np

from perfharness.gaze.geometry import rgb_tensor
from perfharness.gaze.result import Detection, FrameResult
from perfharness.gaze.stage import ModelStage

INPUT_SIZE = 128
SCORE_THRESHOLD = 0.5
NMS_IOU = 0.3
# Keypoints of a detection, by index: subject's right eye, left eye, nose tip, mouth centre,
# right ear tragion, left ear tragion (the first appears on the image's left).
KEYPOINT_COUNT = 6


def ssd_anchors() -> np.ndarray:
    """(896, 2) anchor centres of the short-range model, normalised: strides 8, 16, 16, 16 with
    two anchors per cell per layer, consecutive layers of one stride sharing a grid."""
    centres = []
    strides = [8, 16, 16, 16]
    layer = 0
    while layer < len(strides):
        stride = strides[layer]
        per_cell = 0
        while layer < len(strides) and strides[layer] == stride:
            per_cell += 2
            layer += 1
        grid = INPUT_SIZE // stride
        ys, xs = np.meshgrid(np.arange(grid), np.arange(grid), indexing="ij")
        cell = np.stack([(xs + 0.5) / grid, (ys + 0.5) / grid], axis=-1).reshape(-1, 2)
        centres.append(np.repeat(cell, per_cell, axis=0))
    return np.concatenate(centres).astype(np.float32)


def area_downscale(image: np.ndarray, out: np.ndarray) -> None:
    """``image`` resized into ``out`` by OpenCV's area average (``INTER_AREA``). When ``image`` is an
    odd whole multiple k of ``out`` on both sides (640x480 -> 128x96: k = 5), the same pixels come
    from a k x k box filter read every k pixels, in about 60 % of the time (INTER_AREA runs its
    generic loop for k > 2); for an even k the two round halves differently, so INTER_AREA does it."""
    height, width = image.shape[:2]
    out_h, out_w = out.shape[:2]
    k = width // out_w
    if k > 1 and k % 2 and width == k * out_w and height == k * out_h:
        out[...] = cv2.blur(image, (k, k), anchor=(0, 0))[::k, ::k]
    else:
        cv2.resize(image, (out_w, out_h), dst=out, interpolation=cv2.INTER_AREA)


def weighted_nms(boxes: np.ndarray, scores: np.ndarray, keypoints: np.ndarray, iou_threshold: float) -> list[tuple[np.ndarray, float, np.ndarray]]:
    """MediaPipe's weighted non-maximum suppression: overlapping candidates are averaged by score."""
    order = np.argsort(-scores)
    remaining = list(order)
    kept = []
    while remaining:
        best = remaining[0]
        ious = _iou(boxes[best], boxes[remaining])
        cluster = [idx for idx, iou in zip(remaining, ious) if iou > iou_threshold]
        weights = scores[cluster][:, None]
        box = (boxes[cluster] * weights).sum(0) / weights.sum()
        kps = (keypoints[cluster] * weights[:, :, None]).sum(0) / weights.sum()
        kept.append((box, float(scores[best]), kps))
        remaining = [idx for idx, iou in zip(remaining, ious) if iou <= iou_threshold]
    return kept


def _iou(box: np.ndarray, others: np.ndarray) -> np.ndarray:
    x0 = np.maximum(box[0], others[:, 0])
    y0 = np.maximum(box[1], others[:, 1])
    x1 = np.minimum(box[2], others[:, 2])
    y1 = np.minimum(box[3], others[:, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    area = lambda b: (b[..., 2] - b[..., 0]) * (b[..., 3] - b[..., 1])  # noqa: E731
    return inter / np.maximum(area(box) + area(others) - inter, 1e-9)


class BlazeFaceDetector(ModelStage):
    """Every face above the score threshold in a BGR frame, best first: ``result.detections`` and
    ``result.face_count``."""

    name = "face_detection"

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._anchors = ssd_anchors()
        self._canvas = np.zeros((INPUT_SIZE, INPUT_SIZE, 3), np.uint8)  # the letterboxed frame, reused
        self._fitted: tuple[int, int] | None = None  # the (width, height) its black padding was laid for

    def preprocess(self, frame: np.ndarray, result: FrameResult) -> tuple[None, tuple[float, float, float]]:
        """Letterbox to 128x128 RGB in [-1, 1], written into the model's input; (scale, pad_x, pad_y).

        The downscale is OpenCV's area average: a bilinear warp (4x cheaper here) aliases enough
        to raise false faces on a turned head (score 0.52 on the sample photo turned by 0.15)."""
        height, width = frame.shape[:2]
        scale = INPUT_SIZE / max(height, width)
        new_w, new_h = round(width * scale), round(height * scale)
        pad_x, pad_y = (INPUT_SIZE - new_w) // 2, (INPUT_SIZE - new_h) // 2
        if self._fitted != (new_w, new_h):
            self._canvas.fill(0)
            self._fitted = (new_w, new_h)
        area_downscale(frame, self._canvas[pad_y:pad_y + new_h, pad_x:pad_x + new_w])
        rgb_tensor(self._canvas, self.model.input_tensor("input")[0], 1 / 127.5, -1.0)
        return None, (scale, pad_x, pad_y)

    def postprocess(self, outputs: dict[str, np.ndarray], letterbox: tuple[float, float, float],
                    result: FrameResult) -> None:
        result.detections = self._decode(outputs, letterbox)
        result.face_count = len(result.detections)

    def _decode(self, outputs: dict[str, np.ndarray], letterbox: tuple[float, float, float]) -> list[Detection]:
        """Decode the anchors, keep the faces above SCORE_THRESHOLD, merge overlaps, map to frame pixels."""
        raw = outputs["regressors"][0]
        logits = np.clip(outputs["classificators"][0, :, 0].astype(np.float64), -100, 100)
        scores = 1 / (1 + np.exp(-logits))
        keep = scores >= SCORE_THRESHOLD
        if not keep.any():
            return []
        raw, scores, anchors = raw[keep], scores[keep], self._anchors[keep]
        centre = raw[:, 0:2] / INPUT_SIZE + anchors
        size = raw[:, 2:4] / INPUT_SIZE
        boxes = np.concatenate([centre - size / 2, centre + size / 2], axis=1)
        kps = raw[:, 4:4 + 2 * KEYPOINT_COUNT].reshape(-1, KEYPOINT_COUNT, 2) / INPUT_SIZE + anchors[:, None, :]
        scale, pad_x, pad_y = letterbox
        to_frame = lambda pts: (pts * INPUT_SIZE - np.array([pad_x, pad_y])) / scale  # noqa: E731
        detections = []
        for box, score, keypoints in weighted_nms(boxes, scores, kps, NMS_IOU):
            corners = to_frame(box.reshape(2, 2)).reshape(-1)
            detections.append(Detection(tuple(float(v) for v in corners), score, to_frame(keypoints).astype(np.float32)))
        return detections
