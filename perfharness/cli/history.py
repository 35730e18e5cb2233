"""``perfharness history``: a benchmark over commits, per machine (a table, and a PNG plot)."""

from __future__ import annotations

import argparse
from pathlib import Path

from perfharness.cli.options import add_store_option
from perfharness.core.errors import UsageError


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``history`` to the ``perfharness`` subcommands."""
    parser = commands.add_parser(
        "history", help="a benchmark over commits, per machine (table and PNG plot)",
        description="Without BENCHMARK: one line per comparable series in the store. With it: its value "
                    "(the median over the runs at a commit of each run's p10) at every commit, per machine "
                    "and environment, change points marked; --plot writes the same as a PNG.")
    parser.add_argument("benchmark", nargs="?", metavar="BENCHMARK", help="a benchmark or region name")
    parser.add_argument("--machine", metavar="NAME", help="only this machine")
    parser.add_argument("--plot", type=Path, metavar="FILE", help="also write a PNG plot here")
    add_store_option(parser)
    parser.set_defaults(handler=run_history)


def run_history(args: argparse.Namespace) -> int:
    from perfharness.report.history import overview_table, plot, series_table
    from perfharness.report.regressions import series
    from perfharness.results.store import open_store
    from perfharness.results.store.queries import points

    store = open_store(args.store)
    try:
        found = series(points(store, args.benchmark, args.machine, kinds=("bench", "scenario", "profile", "peer")))
    finally:
        store.close()
    if not found:
        what = f"{args.benchmark!r}" if args.benchmark else "any benchmark"
        raise UsageError(f"store {store}: no results of {what}" + (f" on {args.machine}" if args.machine else ""))
    print(series_table(found) if args.benchmark else overview_table(found), end="")
    if args.plot:
        try:
            plot(found, args.plot)
        except OSError as error:
            raise UsageError(f"{args.plot}: cannot write ({error.strerror})") from None
        print(f"plot: {args.plot}")
    return 0
