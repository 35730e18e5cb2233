"""The run directory: ``<out>/<UTC time>-<scenario>/`` with manifest.json and metrics.json."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path
from typing import Any

import perfharness
from perfharness.core import sysinfo
from perfharness.core.atomic import atomic_write_text
from perfharness.core.errors import UsageError


def planned_run_dir(out_root: Path, scenario_name: str) -> Path:
    """``<out_root>/<UTC time>-<scenario>``: the name a run started now gets (not created)."""
    return Path(out_root) / f"{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}-{scenario_name}"


def create_run_dir(out_root: Path, scenario_name: str) -> Path:
    """A new, empty run directory named by the UTC time and the scenario."""
    planned = planned_run_dir(out_root, scenario_name)
    for attempt in range(100):
        path = planned.with_name(f"{planned.name}-{attempt}") if attempt else planned
        try:
            path.mkdir(parents=True)
            return path
        except FileExistsError:
            continue
        except OSError as error:
            raise UsageError(f"cannot create a run directory under {out_root}: {error.strerror}") from None
    raise UsageError(f"cannot create a run directory under {out_root}: 100 runs started this second")


def ensure_run_dir(path: Path) -> Path:
    """``path`` as a run directory (``--run-dir``), created when missing."""
    try:
        Path(path).mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UsageError(f"cannot use {path} as a run directory: {error.strerror}") from None
    return Path(path)


def git_revision() -> str | None:
    """The commit of the perfharness source tree when it runs from a git checkout of its own;
    None for an installed package (its folder is site-packages, maybe inside someone's repo)."""
    source = Path(perfharness.__file__).resolve().parents[1]
    try:
        completed = subprocess.run(["git", "rev-parse", "--show-toplevel", "HEAD"], cwd=source, capture_output=True,
                                   text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    lines = completed.stdout.split()
    if completed.returncode != 0 or len(lines) != 2 or Path(lines[0]).resolve() != source:
        return None
    return lines[1]


def manifest(scenario: dict[str, Any], description: str, complete: bool, started_utc: str) -> dict[str, Any]:
    versions = sysinfo.software_versions()
    return {
        "scenario": scenario["name"],
        "description": description,
        "complete": complete,
        "started_utc": started_utc,
        "config": scenario,
        "versions": versions,
        "git_revision": git_revision(),
        "cpu": sysinfo.cpu_info(),
        "os": versions["os"],
    }


def write_json(path: Path, data: dict[str, Any]) -> None:
    atomic_write_text(path, json.dumps(data, indent=1, default=str))
