"""A configuration under test: its chain loaded once (a ``ChainPass``, the run session the controller
uses, pointer off), its outputs on the held-out frames from a first untimed pass, and the time
per frame of each timed pass (the wall time of a pass over the clip / its frames, so a
configuration with two frames in flight is timed by its throughput, as the controller runs it).

``race`` interleaves two of them: pairs of passes back to back, the order alternating, so that
drift of the machine lands on both sides of a pair; the ratio is the median of per-pair ratios.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from perfharness.run.loop import LoopPlan
from perfharness.run.session import ChainPass
from perfharness.run.settings import RunSettings
from perfharness.run.stats import FrameStats
from perfharness.tune.drift import Outputs

INPUT = "sample"  # the clip every configuration is timed on (its odd frames held out for the drift)


@dataclass
class Contender:
    """One configuration, loaded; ``close`` frees its compiled models."""

    settings: RunSettings
    frames: list[np.ndarray]
    outputs: Outputs = field(default_factory=Outputs)
    times_s: list[float] = field(default_factory=list)  # per frame, one per timed pass
    _chain: ChainPass | None = None

    def open(self) -> Contender:
        """Load and compile the chain, then run the untimed pass that keeps the held-out outputs
        (and warms the models up)."""
        self._chain = ChainPass(self.settings, LoopPlan(in_flight=self.settings.in_flight), FrameStats(),
                                mouse="off").__enter__()
        try:
            self._pass(lambda record: self.outputs.add(record.result) or True)
        except BaseException:
            self.close()
            raise
        return self

    def timed_pass(self) -> float:
        """One timed pass over the clip; its time per frame (seconds), also kept in ``times_s``."""
        counts = self._pass(None)
        per_frame = counts.wall_s / max(counts.measured, 1)
        self.times_s.append(per_frame)
        return per_frame

    def close(self) -> None:
        if self._chain is not None:
            self._chain.__exit__(None, None, None)
            self._chain = None

    def _pass(self, consumer):
        assert self._chain is not None, "open() first"
        return self._chain.run(iter(self.frames), [], consumer).counts


def race(incumbent: Contender, challenger: Contender, pairs: int, first_pair: int = 0) -> list[float]:
    """``pairs`` pairs of timed passes; each pair's challenger / incumbent time per frame. The order
    within a pair alternates with the pair's number (``first_pair`` continues an earlier race)."""
    ratios = []
    for number in range(first_pair, first_pair + pairs):
        if number % 2 == 0:
            base, other = incumbent.timed_pass(), challenger.timed_pass()
        else:
            other, base = challenger.timed_pass(), incumbent.timed_pass()
        ratios.append(other / base)
    return ratios
