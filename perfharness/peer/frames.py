"""The input decoded once, into the .npy of frames both workers load."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from perfharness.core.errors import UsageError
from perfharness.gaze.sources import open_source


def decode_frames(spec: str, max_frames: int | None, path: Path) -> dict:
    """Decode ``spec`` (as ``open_source`` reads it) into ``path`` (.npy, uint8 BGR, N x H x W x 3);
    what was read: spec, name, frames, width, height. UsageError for an input that cannot serve."""
    if (spec == "cam" or spec.startswith("cam:")) and max_frames is None:
        raise UsageError("a camera never ends: give --max-frames")
    frames = []
    with open_source(spec, max_frames=max_frames) as source:
        name = source.name
        for index, frame in source:
            if frames and frame.shape != frames[0].shape:
                raise UsageError(f"frame {index} of {spec} is {frame.shape[1]}x{frame.shape[0]}, frame 0 "
                                 f"{frames[0].shape[1]}x{frames[0].shape[0]}: the frames must share one size")
            frames.append(np.ascontiguousarray(frame, np.uint8))
    if not frames:
        raise UsageError(f"{spec} gave no frames")
    np.save(path, np.stack(frames))
    height, width = frames[0].shape[:2]
    return {"spec": spec, "name": name, "frames": len(frames), "width": int(width), "height": int(height)}
