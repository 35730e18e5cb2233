"""From gaze angles to a screen position: One Euro smoothing, an affine calibration, clamping.

Screen coordinates are pixels, x right, y down, (0, 0) the top-left pixel. Gaze angles are
``FrameResult.gaze_angles``: (yaw, pitch) in degrees, yaw > 0 towards the *image's* right, which
is the user's left since the camera faces the user; pitch > 0 up.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Annotated, Sequence, TypeVar

import msgspec
import numpy as np

from perfharness.core.atomic import atomic_write_text
from perfharness.core.errors import UsageError, one_line
from perfharness.core.inputs import read_json

Value = TypeVar("Value", float, np.ndarray)
Sample = tuple[tuple[float, float], tuple[float, float]]  # (yaw, pitch) -> (x, y)

CALIBRATION_FORMAT = "perfharness.calibration"
CALIBRATION_VERSION = 1
DEFAULT_YAW_SPAN = 40.0  # degrees across the screen width (±20°)
DEFAULT_PITCH_SPAN = 30.0  # degrees across the screen height (±15°)
MIN_GAZE_SPREAD = 0.1  # degrees: RMS spread of calibration gaze along its narrowest direction
MAX_COEFFICIENT = 1e6  # pixels per degree or pixels: far beyond any screen, far below float overflow
MAX_SCREEN_SIDE = 100_000  # pixels
MAX_CALIBRATION_BYTES = 64 * 1024


class OneEuroFilter:
    """The One Euro filter (Casiez, Roussel, Vogel, CHI 2012) for a scalar or a vector.

    ``min_cutoff`` (Hz) sets the smoothing at rest, ``beta`` (per unit/s) how fast the cutoff
    rises with speed, ``d_cutoff`` (Hz) the smoothing of the speed estimate. Vector components
    are filtered independently. Timestamps are seconds; a timestamp that does not advance
    returns the previous output unchanged.
    """

    def __init__(self, min_cutoff: float = 1.0, beta: float = 0.05, d_cutoff: float = 1.0) -> None:
        if min_cutoff <= 0 or d_cutoff <= 0 or beta < 0:
            raise UsageError(
                f"One Euro filter needs min_cutoff > 0, d_cutoff > 0, beta >= 0; "
                f"got {min_cutoff}, {d_cutoff}, {beta}"
            )
        self.min_cutoff = min_cutoff
        self.beta = beta
        self.d_cutoff = d_cutoff
        self.reset()

    def reset(self) -> None:
        """Forget the history: the next value passes through unchanged."""
        self._x: list[float] | None = None  # per component, as Python floats: a frame's few values cost
        self._dx: list[float] | None = None  # less in plain arithmetic than in numpy's small-array calls
        self._t = 0.0

    @staticmethod
    def _alpha(cutoff: float, dt: float) -> float:
        tau = 1.0 / (2.0 * math.pi * cutoff)
        return 1.0 / (1.0 + tau / dt)

    def filter(self, value: Value, t: float) -> Value:
        """Smooth ``value`` observed at time ``t`` (seconds)."""
        x = np.asarray(value, dtype=np.float64)
        components = x.ravel().tolist()
        if self._x is None or self._dx is None:
            self._x, self._dx, self._t = components, [0.0] * len(components), t
        elif t > self._t:
            dt = t - self._t
            a_d = self._alpha(self.d_cutoff, dt)
            self._dx = [a_d * (v - p) / dt + (1.0 - a_d) * d for v, p, d in zip(components, self._x, self._dx)]
            alphas = [self._alpha(self.min_cutoff + self.beta * abs(d), dt) for d in self._dx]
            self._x = [a * v + (1.0 - a) * p for a, v, p in zip(alphas, components, self._x)]
            self._t = t
        return self._x[0] if x.ndim == 0 else np.array(self._x).reshape(x.shape)


class Calibration:
    """An affine map from gaze (yaw, pitch) degrees to screen (x, y) pixels.

    ``matrix`` is 2x3: ``[x, y] = matrix @ [yaw, pitch, 1]``. The result is not clamped.
    """

    def __init__(self, matrix: np.ndarray, screen_size: tuple[int, int]) -> None:
        m = np.array(matrix, dtype=np.float64)
        if m.shape != (2, 3) or not np.isfinite(m).all():
            raise UsageError(f"calibration matrix must be 2x3 finite numbers, got shape {m.shape}")
        self.matrix = m
        self.screen_size = _check_size(screen_size)

    @classmethod
    def default(cls, width: int, height: int) -> Calibration:
        """Uncalibrated map: straight ahead is the screen centre, ±20° yaw spans the width,
        ±15° pitch the height. Looking to the user's left (yaw > 0) moves the pointer left,
        looking up (pitch > 0) moves it up, as if the screen were a mirror of the gaze.
        """
        w, h = _check_size((width, height))
        sx, sy = w / DEFAULT_YAW_SPAN, h / DEFAULT_PITCH_SPAN
        return cls(np.array([[-sx, 0.0, w / 2.0], [0.0, -sy, h / 2.0]]), (w, h))

    @classmethod
    def fit(cls, samples: Sequence[Sample], screen_size: tuple[int, int]) -> Calibration:
        """Least-squares affine fit of ``((yaw, pitch), (x, y))`` samples.

        Needs at least 3 gaze points that are not (nearly) on one line.
        """
        try:
            gaze = np.array([s[0] for s in samples], dtype=np.float64).reshape(-1, 2)
            screen = np.array([s[1] for s in samples], dtype=np.float64).reshape(-1, 2)
        except (TypeError, ValueError, IndexError) as exc:
            raise UsageError(f"calibration samples must be ((yaw, pitch), (x, y)) pairs: {exc}") from None
        if len(gaze) != len(screen) or not (np.isfinite(gaze).all() and np.isfinite(screen).all()):
            raise UsageError("calibration samples must be ((yaw, pitch), (x, y)) pairs of finite numbers")
        if len(gaze) < 3:
            raise UsageError(f"calibration needs at least 3 gaze points, got {len(gaze)}")
        spread = np.linalg.svd(gaze - gaze.mean(axis=0), compute_uv=False)[-1] / math.sqrt(len(gaze))
        if spread < MIN_GAZE_SPREAD:
            raise UsageError(
                f"calibration gaze points are (nearly) collinear (spread {spread:.3g} deg across "
                f"their line, need >= {MIN_GAZE_SPREAD}); look at each target in turn"
            )
        design = np.column_stack([gaze, np.ones(len(gaze))])
        solution, *_ = np.linalg.lstsq(design, screen, rcond=None)
        return cls(solution.T, screen_size)

    def to_screen(self, yaw: float, pitch: float) -> tuple[float, float]:
        """Map one gaze direction to unclamped screen pixels."""
        (a, b, c), (d, e, f) = self.matrix.tolist()
        return a * yaw + b * pitch + c, d * yaw + e * pitch + f

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write as JSON, atomically (temporary file in the same folder, then ``os.replace``)."""
        path = Path(path)
        data = {
            "format": CALIBRATION_FORMAT,
            "version": CALIBRATION_VERSION,
            "screen_size": list(self.screen_size),
            "matrix": self.matrix.tolist(),
        }
        atomic_write_text(path, json.dumps(data, indent=2) + "\n")

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Calibration:
        """Read a file written by :meth:`save`; UsageError (one line naming the file and the field)
        if missing, not a regular file, corrupt, out of range or not a calibration."""
        path = Path(path)
        data = read_json(path, limit=MAX_CALIBRATION_BYTES)
        if not isinstance(data, dict) or data.get("format") != CALIBRATION_FORMAT:
            raise UsageError(f"{path} is not a perfharness calibration file")
        if data.get("version") != CALIBRATION_VERSION:
            raise UsageError(one_line(f"calibration file {path} has version {data.get('version')!r}, "
                                      f"expected {CALIBRATION_VERSION}; calibrate again"))
        try:
            checked = msgspec.convert(data, CalibrationFile)
            return cls(np.array(checked.matrix, dtype=np.float64), checked.screen_size)
        except (msgspec.ValidationError, UsageError) as exc:
            raise UsageError(one_line(f"calibration file {path} is malformed: {exc}")) from None


Coefficient = Annotated[float, msgspec.Meta(ge=-MAX_COEFFICIENT, le=MAX_COEFFICIENT)]
Side = Annotated[int, msgspec.Meta(ge=1, le=MAX_SCREEN_SIDE)]


class CalibrationFile(msgspec.Struct):
    """The calibration file's schema: pixels per degree and offsets within MAX_COEFFICIENT, a
    screen of whole pixels."""

    format: str
    version: int
    screen_size: tuple[Side, Side]
    matrix: tuple[tuple[Coefficient, Coefficient, Coefficient], tuple[Coefficient, Coefficient, Coefficient]]


class PointerMapper:
    """Gaze angles to a pointer position: One Euro smoothing of the angles (so the filter
    parameters are in degrees, independent of the screen), then the calibration, then clamping
    to the screen.
    """

    def __init__(
        self, calibration: Calibration, min_cutoff: float = 1.0, beta: float = 0.05, d_cutoff: float = 1.0
    ) -> None:
        self.calibration = calibration
        self._filter = OneEuroFilter(min_cutoff, beta, d_cutoff)

    def map(self, gaze_angles: tuple[float, float], t: float) -> tuple[int, int]:
        """Pointer pixel for gaze (yaw, pitch) degrees seen at time ``t`` (seconds)."""
        yaw, pitch = self._filter.filter(np.asarray(gaze_angles, dtype=np.float64), t).tolist()
        x, y = self.calibration.to_screen(yaw, pitch)
        w, h = self.calibration.screen_size
        return min(max(round(x), 0), w - 1), min(max(round(y), 0), h - 1)

    def reset(self) -> None:
        """Forget the smoothing history (e.g. after the face was lost)."""
        self._filter.reset()


def calibration_targets(n: int, width: int, height: int, margin: float = 0.1) -> list[tuple[int, int]]:
    """Target pixels for an ``n``-point calibration (5 or 9), row by row from the top left.

    9 points are a 3x3 grid; 5 points its four corners and centre. ``margin`` is the fraction of
    the width/height kept clear at each edge.
    """
    w, h = _check_size((width, height))
    if n not in (5, 9):
        raise UsageError(f"calibration uses 5 or 9 points, got {n}")
    if not 0.0 <= margin < 0.5:
        raise UsageError(f"calibration margin must be in [0, 0.5), got {margin}")
    xs = [round(margin * (w - 1)), round((w - 1) / 2), round((1 - margin) * (w - 1))]
    ys = [round(margin * (h - 1)), round((h - 1) / 2), round((1 - margin) * (h - 1))]
    grid = [(row, col) for row in range(3) for col in range(3)]
    if n == 5:
        grid = [(r, c) for r, c in grid if (r == 1) == (c == 1)]
    return [(xs[c], ys[r]) for r, c in grid]


def _check_size(size: Sequence[int]) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in size)
    except (TypeError, ValueError):
        raise UsageError(f"screen size must be (width, height), got {size!r}") from None
    if w <= 0 or h <= 0:
        raise UsageError(f"screen size must be positive, got {w}x{h}")
    return w, h
