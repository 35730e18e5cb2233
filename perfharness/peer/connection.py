"""Starting a peer worker (on ``perfharness.core.children``) and speaking its protocol
(``workers/worker_protocol.py``): a ready line, then one command and one reply per pass."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import numpy as np

from perfharness.core.children import Child, ChildError, spawn
from perfharness.peer.mediapipe_venv import venv_python
from perfharness.run.settings import RunSettings

WORKERS_DIR = Path(__file__).with_name("workers")
READY_TIMEOUT_S = 600.0


class Worker:
    """A started worker: ``wait_ready`` once, ``run`` per pass, then ``close`` (or ``stop``)."""

    def __init__(self, child: Child) -> None:
        self.child = child
        self.info: dict = {}

    def wait_ready(self, timeout_s: float = READY_TIMEOUT_S) -> dict:
        """Its ready line (kept as ``info``: versions, settings); ChildError when it cannot start."""
        message = self.child.receive(timeout_s)
        if not message.get("ready"):
            raise ChildError(f"the {self.child.name} could not start: {message.get('error', message)}")
        self.info = message
        return message

    def run(self, mode: str, out: Path, timeout_s: float) -> dict[str, np.ndarray]:
        """One warm-up and one timed pass in ``mode``; the timed pass's arrays (written to ``out``)."""
        self.child.send({"mode": mode, "out": str(out)})
        reply = self.child.receive(timeout_s)
        if not reply.get("ok"):
            raise ChildError(f"the {self.child.name} failed on {mode}: {reply.get('error', reply)}")
        with np.load(out) as data:
            return {key: data[key] for key in data.files}

    def close(self) -> None:
        """Ask it to quit; stopped if it does not."""
        self.child.close({"quit": True})

    def stop(self) -> None:
        """End it now: SIGTERM, then SIGKILL."""
        self.child.stop()


def start_mediapipe_worker(venv: Path, frames: Path, log: Path) -> Worker:
    """The MediaPipe worker in ``venv``, run from this package's file with its folder (and only
    that) as PYTHONPATH, so it finds ``worker_protocol`` and nothing of perfharness."""
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "PYTHONHOME")}
    env["PYTHONPATH"] = str(WORKERS_DIR)
    command = [str(venv_python(venv)), str(WORKERS_DIR / "mediapipe_worker.py"), str(frames)]
    return Worker(spawn("MediaPipe worker", command, log=log, protocol=True, env=env, cwd=frames.parent,
                        new_session=True))


def start_ours_worker(settings: RunSettings, frames: Path, log: Path) -> Worker:
    """Our worker, with this python, building its pipelines from ``settings``."""
    command = [sys.executable, "-m", "perfharness.peer.workers.ours_worker", str(frames),
               "--settings", json.dumps(settings.as_dict())]
    return Worker(spawn("ours worker", command, log=log, protocol=True, cwd=frames.parent, new_session=True))
