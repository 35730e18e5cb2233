"""``perfharness scenario list|run``."""

from __future__ import annotations

import argparse
import sys

from perfharness.cli.options import add_scenario_options, add_store_option, load_scenario
from perfharness.core import interrupts
from perfharness.core.errors import EXIT_FAILED, EXIT_INTERRUPTED, UsageError
from perfharness.results.run_dir import REPORT_HTML, RunDir


def _list(args: argparse.Namespace) -> int:
    from perfharness.scenario import loader

    found = loader.available()
    if not found:
        raise UsageError(f"no scenario scripts found (looked in {', '.join(str(p) for p in loader.searched())})")
    for name, path in found.items():
        print(f"{name:<16} {loader.load(str(path)).description}  ({path})")
    return 0


def _run(args: argparse.Namespace) -> int:
    from perfharness.scenario.runner import RunOptions, run_scenario

    scenario = load_scenario(args)
    metrics = run_scenario(scenario, RunOptions(
        out=args.out, run_dir=args.run_dir, trace=not args.no_trace, resources=not args.no_resources,
        itt=not args.no_itt, itt_pause_until_warmup=args.itt_pause_until_warmup, progress=not args.no_progress,
    ), announce=lambda run_dir: print(f"run directory: {run_dir}", file=sys.stderr, flush=True))
    for variant in metrics["variants"]:
        frame = variant["regions"].get("frame", {})
        print(f"{variant['name']:<40} {variant['frames']:>6} frames {variant['fps']:7.1f} fps  "
              f"frame p50 {frame.get('p50', 0) * 1e3:6.2f} ms p90 {frame.get('p90', 0) * 1e3:6.2f} ms  "
              f"dropped {variant['dropped_frames']}")
    failed = [check for check in metrics["checks"] if not check["passed"]]
    for check in metrics["checks"]:
        print(f"check {'PASS' if check['passed'] else 'FAIL'}: {check['name']}: {check['detail']}")
    run_dir = metrics["run_dir"]
    from perfharness.results.store.keep import keep_run_dir

    keep_run_dir(run_dir, args.store, args.no_store)
    print(f"report: {RunDir(run_dir).file(REPORT_HTML)}")
    if not metrics["complete"] or interrupts.received() is not None:
        print("interrupted: the run directory holds what was measured, marked incomplete"
              if not metrics["complete"] else "interrupted after every frame was measured: the run is complete",
              file=sys.stderr)
        return EXIT_INTERRUPTED
    return EXIT_FAILED if failed else 0


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``scenario list`` and ``scenario run`` to the top-level subcommands."""
    scenario = commands.add_parser("scenario", help="list and run workload scenarios")
    scenario_commands = scenario.add_subparsers(dest="scenario_command", required=True)
    scenario_commands.add_parser("list", help="the scenarios found and where").set_defaults(handler=_list)
    run = scenario_commands.add_parser("run", help="run a scenario into a run directory with its report")
    add_scenario_options(run)
    run.add_argument("--itt-pause-until-warmup", action="store_true",
                     help="pause ITT collection while models load and warm up (for vtune -start-paused)")
    run.add_argument("--no-trace", action="store_true")
    run.add_argument("--no-resources", action="store_true")
    run.add_argument("--no-itt", action="store_true")
    run.add_argument("--no-progress", action="store_true")
    add_store_option(run, job=True)
    run.set_defaults(handler=_run)
