"""MediaPipe's own Face Mesh solution as a peer-benchmark worker (runs in the MediaPipe venv only).

    PYTHONPATH=THIS_FOLDER VENV/bin/python THIS_FOLDER/mediapipe_worker.py FRAMES.npy

Imports mediapipe, numpy, OpenCV and ``worker_protocol`` (beside it: the driver puts this folder
on the worker's PYTHONPATH), never perfharness, which is not installed in that venv (its pins
clash with mediapipe's). Protocol and output files: ``worker_protocol.py``. What is timed per
frame is what a MediaPipe user pays: ``cv2.cvtColor(BGR -> RGB)`` + ``FaceMesh.process``.

``mp.solutions.face_mesh.FaceMesh(refine_landmarks=True, max_num_faces=1)``, with
``static_image_mode=True`` for ``detect`` (the face detector on every frame; one instance, it
keeps no state between frames) and ``False`` for ``tracking`` (the detector only when tracking is
lost): a fresh instance for every pass so that each starts from detection. A fresh graph builds
its TFLite interpreters on its first ``process`` call (15-25 ms here); one blank frame, untimed,
takes that cost out of the timed pass and finds no face, so the pass still starts from detection.
Landmarks are MediaPipe's normalised x, y times the frame's width and height (478 points: the
468-point mesh, then the iris centres 468 and 473, each followed by four contour points).
"""

from __future__ import annotations

import sys

import cv2
import mediapipe as mp
import numpy as np
from worker_protocol import serve

POINTS = 478


def face_mesh(static_image_mode: bool):
    return mp.solutions.face_mesh.FaceMesh(static_image_mode=static_image_mode, refine_landmarks=True, max_num_faces=1)


class MediaPipeSide:
    def __init__(self, frames: np.ndarray) -> None:
        self.count, self.height, self.width = len(frames), frames.shape[1], frames.shape[2]
        self.blank = np.zeros(frames.shape[1:], np.uint8)
        self.detect_mesh = face_mesh(True)
        self.pass_mesh = None

    def begin(self, mode: str, frames: np.ndarray):
        if self.pass_mesh is not None and self.pass_mesh is not self.detect_mesh:
            self.pass_mesh.close()
        if mode == "detect":
            mesh = self.detect_mesh
        else:
            mesh = face_mesh(False)
        mesh.process(cv2.cvtColor(self.blank, cv2.COLOR_BGR2RGB))  # opens the graph; no face found
        self.pass_mesh = mesh
        self.found = np.zeros(self.count, bool)
        self.landmarks = np.full((self.count, POINTS, 2), np.nan, np.float32)
        process, convert, code = mesh.process, cv2.cvtColor, cv2.COLOR_BGR2RGB

        def step(frame: np.ndarray, index: int):
            return process(convert(frame, code))

        return step

    def record(self, index: int, output) -> None:
        faces = output.multi_face_landmarks
        if not faces:
            return
        points = faces[0].landmark
        if len(points) != POINTS:
            raise RuntimeError(f"FaceMesh gave {len(points)} landmarks, expected {POINTS} (refine_landmarks=True)")
        self.found[index] = True
        self.landmarks[index] = [(point.x * self.width, point.y * self.height) for point in points]

    def arrays(self) -> dict[str, np.ndarray]:
        return {"found": self.found, "landmarks": self.landmarks}


def make_side(frames: np.ndarray):
    info = {"side": "mediapipe", "versions": {"mediapipe": mp.__version__, "numpy": np.__version__,
                                              "opencv": cv2.__version__, "python": sys.version.split()[0]},
            "settings": {"solution": "mp.solutions.face_mesh.FaceMesh", "refine_landmarks": True, "max_num_faces": 1,
                         "min_detection_confidence": 0.5, "min_tracking_confidence": 0.5,
                         "static_image_mode": {"detect": True, "tracking": False}}}
    return MediaPipeSide(frames), info


if __name__ == "__main__":
    sys.exit(serve(make_side))
