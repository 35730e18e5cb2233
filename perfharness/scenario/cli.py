"""``perfharness scenario list|run``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from perfharness.argtypes import positive_int

EXIT_CHECK_FAILED = 1
EXIT_INTERRUPTED = 130


def _list(args: argparse.Namespace) -> int:
    from perfharness.scenario import loader

    for name, path in loader.available().items():
        print(f"{name:<16} {loader.load(str(path)).description}  ({path})")
    return 0


def _run(args: argparse.Namespace) -> int:
    from perfharness.scenario import loader
    from perfharness.scenario.definition import variants, with_overrides
    from perfharness.scenario.rundir import create_run_dir
    from perfharness.scenario.runner import RunOptions, run_scenario

    scenario = with_overrides(loader.load(args.scenario), args.set)
    variants(scenario)  # refuse bad values before anything is created
    run_dir = args.run_dir or create_run_dir(args.out, scenario.name)
    run_dir.mkdir(parents=True, exist_ok=True)
    if not args.no_trace and not args.no_itt:
        from perfharness.instrument.capture import attach_collector

        attach_collector(run_dir / "trace.json")  # before OpenVINO's first ITT call
    print(f"run directory: {run_dir}", file=sys.stderr)
    metrics = run_scenario(scenario, RunOptions(
        run_dir=run_dir, frames=args.frames, trace=not args.no_trace, resources=not args.no_resources,
        itt=not args.no_itt, itt_pause_until_warmup=args.itt_pause_until_warmup, progress=not args.no_progress,
    ))
    for variant in metrics["variants"]:
        frame = variant["regions"].get("frame", {})
        print(f"{variant['label']:<40} {variant['frames']:>6} frames {variant['fps']:7.1f} fps  "
              f"frame p50 {frame.get('p50', 0) * 1e3:6.2f} ms p90 {frame.get('p90', 0) * 1e3:6.2f} ms  "
              f"dropped {variant['dropped_frames']}")
    failed = [check for check in metrics["checks"] if not check["passed"]]
    for check in metrics["checks"]:
        print(f"check {'PASS' if check['passed'] else 'FAIL'}: {check['name']}: {check['detail']}")
    print(f"report: {run_dir / 'report.html'}")
    if not metrics["complete"]:
        print("interrupted: the run directory holds what was measured, marked incomplete", file=sys.stderr)
        return EXIT_INTERRUPTED
    return EXIT_CHECK_FAILED if failed else 0


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``scenario list`` and ``scenario run`` to the top-level subcommands."""
    scenario = commands.add_parser("scenario", help="list and run workload scenarios")
    scenario_commands = scenario.add_subparsers(dest="scenario_command", required=True)
    scenario_commands.add_parser("list", help="the scenarios found and where").set_defaults(handler=_list)
    run = scenario_commands.add_parser("run", help="run a scenario into a run directory with its report")
    run.add_argument("scenario", help="a scenario name (see `scenario list`) or the path of a scenario script")
    run.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                     help="override a field; a comma-separated value sweeps it (e.g. --set precision=FP32,FP16)")
    run.add_argument("--frames", type=positive_int, help="measured frames per variant (overrides frames and duration)")
    run.add_argument("--out", type=Path, default=Path("reports"), help="where run directories go (default reports/)")
    run.add_argument("--run-dir", type=Path, help="use this run directory instead of a new one under --out")
    run.add_argument("--itt-pause-until-warmup", action="store_true",
                     help="pause ITT collection while models load and warm up (for vtune -start-paused)")
    run.add_argument("--no-trace", action="store_true")
    run.add_argument("--no-resources", action="store_true")
    run.add_argument("--no-itt", action="store_true")
    run.add_argument("--no-progress", action="store_true")
    run.set_defaults(handler=_run)
