"""The ``profile`` subcommand: run a scenario under ``perf record`` and attribute the samples
to the harness's regions (hotspots.csv/json, stacks.folded, a Hotspots section in the report).

Exit status: 0 done (``--dry-run``: the command lines printed); 2 bad usage (an unknown scenario
or a bad ``--set``, refused before anything runs), perf missing or not permitted (one line saying
what to install or change); 1 the scenario failed under perf (its own error line; what was
recorded is still attributed); 130 interrupted (perf stopped and wrote what it had, the samples
are attributed, and the files say incomplete).
"""

from __future__ import annotations

import argparse
import json
import shlex
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from perfharness.core import interrupts
from perfharness.core.argtypes import positive_int
from perfharness.core.children import Child, last_line
from perfharness.core.errors import EXIT_INTERRUPTED, UsageError
from perfharness.profilers import perf
from perfharness.profilers.supervise import (
    CollectionError,
    find_or_placeholder,
    run_collection,
    scenario_args,
)
from perfharness.results.rundir import create_run_dir, ensure_run_dir, planned_run_dir

PERF_DATA = "perf.data"
PLACEHOLDER = "perf"  # in --dry-run command lines when perf is not installed


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``profile`` to the ``perfharness`` subcommands."""
    parser = commands.add_parser(
        "profile", help="run a scenario under Linux perf: hotspots by region, module shares, a flame graph",
        description="Run `perfharness scenario run NAME` under `perf record -e cpu-clock -k CLOCK_MONOTONIC`, then "
                    "attribute every sample to the harness region open on its thread at its time: "
                    "hotspots.csv/json, stacks.folded and a Hotspots section in the report (docs/profiling.md).")
    parser.add_argument("name", metavar="NAME", help="the scenario (name or path), as for `scenario run`")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", dest="overrides",
                        help="passed on to `scenario run` (repeatable)")
    parser.add_argument("--frames", type=positive_int, metavar="N", help="passed on to `scenario run`")
    parser.add_argument("--out", type=Path, default=Path("reports"), metavar="DIR",
                        help="where run directories are created (default reports)")
    parser.add_argument("--run-dir", type=Path, metavar="DIR", help="use this run directory instead")
    parser.add_argument("--frequency", type=positive_int, default=perf.DEFAULT_FREQUENCY_HZ, metavar="HZ",
                        help=f"samples per second and CPU (default {perf.DEFAULT_FREQUENCY_HZ})")
    parser.add_argument("--call-graph", choices=perf.CALL_GRAPHS, default=None,
                        help="how perf walks stacks (default: dwarf on Python 3.12+, where Python frames can be "
                             "shown, else fp)")
    parser.add_argument("--perf", metavar="PATH", help="the perf executable (default: perf on PATH)")
    parser.add_argument("--dry-run", action="store_true", help="print the command lines; run nothing")
    parser.set_defaults(handler=run_profile)


def _stop(child: Child) -> None:
    """Ask perf to stop: it then ends the scenario (SIGTERM: written, marked incomplete) and writes its data."""
    try:
        child.process.send_signal(signal.SIGINT)
    except ProcessLookupError:
        pass


def run_profile(args: argparse.Namespace) -> int:
    """Check, record, attribute, report; see the module docstring for the exit status."""
    from perfharness.scenario import loader
    from perfharness.scenario.definition import variants, with_overrides

    scenario = with_overrides(loader.load(args.name), args.overrides)
    variants(scenario)  # an unknown scenario or a bad --set: refused before anything is found, made or run
    if args.run_dir is not None and args.run_dir.exists() and not args.run_dir.is_dir():
        raise UsageError(f"--run-dir {args.run_dir}: is not a directory")
    executable = find_or_placeholder(lambda: perf.find_perf(args.perf), args.perf, args.dry_run, PLACEHOLDER)
    call_graph = args.call_graph or perf.default_call_graph()
    if args.dry_run:
        run_dir = args.run_dir or planned_run_dir(args.out, scenario.name)
    else:
        version = perf.perf_version(executable)
        problem = perf.permission_problem()
        if problem:
            raise UsageError(f"perf may not sample here: {problem}")
        run_dir = ensure_run_dir(args.run_dir) if args.run_dir else create_run_dir(args.out, scenario.name)
    workload = [sys.executable, "-m", "perfharness", "scenario", "run", args.name, "--run-dir", str(run_dir),
                "--no-progress", *scenario_args(args.frames, args.overrides)]
    record = perf.record_command(executable, run_dir / PERF_DATA, workload, args.frequency, call_graph)
    if args.dry_run:
        for command in (record, perf.script_command(executable, run_dir / PERF_DATA)):
            print(shlex.join(command))
        return 0

    print(f"perfharness: {shlex.join(record)}", file=sys.stderr, flush=True)
    failure: CollectionError | None = None
    try:
        interrupted = run_collection(record, _stop, "perf", env=perf.workload_env())
    except CollectionError as error:
        failure, interrupted = error, False
    interrupts.finishing()  # from here on a signal only takes note: the files are written whole
    interrupted = interrupted or interrupts.received() is not None
    if not (run_dir / PERF_DATA).is_file():
        print(f"perfharness: error: {failure or 'perf wrote no data'} (run directory {run_dir})", file=sys.stderr)
        return failure.exit_code if failure else 1
    recording = {"frequency_hz": args.frequency, "call_graph": call_graph, "version": version, "command": record}
    try:
        _print_summary(run_dir, analyse(executable, run_dir, recording, interrupted or failure is not None))
    except UsageError as error:
        if failure is None and not interrupted:
            raise
        print(f"perfharness: note: the samples could not be attributed: {error}", file=sys.stderr)
    if failure:
        print(f"perfharness: error: {failure} (run directory {run_dir})", file=sys.stderr)
        return failure.exit_code
    if interrupted:
        print(f"perfharness: interrupted; what was recorded is attributed in {run_dir}, marked incomplete",
              file=sys.stderr)
        return EXIT_INTERRUPTED
    return 0


def analyse(executable: str, run_dir: Path, recording: dict[str, Any], stopped_early: bool) -> dict[str, Any]:
    """Attribute ``run_dir/perf.data`` to the run's regions, write the outputs, update the
    manifest and the report; returns hotspots.json's content."""
    from perfharness.profilers.hotspots import (
        FOLDED,
        HOTSPOTS_CSV,
        HOTSPOTS_JSON,
        Attribution,
        write_outputs,
    )
    from perfharness.profilers.samples import read_samples
    from perfharness.profilers.timeline import load_timeline, self_times
    from perfharness.report import write_reports
    from perfharness.results.rundir import write_json

    timeline, source = load_timeline(run_dir)
    attribution = Attribution(timeline)
    script = perf.script_command(executable, run_dir / PERF_DATA)
    with tempfile.TemporaryFile(mode="w+", errors="replace") as errors:  # a file: a full pipe would block perf
        try:
            process = subprocess.Popen(script, stdout=subprocess.PIPE, stderr=errors, text=True, errors="replace")
        except OSError as error:
            raise UsageError(f"cannot run {script[0]}: {error.strerror}") from None
        assert process.stdout is not None
        attribution.add_all(read_samples(process.stdout))
        if process.wait() != 0 and not attribution.samples:
            errors.seek(0)
            raise UsageError(f"perf script failed: {last_line(errors.read()) or 'no message'}")
    for pid in {*timeline.pids}:
        Path(f"/tmp/perf-{pid}.map").unlink(missing_ok=True)  # Python's perf trampoline map, read by now
    manifest_path = run_dir / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.is_file() else {}
    complete = bool(manifest.get("complete")) and not stopped_early
    info = {"complete": complete, "regions_from": source.name, "perf": recording,
            "python_frames": perf.python_frames() or "shown (PYTHONPERFSUPPORT=1)",
            "collector_self_s": {name: ns / 1e9 for name, ns in self_times(timeline).items()}}
    summary = write_outputs(run_dir, attribution, info)
    if manifest:
        outputs = manifest.setdefault("outputs", {})
        outputs[PERF_DATA] = "written"
        for name in (HOTSPOTS_CSV, HOTSPOTS_JSON, FOLDED):
            outputs[name] = "written" if complete else "written from what was recorded (incomplete)"
        manifest["profile"] = {"tool": "perf", **recording}
        write_json(manifest_path, manifest)
        write_reports(run_dir)
    return summary


def _print_summary(run_dir: Path, summary: dict[str, Any]) -> None:
    loop = summary["frame_loop"]
    share = loop["attributed_share"]
    print(f"{summary['samples']} samples, {summary['process_samples']} of the scenario's process"
          + (f"; {share:.0%} of those during the frames attributed to a region" if share is not None else ""))
    for region in summary["regions"][:8]:
        groups = ", ".join(f"{group} {value:.0%}" for group, value in list(region["modules"].items())[:3])
        print(f"  {region['region']:<40} {region['cpu_s']:8.3f} s CPU  {region['share_of_process']:5.1%}  {groups}")
    print(f"run directory: {run_dir}")
    print(f"hotspots:      {run_dir / 'hotspots.csv'}")
    print(f"flame graph:   {run_dir / 'stacks.folded'} (collapsed stacks: speedscope, flamegraph.pl)")
