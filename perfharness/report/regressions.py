"""Regressions over history: every comparable series (benchmark x machine fingerprint x
environment) reduced to one value per commit (the median of its runs there, each run's
location: p10 of its rounds), its change points found (``stats.changepoints``), and those
that make it slower by more than the benchmark's gate threshold reported."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from itertools import groupby

import numpy as np

from perfharness.results.store.queries import Point
from perfharness.stats.changepoints import ChangePoint, change_points

HIGHER_IS_BETTER = {"1/s"}  # units of rates (fps): a regression is a drop


@dataclass(frozen=True)
class Series:
    """One comparable series, one value per commit, in history order."""

    benchmark: str
    metric: str
    unit: str
    machine: str
    machine_fingerprint: str
    environment: str
    commits: list[str]
    values: np.ndarray
    first: Point  # one of its points (group, fullname, environment facts)


@dataclass(frozen=True)
class Regression:
    """A change point that makes a series worse by more than its threshold."""

    benchmark: str
    machine: str
    commit: str  # the first commit after the change
    previous_commit: str  # the last one before it
    ratio: float  # after / before (of the time: > 1 is slower; of a rate: < 1)
    threshold: float
    p_value: float
    before: int  # commits in the segment before
    after: int
    metric: str
    unit: str
    machine_fingerprint: str
    environment: str

    def as_json(self) -> dict[str, object]:
        """What ``regressions --json`` prints for it."""
        data = asdict(self)
        data["evidence"] = {"p_value": data.pop("p_value"), "points_before": data.pop("before"),
                            "points_after": data.pop("after"), "threshold": data.pop("threshold"),
                            "previous_commit": data.pop("previous_commit")}
        return data


def _commit_of(point: Point) -> str:
    return point.commit or f"run-{point.run_id}"


def series(points: Iterable[Point]) -> list[Series]:
    """The comparable series of ``points`` (in history order), one value per commit."""
    by_key: dict[tuple[str, str, str, str], list[Point]] = {}
    for point in points:
        by_key.setdefault(point.series, []).append(point)
    found = []
    for (benchmark, metric, machine_print, environment), members in by_key.items():
        members.sort(key=lambda p: p.order)
        commits, values = [], []
        for commit, group in groupby(members, key=_commit_of):
            commits.append(commit)
            values.append(float(np.median([p.value for p in group])))
        first = members[0]
        found.append(Series(benchmark, metric, first.unit, members[-1].machine, machine_print, environment, commits,
                            np.asarray(values), first))
    return sorted(found, key=lambda s: (s.benchmark, s.machine, s.environment))


def worse_by(s: Series, ratio: float) -> float:
    """How much worse ``ratio`` makes the series (after/before of a time; before/after of a rate)."""
    return 1 / ratio if s.unit in HIGHER_IS_BETTER else ratio


def changes(s: Series) -> list[ChangePoint]:
    """The series' change points."""
    return change_points(s.values)


def regressions(all_series: Iterable[Series], threshold: Callable[[Series], float]) -> list[Regression]:
    """The change points of every series that make it worse by more than ``threshold(series)``."""
    found = []
    for s in all_series:
        limit = threshold(s)
        for point in changes(s):
            if worse_by(s, point.ratio) > 1 + limit:
                found.append(Regression(s.benchmark, s.machine, s.commits[point.index], s.commits[point.index - 1],
                                        point.ratio, limit, point.p_value, point.before, point.after, s.metric,
                                        s.unit, s.machine_fingerprint, s.environment))
    return found
