"""``compare --store``: the baseline is the K newest comparable runs in the store (same machine
name and fingerprint, same environment as the candidate), their rounds as stored."""

from __future__ import annotations

from pathlib import Path

from perfharness.bench.storage import Benchmark, Run
from perfharness.bench.store_record import benchmark_record
from perfharness.core.errors import UsageError
from perfharness.results.store import identity
from perfharness.results.store.connection import open_store
from perfharness.results.store.queries import comparable_runs
from perfharness.results.store.samples import unpack
from perfharness.results.store.schema import Run as StoredRun


def _as_run(stored: StoredRun) -> Run:
    benchmarks = {r.name: Benchmark(r.name, r.fullname or r.name, r.group,
                                    None if r.samples is None else unpack(r.samples), r.extra_info)
                  for r in stored.results}
    facts = stored.machine.facts
    return Run(path=Path(f"store run {stored.id} ({stored.name}, {stored.started:%Y-%m-%d %H:%M})"),
               benchmarks=benchmarks,
               machine_info={"node": stored.machine.name, "machine": facts.get("arch"),
                             "cpu": {"brand_raw": facts.get("cpu")}, "software": stored.environment.facts},
               commit_info={"id": stored.commit.sha} if stored.commit else {})


def store_baseline(candidate: Run, document: dict, last: int, machine: str | None, store: str | None) -> list[Run]:
    """The ``last`` newest stored runs comparable with ``candidate`` (read from ``document``);
    UsageError when the store has none."""
    record = benchmark_record(document, candidate.path, machine=machine)
    opened = open_store(store)
    try:
        found = comparable_runs(opened, record.machine_name, identity.fingerprint(record.machine_facts),
                                identity.fingerprint(record.environment_facts), record.digest, last)
    finally:
        opened.close()
    if not found:
        raise UsageError(f"store {opened}: no bench run comparable with {candidate.path} (machine "
                         f"{record.machine_name}, same CPU, memory, OS and software versions)")
    return [_as_run(stored) for stored in reversed(found)]
