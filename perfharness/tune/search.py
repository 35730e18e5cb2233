"""The search: coordinate descent over the dimensions (``tune.space``), each step a small
successive-halving race.

The reference is the FP32 chain at its defaults; it starts as the incumbent. For each dimension
every other value is tried on the incumbent: loaded in a worker of its own, its held-out outputs
compared with the reference's (``tune.drift``), and, within the budget, raced against the
incumbent in rungs of 2, 2 and 3 pairs of passes (``tune.timing.race``), the slower half and
anything not faster dropped after each rung. The fastest survivor becomes the incumbent when it
is at least ``MIN_GAIN`` faster over its 7 pairs and faster at all with ``ACCEPT_CONFIDENCE``.
A configuration over the budget gets one pair, for the front. Sweeps repeat until one changes
nothing (at most ``MAX_SWEEPS``) or time runs out; a confirmation race of the choice against the
reference in fresh processes (``tune.fresh``) always fits: time is kept for it. Every measured
configuration stays in ``candidates`` however the search ends (Ctrl-C included).
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from perfharness.core.children import ChildError
from perfharness.core.errors import one_line
from perfharness.run.config_file import settings_document
from perfharness.run.settings import RunSettings
from perfharness.stats.bootstrap import median_upper_bound, paired_median_ratio_interval
from perfharness.tune import fresh
from perfharness.tune.drift import budget_share, drift, over_budget
from perfharness.tune.fresh import fresh_race
from perfharness.tune.space import Dimension, describe
from perfharness.tune.timing import Contender, race

RUNGS = (2, 2, 3)  # pairs added at each rung of a race
MIN_GAIN = 0.02  # a challenger must be this much faster (median of per-pair ratios) to take over,
ACCEPT_CONFIDENCE = 0.9  # and faster at all with this confidence (one-sided bootstrap of that median)
MAX_SWEEPS = 2
OPEN_ESTIMATE_S = 4.0  # starting a configuration's worker before one has been timed here


@dataclass
class Candidate:
    """One measured configuration. ``ratios``: per pair, its time / the incumbent's it raced;
    ``incumbent_ratio``: that incumbent's time / the reference's, so that every candidate is
    placed against the reference."""

    label: str
    settings: RunSettings
    dimension: str
    drift: dict[str, float | None] = field(default_factory=dict)
    over_budget: list[str] = field(default_factory=list)
    against: str = "default"
    incumbent_ratio: float = 1.0
    ratios: list[float] = field(default_factory=list)
    time_ms: float | None = None
    outcome: str = "measured"  # accepted | not faster | dropped at rung N | over budget | failed: ... | not raced

    @property
    def ratio(self) -> float | None:
        """Its time / the reference's (the median of its pairs times its incumbent's ratio)."""
        return float(np.median(self.ratios)) * self.incumbent_ratio if self.ratios else None

    def as_dict(self, budget: dict[str, float]) -> dict:
        return {"label": self.label, "dimension": self.dimension, "settings": settings_document(self.settings),
                "drift": self.drift, "budget_share": budget_share(self.drift, budget) if self.drift else None,
                "over_budget": self.over_budget, "against": self.against, "pairs": len(self.ratios),
                "ratio_to_incumbent": float(np.median(self.ratios)) if self.ratios else None,
                "ratio_to_default": self.ratio, "time_ms": self.time_ms, "outcome": self.outcome}


@dataclass
class Confirmation:
    pairs: int
    ratio: float  # median of per-pair choice / reference ratios
    interval: tuple[float, float] | None
    choice_ms: float
    default_ms: float


class Tuner:
    """One search; see the module docstring. ``progress`` gets a line per measured configuration."""

    def __init__(self, frame_count: int, dimensions: list[Dimension], budget: dict[str, float],
                 max_time_s: float, progress: Callable[[str], None] | None = None) -> None:
        self.frame_count, self.dimensions, self.budget = frame_count, dimensions, budget
        self.started = time.monotonic()
        self.deadline = self.started + max_time_s
        self.max_time_s = max_time_s
        self.progress = progress or (lambda line: print(line, file=sys.stderr, flush=True))
        self.default = RunSettings()
        self.candidates: list[Candidate] = []
        self.choice: Candidate | None = None  # None: the default
        self.confirmation: Confirmation | None = None
        self.sweeps = 0
        self.stopped = "searching"
        self._open_s: list[float] = []
        self._reference: Contender | None = None
        self._incumbent: Contender | None = None

    # --- time
    def elapsed_s(self) -> float:
        return time.monotonic() - self.started

    def _pass_s(self) -> float:
        times = self._reference.times_s if self._reference and self._reference.times_s else []
        return float(np.median(times)) * self.frame_count if times else 0.01 * self.frame_count

    def _affords(self, seconds: float) -> bool:
        """Whether ``seconds`` more of search still leave time for the confirmation race."""
        return time.monotonic() + seconds + fresh.reserve_s(self._pass_s()) < self.deadline

    def _open_cost_s(self) -> float:
        return float(np.median(self._open_s)) if self._open_s else OPEN_ESTIMATE_S

    # --- the search
    def run(self) -> None:
        """Search until done or out of time, then confirm the choice; KeyboardInterrupt propagates
        with everything measured kept."""
        try:
            self._reference = self._open(self.default)
            self._incumbent = self._reference
            self._reference.timed_pass()  # a first time per pass, for the time estimates
            for self.sweeps in range(1, MAX_SWEEPS + 1):
                changed = False
                for dimension in self.dimensions:
                    if not self._affords(self._open_cost_s() + 2 * self._pass_s()):
                        self.stopped = "out of time"
                        break
                    changed |= self._step(dimension)
                if self.stopped == "out of time" or not changed:
                    break
            if self.stopped == "searching":
                self.stopped = "done"
        finally:
            self._close_all()
        self._confirm()  # with every configuration of this process closed

    def _open(self, settings: RunSettings) -> Contender:
        started = time.monotonic()
        contender = Contender(settings).open()
        self._open_s.append(time.monotonic() - started)
        return contender

    def _step(self, dimension: Dimension) -> bool:
        """Try every other value of ``dimension`` on the incumbent; True when one took over."""
        assert self._incumbent is not None and self._reference is not None
        incumbent_settings = self._incumbent.settings
        incumbent_ratio = self.choice.ratio if self.choice else 1.0
        tried = {candidate.settings for candidate in self.candidates}
        racing: list[tuple[Candidate, Contender]] = []
        try:
            for value in dimension.values:
                settings = dimension.apply(incumbent_settings, value)
                if settings == incumbent_settings or settings in tried or settings == self.default:
                    continue
                if not self._affords(self._open_cost_s() + 2 * self._pass_s()):
                    self.stopped = "out of time"
                    break
                candidate = Candidate(describe(settings, self.default), settings, dimension.name,
                                      against=self.choice.label if self.choice else "default",
                                      incumbent_ratio=incumbent_ratio)
                self.candidates.append(candidate)
                contender = self._load(candidate)
                if contender is None:
                    continue
                if candidate.over_budget:
                    candidate.ratios += race(self._incumbent, contender, 1)
                    candidate.outcome = "over budget"
                    self._finish(candidate, contender)
                    contender.close()
                    continue
                racing.append((candidate, contender))
            return self._race(racing)
        finally:
            for _, contender in racing:
                if contender is not self._incumbent:
                    contender.close()

    def _load(self, candidate: Candidate) -> Contender | None:
        """The candidate loaded, its drift measured; None (and its outcome said) when it cannot run."""
        try:
            contender = self._open(candidate.settings)
        except ChildError as error:
            candidate.outcome = one_line(f"failed: {error}")
            self.progress(self._line(candidate))
            return None
        assert self._reference is not None
        candidate.drift = drift(contender.outputs, self._reference.outputs)
        candidate.over_budget = over_budget(candidate.drift, self.budget)
        return contender

    def _race(self, racing: list[tuple[Candidate, Contender]]) -> bool:
        """Successive halving of the challengers against the incumbent; True when one took over."""
        assert self._incumbent is not None
        alive = list(racing)
        for rung, pairs in enumerate(RUNGS):
            for candidate, contender in alive:
                if not self._affords(2 * pairs * self._pass_s()):
                    self.stopped = "out of time"
                    break
                candidate.ratios += race(self._incumbent, contender, pairs, first_pair=len(candidate.ratios))
            alive = [(c, k) for c, k in alive if c.ratios and np.median(c.ratios) < 1.0]
            alive.sort(key=lambda pair: float(np.median(pair[0].ratios)))
            if rung < len(RUNGS) - 1:
                alive = alive[:max(1, math.ceil(len(alive) / 2))]
            for candidate, _ in racing:
                if candidate.outcome == "measured" and all(candidate is not kept for kept, _ in alive):
                    candidate.outcome = f"dropped at rung {rung + 1}" if candidate.ratios else "not raced"
            if not alive or self.stopped == "out of time":
                break
        winner = None
        if alive and len(alive[0][0].ratios) == sum(RUNGS) and np.median(alive[0][0].ratios) <= 1 - MIN_GAIN \
                and median_upper_bound(np.array(alive[0][0].ratios), ACCEPT_CONFIDENCE) < 1.0:
            winner = alive[0]
        for candidate, contender in racing:
            if candidate.outcome == "measured":
                candidate.outcome = "accepted" if winner and candidate is winner[0] else "not faster"
            self._finish(candidate, contender)
        if winner is None:
            return False
        if self._incumbent is not self._reference:
            self._incumbent.close()
        self.choice, self._incumbent = winner
        return True

    def _finish(self, candidate: Candidate, contender: Contender) -> None:
        if contender.times_s:
            candidate.time_ms = float(np.median(contender.times_s)) * 1e3
        self.progress(self._line(candidate))

    def _confirm(self) -> None:
        """The choice against the default in fresh processes (``tune.fresh``); nothing to do when the
        default is the choice. A worker that fails leaves the confirmation out, said in one line."""
        if self.choice is None:
            return
        try:
            pairs = fresh.affordable_pairs(self.deadline - time.monotonic(), self._pass_s())
            choice_s, default_s = fresh_race(self.default, self.choice.settings, pairs)
        except ChildError as error:
            self.progress(f"tune: the confirmation in fresh processes failed: {error}")
            return
        ratios = [c / d for c, d in zip(choice_s, default_s)]
        interval = paired_median_ratio_interval(np.array(choice_s), np.array(default_s))
        self.confirmation = Confirmation(len(ratios), float(np.median(ratios)), interval,
                                         float(np.median(choice_s)) * 1e3, float(np.median(default_s)) * 1e3)
        self.progress(f"tune: confirmed in fresh processes: {self.choice.label} at {self.confirmation.ratio:.2f}x "
                      f"the default (95% interval {interval[0]:.2f}-{interval[1]:.2f}, {len(ratios)} pairs): "
                      f"{self.confirmation.choice_ms:.2f} ms against {self.confirmation.default_ms:.2f} ms per frame")

    def _close_all(self) -> None:
        for contender in (self._incumbent, self._reference):
            if contender is not None:
                contender.close()

    def _line(self, candidate: Candidate) -> str:
        filled = min(20, int(20 * self.elapsed_s() / self.max_time_s))
        bar = f"[{'#' * filled}{'.' * (20 - filled)}] {self.elapsed_s():4.0f}/{self.max_time_s:.0f} s"
        drift_text = ", ".join(f"{key} {candidate.drift[key]:.3g}" for key in self.budget
                               if candidate.drift.get(key) is not None)
        ratio = (f"; {np.median(candidate.ratios):.3f}x {candidate.against} ({len(candidate.ratios)} pairs)"
                 if candidate.ratios else "")
        return f"tune {bar} {candidate.label}: {drift_text or 'no drift measured'}{ratio} -> {candidate.outcome}"
