"""What a run puts in the store, before it is stored: a RunRecord with its ResultRecords, made
from a run directory here (``from_run_dir``) and from a pytest-benchmark file by the bench job
(``perfharness.bench.store_record``)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import numpy as np

from perfharness.core.errors import UsageError
from perfharness.results.run_dir import METRICS, PEER_JSON, RunDir
from perfharness.results.store import identity
from perfharness.results.store.samples import summary as samples_summary
from perfharness.results.store.schema import KINDS


@dataclass(frozen=True)
class CommitRecord:
    sha: str
    time: datetime | None = None
    branch: str | None = None
    dirty: bool = False


@dataclass(frozen=True)
class ResultRecord:
    """One benchmark or region and metric: summary statistics (seconds for ``unit="s"``) and,
    when the source kept them, the samples."""

    name: str
    metric: str
    unit: str
    stats: dict[str, float | int | None]
    samples: np.ndarray | None = None
    fullname: str | None = None
    group: str | None = None
    extra_info: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RunRecord:
    """One job's output as the store keeps it; ``digest`` identifies the run, so that importing
    it again finds it instead of adding it twice."""

    digest: str
    kind: str
    name: str
    started: datetime
    complete: bool
    config: dict[str, Any]
    machine_name: str
    machine_facts: dict[str, Any]
    environment_facts: dict[str, Any]
    commit: CommitRecord | None
    results: list[ResultRecord]
    run_dir: str | None = None
    source: str | None = None


def digest_of(identity_fields: object) -> str:
    """The SHA-256 (hex) of canonical JSON: a run's identity."""
    return hashlib.sha256(json.dumps(identity_fields, sort_keys=True, default=str).encode()).hexdigest()


def parse_time(text: object) -> datetime | None:
    """An ISO 8601 time (a naive one taken as UTC), or None."""
    if not isinstance(text, str) or not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return as_utc(moment)


def as_utc(moment: datetime) -> datetime:
    """``moment`` in UTC; a naive one (what SQLite gives back) is taken as UTC."""
    return moment.astimezone(timezone.utc) if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _kind(manifest: dict[str, Any]) -> tuple[str, str]:
    if "profile" in manifest and isinstance(manifest.get("scenario"), str):
        return "profile", manifest["scenario"]
    for kind in KINDS:
        if isinstance(manifest.get(kind), str):
            return kind, manifest[kind]
    raise UsageError("its manifest names no job (scenario, peer, tune)")


def _region_results(metrics: dict[str, Any]) -> list[ResultRecord]:
    results = []
    for variant in metrics.get("variants") or []:
        label = variant.get("label") or variant.get("name") or "default"
        for region, row in (variant.get("regions") or {}).items():
            if not (isinstance(row, dict) and row.get("count") and isinstance(row.get("mean"), (int, float))):
                continue
            stats = {"count": row["count"], "mean": row["mean"], "stdev": row.get("stdev"), "min": row.get("min"),
                     "p10": None, "median": row.get("p50"), "p90": row.get("p90"), "max": row.get("max")}
            results.append(ResultRecord(f"{region}[{label}]", "latency", "s", stats, group=region,
                                        extra_info={"variant": label, "params": variant.get("params") or {}}))
        if isinstance(variant.get("fps"), (int, float)) and variant.get("frames"):
            fps = float(variant["fps"])
            stats = {"count": variant["frames"], "mean": fps, "stdev": None, "min": fps, "p10": None,
                     "median": fps, "p90": None, "max": fps}
            results.append(ResultRecord(f"frame[{label}]", "fps", "1/s", stats, group="frame",
                                        extra_info={"variant": label}))
    return results


def _peer_results(report: dict[str, Any]) -> list[ResultRecord]:
    """Per mode and side: the per-frame mean time of each round (peer.json keeps milliseconds)."""
    results = []
    modes = report.get("modes") if isinstance(report.get("modes"), dict) else {}
    for mode, summary in modes.items():
        times = summary.get("time") if isinstance(summary, dict) and isinstance(summary.get("time"), dict) else {}
        for side, row in times.items():
            rounds = (row.get("rounds") or {}).get("mean_ms") if isinstance(row, dict) else None
            if not (isinstance(rounds, list) and rounds and all(isinstance(v, (int, float)) for v in rounds)):
                continue
            values = np.asarray(rounds, dtype=float) / 1e3
            results.append(ResultRecord(f"peer[{mode}/{side}]", "latency", "s", samples_summary(values), values,
                                        group=f"peer[{mode}]", extra_info={"mode": mode, "side": side}))
    return results


def from_run_dir(run: RunDir, machine: str | None = None) -> RunRecord:
    """The record of a run directory: its manifest (job, time, config, versions, revision, CPU,
    machine) and results (per variant and region from metrics.json; per side from peer.json).
    ``machine`` names the machine instead of the manifest's host name. UsageError when it is
    not a run directory."""
    try:
        manifest = run.read_manifest()
        kind, name = _kind(manifest)
        metrics = run.read_json(METRICS) or {}
        peer = run.read_json(PEER_JSON) or {}
    except (OSError, ValueError) as error:
        raise UsageError(f"{run.path}: not a readable run directory ({error})") from None
    except UsageError as error:
        raise UsageError(f"{run.path}: not a run directory: {error}") from None
    started = parse_time(manifest.get("started_utc"))
    if started is None:
        raise UsageError(f"{run.path}: not a run directory: its manifest has no started_utc time")
    config = manifest.get("config") if isinstance(manifest.get("config"), dict) else {}
    versions = manifest.get("versions") if isinstance(manifest.get("versions"), dict) else {}
    host = (manifest.get("machine") or {}).get("name") if isinstance(manifest.get("machine"), dict) else None
    sha = manifest.get("git_revision")
    return RunRecord(
        digest=digest_of({"kind": kind, "name": name, "started": manifest.get("started_utc"),
                          "folder": run.path.name, "cpu": manifest.get("cpu"), "host": host}),
        kind=kind, name=name, started=started, complete=bool(manifest.get("complete")), config=config,
        machine_name=machine or host or "unknown",
        machine_facts=identity.manifest_machine(manifest),
        environment_facts=identity.environment_facts(versions, [config.get("inference_precision") or "default"]),
        commit=CommitRecord(sha) if isinstance(sha, str) and sha else None,
        results=_region_results(metrics) + (_peer_results(peer) if kind == "peer" else []),
        run_dir=str(run.path.resolve()),
    )
