"""How far a configuration's outputs move from the reference chain's (the FP32 chain at its
defaults) on the sample clip's held-out frames: iris centres and mesh landmarks (pixels), head
pose and gaze (degrees), and the share of frames where only one of the two found a face.
Each metric is a mean over the held-out frames where both found a face."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from perfharness.gaze.result import FrameResult
from perfharness.gaze.sources import SAMPLE_SPLITS

HELD_OUT = SAMPLE_SPLITS["held_out"]  # frame index parity
# the drift allowed by default: iris and gaze, the two the pointer depends on, and the face kept
DEFAULT_BUDGET = {"iris_px": 0.5, "gaze_deg": 1.0, "face_mismatch": 0.02}
METRICS = {"iris_px": "iris centre, pixels (mean)", "landmarks_px": "mesh landmarks, pixels (mean)",
           "head_pose_deg": "head pose yaw/pitch/roll, degrees (mean)", "gaze_deg": "gaze direction, degrees (mean)",
           "face_mismatch": "share of held-out frames where only one found a face"}


@dataclass
class Outputs:
    """The chain's outputs on the held-out frames, by frame index."""

    found: dict[int, bool] = field(default_factory=dict)
    landmarks: dict[int, np.ndarray] = field(default_factory=dict)  # (468, 2)
    iris: dict[int, np.ndarray] = field(default_factory=dict)  # (2, 2): image-left eye, image-right eye
    head_pose: dict[int, np.ndarray] = field(default_factory=dict)  # (3,) yaw, pitch, roll
    gaze: dict[int, np.ndarray] = field(default_factory=dict)  # (3,) unit vector

    def add(self, result: FrameResult) -> None:
        """Keep ``result``'s outputs when its frame is held out."""
        index = result.frame_index
        if index % 2 != HELD_OUT:
            return
        self.found[index] = bool(result.face_found and result.landmarks is not None)
        if not self.found[index]:
            return
        self.landmarks[index] = np.asarray(result.landmarks[:, :2], np.float64).copy()
        eyes = (result.left_eye, result.right_eye)
        self.iris[index] = np.array([eye.iris_center if eye is not None and eye.iris_center is not None
                                     else (np.nan, np.nan) for eye in eyes], np.float64)
        if result.head_pose is not None:
            self.head_pose[index] = np.array(result.head_pose, np.float64)
        if result.gaze is not None:
            self.gaze[index] = np.asarray(result.gaze, np.float64).copy()


    def save(self, path: Path) -> None:
        """Write the outputs to ``path`` (.npz, NaN where a frame has none), read back by ``load``."""
        indices = sorted(self.found)

        def stacked(kind: str, shape: tuple[int, ...]) -> np.ndarray:
            values = getattr(self, kind)
            return np.array([values.get(i, np.full(shape, np.nan)) for i in indices], np.float64).reshape(-1, *shape)

        np.savez(path, index=np.array(indices, np.int64), found=np.array([self.found[i] for i in indices], bool),
                 landmarks=stacked("landmarks", (468, 2)), iris=stacked("iris", (2, 2)),
                 head_pose=stacked("head_pose", (3,)), gaze=stacked("gaze", (3,)))

    @classmethod
    def load(cls, path: Path) -> Outputs:
        """The outputs ``save`` wrote."""
        outputs = cls()
        with np.load(path) as data:
            for row, index in enumerate(data["index"].tolist()):
                outputs.found[index] = bool(data["found"][row])
                for kind in ("landmarks", "iris", "head_pose", "gaze"):
                    value = data[kind][row]
                    if outputs.found[index] and not np.isnan(value).all():
                        getattr(outputs, kind)[index] = value
        return outputs


def drift(candidate: Outputs, reference: Outputs) -> dict[str, float | None]:
    """Each metric of ``METRICS`` for ``candidate`` against ``reference`` (None: no frame to compare)."""
    frames = sorted(set(candidate.found) & set(reference.found))
    both = [i for i in frames if candidate.found[i] and reference.found[i]]
    mismatch = sum(candidate.found[i] != reference.found[i] for i in frames) / len(frames) if frames else None

    def mean(values: list[np.ndarray]) -> float | None:
        values = [v for v in values if np.all(np.isfinite(v))]
        return float(np.mean(np.concatenate([np.ravel(v) for v in values]))) if values else None

    def common(kind: str) -> list[int]:
        return [i for i in both if i in getattr(candidate, kind) and i in getattr(reference, kind)]

    return {
        "iris_px": mean([np.linalg.norm(candidate.iris[i] - reference.iris[i], axis=-1) for i in common("iris")]),
        "landmarks_px": mean([np.linalg.norm(candidate.landmarks[i] - reference.landmarks[i], axis=-1)
                              for i in common("landmarks")]),
        "head_pose_deg": mean([np.abs(_wrap(candidate.head_pose[i] - reference.head_pose[i]))
                               for i in common("head_pose")]),
        "gaze_deg": mean([np.array([_angle_deg(candidate.gaze[i], reference.gaze[i])]) for i in common("gaze")]),
        "face_mismatch": mismatch,
    }


def over_budget(measured: dict[str, float | None], budget: dict[str, float]) -> list[str]:
    """The budget keys ``measured`` exceeds (a metric that could not be measured counts as over)."""
    return [key for key, limit in budget.items() if measured.get(key) is None or measured[key] > limit]


def budget_share(measured: dict[str, float | None], budget: dict[str, float]) -> float:
    """The largest share of its budget any metric uses (1.0: at the budget): the drift axis of the front."""
    shares = [(measured.get(key) or 0.0) / limit if limit > 0 else float(bool(measured.get(key)))
              for key, limit in budget.items()]
    return max(shares, default=0.0)


def _wrap(degrees: np.ndarray) -> np.ndarray:
    return (degrees + 180.0) % 360.0 - 180.0


def _angle_deg(a: np.ndarray, b: np.ndarray) -> float:
    cosine = float(np.dot(a, b) / max(np.linalg.norm(a) * np.linalg.norm(b), 1e-12))
    return float(np.degrees(np.arccos(np.clip(cosine, -1.0, 1.0))))
