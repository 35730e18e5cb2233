"""A pytest-benchmark file as a store record: the file's own ``commit_info`` and
``machine_info`` (``machine_info.node`` names the machine unless told otherwise), one result
per benchmark with its rounds when the file kept them (``stats.data``), else its summary."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from perfharness.bench.storage import MAX_FILE_BYTES, parse_run
from perfharness.core.errors import UsageError
from perfharness.results.store import identity
from perfharness.results.store.records import CommitRecord, ResultRecord, RunRecord, digest_of, parse_time
from perfharness.results.store.samples import summary

KIND = "bench"
STAT_KEYS = {"min": "min", "max": "max", "mean": "mean", "stdev": "stddev", "median": "median"}


def _commit(info: dict[str, Any]) -> CommitRecord | None:
    sha = info.get("id")
    if not isinstance(sha, str) or not sha:
        return None
    branch = info.get("branch")
    return CommitRecord(sha, parse_time(info.get("time")), branch if isinstance(branch, str) else None,
                        bool(info.get("dirty")))


def _stats_only(stats: dict[str, Any]) -> dict[str, float | int | None]:
    values = {key: stats.get(source) for key, source in STAT_KEYS.items()}
    if not all(isinstance(values[key], (int, float)) for key in ("min", "max", "mean")):
        raise ValueError("no min, max and mean")
    return {**values, "count": int(stats.get("rounds") or 0), "p10": None, "p90": None}


def _hints(extra_infos: list[dict[str, Any]]) -> list[str]:
    hints = set()
    for info in extra_infos:
        config = info.get("config")
        if isinstance(config, dict) and config.get("INFERENCE_PRECISION_HINT"):
            hints.add(str(config["INFERENCE_PRECISION_HINT"]))
    return sorted(hints) or ["default"]


def benchmark_record(document: object, path: Path, name: str | None = None, machine: str | None = None) -> RunRecord:
    """The record of a decoded pytest-benchmark document read from ``path``; ``name`` names the
    run (default: the file's name without pytest-benchmark's number), ``machine`` the machine
    (default: ``machine_info.node``). UsageError when it is no pytest-benchmark document."""
    run = parse_run(document, path)
    assert isinstance(document, dict)
    stats_by_fullname = {entry["fullname"]: entry["stats"] for entry in document["benchmarks"]}
    results = []
    for bench in run.benchmarks.values():
        if bench.rounds is not None:
            stats, samples = summary(bench.rounds), bench.rounds
        else:
            try:
                stats, samples = _stats_only(stats_by_fullname[bench.fullname]), None
            except ValueError:
                raise UsageError(f"{path}: {bench.name}: neither rounds (stats.data) nor min, max and mean") from None
        results.append(ResultRecord(bench.name, "time", "s", stats, samples, bench.fullname, bench.group,
                                    bench.extra_info))
    started = parse_time(document.get("datetime")) or parse_time(run.commit_info.get("time"))
    if started is None:
        raise UsageError(f"{path}: not a pytest-benchmark file (no 'datetime')")
    software = run.machine_info.get("software")
    versions = software if isinstance(software, dict) else {"python": run.machine_info.get("python_version")}
    node = run.machine_info.get("node")
    stem = path.stem.partition("_")[2] if path.stem[:4].isdigit() and "_" in path.stem else path.stem
    extra = document.get("perfharness")
    return RunRecord(
        digest=digest_of(document), kind=KIND, name=name or stem, started=started, complete=True,
        config=extra if isinstance(extra, dict) else {},
        machine_name=machine or (node if isinstance(node, str) and node else "unknown"),
        machine_facts=identity.benchmark_machine(run.machine_info),
        environment_facts=identity.environment_facts(versions, _hints([b.extra_info for b in run.benchmarks.values()])),
        commit=_commit(run.commit_info), results=results, source=str(path.resolve()),
    )


def keep_benchmark_file(path: Path, store: str | None, disabled: bool = False, name: str | None = None) -> int | None:
    """Record a pytest-benchmark file a bench job just wrote (``results.store.keep.keep_run``)."""
    from perfharness.core.inputs import read_json
    from perfharness.results.store.keep import keep_run

    return keep_run(lambda: benchmark_record(read_json(path, limit=MAX_FILE_BYTES), path, name), path, store, disabled)
