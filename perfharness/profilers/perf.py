"""Find Linux perf, check that it may sample, and build its command lines (argument lists).

``perf record -e cpu-clock -k CLOCK_MONOTONIC`` stamps samples with the clock of the collector's
log, so a sample's time says which region was open on its thread. ``cpu-clock`` is a software
event: it works in VMs that expose no hardware counters.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from perfharness.core.errors import UsageError

DEFAULT_FREQUENCY_HZ = 999  # not a multiple of the 1 kHz timers, so sampling does not lock step with them
CALL_GRAPHS = ("fp", "dwarf")
PARANOID = Path("/proc/sys/kernel/perf_event_paranoid")
CAP_PERFMON, CAP_SYS_ADMIN = 38, 21
SCRIPT_FIELDS = "comm,pid,tid,time,period,ip,sym,dso"
INSTALL_HINT = ("install it: Debian `apt-get install linux-perf`, Ubuntu `apt-get install linux-tools-$(uname -r)`, "
                "Fedora `dnf install perf`; or pass --perf PATH")


def find_perf(explicit: str | None = None) -> str:
    """The perf executable: ``explicit`` (a path) or ``perf`` on PATH; UsageError saying how to install it."""
    if explicit is not None:
        path = Path(explicit)
        if path.is_file() and os.access(path, os.X_OK):
            return str(path.absolute())
        raise UsageError(f"--perf {explicit}: not an executable file")
    found = shutil.which("perf")
    if not found:
        raise UsageError(f"Linux perf not found on PATH: {INSTALL_HINT}")
    return found


def perf_version(perf: str) -> str:
    """``perf --version``'s output; UsageError when it does not run (e.g. Ubuntu's wrapper without
    the tools of the running kernel)."""
    try:
        done = subprocess.run([perf, "--version"], capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise UsageError(f"cannot run {perf}: {error}") from None
    if done.returncode != 0 or not done.stdout.strip():
        line = (done.stderr.strip().splitlines() or [f"exit {done.returncode}"])[-1]
        raise UsageError(f"{perf} --version failed: {line} ({INSTALL_HINT})")
    return done.stdout.strip()


def _capabilities() -> int:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("CapEff:"):
                return int(line.split()[1], 16)
    except (OSError, ValueError):
        pass
    return 0


def permission_problem(paranoid: int | None = None, euid: int | None = None, capabilities: int | None = None) -> str | None:
    """Why perf may not sample a process we start, or None. Sampling our own child processes in
    user and kernel mode needs ``perf_event_paranoid`` <= 1, or root / CAP_PERFMON / CAP_SYS_ADMIN."""
    if paranoid is None:
        try:
            paranoid = int(PARANOID.read_text().strip())
        except (OSError, ValueError):
            return None  # no such knob (not Linux, or a kernel without perf events): perf itself will say
    euid = os.geteuid() if euid is None else euid
    capabilities = _capabilities() if capabilities is None else capabilities
    privileged = euid == 0 or capabilities & (1 << CAP_PERFMON | 1 << CAP_SYS_ADMIN)
    if paranoid <= 1 or (privileged and paranoid <= 2):
        return None
    if privileged:
        return (f"kernel.perf_event_paranoid is {paranoid}: perf events are off even for root; "
                "run `sysctl kernel.perf_event_paranoid=1` (or 2 as root)")
    return (f"kernel.perf_event_paranoid is {paranoid} and this user has no CAP_PERFMON: run "
            "`sudo sysctl kernel.perf_event_paranoid=1`, run as root, or (in a container) grant CAP_PERFMON")


def python_frames() -> str | None:
    """None when this Python can show its functions to perf (3.12+: ``PYTHONPERFSUPPORT=1``), else why not."""
    if sys.version_info >= (3, 12):
        return None
    return (f"Python {sys.version_info.major}.{sys.version_info.minor} has no perf trampoline (3.12+): "
            "native frames only; run from a Python 3.12+ environment to see Python functions")


def default_call_graph() -> str:
    """``dwarf`` where Python frames can be shown (CPython is built without frame pointers, so fp
    stacks stop in the interpreter), else ``fp``: cheaper, and enough for self time and modules."""
    return "dwarf" if python_frames() is None else "fp"


def record_command(perf: str, data: Path, workload: Sequence[str], frequency: int = DEFAULT_FREQUENCY_HZ,
                   call_graph: str = "fp") -> list[str]:
    """``perf record`` of ``workload`` (and its threads and children) into ``data``."""
    if call_graph not in CALL_GRAPHS:
        raise UsageError(f"--call-graph {call_graph}: choose one of {', '.join(CALL_GRAPHS)}")
    return [perf, "record", "-e", "cpu-clock", "-F", str(frequency), "--call-graph", call_graph,
            "-k", "CLOCK_MONOTONIC", "--quiet", "-o", str(data), "--", *workload]


def script_command(perf: str, data: Path) -> list[str]:
    """``perf script`` printing every sample (times in ns, callchain leaf first) in a fixed field list."""
    return [perf, "script", "-i", str(data), "-F", SCRIPT_FIELDS, "--ns", "--no-inline"]


def workload_env() -> dict[str, str]:
    """The environment of the profiled scenario: Python's perf trampoline on where it exists."""
    env = dict(os.environ)
    if python_frames() is None:
        env["PYTHONPERFSUPPORT"] = "1"
    return env
