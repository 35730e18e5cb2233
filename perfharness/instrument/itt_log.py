"""The event log format shared by the C collector and the Python-side recorder.

A log is ``PATH`` (binary records, 24 bytes each) and ``PATH.meta`` (text lines naming the ids);
``collector/itt_collector.c`` describes both. A record whose kind is 0 was never completed (unused
space, or a record cut short when the process was killed) and is skipped, so whatever a killed
process left behind reads as the events it completed.
"""

from __future__ import annotations

import os
import struct
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

RECORD = np.dtype([("head", "<u8"), ("tid", "<u4"), ("reserved", "<u4"), ("ts", "<u8")])
KINDS = {1: "begin", 2: "end", 3: "frame_begin", 4: "frame_end", 5: "pause", 6: "resume"}
CODES = {name: code for code, name in KINDS.items()}
HEADER_KIND, MAGIC = 0x7F, 0x31474C5454494850  # "PHITTLG1"
CHUNK = 1 << 16  # records decoded at a time


def meta_path(log: Path) -> Path:
    return Path(f"{log}.meta")


@dataclass(frozen=True)
class Event:
    """One event of a log (``domain``/``string``/``init`` come from the .meta file, ts 0).
    ``keeps_foreign`` is set on the ``frame_begin`` of a frame during which the collector kept
    other libraries' tasks (PERFHARNESS_ITT_FOREIGN_EVERY)."""

    kind: str
    name: str
    tid: int
    ts_ns: int
    domain: str
    keeps_foreign: bool = False


@dataclass
class LogMeta:
    """What ``PATH.meta`` says: ITT versions seen, id -> name maps, the cap and a full log."""

    versions: list[str] = field(default_factory=list)
    domains: dict[int, str] = field(default_factory=dict)
    strings: dict[int, str] = field(default_factory=dict)
    threads: dict[int, str] = field(default_factory=dict)
    cap: tuple[int, int] | None = None  # (foreign task limit, CLOCK_MONOTONIC ns when reached)
    full: str | None = None  # why events stopped being recorded, if they did


def read_meta(log: Path) -> LogMeta:
    """Parse ``PATH.meta``; an incomplete last line (process killed mid-write) is ignored."""
    meta = LogMeta()
    path = meta_path(log)
    if not path.exists():
        return meta
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines(keepends=True):
        if not line.endswith("\n"):
            break
        kind, _, rest = line.rstrip("\n").partition("\t")
        fields = rest.split("\t", 1)
        try:
            if kind == "init":
                meta.versions.append(rest)
            elif kind in ("domain", "string", "thread") and len(fields) == 2:
                target = {"domain": meta.domains, "string": meta.strings, "thread": meta.threads}[kind]
                target[int(fields[0])] = fields[1]
            elif kind == "cap" and len(fields) == 2:
                meta.cap = (int(fields[0]), int(fields[1]))
            elif kind == "full":
                meta.full = rest
        except ValueError:
            continue
    return meta


def record_chunks(log: Path) -> Iterator[np.ndarray]:
    """The completed event records of ``log``, ``CHUNK`` at a time, read from the file (not
    mapped: reading a long run's log takes memory for one chunk). Kind, domain and name are still
    packed in ``head``. Raises ValueError when the file is not such a log (no header record)."""
    if not os.path.exists(log):
        return
    with open(log, "rb") as handle:
        first = True
        while True:
            data = np.fromfile(handle, RECORD, CHUNK)
            if first and len(data):
                if int(data["head"][0]) & 0xFF != HEADER_KIND or int(data["ts"][0]) != MAGIC:
                    raise ValueError(f"{log} is not a perfharness ITT log")
                first = False
            kinds = data["head"] & 0xFF
            yield data[(kinds != 0) & (kinds != HEADER_KIND)]
            if len(data) < CHUNK:
                return


def iter_log(log: Path) -> Iterator[Event]:
    """Every event: the .meta file's (init, domain, string), then the records in file order,
    which is time order within each thread."""
    meta = read_meta(log)
    for version in meta.versions:
        yield Event("init", version, 0, 0, "")
    for name in meta.domains.values():
        yield Event("domain", name, 0, 0, name)
    for name in meta.strings.values():
        yield Event("string", name, 0, 0, "")
    for chunk in record_chunks(log):
        head = chunk["head"]
        for code, domain, name, tid, ts in zip((head & 0xFF).tolist(), ((head >> 16) & 0xFFFF).tolist(),
                                              (head >> 32).tolist(), chunk["tid"].tolist(), chunk["ts"].tolist()):
            kind = KINDS.get(code)
            if kind is None:
                continue
            domain_name = meta.domains.get(domain, "")
            if kind.startswith("frame_"):
                yield Event(kind, domain_name, tid, ts, domain_name, kind == "frame_begin" and name == 1)
            else:
                yield Event(kind, meta.strings.get(name, ""), tid, ts, domain_name)


def read_log(log: Path) -> list[Event]:
    """``iter_log`` as a list (tests and small logs)."""
    return list(iter_log(log))


class LogWriter:
    """Writes records in the collector's format from Python (the trace of regions without it).

    Records are buffered and written in blocks of ``flush_every``; ``close()`` writes the rest. A
    killed process loses at most the last block, and what it wrote still reads as whole records.
    """

    _PACK = struct.Struct("<QIIQ")

    def __init__(self, log: Path, domain: str, flush_every: int = 512) -> None:
        self.log = Path(log)
        self._fd = os.open(self.log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o644)
        self._meta = os.open(meta_path(self.log), os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND | os.O_CLOEXEC, 0o644)
        self._lock = threading.Lock()
        self._buffer = bytearray(self._PACK.pack(HEADER_KIND, 0, 0, MAGIC))
        self._limit = flush_every * RECORD.itemsize
        self._strings: dict[str, int] = {}
        self._domain = 1
        self._meta_line(f"domain\t{self._domain}\t{_clean(domain)}\n")

    def _meta_line(self, line: str) -> None:
        os.write(self._meta, line.encode("utf-8", "replace"))

    def thread(self, tid: int, name: str) -> None:
        """Name a thread (once per thread)."""
        with self._lock:
            if self._fd >= 0:
                self._meta_line(f"thread\t{tid}\t{_clean(name)}\n")

    def event(self, kind: str, name: str, tid: int, ts_ns: int) -> None:
        """Append one event (thread-safe)."""
        with self._lock:
            if self._fd < 0:
                return
            string = self._strings.get(name)
            if string is None:
                string = self._strings[name] = len(self._strings) + 1
                self._meta_line(f"string\t{string}\t{_clean(name)}\n")
            self._buffer += self._PACK.pack(CODES[kind] | self._domain << 16 | string << 32, tid, 0, ts_ns)
            if len(self._buffer) >= self._limit:
                self._flush()

    def _flush(self) -> None:
        data, self._buffer = bytes(self._buffer), bytearray()
        while data:
            data = data[os.write(self._fd, data):]

    def close(self) -> None:
        """Write what is buffered and close the files; later events are ignored."""
        with self._lock:
            if self._fd < 0:
                return
            self._flush()
            os.close(self._fd)
            os.close(self._meta)
            self._fd = -1


def _clean(text: str) -> str:
    return text.replace("\t", " ").replace("\n", " ").replace("\r", " ")
