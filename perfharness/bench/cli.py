"""The ``compare`` subcommand: exit 1 on any regression, 0 otherwise, 2 (UsageError) on unusable input."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from perfharness.bench.gates import DEFAULT_REFERENCE, parse_percent
from perfharness.errors import UsageError

EXIT_REGRESSION = 1


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``compare`` to the ``perfharness`` subcommands."""
    compare = commands.add_parser(
        "compare", help="gate a benchmark run against a baseline (exit 1 on a regression)",
        description="Compare two pytest-benchmark files (a path, or a saved run's name or number in "
                    ".benchmarks/) benchmark by benchmark; exit 1 on any regression.")
    compare.add_argument("baseline", help="the baseline run")
    compare.add_argument("candidate", help="the run to judge")
    compare.add_argument("--threshold", type=_threshold, metavar="PERCENT",
                         help="default threshold such as 5%% (over [tool.perfharness.gates] default; else 5%%)")
    compare.add_argument("--normalize", action="store_true",
                         help="divide every time by its own run's reference benchmark (machine drift)")
    compare.add_argument("--reference", default=DEFAULT_REFERENCE, metavar="NAME",
                         help=f"the reference benchmark (default {DEFAULT_REFERENCE})")
    compare.add_argument("--markdown", type=Path, metavar="FILE", help="also write the report as Markdown")
    compare.add_argument("--config", type=Path, metavar="FILE",
                         help="thresholds in [tool.perfharness.gates] (default ./pyproject.toml if present)")
    compare.add_argument("--confidence", type=_confidence, default=0.95, metavar="LEVEL",
                         help="confidence of the interval and the test (default 0.95)")
    compare.set_defaults(handler=run_compare)
    # argparse takes "-5%" for an option unless it looks like a negative number: let it reach
    # --threshold, which says what a threshold must be (this parser has no options like "-5")
    compare._negative_number_matcher = re.compile(r"^-\d*\.?\d+%?$")


def run_compare(args: argparse.Namespace) -> int:
    """Print the table (warnings on stderr), write the Markdown, return the exit status."""
    from perfharness.bench.compare import compare
    from perfharness.bench.gates import load_gates
    from perfharness.bench.report import format_markdown, format_table
    from perfharness.bench.storage import load_run
    from perfharness.atomic import atomic_write_bytes

    if args.markdown is not None and args.markdown.is_dir():
        raise UsageError(f"--markdown {args.markdown} is a directory; give the name of the file to write")
    gates = load_gates(args.config, args.threshold)
    comparison = compare(load_run(args.baseline), load_run(args.candidate), gates, confidence=args.confidence,
                         normalize=args.normalize, reference=args.reference)
    for warning in comparison.warnings:
        print(f"perfharness: warning: {warning}", file=sys.stderr)
    print(format_table(comparison), end="")
    if args.markdown:
        try:
            atomic_write_bytes(args.markdown, format_markdown(comparison).encode())
        except OSError as error:
            raise UsageError(f"{args.markdown}: cannot write ({error.strerror})") from None
    return EXIT_REGRESSION if comparison.count("regression") else 0


def _threshold(text: str) -> float:
    try:
        return parse_percent(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _confidence(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0.5 <= value < 1:
        raise argparse.ArgumentTypeError(f"a confidence is a number in [0.5, 1), such as 0.95; got {text!r}")
    return value
