"""A configuration file ``perfharness tune`` wrote, as a store record: kind ``tune``, the choice's
settings as its config, and per measured configuration its time relative to the default
(``ratio_to_default``, one sample per pair of passes) with its drift in ``extra_info``."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from perfharness.core.errors import UsageError
from perfharness.results.store import identity
from perfharness.results.store.records import CommitRecord, ResultRecord, RunRecord, digest_of, parse_time
from perfharness.results.store.samples import summary
from perfharness.run.config_file import read_config

KIND = "tune"


def tune_record(path: Path, machine: str | None = None) -> RunRecord:
    """The record of the configuration file at ``path``; UsageError when tune did not write it."""
    config = read_config(path)
    tune = config.tune or {}
    run = tune.get("run") if isinstance(tune.get("run"), dict) else None
    started = parse_time(run.get("started_utc")) if run else None
    if run is None or started is None:
        raise UsageError(f"{path}: a configuration file without what tune measured (no tune.run)")
    results = []
    for candidate in tune.get("candidates") or []:
        ratio = candidate.get("ratio_to_default")
        if not isinstance(ratio, (int, float)):
            continue
        values = np.array([ratio], dtype=float)
        results.append(ResultRecord(f"tune[{candidate.get('label')}]", "ratio_to_default", "1", summary(values),
                                    values, group="tune", extra_info={"drift": candidate.get("drift"),
                                                                      "outcome": candidate.get("outcome"),
                                                                      "pairs": candidate.get("pairs")}))
    confirmation = tune.get("confirmation")
    if isinstance(confirmation, dict):
        for side in ("choice", "default"):
            values = np.array([confirmation[f"{side}_ms"] / 1e3], dtype=float)
            results.append(ResultRecord(f"tune[{side}]", "latency", "s", summary(values), values, group="tune",
                                        extra_info={"label": tune.get("choice") if side == "choice" else "default"}))
    host = (run.get("machine") or {}).get("name")
    sha = run.get("git_revision")
    return RunRecord(
        digest=digest_of({"kind": KIND, "started": run.get("started_utc"), "file": path.name, "cpu": run.get("cpu"),
                          "host": host}),
        kind=KIND, name=KIND, started=started, complete=bool(tune.get("complete")),
        config={"settings": config.settings, "budget": tune.get("budget"), "choice": tune.get("choice")},
        machine_name=machine or host or "unknown", machine_facts=identity.manifest_machine(run),
        environment_facts=identity.environment_facts(run.get("versions") or {},
                                                     [config.settings.get("inference_precision") or "default"]),
        commit=CommitRecord(sha) if isinstance(sha, str) and sha else None, results=results,
        source=str(path.resolve()),
    )


def keep_tune_file(path: Path, store: str | None, disabled: bool = False) -> int | None:
    """Record the configuration file tune just wrote (``results.store.keep.keep_run``)."""
    from perfharness.results.store.keep import keep_run

    return keep_run(lambda: tune_record(path), path, store, disabled)
