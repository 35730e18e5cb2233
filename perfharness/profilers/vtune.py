"""Launch a scenario under Intel VTune Profiler and export its reports as CSV (read by ``results.vtune_csv``).

The three commands, run as argument lists (never through a shell)::

    vtune -collect ANALYSIS -start-paused -result-dir RUN/vtune -return-app-exitcode [knobs] [extra] --
          PYTHON -m perfharness scenario run NAME --run-dir RUN --itt-pause-until-warmup [scenario args]
    vtune -report summary -result-dir RUN/vtune -format csv -csv-delimiter comma
          -report-output RUN/vtune-summary.csv
    vtune -report hotspots -group-by task -result-dir RUN/vtune -format csv -csv-delimiter comma
          -report-output RUN/vtune-hotspots-by-task.csv

The scenario pauses ITT collection at start-up and resumes it after its warm-up frames, so with
``-start-paused`` VTune sees the steady state only. docs/vtune.md cites the VTune documentation
behind every flag and knob.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from perfharness.core.children import error_line, status
from perfharness.core.errors import UsageError
from perfharness.profilers import supervise
from perfharness.results.run_dir import VTUNE_BY_TASK, VTUNE_RESULT, VTUNE_SUMMARY, RunDir

# Knobs per analysis: only knobs the VTune User Guide lists for that predefined analysis. None of them
# lists an `enable-user-tasks` knob (that is a knob of the custom `-collect-with runss|runsa`
# collectors); the predefined analyses collect ITT tasks as they are (Intel's own ittapi Python
# samples profile their tasks with a plain `-collect hotspots`). See docs/vtune.md.
ANALYSIS_KNOBS: dict[str, tuple[str, ...]] = {
    # user-mode sampling: the documented default, no sampling driver needed, meant for Python and
    # for one process tree; pinned so that a changed default does not change what a run measures
    "hotspots": ("-knob", "sampling-mode=sw"),
    "threading": (),
    "memory-consumption": (),
    "uarch-exploration": (),
    "memory-access": (),
}
ANALYSES = tuple(ANALYSIS_KNOBS)

# Searched after --vtune, PATH and $VTUNE_PROFILER_DIR/bin64, in this order.
DEFAULT_LOCATIONS: tuple[str, ...] = (
    "/opt/intel/oneapi/vtune/latest/bin64/vtune",
    "~/intel/oneapi/vtune/latest/bin64/vtune",
    "/opt/intel/vtune_profiler/bin64/vtune",
)

_STOP_TIMEOUT_S = 60.0


def _executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def _explicit_vtune(path: Path) -> Path:
    if path.is_dir():
        for candidate in (path / "vtune", path / "bin64" / "vtune"):
            if _executable(candidate):
                return candidate.absolute()
        raise UsageError(f"--vtune {path}: no vtune executable in it or in its bin64/")
    if not path.exists():
        raise UsageError(f"--vtune {path}: no such file or directory")
    if not _executable(path):
        raise UsageError(f"--vtune {path}: not an executable file")
    return path.absolute()


def find_vtune(explicit: str | Path | None = None) -> Path:
    """The ``vtune`` executable: ``explicit`` (the file or its install folder, no fallback), else the one
    on PATH, else ``$VTUNE_PROFILER_DIR/bin64/vtune``, else the first of ``DEFAULT_LOCATIONS``.
    UsageError (one line: how to install it or point to it) when there is none."""
    if explicit is not None:
        return _explicit_vtune(Path(explicit).expanduser())
    on_path = shutil.which("vtune")
    if on_path:
        return Path(on_path).absolute()
    profiler_dir = os.environ.get("VTUNE_PROFILER_DIR")
    candidates = [Path(profiler_dir) / "bin64" / "vtune"] if profiler_dir else []
    candidates += [Path(location).expanduser() for location in DEFAULT_LOCATIONS]
    for candidate in candidates:
        if _executable(candidate):
            return candidate.absolute()
    folders = ", ".join(str(Path(location).parent.parent) for location in DEFAULT_LOCATIONS)
    raise UsageError(
        f"Intel VTune Profiler not found (looked on PATH, in $VTUNE_PROFILER_DIR/bin64 and in {folders}): "
        "install it (e.g. `apt install intel-oneapi-vtune` from Intel's oneAPI repository, then "
        "`source /opt/intel/oneapi/setvars.sh`) or pass --vtune PATH (the vtune executable or its install folder)")


def result_dir(run_dir: Path) -> Path:
    """Where VTune writes its result: ``RUN/vtune``."""
    return RunDir(run_dir).file(VTUNE_RESULT)


def report_paths(run_dir: Path) -> tuple[Path, Path]:
    """The exported CSVs: (summary, hotspots by task)."""
    return RunDir(run_dir).file(VTUNE_SUMMARY), RunDir(run_dir).file(VTUNE_BY_TASK)


def collect_command(vtune: str | Path, analysis: str, run_dir: Path, scenario: str, *,
                    scenario_args: Sequence[str] = (), vtune_args: Sequence[str] = (),
                    python: str | None = None) -> list[str]:
    """The collection command line as a list: VTune starts paused, the scenario resumes it after warm-up.
    ``-return-app-exitcode`` makes a failing scenario fail the collection (VTune's own status otherwise)."""
    if analysis not in ANALYSIS_KNOBS:
        raise UsageError(f"unknown VTune analysis {analysis!r}; choose one of {', '.join(ANALYSES)}")
    return [str(vtune), "-collect", analysis, "-start-paused", "-result-dir", str(result_dir(run_dir)),
            "-return-app-exitcode", *ANALYSIS_KNOBS[analysis], *vtune_args, "--",
            python or sys.executable, "-m", "perfharness", "scenario", "run", scenario,
            "--run-dir", str(run_dir), "--itt-pause-until-warmup", *scenario_args]


def report_commands(vtune: str | Path, run_dir: Path) -> list[list[str]]:
    """The two exports (summary, hotspots grouped by ITT task), CSV with comma delimiters."""
    summary, by_task = report_paths(run_dir)
    result = str(result_dir(run_dir))
    csv_options = ["-format", "csv", "-csv-delimiter", "comma"]
    return [
        [str(vtune), "-report", "summary", "-result-dir", result, *csv_options, "-report-output", str(summary)],
        [str(vtune), "-report", "hotspots", "-group-by", "task", "-result-dir", result, *csv_options,
         "-report-output", str(by_task)],
    ]


def stop_command(vtune: str | Path, run_dir: Path) -> list[str]:
    """Ask a running collection to stop (VTune then finalizes its result)."""
    return [str(vtune), "-command", "stop", "-result-dir", str(result_dir(run_dir))]


def _request_stop(command: Sequence[str]) -> None:
    # Best effort: after Ctrl-C in a terminal VTune got SIGINT too and may already be stopping.
    try:
        subprocess.run(list(command), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=_STOP_TIMEOUT_S, check=False)
    except (OSError, subprocess.TimeoutExpired):
        pass


def run_collection(command: Sequence[str], stop: Sequence[str]) -> bool:
    """Run the collection (``supervise.run_collection``); on an interrupt VTune is asked to stop
    with ``stop`` and finalizes its result. True if interrupted; CollectionError on failure."""
    return supervise.run_collection(command, lambda process: _request_stop(stop), "vtune")


def export_reports(vtune: str | Path, run_dir: Path) -> list[Path]:
    """Run both exports; UsageError (one line) if one fails or leaves no report behind."""
    written = []
    for command, path in zip(report_commands(vtune, run_dir), report_paths(run_dir)):
        kind = command[2]
        path.unlink(missing_ok=True)  # a stale file must not pass for a fresh export
        try:
            done = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, check=False)
        except OSError as error:
            raise UsageError(f"cannot run {command[0]}: {error.strerror}") from None
        if done.returncode != 0:
            message = error_line(done.stderr.decode(errors="replace") or done.stdout.decode(errors="replace"))
            raise UsageError(f"vtune -report {kind} failed ({status(done.returncode)}): {message or 'no message'}")
        if not path.is_file() or path.stat().st_size == 0:
            raise UsageError(f"vtune -report {kind} exited 0 but wrote no report at {path}")
        written.append(path)
    return written
