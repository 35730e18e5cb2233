"""The ``perfharness`` console script: signals are handled before anything heavy is imported,
so Ctrl-C during start-up ends with one line and exit status 130, not a traceback."""

from __future__ import annotations

import sys

from perfharness.core import interrupts
from perfharness.core.errors import EXIT_INTERRUPTED


def main() -> int:
    interrupts.install()
    try:
        from perfharness.cli.main import main as cli_main
    except KeyboardInterrupt:
        print("perfharness: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    try:
        status = cli_main()
        interrupts.hold_until_exit()
    except KeyboardInterrupt:  # a signal as the command returned
        interrupts.hold_until_exit()
        print("perfharness: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    return EXIT_INTERRUPTED if status == 0 and interrupts.received() is not None else status
