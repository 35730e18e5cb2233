"""What a run's manifest says of where it ran: versions, the git revision, the CPU, the OS."""

from __future__ import annotations

import platform
import subprocess
from pathlib import Path
from typing import Any

import perfharness
from perfharness.core import sysinfo
from perfharness.results import stamps


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


def machine() -> dict[str, Any]:
    """The machine a run ran on beyond its CPU: host name, architecture, OS family, memory."""
    import psutil

    return {"name": platform.node(), "arch": platform.machine(), "system": platform.system(),
            "memory_bytes": psutil.virtual_memory().total}


def new_manifest(kind: str, name: str, description: str, config: dict[str, Any], started_utc: str | None = None,
                 **sections: Any) -> dict[str, Any]:
    """A manifest for a run of ``kind`` (scenario, peer, ...) called ``name``, not yet complete:
    ``{kind: name, description, complete, started_utc, config, versions, git_revision, cpu, os, machine}``
    and ``sections``."""
    versions = sysinfo.software_versions()
    return {
        kind: name,
        "description": description,
        "complete": False,
        "started_utc": started_utc or stamps.iso(),
        "config": config,
        "versions": versions,
        "git_revision": git_revision(),
        "cpu": sysinfo.cpu_info(),
        "os": versions["os"],
        "machine": machine(),
        **sections,
    }
