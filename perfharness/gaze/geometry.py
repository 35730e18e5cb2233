"""Rotated crops: cut a rotated square out of a frame for a model, map points back.

All points are continuous image coordinates: pixel ``i`` spans ``[i, i + 1]``, so mirroring a
frame of width ``W`` maps ``x`` to ``W - x``.
"""

from __future__ import annotations

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
        delta = np.asarray(p1, float) - np.asarray(p0, float)
        side = float(np.hypot(*delta)) * scale
        centre = (np.asarray(p0, float) + np.asarray(p1, float)) / 2
        return cls(float(centre[0]), float(centre[1]), side, side, float(np.arctan2(delta[1], delta[0])))

    def patch_to_frame(self, out_w: int, out_h: int) -> np.ndarray:
        """2x3 affine matrix from patch pixels (out_w x out_h) to frame pixels."""
        c, s = np.cos(self.angle), np.sin(self.angle)
        sx, sy = self.width / out_w, self.height / out_h
        linear = np.array([[c * sx, -s * sy], [s * sx, c * sy]])
        offset = np.array([self.cx, self.cy]) - linear @ np.array([out_w / 2, out_h / 2])
        return np.hstack([linear, offset[:, None]])

    def corners(self) -> np.ndarray:
        """(4, 2) corners: top-left, top-right, bottom-right, bottom-left of the rotated rect."""
        unit = np.array([[0, 0], [1, 0], [1, 1], [0, 1]], float)
        return apply_affine(self.patch_to_frame(1, 1), unit)


def crop(frame: np.ndarray, rect: RotatedRect, out_w: int, out_h: int, flip: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """The rotated crop resized to out_w x out_h (edges replicated where it leaves the frame),
    optionally mirrored left-right, and the 2x3 matrix from patch pixels to frame pixels."""
    to_frame = rect.patch_to_frame(out_w, out_h)
    if flip:
        mirror = np.array([[-1.0, 0.0, out_w], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
        to_frame = to_frame @ mirror
    # Points are continuous coordinates (a pixel spans [i, i + 1]); warpAffine maps pixel
    # indices (centres at integers), hence the half-pixel shifts on both sides.
    half = np.array([[1.0, 0.0, 0.5], [0.0, 1.0, 0.5], [0.0, 0.0, 1.0]])
    index_to_frame = to_frame @ half
    index_to_frame[:, 2] -= 0.5
    patch = cv2.warpAffine(frame, index_to_frame, (out_w, out_h),
                           flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REPLICATE)
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


def apply_affine(matrix: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Map (N, 2) points with a 2x3 affine matrix."""
    points = np.asarray(points, float)
    return points @ matrix[:, :2].T + matrix[:, 2]


def box_of(points: np.ndarray) -> tuple[float, float, float, float]:
    """Axis-aligned bounding box (x_min, y_min, x_max, y_max) of (N, 2) points."""
    return (float(points[:, 0].min()), float(points[:, 1].min()), float(points[:, 0].max()), float(points[:, 1].max()))
