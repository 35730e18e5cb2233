"""Our controller's pipeline as a peer-benchmark worker (runs with the perfharness venv's python).

    .venv/bin/python peer/ours_worker.py FRAMES.npy [--config JSON]

``--config`` holds EngineConfig fields (``{"num_threads": 1}``). For each mode a pipeline is built
once, ``build_pipeline("mediapipe", config, tracking=(mode == "tracking"))``: ``detect`` runs the
face detector on every frame, ``tracking`` only when tracking is lost. What is timed per frame is
``GazePipeline.process(frame, index)`` (BGR in; the whole chain with head pose and gaze, and the
pipeline's own region timing). Before each pass one blank frame, untimed, ends any tracking, so
the pass starts from detection as MediaPipe's does. Protocol and output files:
``worker_protocol.py``; this side adds ``iris`` (N, 2, 2: image-left eye, image-right eye) and
``detector_ran`` (N,), and its ``landmarks`` are the 468 mesh points.
"""

from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import json  # noqa: E402

import numpy as np  # noqa: E402
from worker_protocol import MODES, serve  # noqa: E402

POINTS = 468


class OursSide:
    def __init__(self, frames: np.ndarray, config) -> None:
        self.count = len(frames)
        self.blank = np.zeros(frames.shape[1:], np.uint8)
        self.config = config
        self.pipelines: dict = {}

    def pipeline(self, mode: str):
        if mode not in self.pipelines:
            from perfharness.gaze.pipeline import build_pipeline

            self.pipelines[mode] = build_pipeline("mediapipe", self.config, tracking=(mode == "tracking"))
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("frames")
    parser.add_argument("--config", default="{}", help="EngineConfig fields as a JSON object")
    args = parser.parse_args(argv)

    def make_side(frames: np.ndarray):
        import cv2
        import openvino

        import perfharness
        from perfharness.runtime.engine import EngineConfig

        config = EngineConfig(**json.loads(args.config))
        side = OursSide(frames, config)
        for mode in MODES:  # compile now, so that a bad config fails before the first command
            side.pipeline(mode)
        info = {"side": "ours", "versions": {"perfharness": perfharness.__version__, "openvino": openvino.get_version(),
                                             "numpy": np.__version__, "opencv": cv2.__version__,
                                             "python": sys.version.split()[0]},
                "settings": {"model_set": "mediapipe", "face_policy": "largest",
                             "engine_config": {key: (str(value) if value is not None and not isinstance(value, (int, float, str, dict)) else value)
                                               for key, value in vars(config).items()},
                             "compile_properties": config.compile_properties(),
                             "tracking": {"detect": False, "tracking": True}}}
        return side, info

    return serve(make_side, [args.frames])


if __name__ == "__main__":
    sys.exit(main())
