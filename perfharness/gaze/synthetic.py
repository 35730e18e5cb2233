"""Deterministic test clips made from a still with one face.

A clip has four segments, in order: ``motion`` (smooth translate / rotate / scale of the head),
``lighting`` (brightness and contrast ramps), ``no_face`` (the still with its face inpainted
away) and ``two_faces`` (two head crops of the still at clearly different sizes, larger first in
``face_boxes``). Every amplitude stays well inside what the BlazeFace detector survives.
Same arguments, same frames, bit for bit.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import cv2
import numpy as np

from perfharness.core.errors import SourceError, UsageError
from perfharness.gaze.result import Box

SEGMENTS = ("motion", "lighting", "no_face", "two_faces")
_SHARES = {"motion": 0.40, "lighting": 0.25, "no_face": 0.15}  # two_faces takes the rest
# Fractions of the frame's "unit" (its height at 4:3 or wider): face widths and head anchor.
_FACE = 0.30
_LARGE_FACE, _SMALL_FACE = 0.40, 0.24
_ANCHOR_Y = 0.45
# Motion amplitudes: translation as fractions of width / height, roll in degrees, scale factor.
_DX, _DY, _ROLL, _ZOOM = 0.12, 0.08, 12.0, 0.20
_BRIGHTNESS, _CONTRAST = 60.0, 0.40
_NOISE_SIGMA = 2.0
_HEAD_MARGIN = 0.5  # a head crop / the inpainted region extends the face box by this on each side


@dataclass(frozen=True)
class ClipLabel:
    """What one frame of a clip shows and how it was made.

    ``face_boxes``: the still's face box carried through the frame's transform (axis-aligned
    bound), largest first. ``dx, dy`` are pixels, ``angle_deg`` counter-clockwise as seen,
    ``scale`` relative to the clip's base framing; pixels become ``contrast * (v - 128) + 128 + brightness``.
    """

    index: int
    segment: str
    expected_faces: int
    face_boxes: tuple[Box, ...]
    dx: float = 0.0
    dy: float = 0.0
    angle_deg: float = 0.0
    scale: float = 1.0
    brightness: float = 0.0
    contrast: float = 1.0


@dataclass(frozen=True, eq=False)
class ClipFrame(ClipLabel):
    """One generated frame: its label fields plus the BGR ``image``."""

    image: np.ndarray = field(kw_only=True)


def segment_ranges(frames: int) -> dict[str, range]:
    """Frame index range of each segment; every segment gets at least one frame."""
    if frames < len(SEGMENTS):
        raise UsageError(f"a synthetic clip needs at least {len(SEGMENTS)} frames, got {frames}")
    counts = [max(1, int(frames * _SHARES[name])) for name in SEGMENTS[:-1]]
    counts.append(frames - sum(counts))
    starts = np.cumsum([0, *counts])
    return {name: range(int(starts[i]), int(starts[i + 1])) for i, name in enumerate(SEGMENTS)}


class _Layout:
    """Geometry shared by planning and rendering: still -> canvas affine maps."""

    def __init__(self, face_box: Box, size: tuple[int, int]) -> None:
        self.face_box = face_box
        self.width, self.height = size
        self.unit = min(self.height, self.width * 0.75)
        x0, y0, x1, y1 = face_box
        self.centre = ((x0 + x1) / 2, (y0 + y1) / 2)
        self.face_w = x1 - x0
        self.base_scale = _FACE * self.unit / self.face_w

    def head_matrix(self, dx: float, dy: float, angle_deg: float, scale: float) -> np.ndarray:
        """Still -> canvas: the face centre lands at the anchor, moved by (dx, dy)."""
        matrix = cv2.getRotationMatrix2D(self.centre, angle_deg, self.base_scale * scale)
        matrix[0, 2] += self.width / 2 + dx - self.centre[0]
        matrix[1, 2] += self.height * _ANCHOR_Y + dy - self.centre[1]
        return matrix

    def copy_matrices(self, dy: float) -> list[np.ndarray]:
        """Still -> canvas for the large copy (left) and the small copy (right) of the head crop."""
        matrices = []
        for face_frac, edge in ((_LARGE_FACE, 0.02), (_SMALL_FACE, 0.98)):
            scale = face_frac * self.unit / self.face_w
            half = (0.5 + _HEAD_MARGIN) * self.face_w * scale
            cx = edge * self.width + (half if edge < 0.5 else -half)
            matrix = np.float64([[scale, 0, cx - scale * self.centre[0]], [0, scale, self.height / 2 + dy - scale * self.centre[1]]])
            matrices.append(matrix)
        return matrices

    def box_through(self, matrix: np.ndarray) -> Box:
        x0, y0, x1, y1 = self.face_box
        corners = np.float64([[x0, y0, 1], [x1, y0, 1], [x0, y1, 1], [x1, y1, 1]]) @ matrix.T
        return (*corners.min(0).tolist(), *corners.max(0).tolist())  # type: ignore[return-value]


def plan_clip(face_box: Box, frames: int = 120, seed: int = 0, size: tuple[int, int] = (640, 480)) -> list[ClipLabel]:
    """The labels of every frame of a clip, without rendering it."""
    layout = _Layout(face_box, size)
    rng = np.random.default_rng(seed)
    phases = rng.uniform(0, 2 * math.pi, 6)
    # One wave per parameter: dx, dy, roll, zoom (random speeds), brightness, contrast.
    cycles = np.concatenate([rng.uniform(0.7, 1.4, 4), [1.0, 2.0]])
    width, height = size
    neutral = (layout.box_through(layout.head_matrix(0, 0, 0, 1)),)
    labels = []
    for name, indices in segment_ranges(frames).items():
        for step, index in enumerate(indices):
            t = (step + 0.5) / len(indices)
            wave = np.sin(2 * math.pi * cycles * t + phases).tolist()
            if name == "motion":
                pose = dict(dx=_DX * width * wave[0], dy=_DY * height * wave[1], angle_deg=_ROLL * wave[2], scale=1 + _ZOOM * wave[3])
                labels.append(ClipLabel(index, name, 1, (layout.box_through(layout.head_matrix(**pose)),), **pose))
            elif name == "lighting":
                labels.append(ClipLabel(index, name, 1, neutral, brightness=_BRIGHTNESS * wave[4], contrast=1 + _CONTRAST * wave[5]))
            elif name == "no_face":
                labels.append(ClipLabel(index, name, 0, (), dx=0.5 * _DX * width * wave[0]))
            else:
                dy = 0.5 * _DY * height * wave[1]
                labels.append(ClipLabel(index, name, 2, tuple(layout.box_through(m) for m in layout.copy_matrices(dy)), dy=dy))
    return labels


def remove_face(still: np.ndarray, face_box: Box) -> np.ndarray:
    """The still with the head region (face box plus margin) inpainted from its surroundings."""
    x0, y0, x1, y1 = _grow(face_box, _HEAD_MARGIN, still.shape)
    mask = np.zeros(still.shape[:2], np.uint8)
    mask[y0:y1, x0:x1] = 255
    return cv2.inpaint(still, mask, 5, cv2.INPAINT_TELEA)


def _grow(box: Box, margin: float, shape: tuple[int, ...]) -> tuple[int, int, int, int]:
    x0, y0, x1, y1 = box
    mx, my = margin * (x1 - x0), margin * (y1 - y0)
    height, width = shape[:2]
    return max(0, int(x0 - mx)), max(0, int(y0 - my)), min(width, int(x1 + mx) + 1), min(height, int(y1 + my) + 1)


def generate_clip(still: np.ndarray, face_box: Box, frames: int = 120, seed: int = 0,
                  size: tuple[int, int] = (640, 480)) -> Iterator[ClipFrame]:
    """Render the clip frame by frame from a BGR ``still`` whose one face is at ``face_box``."""
    if still.ndim != 3 or still.shape[2] != 3:
        raise UsageError(f"the still must be a BGR image, got an array of shape {still.shape}")
    layout = _Layout(face_box, size)
    background = remove_face(still, face_box)
    x0, y0, x1, y1 = _grow(face_box, _HEAD_MARGIN, still.shape)
    head_mask = np.zeros(still.shape[:2], np.float32)
    head_mask[y0:y1, x0:x1] = 1.0
    for label in plan_clip(face_box, frames, seed, size):
        if label.segment in ("motion", "lighting"):
            canvas = _warp(still, layout.head_matrix(label.dx, label.dy, label.angle_deg, label.scale), size)
        elif label.segment == "no_face":
            canvas = _warp(background, layout.head_matrix(label.dx, 0, 0, 1), size)
        else:
            canvas = _warp(background, layout.head_matrix(0, 0, 0, 1), size)
            for matrix in layout.copy_matrices(label.dy):
                alpha = cv2.warpAffine(head_mask, matrix, size, flags=cv2.INTER_LINEAR)[..., None]
                canvas = canvas * (1 - alpha) + _warp(still, matrix, size) * alpha
        noise = _NOISE_SIGMA * np.random.default_rng((seed, label.index)).standard_normal(canvas.shape, np.float32)
        pixels = label.contrast * (canvas - 128) + 128 + label.brightness + noise
        yield ClipFrame(**asdict(label), image=np.clip(np.rint(pixels), 0, 255).astype(np.uint8))


def _warp(image: np.ndarray, matrix: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    return cv2.warpAffine(image, matrix, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE).astype(np.float32)


def write_clip(frames: Iterable[ClipFrame | np.ndarray], path: str | os.PathLike, fps: float = 30) -> int:
    """Write BGR frames to an mp4 (mp4v) atomically; returns the frame count. Raises SourceError."""
    path = Path(path)
    temp = path.with_name(f".{path.stem}.{os.getpid()}.tmp{path.suffix}")
    writer, size, count = None, None, 0
    try:
        for frame in frames:
            image = frame.image if isinstance(frame, ClipFrame) else frame
            shape = (image.shape[1], image.shape[0])
            if writer is None:
                size = shape
                writer = cv2.VideoWriter(str(temp), cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
                if not writer.isOpened():
                    raise SourceError(f"cannot write video {path} (missing or unwritable directory, or no video extension such as .mp4)")
            elif shape != size:
                raise SourceError(f"cannot write video {path}: frame {count} is {shape[0]}x{shape[1]}, the first was {size[0]}x{size[1]}")
            writer.write(np.ascontiguousarray(image))
            count += 1
        if writer is None:
            raise SourceError(f"cannot write video {path}: no frames")
        writer.release()
        writer = None
        os.replace(temp, path)
        return count
    finally:
        if writer is not None:
            writer.release()
        temp.unlink(missing_ok=True)
