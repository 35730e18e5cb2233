"""How far apart the two sides put the iris centres and mesh landmarks, and how much one side's
outputs moved between rounds (pixels)."""

from __future__ import annotations

import numpy as np

MESH_POINTS = {1: "nose tip", 33: "image-left eye, outer corner", 133: "image-left eye, inner corner",
               362: "image-right eye, inner corner", 263: "image-right eye, outer corner",
               61: "mouth, image-left corner", 291: "mouth, image-right corner", 152: "chin"}
MESH_SIZE = 468  # the mesh topology both sides share (MediaPipe adds 10 iris points after it)
IRIS_CENTRES = (468, 473)  # MediaPipe's two iris centres (refine_landmarks=True)
EYE_ANCHOR = 33  # the image-left eye's outer corner in the mesh; ours names its eyes by it


def summary(values: np.ndarray) -> dict[str, float | int | None]:
    """count, median, p90 and max of ``values`` (NaN dropped); None for an empty set."""
    values = np.asarray(values, np.float64).ravel()
    values = values[np.isfinite(values)]
    if values.size == 0:
        return {"count": 0, "median": None, "p90": None, "max": None}
    return {"count": int(values.size), "median": float(np.median(values)), "p90": float(np.percentile(values, 90)),
            "max": float(values.max())}


def distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Euclidean distance between matching points (..., 2) -> (...)."""
    return np.linalg.norm(np.asarray(a, np.float64) - np.asarray(b, np.float64), axis=-1)


def iris_indices(landmarks: np.ndarray) -> np.ndarray:
    """Per frame, MediaPipe's (image-left, image-right) iris centre indices, (N, 2) int: the
    centre nearer landmark 33 (the mesh's image-left eye, the one ours calls ``left_eye``) is
    the image-left one; -1 on frames with no face (NaN landmarks)."""
    landmarks = np.asarray(landmarks, np.float64)
    anchor = landmarks[:, EYE_ANCHOR]
    first, second = (distances(landmarks[:, index], anchor) for index in IRIS_CENTRES)
    left = np.where(first <= second, IRIS_CENTRES[0], IRIS_CENTRES[1])
    right = np.where(first <= second, IRIS_CENTRES[1], IRIS_CENTRES[0])
    pairs = np.stack([left, right], axis=1)
    pairs[~(np.isfinite(first) & np.isfinite(second))] = -1
    return pairs


def peer_iris(landmarks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """MediaPipe's iris centres as (N, 2, 2), image-left eye first (NaN where no face), and the
    per-frame indices they came from."""
    landmarks = np.asarray(landmarks, np.float64)
    pairs = iris_indices(landmarks)
    centres = np.full((len(landmarks), 2, 2), np.nan)
    rows = np.nonzero(pairs[:, 0] >= 0)[0]
    centres[rows, 0] = landmarks[rows, pairs[rows, 0]]
    centres[rows, 1] = landmarks[rows, pairs[rows, 1]]
    return centres, pairs


def agreement(ours: dict[str, np.ndarray], peer: dict[str, np.ndarray]) -> dict:
    """How far apart the two sides put the iris centres and mesh landmarks (pixels), over the
    frames where both found a face, and how many frames only one side found a face on.
    ``ours``: found (N,), landmarks (N, 468, 2), iris (N, 2, 2); ``peer``: found, landmarks (N, 478, 2)."""
    ours_found, peer_found = np.asarray(ours["found"], bool), np.asarray(peer["found"], bool)
    if ours_found.shape != peer_found.shape:
        raise ValueError(f"the sides saw different frame counts: {ours_found.shape[0]} and {peer_found.shape[0]}")
    both = ours_found & peer_found
    ours_landmarks = np.asarray(ours["landmarks"], np.float64)[both]
    peer_landmarks = np.asarray(peer["landmarks"], np.float64)[both]
    peer_centres, pairs = peer_iris(peer_landmarks)
    iris_error = distances(np.asarray(ours["iris"], np.float64)[both], peer_centres)  # (M, 2)
    mesh_error = distances(ours_landmarks[:, :MESH_SIZE], peer_landmarks[:, :MESH_SIZE])  # (M, 468)
    left_index = pairs[:, 0]
    return {
        "frames": {"total": int(both.size), "both": int(both.sum()), "only_ours": int((ours_found & ~peer_found).sum()),
                   "only_mediapipe": int((peer_found & ~ours_found).sum()),
                   "neither": int((~ours_found & ~peer_found).sum())},
        "iris": {"left": summary(iris_error[:, 0]), "right": summary(iris_error[:, 1]), "both": summary(iris_error)},
        "mesh": {str(index): {"name": name, **summary(mesh_error[:, index])} for index, name in MESH_POINTS.items()},
        "mesh_size": MESH_SIZE,
        "mesh_all": summary(mesh_error),
        "mediapipe_image_left_iris": {str(index): int((left_index == index).sum()) for index in IRIS_CENTRES},
        "mediapipe_33_left_of_263": int((peer_landmarks[:, 33, 0] < peer_landmarks[:, 263, 0]).sum()),
    }


def repeatability(runs: list[dict[str, np.ndarray]]) -> dict:
    """How much one side's outputs moved between rounds: the largest landmark change (pixels)
    from the first round, over frames where both rounds found a face, and frames whose
    face-found flag changed."""
    first = runs[0]
    largest, changed = 0.0, 0
    for run in runs[1:]:
        both = first["found"] & run["found"]
        changed += int((first["found"] != run["found"]).sum())
        if both.any():
            largest = max(largest, float(np.nanmax(distances(first["landmarks"][both], run["landmarks"][both]))))
    return {"rounds": len(runs), "max_landmark_change_px": largest, "found_changed_frames": changed}
