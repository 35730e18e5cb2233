"""Reading the store: runs (listed, one in full, exported), and the points of history series."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from perfharness.core.errors import UsageError
from perfharness.results.store.connection import Store
from perfharness.results.store.records import as_utc
from perfharness.results.store.samples import unpack
from perfharness.results.store.schema import Machine, Result, Run


def runs(store: Store, kind: str | None = None, machine: str | None = None, limit: int | None = None) -> list[Run]:
    """Runs, newest first, of one kind and machine name when given."""
    query = select(Run).order_by(Run.started.desc(), Run.id.desc())
    if kind:
        query = query.where(Run.kind == kind)
    if machine:
        query = query.join(Run.machine).where(Machine.name == machine)
    with store.reading() as session:
        return list(session.scalars(query.limit(limit)).unique())


def run_with_results(store: Store, run_id: int) -> Run:
    """One run with its results; UsageError when there is none of that id."""
    with store.reading() as session:
        run = session.scalar(select(Run).where(Run.id == run_id).options(selectinload(Run.results)))
    if run is None:
        raise UsageError(f"store {store}: no run {run_id} (see `perfharness store list`)")
    return run


def run_document(run: Run, samples: bool = True) -> dict[str, Any]:
    """A run as JSON-ready data: what it is, where it ran, its results (and their samples)."""
    return {
        "id": run.id, "kind": run.kind, "name": run.name, "started": as_utc(run.started).isoformat(), "complete": run.complete,
        "config": run.config, "run_dir": run.run_dir, "source": run.source,
        "machine": {"name": run.machine.name, "fingerprint": run.machine.fingerprint, "facts": run.machine.facts},
        "environment": {"fingerprint": run.environment.fingerprint, "facts": run.environment.facts},
        "commit": None if run.commit is None else {
            "sha": run.commit.sha, "time": as_utc(run.commit.time).isoformat() if run.commit.time else None,
            "branch": run.commit.branch, "dirty": run.commit.dirty},
        "results": [{
            "name": r.name, "fullname": r.fullname, "group": r.group, "metric": r.metric, "unit": r.unit,
            "count": r.count, "mean": r.mean, "stdev": r.stdev, "min": r.min, "p10": r.p10, "median": r.median,
            "p90": r.p90, "max": r.max, "extra_info": r.extra_info,
            **({"samples": unpack(r.samples).tolist() if r.samples is not None else None} if samples else {}),
        } for r in run.results],
    }


@dataclass(frozen=True)
class Point:
    """One result of a history series (a benchmark on one machine fingerprint and environment)."""

    benchmark: str
    metric: str
    unit: str
    group: str | None
    fullname: str | None
    machine: str
    machine_fingerprint: str
    environment: str
    environment_facts: dict[str, Any]
    commit: str | None
    commit_time: datetime | None
    started: datetime
    run_id: int
    value: float

    @property
    def series(self) -> tuple[str, str, str, str]:
        """What a comparable series is keyed by: benchmark, metric, machine fingerprint, environment."""
        return self.benchmark, self.metric, self.machine_fingerprint, self.environment

    @property
    def order(self) -> tuple[datetime, datetime, int]:
        """Its place in history: the commit's time (the run's when unknown), then the run's."""
        return self.commit_time or self.started, self.started, self.run_id


def points(store: Store, benchmark: str | None = None, machine: str | None = None,
           kinds: Sequence[str] = ("bench",)) -> list[Point]:
    """Every result of runs of ``kinds`` (of one benchmark and machine name when given), in
    history order."""
    query = (select(Result, Run).join(Result.run).where(Run.kind.in_(kinds), Run.complete.is_(True)))
    if benchmark:
        query = query.where(Result.name == benchmark)
    if machine:
        query = query.join(Run.machine).where(Machine.name == machine)
    with store.reading() as session:
        rows = session.execute(query).unique().all()
    found = [Point(r.name, r.metric, r.unit, r.group, r.fullname, run.machine.name, run.machine.fingerprint,
                   run.environment.fingerprint, run.environment.facts, run.commit.sha if run.commit else None,
                   as_utc(run.commit.time) if run.commit and run.commit.time else None, as_utc(run.started), run.id,
                   r.location) for r, run in rows]
    return sorted(found, key=lambda p: p.order)


def comparable_runs(store: Store, machine: str, machine_fingerprint: str, environment_fingerprint: str,
                    exclude_digest: str, limit: int, kind: str = "bench") -> list[Run]:
    """The ``limit`` newest complete runs of ``kind`` on the machine called ``machine`` with this
    machine and environment fingerprint (``exclude_digest``: the candidate's own), results loaded."""
    from perfharness.results.store.schema import Environment

    query = (select(Run).join(Run.machine).join(Run.environment)
             .where(Run.kind == kind, Run.complete.is_(True), Run.digest != exclude_digest, Machine.name == machine,
                    Machine.fingerprint == machine_fingerprint, Environment.fingerprint == environment_fingerprint)
             .order_by(Run.started.desc(), Run.id.desc()).limit(limit).options(selectinload(Run.results)))
    with store.reading() as session:
        return list(session.scalars(query).unique())
