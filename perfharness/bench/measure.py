"""What a benchmark round holds: wall time, or a count that does not move with the machine.

``time`` (the default) is pytest-benchmark's: seconds per round, on the real CPU. ``instructions``
and ``cycles`` are *deterministic* measures, after CodSpeed: the suites run under valgrind's
callgrind, and a round holds what callgrind counted in exactly the benchmarked call (collection
is switched on and off around it by client requests, ``perfharness.bench.callgrind``), so
start-up, compilation and warm-up are not in it, nor anything other processes do:

- ``instructions``: the instructions the call executed (callgrind's ``Ir``);
- ``cycles``: an estimate from the same count and a simulated cache hierarchy,
  ``Ir + 10 x (L1 misses) + 100 x (last-level misses)`` (the cycle estimate of KCachegrind and of
  the valgrind manual's "an L1 miss costs about 10 cycles, an LL miss as much as 200"); the cache
  geometry is the host's as valgrind reads it from CPUID (recorded per benchmark in
  ``extra_info["cache_model"]``).

A deterministic measure runs with one thread everywhere (``DETERMINISTIC_ENV``): counts of code
whose work is split between threads move with the scheduling. Under valgrind, oneDNN is held to
its AVX kernels: valgrind hides AVX-512 and AMX anyway, and it emulates FMA (AVX2's) in software,
which makes one inference of the iris model take ~12 s instead of ~0.2 s (measured here), so
the kernels counted are AVX ones, not those the real CPU runs.

The selected measure travels to the benchmark processes in ``PERFHARNESS_BENCH_MEASURE``, read by
``tests/benchmarks/conftest.py``; every benchmark of a file says which measure it holds in
``extra_info["measure"]`` and ``extra_info["unit"]``.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from perfharness.core.errors import UsageError

MEASURE_ENV = "PERFHARNESS_BENCH_MEASURE"
OUT_DIR_ENV = "PERFHARNESS_CALLGRIND_DIR"  # set for the process running under callgrind: where its dumps go
L1_MISS_CYCLES = 10
LL_MISS_CYCLES = 100
DETERMINISTIC_ENV = {
    "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",  # numpy's BLAS on one thread
    "PYTHONHASHSEED": "0",  # the same dict and set orders in every process
    "ONEDNN_MAX_CPU_ISA": "AVX",  # no FMA: valgrind emulates it in software (~50x slower inferences)
}


@dataclass(frozen=True)
class Measure:
    """One measure: its name, the unit of a round, and whether it is deterministic (counted under
    callgrind, with ``cache_sim`` for the cycle estimate)."""

    name: str
    unit: str
    deterministic: bool
    cache_sim: bool = False

    def value(self, events: dict[str, int]) -> int:
        """A round's value from callgrind's event totals (deterministic measures only)."""
        if self.name == "instructions":
            return events["Ir"]
        misses_l1 = events["I1mr"] + events["D1mr"] + events["D1mw"]
        misses_ll = events["ILmr"] + events["DLmr"] + events["DLmw"]
        return events["Ir"] + L1_MISS_CYCLES * misses_l1 + LL_MISS_CYCLES * misses_ll


MEASURES = {
    "time": Measure("time", "seconds", deterministic=False),
    "instructions": Measure("instructions", "instructions", deterministic=True),
    "cycles": Measure("cycles", "estimated cycles", deterministic=True, cache_sim=True),
}
DEFAULT = MEASURES["time"]


def parse_measure(name: str | None) -> Measure:
    """The measure called ``name`` (None or "": time); UsageError for any other name."""
    if not name:
        return DEFAULT
    if name not in MEASURES:
        raise UsageError(f"unknown measure {name!r}: choose {', '.join(MEASURES)}")
    return MEASURES[name]


def of_extra_info(extra_info: dict) -> Measure:
    """The measure a benchmark of a file holds (files without the key hold time)."""
    name = extra_info.get("measure")
    return MEASURES.get(name, DEFAULT) if isinstance(name, str) else DEFAULT


def require_valgrind() -> str:
    """valgrind's path; UsageError when it is not on PATH."""
    found = shutil.which("valgrind")
    if found is None:
        raise UsageError("the instructions and cycles measures run under valgrind, which is not on PATH: "
                         "apt-get install valgrind")
    return found


def valgrind_command(valgrind: str, measure: Measure, out_dir: Path) -> list[str]:
    """valgrind's options for a benchmark process: callgrind with instrumentation and collection
    off until the suites switch them on around a benchmarked call, one dump file per thread (so
    a call that ran on another thread is seen), dumps in ``out_dir``."""
    return [valgrind, "--tool=callgrind", "--quiet", "--instr-atstart=no", "--collect-atstart=no",
            "--separate-threads=yes", f"--cache-sim={'yes' if measure.cache_sim else 'no'}",
            f"--callgrind-out-file={out_dir}/callgrind.%p"]
