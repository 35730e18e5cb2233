"""A configuration under test, in a process of its own (``tune.worker``): its chain loaded once
(the controller's run session, pointer off), its outputs on the held-out frames from a first
untimed pass, then timed passes on request. The time of a pass is its wall time over its
frames, so a configuration with two frames in flight is timed by its throughput, as the
controller runs it.

One process per configuration, so that one chain's threads, allocations and caches cannot bias
another's turns (raced in one process, ``threads=2``, the setting OpenVINO picks here by itself,
came out at 1.29x its own choice).

``race`` interleaves two of them: pairs of passes back to back, the order alternating, so that
drift of the machine lands on both sides of a pair; the ratio is the median of per-pair ratios.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from perfharness.core.children import Child, ChildError, spawn
from perfharness.run.settings import RunSettings
from perfharness.tune.drift import Outputs

INPUT = "sample"  # the clip every configuration is timed on (its odd frames held out for the drift)
START_TIMEOUT_S = 300.0  # Python, OpenVINO, the clip, compiling the chain, the first pass
PASS_TIMEOUT_S = 300.0


@dataclass
class Contender:
    """One configuration in its worker process; ``close`` ends it."""

    settings: RunSettings
    outputs: Outputs = field(default_factory=Outputs)
    times_s: list[float] = field(default_factory=list)  # per frame, one per timed pass
    _child: Child | None = None

    def open(self) -> Contender:
        """Start the worker, wait until its chain is loaded and its held-out outputs are written;
        ChildError (one line) when it cannot run."""
        with tempfile.TemporaryDirectory(prefix="perfharness-tune-") as folder:
            outputs = Path(folder) / "outputs.npz"
            command = [sys.executable, "-m", "perfharness.tune.worker",
                       json.dumps(dataclasses.asdict(self.settings)), str(outputs)]
            self._child = spawn("tune worker", command, protocol=True, new_session=True)
            try:
                self._reply(START_TIMEOUT_S)
                self.outputs = Outputs.load(outputs)
            except BaseException:
                self.close()
                raise
        return self

    def timed_pass(self, keep: bool = True) -> float:
        """One timed pass over the clip; its time per frame (seconds), kept in ``times_s`` unless not ``keep``."""
        assert self._child is not None, "open() first"
        self._child.send({"passes": 1})
        (per_frame,) = self._reply(PASS_TIMEOUT_S)["times_s"]
        if keep:
            self.times_s.append(per_frame)
        return per_frame

    def close(self) -> None:
        if self._child is not None:
            self._child.close({"quit": True})
            self._child = None

    def _reply(self, timeout_s: float) -> dict:
        assert self._child is not None
        reply = self._child.receive(timeout_s)
        if "error" in reply:
            raise ChildError(f"the tune worker failed: {reply['error']}")
        return reply


def race(incumbent: Contender, challenger: Contender, pairs: int, first_pair: int = 0) -> list[float]:
    """``pairs`` pairs of timed passes; each pair's challenger / incumbent time per frame. The order
    within a pair alternates with the pair's number (``first_pair`` continues an earlier race). A
    race's first pair follows an untimed pass of each side: a worker that sat idle while another
    started runs its next pass cold."""
    if first_pair == 0:
        incumbent.timed_pass(keep=False)
        challenger.timed_pass(keep=False)
    ratios = []
    for number in range(first_pair, first_pair + pairs):
        if number % 2 == 0:
            base, other = incumbent.timed_pass(), challenger.timed_pass()
        else:
            other, base = challenger.timed_pass(), incumbent.timed_pass()
        ratios.append(other / base)
    return ratios
