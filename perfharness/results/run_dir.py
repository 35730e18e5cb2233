"""A run directory, ``<out>/<UTC time>-<name>/``: the one place its file names are written, its
manifest is made and updated, and its files are read back.

Every job writes a run through ``RunDir`` (the scenario runner its metrics and series, the
profilers their outputs, recorded in the manifest with ``record_outputs``), and the report reads
it through ``RunDir`` only.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from perfharness.core.atomic import atomic_write_text
from perfharness.core.errors import UsageError
from perfharness.core.inputs import read_json
from perfharness.core.outputs import writing
from perfharness.instrument.resources import ResourceSample, read_samples
from perfharness.results import stamps
from perfharness.results.frames import FrameRow, read_frames
from perfharness.results.vtune_csv import read_vtune_csv

# What a scenario run writes
MANIFEST, METRICS, FRAMES, RESOURCES, TRACE = "manifest.json", "metrics.json", "frames.csv", "resources.csv", "trace.json"
REPORT_HTML, REPORT_MD, PLOTS = "report.html", "report.md", "plots"
CHECKS_LOG = "checks.log"  # tracebacks of scenario checks that raised, for the scenario's author
# What `perfharness vtune` adds
VTUNE_RESULT, VTUNE_SUMMARY, VTUNE_BY_TASK = "vtune", "vtune-summary.csv", "vtune-hotspots-by-task.csv"
VTUNE_TABLES = (VTUNE_SUMMARY, VTUNE_BY_TASK)
# What `perfharness profile` adds
PERF_DATA, HOTSPOTS_CSV, HOTSPOTS_JSON, FOLDED = "perf.data", "hotspots.csv", "hotspots.json", "stacks.folded"
# What `perfharness peer` writes
PEER_JSON, PEER_MD = "peer.json", "peer.md"
REPORT_OUTPUTS = (REPORT_HTML, REPORT_MD, PLOTS)
ATTEMPTS = 100  # runs of one name started in one second


NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+-]{0,99}")  # what a run's name may be: it becomes a folder name


def check_name(name: str) -> str:
    """``name`` when it can name a run directory (letters, digits, ``_ . + -``, no path, at most
    100 characters); UsageError otherwise, so a scenario called ``../x`` cannot write outside --out."""
    if not isinstance(name, str) or not NAME.fullmatch(name):
        raise UsageError(f"run name {name!r}: use letters, digits, '_', '.', '+' and '-' only (it names a folder)")
    return name


class RunDir:
    """One run directory (which may not exist yet: see ``planned``)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock: int | None = None

    def __str__(self) -> str:
        return str(self.path)

    def __fspath__(self) -> str:
        return str(self.path)

    # --- where ---------------------------------------------------------------------------------

    @classmethod
    def planned(cls, out_root: Path, name: str) -> RunDir:
        """``<out_root>/<UTC time>-<name>``: the directory a run started now gets (not created)."""
        return cls(Path(out_root) / f"{stamps.compact()}-{check_name(name)}")

    @classmethod
    def create(cls, out_root: Path, name: str) -> RunDir:
        """A new, empty run directory named by the UTC time and ``name``."""
        planned = cls.planned(out_root, name).path
        for attempt in range(ATTEMPTS):
            path = planned.with_name(f"{planned.name}-{attempt}") if attempt else planned
            try:
                path.mkdir(parents=True)
                return cls(path)
            except FileExistsError:
                continue
            except OSError as error:
                raise UsageError(f"cannot create a run directory under {out_root}: {error.strerror}") from None
        raise UsageError(f"cannot create a run directory under {out_root}: {ATTEMPTS} runs started this second")

    @classmethod
    def use(cls, path: Path) -> RunDir:
        """``path`` as a run directory (``--run-dir``), created when missing."""
        if Path(path).exists() and not Path(path).is_dir():
            raise UsageError(f"--run-dir {path}: is not a directory")
        try:
            Path(path).mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise UsageError(f"cannot use {path} as a run directory: {error.strerror}") from None
        return cls(path)

    def lock(self) -> None:
        """Hold this run directory for this process until ``unlock`` or exit (an advisory lock on
        the directory itself, so nothing is left in it): UsageError when another run writes it."""
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
        except OSError as error:
            raise UsageError(f"cannot use {self.path} as a run directory: {error.strerror}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise UsageError(f"run directory {self.path} is being written by another run; give another --run-dir") from None
        self._lock = fd

    def unlock(self) -> None:
        if self._lock is not None:
            os.close(self._lock)
            self._lock = None

    def file(self, name: str) -> Path:
        """The path of one of its files (one of the names above)."""
        return self.path / name

    def listing(self) -> list[str]:
        """The names of what it holds, hidden files and the report's own outputs left out."""
        return sorted(p.name for p in self.path.iterdir() if not p.name.startswith(".") and p.name not in REPORT_OUTPUTS)

    # --- JSON files and the manifest -----------------------------------------------------------

    def write_json(self, name: str, data: dict[str, Any]) -> None:
        """Write ``name`` whole (atomically); OutputError when the disk cannot take it."""
        with writing(self.file(name)):
            atomic_write_text(self.file(name), json.dumps(data, indent=1, default=str))

    def read_json(self, name: str, missing: dict[str, Any] | None = None) -> dict[str, Any] | None:
        """The content of ``name`` (a JSON object), or ``missing`` when there is no such file;
        UsageError (one line) when it is not a regular file or not an object."""
        path = self.file(name)
        if not os.path.lexists(path):
            return missing
        data = read_json(path)
        if not isinstance(data, dict):
            raise UsageError(f"{path}: not a JSON object")
        return data

    def append_log(self, name: str, text: str) -> None:
        """Append ``text`` to the log file ``name`` (a regular file, never through a link)."""
        with writing(self.file(name)), open(os.open(self.file(name), os.O_WRONLY | os.O_CREAT | os.O_APPEND
                                                     | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644), "a") as log:
            log.write(text)

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        self.write_json(MANIFEST, manifest)

    def read_manifest(self) -> dict[str, Any]:
        """manifest.json's content; UsageError when the folder is no run directory."""
        manifest = self.read_json(MANIFEST)
        if manifest is None:
            raise UsageError(f"{self.path}: no {MANIFEST}: not a run directory")
        return manifest

    def record_outputs(self, outputs: dict[str, str], complete: bool | None = None, **sections: Any) -> None:
        """Add what a job wrote to this run (file name -> "written" or why not) to its manifest,
        with its own sections (``profile=...``); ``complete=False`` marks the run incomplete.
        Nothing is recorded in a folder without a manifest."""
        manifest = self.read_json(MANIFEST)
        if manifest is None:
            return
        manifest.setdefault("outputs", {}).update(outputs)
        manifest.update(sections)
        if complete is False:
            manifest["complete"] = False
        self.write_manifest(manifest)

    def metrics(self) -> dict[str, Any]:
        """metrics.json's content; a run that has none yet reads as incomplete with no variant."""
        return self.read_json(METRICS, {"complete": False, "variants": [], "checks": []})

    # --- series and tables ---------------------------------------------------------------------

    def frames(self, variant: str | None = None) -> Iterator[FrameRow]:
        """The rows of frames.csv (of one variant when given), streamed."""
        return read_frames(self.file(FRAMES), variant)

    def resource_samples(self) -> Iterator[ResourceSample]:
        """The complete rows of resources.csv, streamed."""
        return read_samples(self.file(RESOURCES))

    def vtune_tables(self) -> dict[str, list[dict[str, str]]]:
        """The exported VTune reports it holds, by file name."""
        return {name: read_vtune_csv(self.file(name)) for name in VTUNE_TABLES if self.file(name).exists()}

    def hotspots(self) -> dict[str, Any] | None:
        """hotspots.json's content (``perfharness profile``), or None."""
        return self.read_json(HOTSPOTS_JSON)

    def folded_stacks(self) -> Iterator[tuple[list[str], int]]:
        """(frames root first, samples) of each line of stacks.folded; bad lines skipped."""
        path = self.file(FOLDED)
        if not path.is_file():
            return
        with open(path, encoding="utf-8", errors="replace") as handle:
            for line in handle:
                stack, _, count = line.rstrip("\n").rpartition(" ")
                if stack and count.isdigit():
                    yield stack.split(";"), int(count)
