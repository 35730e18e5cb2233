"""``perfharness regressions``: change points over every comparable history series in the store;
exit 1 when a regression newer than ``--since`` exists (CI can gate on it)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from perfharness.cli.options import add_store_option
from perfharness.core.errors import EXIT_FAILED, UsageError


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``regressions`` to the ``perfharness`` subcommands."""
    parser = commands.add_parser(
        "regressions", help="change points over the store's history; exit 1 on a regression",
        description="Find change points in every comparable series (benchmark x machine fingerprint x "
                    "environment, one value per commit) with ruptures' PELT and a Mann-Whitney test of the "
                    "segments either side; report those slower by more than the benchmark's gate threshold "
                    "([tool.perfharness.gates]). Exit 1 when one is newer than --since (any, without it).")
    parser.add_argument("--json", action="store_true", help="print a JSON list of objects")
    parser.add_argument("--since", metavar="REV", help="only regressions at commits after REV (a sha or its prefix)")
    parser.add_argument("--machine", metavar="NAME", help="only this machine's series")
    parser.add_argument("--config", type=Path, metavar="FILE",
                        help="thresholds in [tool.perfharness.gates] (default ./pyproject.toml if present)")
    add_store_option(parser)
    parser.set_defaults(handler=run_regressions)


def run_regressions(args: argparse.Namespace) -> int:
    from perfharness.bench.gates import load_gates
    from perfharness.report.regressions import regressions, series
    from perfharness.results.store import open_store
    from perfharness.results.store.queries import points

    gates = load_gates(args.config, None)
    store = open_store(args.store)
    try:
        found_points = points(store, machine=args.machine, kinds=("bench", "scenario", "profile", "peer"))
    finally:
        store.close()
    order: dict[str, tuple] = {}
    for point in found_points:
        if point.commit:
            order[point.commit] = min(order.get(point.commit, point.order), point.order)
    since = _since(args.since, order) if args.since else None
    all_series = series(found_points)
    found = regressions(all_series, lambda s: gates.threshold(s.benchmark, s.first.fullname or s.benchmark,
                                                              s.first.group))
    newer = [r for r in found if since is None or (r.commit in order and order[r.commit] > order[since])]
    if args.json:
        print(json.dumps([r.as_json() for r in found], indent=1))
    else:
        _print_table(found, len(all_series))
    return EXIT_FAILED if newer else 0


def _since(rev: str, order: dict[str, tuple]) -> str:
    matches = [sha for sha in order if sha.startswith(rev.lower())]
    if len(matches) != 1:
        raise UsageError(f"--since {rev}: {'no commit' if not matches else 'several commits'} of that name in the store")
    return matches[0]


def _print_table(found, series_count: int) -> None:
    if not found:
        print(f"no regression in {series_count} series")
        return
    width = max(len("benchmark"), *(len(r.benchmark) for r in found))
    print(f"{'benchmark':<{width}}  {'machine':<14}  {'commit':<10}  {'ratio':>7}  {'p':>8}  before/after")
    for r in found:
        print(f"{r.benchmark:<{width}}  {r.machine:<14}  {r.commit[:10]:<10}  {r.ratio:>7.3f}  {r.p_value:>8.1e}  "
              f"{r.before}/{r.after} commits (threshold {r.threshold:.0%})")
