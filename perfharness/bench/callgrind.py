"""Counting one call under callgrind, from inside the process it runs in.

A small C helper (compiled at first use with the project's compiler discovery, against
valgrind's ``callgrind.h``) issues callgrind's client requests; ``Counter.clock`` is a
pytest-benchmark timer built on them. Its first call in a pair switches collection on, its second
switches it off, dumps what was collected and adds it up, so ``end - start`` of a timed round is
what the call between them executed (plus a constant few hundred instructions of the timer's own
return and call). Dumps go to ``$PERFHARNESS_CALLGRIND_DIR``, one file per thread that executed
something while collecting; any thread but the main one is an error (``ThreadsCounted``).
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import re
import subprocess
import tempfile
from pathlib import Path

from perfharness.bench.measure import MEASURE_ENV, OUT_DIR_ENV, Measure, parse_measure
from perfharness.core.errors import UsageError
from perfharness.instrument.collector import find_compiler

HELPER_SOURCE = """\
#include <valgrind/callgrind.h>
int perfharness_cg_running(void) { return RUNNING_ON_VALGRIND; }
void perfharness_cg_start(void) { CALLGRIND_START_INSTRUMENTATION; }
void perfharness_cg_stop(void) { CALLGRIND_STOP_INSTRUMENTATION; }
void perfharness_cg_toggle(void) { CALLGRIND_TOGGLE_COLLECT; }
void perfharness_cg_dump(const char *reason) { CALLGRIND_DUMP_STATS_AT(reason); }
"""
HEADER = Path("/usr/include/valgrind/callgrind.h")
MAIN_THREAD = 1


class ThreadsCounted(RuntimeError):
    """Another thread than the main one executed instructions inside a counted call."""


def build_helper(dest_dir: Path) -> Path:
    """The helper library in ``dest_dir`` (built once per source version). UsageError without a
    C compiler or valgrind's headers (Debian's ``valgrind`` package has them)."""
    digest = hashlib.sha256(HELPER_SOURCE.encode()).hexdigest()[:16]
    library = Path(dest_dir) / f"libperfharness_callgrind-{digest}.so"
    if library.is_file():
        return library
    compiler = find_compiler()
    if compiler is None:
        raise UsageError("counting under callgrind needs a C compiler (cc, gcc or clang, or set CC): apt-get install gcc")
    if not HEADER.is_file():
        raise UsageError(f"counting under callgrind needs valgrind's headers ({HEADER}): apt-get install valgrind")
    library.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=library.parent) as folder:
        source, partial = Path(folder) / "helper.c", Path(folder) / "helper.so"
        source.write_text(HELPER_SOURCE)
        done = subprocess.run([compiler, "-shared", "-fPIC", "-O2", "-o", str(partial), str(source)],
                              capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise UsageError(f"building the callgrind helper failed: {done.stderr.strip().splitlines()[-1:]}")
        os.replace(partial, library)  # atomic: concurrent builders end with the same file
    return library


def read_dump(path: Path) -> tuple[dict[str, int], list[str]]:
    """(event totals, the cache descriptions) of one callgrind dump file."""
    events: list[str] = []
    totals: list[int] = []
    caches: list[str] = []
    for line in path.read_text(errors="replace").splitlines():
        if line.startswith("events:"):
            events = line.split()[1:]
        elif line.startswith(("summary:", "totals:")):
            totals = [int(value) for value in line.split()[1:]]
        elif re.match(r"desc: (I1|D1|LL) cache:", line):
            caches.append(line[len("desc: "):])
    return dict(zip(events, totals + [0] * (len(events) - len(totals)))), caches


class Counter:
    """Client requests of the process running under callgrind, and the dumps they write."""

    def __init__(self, library: Path, out_dir: Path, measure: Measure) -> None:
        self._lib = ctypes.CDLL(str(library))
        if not self._lib.perfharness_cg_running():
            raise UsageError(f"${OUT_DIR_ENV} is set but this process is not running under valgrind")
        self.out_dir, self.measure = Path(out_dir), measure
        self.total = 0
        self.cache_model = ""
        self._collecting = self._instrumented = False
        self._dumps = 0

    def clock(self) -> int:
        """A pytest-benchmark timer: the running total of the measure over the counted calls;
        each call switches collection on or off (see the module docstring)."""
        if not self._instrumented:
            self._lib.perfharness_cg_start()
            self._instrumented = True
        self._lib.perfharness_cg_toggle()
        self._collecting = not self._collecting
        if not self._collecting:
            self.total += self._take_dump()
        return self.total

    def pause(self) -> None:
        """Switch instrumentation off until the next count (between benchmarks, so their set-up
        and compilation run at valgrind's uninstrumented speed)."""
        if self._collecting:
            self.clock()
        if self._instrumented:
            self._lib.perfharness_cg_stop()
            self._instrumented = False

    def _take_dump(self) -> int:
        self._lib.perfharness_cg_dump(b"perfharness")
        self._dumps += 1
        files = sorted(self.out_dir.glob(f"callgrind.{os.getpid()}.{self._dumps}-*"))
        value, threads = 0, []
        for path in files:
            events, caches = read_dump(path)
            path.unlink()
            counted = self.measure.value(events)
            if counted and int(path.name.rsplit("-", 1)[1]) != MAIN_THREAD:
                threads.append(path.name.rsplit("-", 1)[1])
            value += counted
            self.cache_model = "; ".join(caches) or self.cache_model
        if threads:
            raise ThreadsCounted(f"the counted call ran code on other threads (valgrind threads {', '.join(threads)}): "
                                 "counts would move with their scheduling; measure it with --measure time")
        return value


_COUNTER: Counter | None = None


def counter() -> Counter:
    """This process's counter (made at first use); UsageError outside a callgrind'ed benchmark run."""
    global _COUNTER
    if _COUNTER is None:
        out_dir = os.environ.get(OUT_DIR_ENV)
        if not out_dir:
            raise UsageError(f"${OUT_DIR_ENV} is not set: the deterministic measures run under "
                             f"callgrind (set ${MEASURE_ENV} and let tests/benchmarks/conftest.py start it)")
        from perfharness.zoo.layout import collector_dir

        _COUNTER = Counter(build_helper(collector_dir()), Path(out_dir), parse_measure(os.environ.get(MEASURE_ENV)))
    return _COUNTER


def callgrind_count() -> int:
    """The pytest-benchmark timer of the deterministic measures (``Counter.clock`` of this process)."""
    return counter().clock()


def pause() -> None:
    """``Counter.pause`` of this process's counter, when it has one."""
    if _COUNTER is not None:
        _COUNTER.pause()


def prepare() -> None:
    """Before a deterministic run: valgrind on PATH and the helper built (UsageError otherwise)."""
    from perfharness.bench.measure import require_valgrind
    from perfharness.zoo.layout import collector_dir

    require_valgrind()
    build_helper(collector_dir())
