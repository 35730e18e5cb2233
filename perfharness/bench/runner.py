"""The benchmark suites in several fresh worker processes, merged into one pytest-benchmark file.

Each worker is a new interpreter (``python -m pytest tests/benchmarks --benchmark-only ...``)
with models compiled afresh, so the spread between processes -- what one process cannot show:
its memory layout, its threads' placement, the machine's minute -- is sampled. Worker k of N
runs the benchmarks rotated by k/N of their number (``PERFHARNESS_BENCH_ORDER``), so a slow
minute lands on different benchmarks in different workers. The merged file is what
pytest-benchmark writes (its ``compare`` reads it): per benchmark the rounds of all workers one
after another in ``stats.data``, stats recomputed by pytest-benchmark's own ``Stats``, and
``extra_info["rounds_per_process"]`` saying how many rounds came from each worker, the CPU share
of each in ``cpu_share_per_process`` (and, for a
value each worker measures itself, such as ``glue_ratio``, the workers' median; the reference's
times before each round, ``reference_rounds``, one after another like the rounds).

Under a deterministic measure (``perfharness.bench.measure``) each worker runs its benchmarks
under callgrind (its conftest starts it there); before any worker, the selection is collected
once without valgrind, so that a benchmark that cannot be counted is refused in one line.
"""

from __future__ import annotations

import importlib.util
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from perfharness.bench.measure import DEFAULT, MEASURE_ENV, Measure
from perfharness.bench.storage import PROCESS_CPU_SHARES, PROCESS_ROUNDS, REFERENCE_ROUNDS
from perfharness.core.atomic import atomic_write_text
from perfharness.core.children import spawn
from perfharness.core.errors import UsageError
from perfharness.core.outputs import writing
from perfharness.results import stamps

ORDER_ENV = "PERFHARNESS_BENCH_ORDER"  # "k/N": rotate the collected benchmarks by k/N of their number
INTERLEAVE_ENV = "PERFHARNESS_BENCH_INTERLEAVE_REFERENCE"  # "1": time the reference before every round
NO_TESTS_COLLECTED = 5  # pytest's exit status when -k selects nothing
PYTEST_USAGE_ERROR = 4  # a conftest refused the selection (pytest.UsageError)
# extra_info values each worker measures on its own (the suite's glue ratio): the median of the
# workers', each kept beside it as ``<key>_per_process``
PER_PROCESS_MEDIANS = ("glue_ratio",)


@dataclass(frozen=True)
class Suite:
    """What a worker runs: the benchmarks of the checkout at ``root``, with pytest-benchmark's
    round settings, environment assignments of the variant (``env``) and the measure."""

    root: Path
    keyword: str | None = None
    min_rounds: int = 15
    max_time: float = 0.5
    env: Mapping[str, str] = field(default_factory=dict)
    measure: Measure = DEFAULT
    interleave_reference: bool = False

    def command(self, json_path: Path) -> list[str]:
        command = [sys.executable, "-m", "pytest", "-q", "-o", "addopts=", "-p", "no:cacheprovider",
                   str(self.root / "tests" / "benchmarks"), "--benchmark-only", "--benchmark-warmup=on",
                   f"--benchmark-min-rounds={self.min_rounds}", f"--benchmark-max-time={self.max_time}",
                   f"--benchmark-json={json_path}"]
        return command + (["-k", self.keyword] if self.keyword else [])

    def environment(self, order: str) -> dict[str, str]:
        path = os.pathsep.join(filter(None, [str(self.root), self.env.get("PYTHONPATH", os.environ.get("PYTHONPATH"))]))
        interleave = {INTERLEAVE_ENV: "1"} if self.interleave_reference else {}  # else as the variant says
        return {**os.environ, **interleave, **self.env, ORDER_ENV: order, "PYTHONPATH": path,
                MEASURE_ENV: self.measure.name}


def source_root() -> Path:
    """The checkout whose benchmark suites to run: the one perfharness runs from (an editable
    install), else the current folder (a checkout with perfharness installed from it, as tox
    does); UsageError when neither has them."""
    import perfharness

    candidates = [Path(perfharness.__file__).resolve().parents[1], Path.cwd()]
    for root in candidates:
        if (root / "tests" / "benchmarks").is_dir() and (root / "pyproject.toml").is_file():
            if importlib.util.find_spec("pytest_benchmark") is None:
                raise UsageError("the benchmark suites need pytest and pytest-benchmark: pip install -e '.[test]'")
            return root
    raise UsageError(f"the benchmark suites are not here ({', '.join(str(c / 'tests' / 'benchmarks') for c in candidates)}): "
                     "run perfharness bench in a source checkout")


class WorkerFailed(Exception):
    """A worker process failed; the message is one line."""


def run_worker(suite: Suite, order: str, folder: Path, label: str) -> dict:
    """Run one worker; its pytest-benchmark document. WorkerFailed / UsageError on failure."""
    json_path = folder / f"{label}.json"
    log_path = folder / f"{label}.log"
    worker = spawn(f"benchmark worker {label}", suite.command(json_path), log=log_path, cwd=suite.root,
                   env=suite.environment(order))
    status = worker.wait()
    last = worker.last_line()  # before close: it reads the log through the open handle
    worker.close()
    if status == NO_TESTS_COLLECTED:
        raise UsageError(f"no benchmark matches -k {suite.keyword!r}" if suite.keyword else "no benchmark collected")
    if status != 0 or not json_path.exists():
        raise WorkerFailed(f"benchmark worker {label} exited {status}: {last or 'no output'}")
    return json.loads(json_path.read_text())


def check_selection(suite: Suite, folder: Path) -> None:
    """Collect the suite's selection once, without running it (and without valgrind): UsageError
    when ``-k`` selects nothing or a benchmark the measure cannot count."""
    command = [arg for arg in suite.command(folder / "collect.json") if not arg.startswith("--benchmark-json=")]
    collector = spawn("benchmark collection", command + ["--collect-only"], log=folder / "collect.log",
                      cwd=suite.root, env=suite.environment("0/1"))
    status = collector.wait()
    last = collector.last_line()
    collector.close()
    if status == NO_TESTS_COLLECTED:
        raise UsageError(f"no benchmark matches -k {suite.keyword!r}" if suite.keyword else "no benchmark collected")
    if status == PYTEST_USAGE_ERROR:  # pytest's "ERROR: ..." line, wherever its summary put it
        errors = [line for line in (folder / "collect.log").read_text(errors="replace").splitlines()
                  if line.startswith("ERROR: ")]
        raise UsageError((errors[-1] if errors else last).removeprefix("ERROR: "))
    if status != 0:
        raise WorkerFailed(f"collecting the benchmarks exited {status}: {last or 'no output'}")


def merge(documents: Sequence[dict], planned: int | None = None) -> dict:
    """One pytest-benchmark document from the workers' documents (see the module docstring).
    ``planned``: how many workers were meant to run, recorded when fewer did."""
    if not documents:
        raise ValueError("nothing to merge")
    order: list[str] = []
    by_name: dict[str, list[dict]] = {}
    for document in documents:
        for entry in document["benchmarks"]:
            if entry["fullname"] not in by_name:
                order.append(entry["fullname"])
            by_name.setdefault(entry["fullname"], []).append(entry)
    benchmarks = []
    for fullname in order:
        entries = by_name[fullname]
        from pytest_benchmark.stats import Stats  # a test dependency, not a run-time one

        stats = Stats()
        counts = []
        for entry in entries:
            data = entry["stats"]["data"]
            counts.append(len(data))
            for value in data:
                stats.update(value)
        shares = [e["extra_info"]["cpu_share"] for e in entries if isinstance(e.get("extra_info"), dict)
                  and e["extra_info"].get("cpu_share") is not None]
        extra_info = {**(entries[0].get("extra_info") or {}), PROCESS_ROUNDS: counts}
        if shares:
            extra_info["cpu_share"] = min(shares)  # the most disturbed worker's (the gate leaves such workers out)
        if len(shares) == len(entries):
            extra_info[PROCESS_CPU_SHARES] = shares
        references = [(e.get("extra_info") or {}).get(REFERENCE_ROUNDS) for e in entries]
        if all(isinstance(r, list) for r in references):
            extra_info[REFERENCE_ROUNDS] = [value for r in references for value in r]
        else:
            extra_info.pop(REFERENCE_ROUNDS, None)
        for key in PER_PROCESS_MEDIANS:
            values = [e["extra_info"][key] for e in entries
                      if isinstance(e.get("extra_info"), dict) and key in e["extra_info"]]
            if values:
                extra_info[key], extra_info[f"{key}_per_process"] = statistics.median(values), values
        data = [value for entry in entries for value in entry["stats"]["data"]]
        benchmarks.append({**entries[0], "extra_info": extra_info,
                           "stats": {**stats.as_dict(), "data": data, "iterations": entries[0]["stats"].get("iterations", 1)}})
    merged = {**documents[0], "benchmarks": benchmarks,
              "datetime": stamps.iso()}
    merged["perfharness"] = {"processes": len(documents), "processes_planned": planned or len(documents),
                             "measure": (benchmarks[0]["extra_info"] if benchmarks else {}).get("measure", "time")}
    return merged


def run_processes(suite: Suite, processes: int, folder: Path, label: str = "worker",
                  progress: Callable[[str], None] | None = None) -> tuple[list[dict], bool]:
    """Run ``processes`` workers one after another; (their documents, whether all ran). An
    interrupt (KeyboardInterrupt) stops the current worker and keeps the finished ones."""
    documents: list[dict] = []
    try:
        for k in range(processes):
            start = time.monotonic()
            documents.append(run_worker(suite, f"{k}/{processes}", folder, f"{label}-{k + 1}"))
            if progress:
                progress(f"{label} {k + 1}/{processes}: {len(documents[-1]['benchmarks'])} benchmarks "
                         f"in {time.monotonic() - start:.0f} s")
    except KeyboardInterrupt:
        return documents, False
    return documents, True


def save_path(storage: Path, name: str) -> Path:
    """``storage/<machine id>/NNNN_<name>.json``, numbered after the runs saved there (as
    pytest-benchmark numbers its saved runs)."""
    from pytest_benchmark.utils import get_machine_id

    folder = Path(storage) / get_machine_id()
    numbers = [int(p.name[:4]) for p in folder.glob("[0-9][0-9][0-9][0-9]_*.json")]
    return folder / f"{max(numbers, default=0) + 1:04d}_{name}.json"


def write_document(path: Path, document: dict) -> None:
    """Write a pytest-benchmark document whole; OutputError when the disk cannot take it."""
    with writing(path):
        atomic_write_text(path, json.dumps(document, indent=4))


def bench_run(suite: Suite, processes: int, out: Path, progress: Callable[[str], None]) -> tuple[Path, bool]:
    """Run and merge; write ``out``; (the file, whether every worker ran)."""
    with tempfile.TemporaryDirectory(prefix="perfharness-bench-") as folder:
        if suite.measure.deterministic:
            check_selection(suite, Path(folder))
        documents, complete = run_processes(suite, processes, Path(folder), progress=progress)
        if not documents:
            raise KeyboardInterrupt
        write_document(out, merge(documents, processes))
    return out, complete

