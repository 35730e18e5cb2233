"""How far the iris centres a controller run wrote to ``frames.csv`` are from MediaPipe's own
solution on the same input (tracking mode), in pixels: the measurement behind issue 22's
"iris centres within 1 px (median) of MediaPipe's", from any run.

    perfharness controller --config tuned.json --input VIDEO --no-window --mouse off --frames-csv run.csv
    python tools/iris_vs_mediapipe.py VIDEO run.csv [--max-frames N] [--venv DIR]

The input is decoded once (as ``perfharness peer`` does) and MediaPipe's worker runs on it in the
peer's venv (``perfharness peer --setup`` makes it); the rows of ``frames.csv`` are matched by
frame index. Prints the median, p90 and max distance per eye and both, over frames where both
found a face.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

from perfharness.peer.agreement import distances, peer_iris, summary
from perfharness.peer.connection import start_mediapipe_worker
from perfharness.peer.frames import decode_frames
from perfharness.peer.mediapipe_venv import default_venv
from perfharness.results.frames import read_frames


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input", help="the video the controller ran on (or sample)")
    parser.add_argument("frames_csv", type=Path)
    parser.add_argument("--max-frames", type=int)
    parser.add_argument("--venv", type=Path, default=None)
    args = parser.parse_args()
    ours = {row.index: row for row in read_frames(args.frames_csv)}
    with tempfile.TemporaryDirectory() as folder:
        frames = Path(folder) / "frames.npy"
        source = decode_frames(args.input, args.max_frames, frames)
        worker = start_mediapipe_worker((args.venv or default_venv()).absolute(), frames, Path(folder) / "mp.log")
        try:
            worker.wait_ready()
            theirs = worker.run("tracking", Path(folder) / "mp.npz", 600.0)
        finally:
            worker.close()
    centres, _ = peer_iris(theirs["landmarks"])
    ours_iris = np.full_like(centres, np.nan)
    for index in range(len(centres)):
        row = ours.get(index)
        if row is not None and row.left_iris is not None and row.right_iris is not None:
            ours_iris[index] = (row.left_iris, row.right_iris)
    both = theirs["found"].astype(bool) & np.isfinite(ours_iris).all(axis=(1, 2))
    error = distances(ours_iris[both], centres[both])
    report = {"input": source, "rows": len(ours), "both_found": int(both.sum()),
              "left": summary(error[:, 0]), "right": summary(error[:, 1]), "both": summary(error)}
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
