"""The protocol both peer-benchmark workers speak (numpy only: it runs in either venv, and in the
MediaPipe venv it is imported as the top-level module ``worker_protocol``, this folder being the
worker's PYTHONPATH).

A worker is started as ``python WORKER FRAMES.npy [worker options]``. It loads the frames
(uint8 BGR, N x H x W x 3) into memory, then answers one JSON line per command on stdin:

    {"mode": "detect" | "tracking", "out": "/path/run.npz"}

with a warm-up pass over all frames (not timed), then the timed pass: ``time.perf_counter``
around the side's per-frame call only (for MediaPipe, cvtColor BGR->RGB + ``FaceMesh.process``;
for ours, ``GazePipeline.process``), with the process's CPU time (all its threads) around the
same call. Each pass starts from detection (the side's ``begin`` sees to that, untimed).
The timed pass goes to ``out`` (written whole, then renamed) as:

    times_s (N,) float64, cpu_s (N,) float64, found (N,) bool, landmarks (N, K, 2) float32
    (pixels, NaN where no face), plus what the side adds (ours: iris (N, 2, 2), detector_ran (N,))

and the reply is one JSON line: {"ok": true, "mode": ..., "out": ..., "mean_s": ..., "faces": ...}
or {"ok": false, "error": "one line"}. The first line a worker writes is {"ready": true, "frames":
N, "width": W, "height": H, ...}. EOF or {"quit": true} on stdin ends it (exit 0). Everything
else the worker or its libraries print goes to stderr: stdout carries the protocol only.
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback
from collections.abc import Callable
from typing import Protocol

import numpy as np

MODES = ("detect", "tracking")


class Side(Protocol):
    """What a worker provides: ``begin`` (untimed) returns the per-frame call for one pass,
    ``record`` (untimed) keeps what a call returned, ``arrays`` hands over the pass's outputs."""

    def begin(self, mode: str, frames: np.ndarray) -> Callable[[np.ndarray, int], object]: ...

    def record(self, index: int, output: object) -> None: ...

    def arrays(self) -> dict[str, np.ndarray]: ...


def run_pass(side: Side, mode: str, frames: np.ndarray) -> dict[str, np.ndarray]:
    """One pass over ``frames``: the call timed (wall and process CPU), the bookkeeping not."""
    step = side.begin(mode, frames)
    count = len(frames)
    times = np.empty(count, np.float64)
    cpu = np.empty(count, np.float64)
    clock, cpu_clock = time.perf_counter, time.process_time
    for index in range(count):
        frame = frames[index]
        cpu_start = cpu_clock()
        start = clock()
        output = step(frame, index)
        end = clock()
        cpu_end = cpu_clock()
        times[index] = end - start
        cpu[index] = cpu_end - cpu_start
        side.record(index, output)
    arrays = side.arrays()
    arrays["times_s"] = times
    arrays["cpu_s"] = cpu
    return arrays


def save_npz(path: str, arrays: dict[str, np.ndarray]) -> None:
    """Write ``path`` whole or not at all (a temporary file beside it, then renamed)."""
    tmp = f"{path}.tmp-{os.getpid()}.npz"
    try:
        np.savez(tmp, **arrays)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def serve(make_side: Callable[[np.ndarray], tuple[Side, dict]], argv: list[str] | None = None) -> int:
    """Load the frames named by ``argv[0]``, build the side, answer commands until EOF."""
    argv = sys.argv[1:] if argv is None else argv
    protocol = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    os.dup2(2, 1)  # native libraries' and stray prints go to stderr, not into the protocol
    sys.stdout = sys.stderr

    def reply(message: dict) -> None:
        protocol.write(json.dumps(message) + "\n")
        protocol.flush()

    try:
        frames = np.load(argv[0])
        if frames.dtype != np.uint8 or frames.ndim != 4 or frames.shape[-1] != 3 or len(frames) == 0:
            reply({"ready": False,
                   "error": f"{argv[0]}: expected uint8 frames N x H x W x 3, got {frames.dtype} {frames.shape}"})
            return 2
        try:
            side, info = make_side(frames)
        except Exception as error:  # noqa: BLE001 - told to the driver, the traceback kept in the log
            traceback.print_exc()
            reply({"ready": False, "error": f"{type(error).__name__}: {error}".splitlines()[0]})
            return 1
        reply({"ready": True, "frames": int(len(frames)), "height": int(frames.shape[1]),
               "width": int(frames.shape[2]), **info})
        for line in sys.stdin:
            if not line.strip():
                continue
            try:
                command = json.loads(line)
                if command.get("quit"):
                    break
                mode, out = command["mode"], command["out"]
                if mode not in MODES:
                    raise ValueError(f"unknown mode {mode!r}; choose one of {', '.join(MODES)}")
                run_pass(side, mode, frames)  # warm-up, not kept
                arrays = run_pass(side, mode, frames)
                save_npz(out, arrays)
                reply({"ok": True, "mode": mode, "out": out, "mean_s": float(arrays["times_s"].mean()),
                       "faces": int(arrays["found"].sum())})
            except Exception as error:  # noqa: BLE001 - told to the driver, the traceback kept in the log
                traceback.print_exc()
                reply({"ok": False, "error": f"{type(error).__name__}: {error}".splitlines()[0]})
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the driver is gone
        return 1
    return 0
