"""argparse value types shared by the subcommands.

Whole numbers stop at ``MAX_COUNT`` (2**31 - 1): frame and round counts reach ``itertools.islice``,
threads, OpenCV and C code, which all take it, and no run gets near it. Floats must be finite.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from pathlib import Path

MAX_COUNT = 2**31 - 1
MIN_SAMPLING_HZ, MAX_SAMPLING_HZ = 0.01, 1000.0  # one sample per 100 s .. one per millisecond


def _bounded(convert: Callable[[str], float], kind: str, ok: Callable[[float], bool], bound: str):
    def parse(text: str):
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {kind}, got {text!r}") from None
        if not ok(value):
            raise argparse.ArgumentTypeError(f"expected a number {bound}, got {text}")
        return value

    return parse


positive_int = _bounded(int, "a whole number", lambda v: 1 <= v <= MAX_COUNT, f">= 1 and <= {MAX_COUNT}")
non_negative_int = _bounded(int, "a whole number", lambda v: 0 <= v <= MAX_COUNT, f">= 0 and <= {MAX_COUNT}")
positive_float = _bounded(float, "a number", lambda v: 0 < v < math.inf, "> 0 (and finite)")
non_negative_float = _bounded(float, "a number", lambda v: 0 <= v < math.inf, ">= 0 (and finite)")
search_seconds = _bounded(float, "seconds", lambda v: 10 <= v <= 7 * 24 * 3600, ">= 10 and <= 604800 (a week)")
sampling_rate_hz = _bounded(float, "a rate in Hz", lambda v: MIN_SAMPLING_HZ <= v <= MAX_SAMPLING_HZ,
                            f"from {MIN_SAMPLING_HZ:g} to {MAX_SAMPLING_HZ:g} (samples per second)")


def output_file(text: str) -> Path:
    """A file to write: not a directory, in a folder that exists (so a run fails before it starts)."""
    if not text:
        raise argparse.ArgumentTypeError("expected a file name, got ''")
    path = Path(text)
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a directory; give a file name")
    if not path.parent.is_dir():
        raise argparse.ArgumentTypeError(f"folder {path.parent} does not exist")
    return path


def input_spec(text: str) -> str:
    """A non-empty input name (a path, cam[:N] or sample)."""
    if not text:
        raise argparse.ArgumentTypeError("expected a path, cam[:N] or sample, got ''")
    return text


def variant_pair(text: str) -> tuple[str, str]:
    """``MODEL=NAME`` (``--variant``): a model and one of its lab variants or a precision (FP32, FP16, INT8)."""
    model, equals, name = text.partition("=")
    if not equals or not model.strip() or not name.strip():
        raise argparse.ArgumentTypeError(f"expected MODEL=NAME (e.g. iris_landmarks=pruned-channels-0.3), got {text!r}")
    return model.strip(), name.strip()
