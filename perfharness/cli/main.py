"""The ``perfharness`` command. Every bad input ends in one line on stderr and exit status 2."""

from __future__ import annotations

import argparse
import sys

from perfharness.cli import bench, calibrate, controller, models, peer, profile, scenario, vtune
from perfharness.cli.options import Parser
from perfharness.core import interrupts
from perfharness.core.errors import EXIT_INTERRUPTED, EXIT_USAGE, UsageError


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="perfharness", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    for command in (models, controller, calibrate, bench, scenario, vtune, profile, peer):
        command.register(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``perfharness`` console script. SIGTERM ends a run like Ctrl-C does:
    cleanly, with what was measured written and marked incomplete (``perfharness.core.interrupts``)."""
    interrupts.install()
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except UsageError as error:
        print(f"perfharness: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("perfharness: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
