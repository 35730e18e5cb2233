"""``perfharness publish``: the store's history as a static dashboard (no server)."""

from __future__ import annotations

import argparse
from pathlib import Path

from perfharness.cli.options import add_store_option
from perfharness.core.errors import UsageError


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``publish`` to the ``perfharness`` subcommands."""
    parser = commands.add_parser(
        "publish", help="a static dashboard of the store's history (opens from the file system)",
        description="Write index.html (benchmarks x machines, sparklines, filters by machine and environment) "
                    "and a page per benchmark (series per machine, change points with their commit) into DIR.")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR", help="the folder to write the dashboard in")
    parser.add_argument("--machine", metavar="NAME", help="only this machine")
    parser.add_argument("--config", type=Path, metavar="FILE",
                        help="thresholds in [tool.perfharness.gates] (default ./pyproject.toml if present)")
    add_store_option(parser)
    parser.set_defaults(handler=run_publish)


def run_publish(args: argparse.Namespace) -> int:
    from perfharness.bench.gates import load_gates
    from perfharness.report.dashboard import publish
    from perfharness.report.regressions import series
    from perfharness.results.store import open_store
    from perfharness.results.store.queries import points

    if args.out.exists() and not args.out.is_dir():
        raise UsageError(f"--out {args.out}: is not a directory")
    gates = load_gates(args.config, None)
    store = open_store(args.store)
    try:
        found = series(points(store, machine=args.machine, kinds=("bench", "scenario", "profile", "peer")))
    finally:
        store.close()
    if not found:
        raise UsageError(f"store {store}: no results to publish")
    try:
        publish(found, args.out, lambda s: gates.threshold(s.benchmark, s.first.fullname or s.benchmark, s.first.group))
    except OSError as error:
        raise UsageError(f"--out {args.out}: cannot write ({error.strerror})") from None
    print(f"{len(found)} series: {args.out / 'index.html'}")
    return 0
