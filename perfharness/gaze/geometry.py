"""Rotated crops: cut a rotated square out of a frame for a model, map points back.

All points are continuous image coordinates: pixel ``i`` spans ``[i, i + 1]``, so mirroring a
frame of width ``W`` maps ``x`` to ``W - x``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class RotatedRect:
    """A rectangle in frame pixels: centre, size, and the angle (radians) of its x axis,
    measured in image coordinates (y down), so ``angle > 0`` tilts clockwise on screen."""

    cx: float
    cy: float
    width: float
    height: float
    angle: float = 0.0

    @classmethod
    def through(cls, p0: np.ndarray, p1: np.ndarray, scale: float) -> RotatedRect:
        """A square centred between two points, aligned with the line p0 -> p1, side ``scale * |p1 - p0|``."""
        x0, y0, x1, y1 = float(p0[0]), float(p0[1]), float(p1[0]), float(p1[1])
        side = math.hypot(x1 - x0, y1 - y0) * scale
        return cls((x0 + x1) / 2, (y0 + y1) / 2, side, side, math.atan2(y1 - y0, x1 - x0))

    def patch_to_frame(self, out_w: int, out_h: int) -> np.ndarray:
        """2x3 affine matrix from patch pixels (out_w x out_h) to frame pixels."""
        c, s = math.cos(self.angle), math.sin(self.angle)
        sx, sy = self.width / out_w, self.height / out_h
        half_w, half_h = out_w / 2, out_h / 2
        return np.array([[c * sx, -s * sy, self.cx - c * sx * half_w + s * sy * half_h],
                         [s * sx, c * sy, self.cy - s * sx * half_w - c * sy * half_h]])

    def corners(self) -> np.ndarray:
        """(4, 2) corners: top-left, top-right, bottom-right, bottom-left of the rotated rect."""
        return apply_affine(self.patch_to_frame(1, 1), _UNIT_CORNERS)


def crop(frame: np.ndarray, rect: RotatedRect, out_w: int, out_h: int, flip: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """The rotated crop resized to out_w x out_h (edges replicated where it leaves the frame),
    optionally mirrored left-right, and the 2x3 matrix from patch pixels to frame pixels."""
    to_frame = rect.patch_to_frame(out_w, out_h)
    if flip:  # x -> out_w - x on the patch side
        to_frame[:, 2] += to_frame[:, 0] * out_w
        to_frame[:, 0] *= -1
    # Points are continuous coordinates (a pixel spans [i, i + 1]); warpAffine maps pixel
    # indices (centres at integers), hence the half-pixel shifts on both sides.
    index_to_frame = to_frame.copy()
    index_to_frame[:, 2] += 0.5 * (to_frame[:, 0] + to_frame[:, 1]) - 0.5
    # Edges are replicated where the crop leaves the frame; a crop a pixel or more inside it never
    # samples the border, and OpenCV's constant border is then the same pixels at half the cost.
    corners = apply_affine(to_frame, _UNIT_CORNERS * (out_w, out_h))
    height, width = frame.shape[:2]
    inside = corners.min() >= 1 and (corners[:, 0] <= width - 1).all() and (corners[:, 1] <= height - 1).all()
    patch = cv2.warpAffine(frame, index_to_frame, (out_w, out_h), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                           borderMode=cv2.BORDER_CONSTANT if inside else cv2.BORDER_REPLICATE)
    return patch, to_frame


def rgb_tensor(bgr: np.ndarray, out: np.ndarray | None = None, scale: float = 1 / 255, shift: float = 0.0) -> np.ndarray:
    """``bgr`` (H, W, 3 uint8) as RGB float32 ``value * scale + shift``, written into ``out``
    (H, W, 3 float32, e.g. a slice of an infer request's input tensor) when given."""
    if out is None:
        out = np.empty(bgr.shape, np.float32)
    np.multiply(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), np.float32(scale), out=out)
    if shift:
        np.add(out, np.float32(shift), out=out)
    return out


_UNIT_CORNERS = np.array([[0, 0], [1, 0], [1, 1], [0, 1]], float)


def apply_affine(matrix: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Map (N, 2) points with a 2x3 affine matrix."""
    points = np.asarray(points, float)
    return points @ matrix[:, :2].T + matrix[:, 2]


def box_of(points: np.ndarray) -> tuple[float, float, float, float]:
    """Axis-aligned bounding box (x_min, y_min, x_max, y_max) of (N, 2) points."""
    return (float(points[:, 0].min()), float(points[:, 1].min()), float(points[:, 0].max()), float(points[:, 1].max()))
