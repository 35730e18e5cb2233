"""Our controller's pipeline as a peer-benchmark worker (runs with the perfharness venv's python).

    python -m perfharness.peer.workers.ours_worker FRAMES.npy [--settings JSON]

``--settings`` holds ``RunSettings`` fields (``{"threads": 1}``; the driver has checked them). For
each mode a pipeline is built once from them, ``tracking`` set by the mode: ``detect`` runs the
face detector on every frame, ``tracking`` only when tracking is lost. What is timed per frame is
``GazePipeline.process(frame, index)`` (BGR in; the whole chain with head pose and gaze, and the
pipeline's own region timing). Before each pass one blank frame, untimed, ends any tracking, so
the pass starts from detection as MediaPipe's does. Protocol and output files:
``worker_protocol.py``; this side adds ``iris`` (N, 2, 2: image-left eye, image-right eye) and
``detector_ran`` (N,), and its ``landmarks`` are the 468 mesh points.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys

import numpy as np

from perfharness.peer.workers.worker_protocol import MODES, serve
from perfharness.run.settings import RunSettings

POINTS = 468


class OursSide:
    """Our chain on the frames, one pipeline per mode (see the module docstring)."""

    def __init__(self, frames: np.ndarray, settings: RunSettings) -> None:
        self.count = len(frames)
        self.blank = np.zeros(frames.shape[1:], np.uint8)
        self.settings = settings
        self.pipelines: dict = {}

    def pipeline(self, mode: str):
        if mode not in self.pipelines:
            settings = dataclasses.replace(self.settings, tracking=(mode == "tracking"))
            self.pipelines[mode] = settings.build_pipeline()
        return self.pipelines[mode]

    def begin(self, mode: str, frames: np.ndarray):
        pipeline = self.pipeline(mode)
        pipeline.process(self.blank, 0)  # no face: whatever was tracked is lost
        self.found = np.zeros(self.count, bool)
        self.detector_ran = np.zeros(self.count, bool)
        self.landmarks = np.full((self.count, POINTS, 2), np.nan, np.float32)
        self.iris = np.full((self.count, 2, 2), np.nan, np.float32)
        return pipeline.process

    def record(self, index: int, result) -> None:
        self.detector_ran[index] = any(name.startswith("face_detection.") for name in result.timings)
        if not result.face_found or result.landmarks is None:
            return
        if len(result.landmarks) != POINTS:
            raise RuntimeError(f"the pipeline gave {len(result.landmarks)} landmarks, expected {POINTS}")
        self.found[index] = True
        self.landmarks[index] = result.landmarks[:, :2]
        for side, eye in enumerate((result.left_eye, result.right_eye)):
            if eye is not None and eye.iris_center is not None:
                self.iris[index, side] = eye.iris_center

    def arrays(self) -> dict[str, np.ndarray]:
        return {"found": self.found, "landmarks": self.landmarks, "iris": self.iris, "detector_ran": self.detector_ran}


def make_side(frames: np.ndarray, settings_json: str) -> tuple[OursSide, dict]:
    """Our side with both modes' pipelines compiled (so that settings OpenVINO refuses fail
    before the first command), and what the driver records of it."""
    from perfharness.core.sysinfo import software_versions

    settings = RunSettings(**json.loads(settings_json))
    side = OursSide(frames, settings)
    for mode in MODES:
        side.pipeline(mode)
    tracking = {mode: mode == "tracking" for mode in MODES}
    info = {"side": "ours", "versions": software_versions(),
            "settings": {"run_settings": {**settings.as_dict(), "tracking": tracking},
                         "compile_properties": settings.engine_config().compile_properties()}}
    return side, info


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m perfharness.peer.workers.ours_worker",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("frames")
    parser.add_argument("--settings", default="{}", help="RunSettings fields as a JSON object")
    args = parser.parse_args(argv)
    return serve(lambda frames: make_side(frames, args.settings), [args.frames])


if __name__ == "__main__":
    sys.exit(main())
