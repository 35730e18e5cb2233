"""``perfharness tune``: the chain's fastest configuration on this machine within an accuracy
budget (docs/tuning.md).

Exit status: 0 done; 2 bad input (a budget key or value, --out or --plot unusable, the models or
the sample clip not fetched), one line, before anything runs; 1 an output could not be written or
a worker failed on the default configuration, one line; 130 Ctrl-C or SIGTERM: the
configuration measured so far is written, marked incomplete (``tune.complete`` false).
"""

from __future__ import annotations

import argparse
import sys

from perfharness.cli.options import add_store_option
from perfharness.core.argtypes import output_file, search_seconds
from perfharness.core.errors import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, UsageError


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``tune`` to the ``perfharness`` subcommands."""
    parser = commands.add_parser(
        "tune", help="find this machine's fastest configuration of the chain within an accuracy budget",
        description="Search the chain's configuration on this machine (each model's variant: FP32, FP16, INT8, "
                    "lab variants; the inference precision hints the CPU runs natively; threads; streams; eye "
                    "batching; tracking; frames in flight) by coordinate descent with successive halving, timing "
                    "each candidate on the sample clip interleaved with the incumbent and checking its drift "
                    "from the FP32 chain on held-out frames. Writes the choice as a configuration file "
                    "(`controller --config`, `scenario run --set config=`, `peer --ours-config`), with the "
                    "Pareto front and everything measured in it, and a plot of the front.")
    parser.add_argument("--out", type=output_file, required=True, metavar="FILE",
                        help="the configuration file to write (JSON)")
    parser.add_argument("--max-time", type=search_seconds, default=300.0, metavar="S",
                        help="seconds the search may take, the final write aside (default 300)")
    parser.add_argument("--budget", action="append", default=[], metavar="KEY=VALUE",
                        help="the drift allowed, a mean over the held-out frames: iris_px (default 0.5), gaze_deg "
                             "(default 1), face_mismatch (share of frames, default 0.02), landmarks_px, "
                             "head_pose_deg; repeatable")
    parser.add_argument("--plot", type=output_file, metavar="PNG",
                        help="the front's plot (default: the --out file's name with .png)")
    parser.add_argument("--device", default="CPU", help="the OpenVINO device (default CPU)")
    add_store_option(parser, job=True)
    parser.set_defaults(handler=run_tune_command)


def parse_budget(assignments: list[str]) -> dict[str, float]:
    """The default budget with ``KEY=VALUE`` assignments applied; UsageError for an unknown key or a
    value that is not a finite number >= 0."""
    import math

    from perfharness.tune.drift import DEFAULT_BUDGET, METRICS

    budget = dict(DEFAULT_BUDGET)
    for assignment in assignments:
        key, equals, text = assignment.partition("=")
        key = key.strip()
        if not equals or key not in METRICS:
            raise UsageError(f"--budget {assignment!r}: expected KEY=VALUE with KEY one of {', '.join(METRICS)}")
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not math.isfinite(value) or value < 0:
            raise UsageError(f"--budget {key}={text}: expected a number >= 0")
        budget[key] = value
    return budget


def run_tune_command(args: argparse.Namespace) -> int:
    """Check the options, search, write; see the module docstring for the exit status."""
    from perfharness.core.children import ChildError
    from perfharness.core.outputs import check_outputs
    from perfharness.runtime.engine import check_device
    from perfharness.tune.job import TuneOptions, check_ready, run_tune

    budget = parse_budget(args.budget)
    plot = args.plot or args.out.with_suffix(".png")
    check_outputs({"--out": args.out, "--plot": plot})
    check_device(args.device)
    check_ready()
    options = TuneOptions(out=args.out, plot=plot, budget=budget, max_time_s=args.max_time, device=args.device)
    try:
        outcome = run_tune(options)
    except ChildError as error:  # the reference itself could not run (what was measured is written)
        print(f"perfharness: error: {error}", file=sys.stderr)
        return EXIT_FAILED
    print(outcome.text, end="")
    from perfharness.tune.store_record import keep_tune_file

    if outcome.failed:
        print(f"perfharness: error: {outcome.failed}", file=sys.stderr)
        return EXIT_FAILED
    keep_tune_file(args.out, args.store, args.no_store)
    if not outcome.complete:
        print(f"perfharness: interrupted; what was measured is in {args.out} (marked incomplete)", file=sys.stderr)
        return EXIT_INTERRUPTED
    return EXIT_OK

