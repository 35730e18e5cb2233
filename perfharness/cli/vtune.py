"""The ``vtune`` subcommand: run a scenario under Intel VTune Profiler and export its reports.

Exit status: 0 done (``--dry-run``: the command lines printed, with ``vtune`` in place of its path
when VTune is not installed); 2 bad usage (an unknown scenario or a bad ``--set``, refused before
anything is looked up or made), VTune not found, or an export that failed or wrote nothing (one
line on stderr, raised as UsageError); 1 the collection itself failed (VTune or the scenario
under it exited non-zero: one line with the last line it wrote on stderr); 130 interrupted (VTune
was asked to stop and finalize, and the reports were still exported when possible).
"""

from __future__ import annotations

import argparse
import shlex
import sys

from perfharness.cli.options import add_scenario_options, load_scenario
from perfharness.core.errors import EXIT_INTERRUPTED, UsageError
from perfharness.profilers import vtune
from perfharness.profilers.supervise import CollectionError, find_or_placeholder, scenario_args
from perfharness.results.run_dir import MANIFEST, VTUNE_BY_TASK, VTUNE_RESULT, VTUNE_SUMMARY, RunDir

PLACEHOLDER = "vtune"  # in --dry-run command lines when VTune is not installed


class _ArgsAfterDoubleDash:
    """Parser mixin: everything after the first ``--`` is stored, untouched, in ``vtune_args``.

    A ``nargs="*"`` positional cannot do it on Python 3.11: argparse fills it (empty) together with
    NAME, so ``vtune NAME --out DIR -- -knob x=y`` would fail with "unrecognized arguments".
    """

    def parse_known_args(self, args=None, namespace=None):
        args = list(sys.argv[1:] if args is None else args)
        tail: list[str] = []
        if "--" in args:
            cut = args.index("--")
            args, tail = args[:cut], args[cut + 1:]
        namespace, rest = super().parse_known_args(args, namespace)
        namespace.vtune_args = tail
        return namespace, rest


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``vtune`` to the ``perfharness`` subcommands."""
    parser = commands.add_parser(
        "vtune", help="run a scenario under Intel VTune Profiler and export its reports (CSV)",
        description="Run `perfharness scenario run NAME` under `vtune -collect`, starting paused (the scenario "
                    "resumes collection after its warm-up frames), then export the summary and the hotspots "
                    "by ITT task as CSV into the run directory. Extra vtune options go after `--`.",
        usage="%(prog)s [options] NAME [-- extra vtune args]")
    parser.__class__ = type(f"Vtune{type(parser).__name__}", (_ArgsAfterDoubleDash, type(parser)), {})
    add_scenario_options(parser, run_dir=False, passed_on=True)
    parser.add_argument("--analysis", default="hotspots", choices=vtune.ANALYSES,
                        help="the VTune analysis (default hotspots)")
    parser.add_argument("--vtune", metavar="PATH",
                        help="the vtune executable or its install folder (default: PATH, $VTUNE_PROFILER_DIR, "
                             "the usual oneAPI folders)")
    parser.add_argument("--dry-run", action="store_true", help="print the exact command lines; run nothing")
    parser.set_defaults(handler=run_vtune, vtune_args=[])


def run_vtune(args: argparse.Namespace) -> int:
    """Check the scenario, find vtune, collect, export; see the module docstring for the exit status."""
    from perfharness.report import write_reports
    scenario = load_scenario(args)
    executable = find_or_placeholder(lambda: vtune.find_vtune(args.vtune), args.vtune, args.dry_run, PLACEHOLDER)
    run_dir = (RunDir.planned if args.dry_run else RunDir.create)(args.out, scenario.name)
    collect = vtune.collect_command(executable, args.analysis, run_dir, args.name,
                                    scenario_args=scenario_args(args.frames, args.overrides), vtune_args=args.vtune_args)
    exports = vtune.report_commands(executable, run_dir)
    if args.dry_run:
        for command in (collect, *exports):
            print(shlex.join(command))
        return 0

    print(f"perfharness: {shlex.join(collect)}", file=sys.stderr, flush=True)
    try:
        interrupted = vtune.run_collection(collect, vtune.stop_command(executable, run_dir))
    except CollectionError as error:
        print(f"perfharness: error: {error} (run directory {run_dir})", file=sys.stderr)
        return error.exit_code
    if interrupted:
        try:
            vtune.export_reports(executable, run_dir)
        except UsageError as error:
            print(f"perfharness: interrupted; reports not exported: {error}", file=sys.stderr)
        else:
            print(f"perfharness: interrupted; VTune result and reports kept in {run_dir}", file=sys.stderr)
        return EXIT_INTERRUPTED
    summary, by_task = vtune.export_reports(executable, run_dir)
    if run_dir.file(MANIFEST).exists():  # the report, again, now with VTune's tables
        run_dir.record_outputs({VTUNE_RESULT: "written", VTUNE_SUMMARY: "written", VTUNE_BY_TASK: "written"},
                               vtune={"analysis": args.analysis, "command": collect})
        write_reports(run_dir)
    print(f"run directory: {run_dir}")
    print(f"VTune result:  {vtune.result_dir(run_dir)} (open it with vtune-gui)")
    print(f"summary:       {summary}")
    print(f"by task:       {by_task}")
    return 0
