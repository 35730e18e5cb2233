"""Rotated crops: cut a rotated square out of a frame for a model, map points back.

All points are continuous image coordinates: pixel ``i`` spans ``[i, i + 1]``, so mirroring a
frame of width ``W`` maps ``x`` to ``W - x``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

Affine = tuple[float, float, float, float, float, float]  # a 2x3 affine matrix, row by row


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
        a, b, c, d, e, f = self.affine(out_w, out_h)
        return np.array([[a, b, c], [d, e, f]])

    def affine(self, out_w: int, out_h: int) -> Affine:
        """``patch_to_frame`` as its six numbers, row by row (no array: cheaper to compute with)."""
        c, s = math.cos(self.angle), math.sin(self.angle)
        sx, sy = self.width / out_w, self.height / out_h
        half_w, half_h = out_w / 2, out_h / 2
        return (c * sx, -s * sy, self.cx - c * sx * half_w + s * sy * half_h,
                s * sx, c * sy, self.cy - s * sx * half_w - c * sy * half_h)

    def corners(self) -> np.ndarray:
        """(4, 2) corners: top-left, top-right, bottom-right, bottom-left of the rotated rect."""
        a, b, x, d, e, y = self.affine(1, 1)  # the unit square's corners, mapped
        return np.array([[x, y], [a + x, d + y], [a + b + x, d + e + y], [b + x, e + y]])


def crop(frame: np.ndarray, rect: RotatedRect, out_w: int, out_h: int, flip: bool = False,
         out: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The rotated crop resized to out_w x out_h (edges replicated where it leaves the frame),
    optionally mirrored left-right, and the 2x3 matrix from patch pixels to frame pixels. The crop
    is written into ``out`` (out_h, out_w, channels, the frame's dtype, contiguous) when given."""
    a, b, c, d, e, f = rect.affine(out_w, out_h)
    if flip:  # x -> out_w - x on the patch side
        a, c, d, f = -a, c + a * out_w, -d, f + d * out_w
    # Points are continuous coordinates (a pixel spans [i, i + 1]); warpAffine maps pixel
    # indices (centres at integers), hence the half-pixel shifts on both sides.
    index_to_frame = np.array([[a, b, c + (0.5 * (a + b) - 0.5)], [d, e, f + (0.5 * (d + e) - 0.5)]])
    # Edges are replicated where the crop leaves the frame; a crop a pixel or more inside it never
    # samples the border, and OpenCV's constant border is then the same pixels at half the cost.
    height, width = frame.shape[:2]
    inside = _inside((a, b, c, d, e, f), out_w, out_h, width, height)
    patch = cv2.warpAffine(frame, index_to_frame, (out_w, out_h), dst=out, flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                           borderMode=cv2.BORDER_CONSTANT if inside else cv2.BORDER_REPLICATE)
    return patch, np.array([[a, b, c], [d, e, f]])


def _inside(to_frame: Affine, out_w: int, out_h: int, width: int, height: int) -> bool:
    """Whether the patch's four corners, mapped by ``to_frame``, lie a pixel or more inside the frame."""
    a, b, c, d, e, f = to_frame
    xs = (c, c + a * out_w, c + a * out_w + b * out_h, c + b * out_h)
    ys = (f, f + d * out_w, f + d * out_w + e * out_h, f + e * out_h)
    return min(xs) >= 1 and min(ys) >= 1 and max(xs) <= width - 1 and max(ys) <= height - 1


def rgb_tensor(bgr: np.ndarray, out: np.ndarray | None = None, scale: float = 1 / 255, shift: float = 0.0) -> np.ndarray:
    """``bgr`` (H, W, 3 uint8) as RGB float32 ``value * scale + shift``, written into ``out``
    (H, W, 3 float32, contiguous: e.g. a slice of an infer request's input tensor) when given.
    The product is one OpenCV pass (``addWeighted``, about a third of numpy's time); with the scale
    rounded to float32 first, it is numpy's float32 product exactly whether OpenCV multiplies in
    float or in double (the exact product of a byte and a float32 fits a double). A shift is added
    after it, rounded on its own."""
    if out is None:
        out = np.empty(bgr.shape, np.float32)
    rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    cv2.addWeighted(rgb, float(np.float32(scale)), rgb, 0.0, 0.0, dst=out, dtype=cv2.CV_32F)
    if shift:
        np.add(out, np.float32(shift), out=out)
    return out


def apply_affine(matrix: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Map (N, 2) points with a 2x3 affine matrix."""
    points = np.asarray(points, float)
    return points @ matrix[:, :2].T + matrix[:, 2]


def box_of(points: np.ndarray) -> tuple[float, float, float, float]:
    """Axis-aligned bounding box (x_min, y_min, x_max, y_max) of (N, 2) points (or of the first two
    columns of (N, k) points), each column in one OpenCV pass."""
    x_min, x_max, _, _ = cv2.minMaxLoc(points[:, 0])
    y_min, y_max, _, _ = cv2.minMaxLoc(points[:, 1])
    return x_min, y_min, x_max, y_max
