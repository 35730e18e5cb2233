"""What makes two results comparable, as fingerprints: a machine's (CPU model, notable CPU
flags, logical cores, memory in GiB, architecture, OS family) and an environment's (Python,
OpenVINO, NumPy, OpenCV and perfharness versions, precision hints). Only runs whose machine and
environment fingerprints agree form one history series."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

from perfharness.core.sysinfo import NOTABLE_FLAGS

VERSION_KEYS = ("python", "openvino", "numpy", "opencv", "perfharness")


def fingerprint(facts: Mapping[str, Any]) -> str:
    """A SHA-256 (hex) of the facts in canonical JSON."""
    return hashlib.sha256(json.dumps(facts, sort_keys=True, default=str).encode()).hexdigest()


def machine_facts(cpu_model: object, flags: Iterable[str] | None, cores: object, memory_bytes: object,
                  arch: object, system: object) -> dict[str, Any]:
    """The facts of a machine's fingerprint; unknown ones are None."""
    memory = round(memory_bytes / 2**30) if isinstance(memory_bytes, (int, float)) and memory_bytes > 0 else None
    return {
        "cpu": str(cpu_model) if cpu_model else None,
        "flags": sorted(flag for flag in set(flags or ()) if flag in NOTABLE_FLAGS),
        "cores": cores if isinstance(cores, int) else None,
        "memory_gib": memory,
        "arch": str(arch) if arch else None,
        "os": str(system) if system else None,
    }


def benchmark_machine(machine_info: Mapping[str, Any]) -> dict[str, Any]:
    """Machine facts from a pytest-benchmark file's ``machine_info`` (the project's suites add
    ``cpu_model`` and ``cpu_flags_notable``, a file may say ``memory_bytes``; others have
    py-cpuinfo's ``cpu``)."""
    cpu = machine_info.get("cpu") if isinstance(machine_info.get("cpu"), Mapping) else {}
    flags = machine_info.get("cpu_flags_notable") or cpu.get("flags")
    return machine_facts(machine_info.get("cpu_model") or cpu.get("brand_raw"), flags if isinstance(flags, list) else (),
                         cpu.get("count"), machine_info.get("memory_bytes"), machine_info.get("machine"),
                         machine_info.get("system"))


def manifest_machine(manifest: Mapping[str, Any]) -> dict[str, Any]:
    """Machine facts from a run directory's manifest (``cpu`` and ``machine`` sections)."""
    cpu = manifest.get("cpu") if isinstance(manifest.get("cpu"), Mapping) else {}
    machine = manifest.get("machine") if isinstance(manifest.get("machine"), Mapping) else {}
    system = machine.get("system") or str(manifest.get("os") or "").partition("-")[0]
    return machine_facts(cpu.get("model"), cpu.get("flags"), cpu.get("logical_cores"), machine.get("memory_bytes"),
                         machine.get("arch"), system)


def environment_facts(versions: Mapping[str, Any], precision_hints: Iterable[object]) -> dict[str, Any]:
    """The facts of an environment's fingerprint: the versions it has, the precision hints."""
    facts: dict[str, Any] = {key: str(versions[key]) for key in VERSION_KEYS if versions.get(key)}
    facts["precision_hints"] = sorted({str(hint) for hint in precision_hints})
    return facts
