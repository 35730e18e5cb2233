"""Reading pytest-benchmark JSON files (saved runs and ``--benchmark-json`` output). Read-only.

A file has ``machine_info``, ``commit_info`` and ``benchmarks``; each benchmark has ``name``,
``fullname``, ``group``, ``extra_info`` and ``stats`` (``stats.data`` holds the per-round times in
seconds per iteration: always in ``--benchmark-json`` output, in saved runs only with
``--benchmark-save-data``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec
import numpy as np

from perfharness.bench.measure import Measure, of_extra_info
from perfharness.bench.schema import check_document
from perfharness.core.errors import UsageError, one_line
from perfharness.core.inputs import read_json

STORAGE = Path(".benchmarks")
MAX_FILE_BYTES = 512 * 2**20  # a run with raw rounds of every suite is a few MiB; anything this big is not one


PROCESS_ROUNDS = "rounds_per_process"  # extra_info of a run merged from worker processes (bench.runner)
# extra_info of a benchmark timed with the reference before every round (--interleave-reference):
# the reference's time before each round, aligned with stats.data
REFERENCE_ROUNDS = "reference_rounds"
PROCESS_CPU_SHARES = "cpu_share_per_process"  # each worker's CPU time / wall time of the benchmark


@dataclass(frozen=True, eq=False)
class Benchmark:
    """One benchmark of a run; ``rounds`` is None when the raw data was not saved.

    A run merged from several worker processes keeps their rounds one after another in
    ``stats.data`` and how many came from each in ``extra_info["rounds_per_process"]``."""

    name: str
    fullname: str
    group: str | None
    rounds: np.ndarray | None
    extra_info: dict[str, Any]

    @property
    def measure(self) -> Measure:
        """What its rounds hold (``extra_info["measure"]``; time when the file does not say)."""
        return of_extra_info(self.extra_info)

    @property
    def processes(self) -> list[np.ndarray]:
        """The rounds of each worker process (one process when the run was not merged)."""
        assert self.rounds is not None
        return self._per_process(self.rounds)

    @property
    def process_shares(self) -> list[float] | None:
        """Each process's CPU time / wall time over the benchmark, when the run kept them."""
        return self.extra_info.get(PROCESS_CPU_SHARES)

    @property
    def reference_processes(self) -> list[np.ndarray] | None:
        """The reference's time before each round, split like ``processes``; None when the
        benchmark was not timed with the reference interleaved."""
        times = self.extra_info.get(REFERENCE_ROUNDS)
        if times is None or self.rounds is None:
            return None
        return self._per_process(np.asarray(times, dtype=float))

    def _per_process(self, values: np.ndarray) -> list[np.ndarray]:
        """``values``, one per round, split by process (``rounds_per_process``)."""
        counts = self.extra_info.get(PROCESS_ROUNDS)
        return np.split(values, np.cumsum(counts)[:-1]) if counts else [values]


@dataclass(frozen=True, eq=False)
class Run:
    """One file: its benchmarks by name (by fullname for a name that is not unique in the file)."""

    path: Path
    benchmarks: dict[str, Benchmark]
    machine_info: dict[str, Any]
    commit_info: dict[str, Any]

    def find(self, name: str) -> Benchmark | None:
        """The benchmark called ``name`` (its name or fullname), if any."""
        found = self.benchmarks.get(name)
        return found or next((b for b in self.benchmarks.values() if b.fullname == name), None)


def resolve(spec: str, storage: Path = STORAGE) -> Path:
    """``spec`` when it is a path; else the saved run ``storage/<machine>/NNNN_<name>.json`` whose
    name or number is ``spec`` (the highest number when the name was saved several times)."""
    path = Path(spec)
    if path.exists() or path.suffix == ".json" or len(path.parts) > 1:
        return path
    matches = [p for p in storage.glob("*/*.json") if spec in p.stem.partition("_")[::2]]
    if not matches:
        raise UsageError(f"{spec}: no such file, and no saved run of that name or number in {storage}/")
    machines = sorted({p.parent.name for p in matches})
    if len(machines) > 1:
        raise UsageError(f"{spec}: saved runs of that name for several machines ({', '.join(machines)}); give the file")
    return max(matches, key=lambda p: p.name)


def resolve_last(spec: str, count: int, storage: Path = STORAGE) -> list[str]:
    """The ``count`` most recent saved runs named ``spec`` (oldest first), or ``[spec]`` when it is
    a path: a baseline kept as its last K runs, so that the gate sees the machine's spread."""
    path = Path(spec)
    if path.exists() or path.suffix == ".json" or len(path.parts) > 1:
        return [spec]
    matches = sorted((p for p in storage.glob("*/*.json") if p.stem.partition("_")[2] == spec), key=lambda p: p.name)
    if not matches:
        raise UsageError(f"{spec}: no saved run of that name in {storage}/")
    machines = sorted({p.parent.name for p in matches})
    if len(machines) > 1:
        raise UsageError(f"{spec}: saved runs of that name for several machines ({', '.join(machines)}); give the files")
    return [str(p) for p in matches[-count:]]


def load_run(spec: str) -> Run:
    """Read a pytest-benchmark file (a path, or a saved run's name or number). UsageError (one line
    naming the file and the field) if it is not a regular file, not JSON or breaks the schema."""
    path = resolve(spec)
    return parse_run(read_json(path, limit=MAX_FILE_BYTES), path)


def parse_run(document: object, path: Path) -> Run:
    """A Run from a decoded pytest-benchmark document."""
    if not (isinstance(document, dict) and isinstance(document.get("benchmarks"), list)
            and isinstance(document.get("machine_info"), dict)):
        raise UsageError(f"{path}: not a pytest-benchmark file (no 'machine_info' and 'benchmarks' list)")
    try:
        check_document(document)
    except msgspec.ValidationError as error:
        raise UsageError(one_line(f"{path}: not a usable pytest-benchmark file: {error}")) from None
    entries = [_benchmark(entry, path) for entry in document["benchmarks"]]
    twice = [name for name, count in Counter(entry.fullname for entry in entries).items() if count > 1]
    if twice:
        raise UsageError(one_line(f"{path}: benchmark {twice[0]!r} appears more than once"))
    names = Counter(entry.name for entry in entries)
    return Run(
        path=path,
        benchmarks={entry.name if names[entry.name] == 1 else entry.fullname: entry for entry in entries},
        machine_info=document["machine_info"],
        commit_info=document.get("commit_info") or {},
    )


def _benchmark(entry: object, path: Path) -> Benchmark:
    if not (isinstance(entry, dict) and isinstance(entry.get("name"), str) and isinstance(entry.get("fullname"), str)
            and isinstance(entry.get("stats"), dict)):
        raise UsageError(f"{path}: not a pytest-benchmark file (a benchmark without name, fullname or stats)")
    data = entry["stats"].get("data")
    extra_info = entry.get("extra_info") or {}
    rounds = None if data is None else _rounds(data, entry["name"], path)
    counts = extra_info.get(PROCESS_ROUNDS)
    if counts is not None and rounds is not None and not (
            isinstance(counts, list) and all(isinstance(c, int) and c > 0 for c in counts) and sum(counts) == len(rounds)):
        raise UsageError(f"{path}: {entry['name']}: extra_info.{PROCESS_ROUNDS} does not add up to its rounds")
    shares = extra_info.get(PROCESS_CPU_SHARES)
    if shares is not None and len(shares) != (len(counts) if counts else 1):
        raise UsageError(f"{path}: {entry['name']}: extra_info.{PROCESS_CPU_SHARES} has {len(shares)} values "
                         f"for {len(counts) if counts else 1} processes")
    references = extra_info.get(REFERENCE_ROUNDS)
    if references is not None and rounds is not None and len(references) != len(rounds):
        raise UsageError(f"{path}: {entry['name']}: extra_info.{REFERENCE_ROUNDS} has {len(references)} values "
                         f"for {len(rounds)} rounds")
    return Benchmark(name=entry["name"], fullname=entry["fullname"], group=entry.get("group"), rounds=rounds,
                     extra_info=extra_info)


def _rounds(data: list[float], name: str, path: Path) -> np.ndarray:
    if not data:
        raise UsageError(f"{path}: {name}: stats.data holds no rounds")
    return np.asarray(data, dtype=float)
