"""Read ``perf script`` output (``perf.SCRIPT_FIELDS``, ``--ns``) one sample at a time.

A sample is a header line ``COMM PID/TID SECONDS.NANOS: PERIOD`` followed by its callchain, one
``ADDRESS SYMBOL (MODULE)`` line per frame, leaf first, and a blank line. The command may hold
spaces, so the header is read from its end.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

_HEADER = re.compile(r"^(?P<comm>.*?)\s+(?P<pid>\d+)/(?P<tid>\d+)\s+(?P<s>\d+)\.(?P<ns>\d{9}):\s+(?P<period>\d+)\s*$")
_FRAME = re.compile(r"^\s+[0-9a-f]+\s+(?P<sym>.*?)\s+\((?P<dso>[^()]*)\)\s*$")
UNKNOWN = "[unknown]"


@dataclass(frozen=True)
class Frame:
    function: str
    module: str  # the file perf names (a path, ``[kernel.kallsyms]``, ``[unknown]`` for JIT code, ...)


@dataclass(frozen=True)
class Sample:
    comm: str
    pid: int
    tid: int
    time_ns: int  # CLOCK_MONOTONIC when recorded with ``-k CLOCK_MONOTONIC``
    period_ns: int  # CPU time the sample stands for (cpu-clock: nanoseconds)
    frames: tuple[Frame, ...]  # leaf first; empty when perf got no callchain

    @property
    def leaf(self) -> Frame:
        return self.frames[0] if self.frames else Frame(UNKNOWN, UNKNOWN)


def _frame(match: re.Match) -> Frame:
    function = match["sym"] or UNKNOWN
    module = match["dso"] or UNKNOWN
    return Frame(function, module)


def read_samples(lines: Iterable[str]) -> Iterator[Sample]:
    """Samples from ``perf script`` lines; lines of any other shape are skipped."""
    header: re.Match | None = None
    frames: list[Frame] = []
    for line in lines:
        line = line.rstrip("\n")
        if header is not None:
            frame = _FRAME.match(line)
            if frame:
                frames.append(_frame(frame))
                continue
            yield _sample(header, frames)
            header, frames = None, []
        if line and not line[0].isspace():
            header = _HEADER.match(line)
    if header is not None:
        yield _sample(header, frames)


def _sample(header: re.Match, frames: list[Frame]) -> Sample:
    return Sample(header["comm"].strip(), int(header["pid"]), int(header["tid"]),
                  int(header["s"]) * 1_000_000_000 + int(header["ns"]), int(header["period"]), tuple(frames))
