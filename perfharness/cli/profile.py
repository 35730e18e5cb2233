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
import shlex
import signal
import sys
from typing import Any

from perfharness.cli.options import add_scenario_options, add_store_option, load_scenario
from perfharness.core import interrupts
from perfharness.core.argtypes import positive_int
from perfharness.core.children import Child
from perfharness.core.errors import EXIT_INTERRUPTED, UsageError
from perfharness.profilers import perf
from perfharness.profilers.attribute import analyse
from perfharness.profilers.supervise import CollectionError, find_or_placeholder, run_collection, scenario_args
from perfharness.results.run_dir import FOLDED, HOTSPOTS_CSV, PERF_DATA, RunDir

PLACEHOLDER = "perf"  # in --dry-run command lines when perf is not installed


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``profile`` to the ``perfharness`` subcommands."""
    parser = commands.add_parser(
        "profile", help="run a scenario under Linux perf: hotspots by region, module shares, a flame graph",
        description="Run `perfharness scenario run NAME` under `perf record -e cpu-clock -k CLOCK_MONOTONIC`, then "
                    "attribute every sample to the harness region open on its thread at its time: "
                    "hotspots.csv/json, stacks.folded and a Hotspots section in the report (docs/profiling.md).")
    add_scenario_options(parser, passed_on=True)
    parser.add_argument("--frequency", type=positive_int, default=perf.DEFAULT_FREQUENCY_HZ, metavar="HZ",
                        help=f"samples per second and CPU (default {perf.DEFAULT_FREQUENCY_HZ})")
    parser.add_argument("--call-graph", choices=perf.CALL_GRAPHS, default=None,
                        help="how perf walks stacks (default: dwarf on Python 3.12+, where Python frames can be "
                             "shown, else fp)")
    parser.add_argument("--perf", metavar="PATH", help="the perf executable (default: perf on PATH)")
    parser.add_argument("--dry-run", action="store_true", help="print the command lines; run nothing")
    add_store_option(parser, job=True)
    parser.set_defaults(handler=run_profile)


def _stop(child: Child) -> None:
    """Ask perf to stop: it then ends the scenario (SIGTERM: written, marked incomplete) and writes its data."""
    try:
        child.process.send_signal(signal.SIGINT)
    except ProcessLookupError:
        pass


def run_profile(args: argparse.Namespace) -> int:
    """Check, record, attribute, report; see the module docstring for the exit status."""
    scenario = load_scenario(args)
    executable = find_or_placeholder(lambda: perf.find_perf(args.perf), args.perf, args.dry_run, PLACEHOLDER)
    call_graph = args.call_graph or perf.default_call_graph()
    if args.dry_run:
        run_dir = RunDir(args.run_dir) if args.run_dir else RunDir.planned(args.out, scenario.name)
    else:
        version = perf.perf_version(executable)
        problem = perf.permission_problem()
        if problem:
            raise UsageError(f"perf may not sample here: {problem}")
        run_dir = RunDir.use(args.run_dir) if args.run_dir else RunDir.create(args.out, scenario.name)
    workload = [sys.executable, "-m", "perfharness", "scenario", "run", args.name, "--run-dir", str(run_dir),
                "--no-progress", "--no-store", *scenario_args(args.frames, args.overrides)]
    record = perf.record_command(executable, run_dir.file(PERF_DATA), workload, args.frequency, call_graph)
    if args.dry_run:
        for command in (record, perf.script_command(executable, run_dir.file(PERF_DATA))):
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
    if not (run_dir.file(PERF_DATA)).is_file():
        print(f"perfharness: error: {failure or 'perf wrote no data'} (run directory {run_dir})", file=sys.stderr)
        return failure.exit_code if failure else 1
    recording = {"frequency_hz": args.frequency, "call_graph": call_graph, "version": version, "command": record}
    try:
        _print_summary(run_dir, analyse(executable, run_dir, recording, interrupted or failure is not None))
    except UsageError as error:
        if failure is None and not interrupted:
            raise
        print(f"perfharness: note: the samples could not be attributed: {error}", file=sys.stderr)
    from perfharness.results.store.keep import keep_run_dir

    keep_run_dir(run_dir.path, args.store, args.no_store)
    if failure:
        print(f"perfharness: error: {failure} (run directory {run_dir})", file=sys.stderr)
        return failure.exit_code
    if interrupted:
        print(f"perfharness: interrupted; what was recorded is attributed in {run_dir}, marked incomplete",
              file=sys.stderr)
        return EXIT_INTERRUPTED
    return 0


def _print_summary(run_dir: RunDir, summary: dict[str, Any]) -> None:
    loop = summary["frame_loop"]
    share = loop["attributed_share"]
    print(f"{summary['samples']} samples, {summary['process_samples']} of the scenario's process"
          + (f"; {share:.0%} of those during the frames attributed to a region" if share is not None else ""))
    for region in summary["regions"][:8]:
        groups = ", ".join(f"{group} {value:.0%}" for group, value in list(region["modules"].items())[:3])
        print(f"  {region['region']:<40} {region['cpu_s']:8.3f} s CPU  {region['share_of_process']:5.1%}  {groups}")
    print(f"run directory: {run_dir}")
    print(f"hotspots:      {run_dir.file(HOTSPOTS_CSV)}")
    print(f"flame graph:   {run_dir.file(FOLDED)} (collapsed stacks: speedscope, flamegraph.pl)")
