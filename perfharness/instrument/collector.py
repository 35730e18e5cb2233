"""Build the project's ITT collector (``collector/itt_collector.c``) and attach it to a process.

The ITT static part inside ittapi (and inside OpenVINO and TBB) loads the library named by
``INTEL_LIBITTNOTIFY64`` and calls its ``__itt_api_init``; the collector then records every ITT
event in the log named by ``PERFHARNESS_ITT_LOG`` (format: ``itt_log``, described in the C source).
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from perfharness.core.errors import UsageError

SOURCE = Path(__file__).with_name("collector") / "itt_collector.c"
LIBRARY_PREFIX = "libperfharness_itt"
LIB_ENV = "INTEL_LIBITTNOTIFY64"
LOG_ENV = "PERFHARNESS_ITT_LOG"
START_PAUSED_ENV = "PERFHARNESS_ITT_START_PAUSED"
MAX_FOREIGN_ENV = "PERFHARNESS_ITT_MAX_FOREIGN"
DROP_DOMAINS_ENV = "PERFHARNESS_ITT_DROP_DOMAINS"
FOREIGN_EVERY_ENV = "PERFHARNESS_ITT_FOREIGN_EVERY"
# TBB's scheduler, oneDNN's primitives and the per-op "details" twin of "exec" multiply the events
# by ~4 for little insight: the collector disables these domains, so they cost their callers
# nothing; our regions, ov::phases and per-layer ov::op::cpu::exec stay.
DROPPED_DOMAINS = ("tbb", "dnnl::", "ov::op::cpu::details", "OpenCVTrace")
COMPILERS = ("cc", "gcc", "clang")


def find_compiler() -> str | None:
    """The C compiler to use: ``$CC`` when set, else the first of cc, gcc, clang on PATH."""
    wanted = os.environ.get("CC")
    if wanted:
        return shutil.which(wanted)
    for name in COMPILERS:
        found = shutil.which(name)
        if found:
            return found
    return None


def build_collector(dest_dir: Path) -> Path:
    """Compile the collector into ``dest_dir`` (once per source version) and return the library.

    The file name carries a hash of the source, so an edited collector is rebuilt and an existing
    build is reused as is. Raises UsageError when no C compiler exists or compilation fails.
    """
    source = SOURCE.read_bytes()
    digest = hashlib.sha256(source).hexdigest()[:16]
    dest_dir = Path(dest_dir)
    library = dest_dir / f"{LIBRARY_PREFIX}-{digest}.so"
    if library.is_file():
        return library
    compiler = find_compiler()
    if compiler is None:
        raise UsageError(
            "the ITT collector needs a C compiler (cc, gcc or clang, or set CC); "
            "install one, e.g. apt-get install gcc"
        )
    dest_dir.mkdir(parents=True, exist_ok=True)
    fd, partial = tempfile.mkstemp(prefix=f".{LIBRARY_PREFIX}-", suffix=".so", dir=dest_dir)
    os.close(fd)
    command = [compiler, "-shared", "-fPIC", "-O2", "-o", partial, str(SOURCE), "-lpthread"]
    try:
        result = subprocess.run(command, check=False, capture_output=True, text=True)
        if result.returncode != 0:
            raise UsageError(f"building the ITT collector failed ({' '.join(command)}):\n{result.stderr.strip()}")
        os.replace(partial, library)  # atomic: concurrent builders end with the same file
    finally:
        if os.path.exists(partial):
            os.unlink(partial)
    return library


@dataclass(frozen=True)
class CollectorEnv:
    """Environment variables attaching the collector to a child process."""

    library: Path
    log: Path
    start_paused: bool = False
    max_foreign: int | None = None  # at most this many tasks of other libraries' domains
    dropped_domains: tuple[str, ...] = DROPPED_DOMAINS  # name prefixes of domains never recorded
    foreign_every: int = 1  # keep other libraries' tasks during every K-th ITT frame

    def apply(self, env: dict[str, str]) -> dict[str, str]:
        """A copy of ``env`` with the collector attached."""
        env = dict(env)
        env[LIB_ENV] = str(self.library)
        env[LOG_ENV] = str(self.log)
        if self.start_paused:
            env[START_PAUSED_ENV] = "1"
        else:
            env.pop(START_PAUSED_ENV, None)
        if self.max_foreign is not None:
            env[MAX_FOREIGN_ENV] = str(self.max_foreign)
        else:
            env.pop(MAX_FOREIGN_ENV, None)
        env[DROP_DOMAINS_ENV] = ",".join(self.dropped_domains)
        env[FOREIGN_EVERY_ENV] = str(self.foreign_every)
        return env


def attach_to_this_process(build_dir: Path, log: Path, max_foreign: int | None = None,
                           foreign_every: int = 1) -> str | None:
    """Attach the collector to the running process (before its first ITT call); None on success,
    else why not. A collector already named by ``INTEL_LIBITTNOTIFY64`` (VTune's) is left alone."""
    if os.environ.get(LIB_ENV):
        return f"{LIB_ENV} already names a collector ({os.environ[LIB_ENV]})"
    try:
        library = build_collector(build_dir)
    except UsageError as error:
        return str(error)
    os.environ.update(CollectorEnv(library, log, max_foreign=max_foreign, foreign_every=foreign_every).apply({}))
    return None


def set_recording(library: Path, enabled: bool) -> None:
    """Switch every ITT domain of an attached collector off (ITT then costs what it costs with
    no collector) or back on; call it between frames, with no region open."""
    ctypes.CDLL(str(library)).perfharness_itt_set_enabled(int(enabled))
