"""The ``perfharness`` command. Every bad input ends in one line on stderr and exit status 2."""

from __future__ import annotations

import argparse
import errno
import sys

from perfharness.cli import (
    bench,
    calibrate,
    controller,
    history,
    models,
    peer,
    profile,
    publish,
    regressions,
    scenario,
    store,
    tune,
    vtune,
)
from perfharness.cli.options import Parser
from perfharness.core import interrupts
from perfharness.core.errors import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_USAGE, UsageError, one_line
from perfharness.core.outputs import OutputError


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="perfharness", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    for command in (models, controller, calibrate, bench, scenario, vtune, profile, peer, tune, store, history,
                    regressions, publish):
        command.register(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``perfharness`` console script. SIGTERM ends a run like Ctrl-C does:
    cleanly, with what was measured written and marked incomplete (``perfharness.core.interrupts``).
    Every error a user can cause ends in one line on stderr: bad input exit 2, an output that
    cannot be written (read-only or full disk) exit 1, an interrupt exit 130."""
    interrupts.install()
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except UsageError as error:
        return _error(str(error), EXIT_USAGE)
    except OutputError as error:
        return _error(str(error), EXIT_FAILED)
    except OSError as error:
        if error.errno not in UNWRITABLE:
            raise
        return _error(f"cannot write {error.filename or 'an output'}: {error.strerror}", EXIT_FAILED)
    except KeyboardInterrupt:
        print("perfharness: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


UNWRITABLE = (errno.ENOSPC, errno.EROFS, errno.EIO, errno.EDQUOT)  # a disk that cannot take the run's outputs


def _error(message: str, status: int) -> int:
    print(f"perfharness: error: {one_line(message)}", file=sys.stderr)
    return status
