"""``perfharness store``: import runs into the results store, list them, show one, export them."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from perfharness.cli.options import add_store_option
from perfharness.core.argtypes import positive_int
from perfharness.core.errors import UsageError

RUN_KINDS = ("bench", "scenario", "profile", "peer", "tune")


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``store`` (import, list, show, export) to the ``perfharness`` subcommands."""
    store = commands.add_parser("store", help="the results store: import runs, list, show, export",
                                description="The results store keeps every run across commits and machines "
                                            "(docs/store.md).")
    actions = store.add_subparsers(dest="store_command", required=True)
    do_import = actions.add_parser(
        "import", help="import pytest-benchmark files, run directories and tune's configuration files (the same one twice is one run)",
        description="Import pytest-benchmark JSON files (each with its own commit_info and machine_info; "
                    "machine_info.node names the machine) and run directories (manifest.json and metrics). "
                    "A folder that is no run directory is searched for both.")
    do_import.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    do_import.add_argument("--machine", metavar="NAME", help="the machine's name instead of the one the files give")
    add_store_option(do_import)
    do_import.set_defaults(handler=run_import)

    listing = actions.add_parser("list", help="the runs stored, newest first")
    listing.add_argument("--kind", choices=RUN_KINDS)
    listing.add_argument("--machine", metavar="NAME")
    listing.add_argument("--limit", type=positive_int, default=50, metavar="N", help="at most N runs (default 50)")
    add_store_option(listing)
    listing.set_defaults(handler=run_list)

    show = actions.add_parser("show", help="one run: where it ran, its commit and its results")
    show.add_argument("run_id", type=positive_int, metavar="RUN")
    show.add_argument("--json", action="store_true", help="as JSON (samples included)")
    add_store_option(show)
    show.set_defaults(handler=run_show)

    export = actions.add_parser("export", help="runs as JSON (results and samples included)")
    export.add_argument("run_ids", nargs="*", type=positive_int, metavar="RUN", help="these runs (default: all)")
    export.add_argument("--out", type=Path, metavar="FILE", help="write here instead of stdout")
    add_store_option(export)
    export.set_defaults(handler=run_export)


def _files(path: Path) -> list[Path]:
    """The run directories and JSON files a path stands for."""
    from perfharness.results.run_dir import MANIFEST

    if path.is_dir():
        if (path / MANIFEST).is_file():
            return [path]
        found = sorted({p.parent for p in path.rglob(MANIFEST)} | set(path.rglob("*.json")))
        found = [p for p in found if p.is_dir() or not (p.parent / MANIFEST).is_file()]
        if not found:
            raise UsageError(f"{path}: no run directory or pytest-benchmark file in it")
        return found
    if not path.exists():
        raise UsageError(f"{path}: no such file or directory")
    return [path]


def load_record(path: Path, machine: str | None = None):
    """The store record of a run directory, a pytest-benchmark file or a configuration file
    ``perfharness tune`` wrote; UsageError when it is none of them."""
    from perfharness.bench.storage import MAX_FILE_BYTES
    from perfharness.bench.store_record import benchmark_record
    from perfharness.core.inputs import read_json
    from perfharness.results.run_dir import RunDir
    from perfharness.results.store.records import from_run_dir

    if path.is_dir():
        return from_run_dir(RunDir(path), machine)
    try:
        document = read_json(path, limit=MAX_FILE_BYTES)
    except UsageError as error:
        raise UsageError(f"not a result (neither a run directory nor a pytest-benchmark JSON file): {error}") from None
    if isinstance(document, dict) and document.get("format") == "perfharness-config":
        from perfharness.tune.store_record import tune_record

        return tune_record(path, machine)
    if not isinstance(document, dict) or "benchmarks" not in document:
        raise UsageError(f"{path}: not a result (neither a run directory nor a pytest-benchmark JSON file)")
    return benchmark_record(document, path, machine=machine)


def run_import(args: argparse.Namespace) -> int:
    """Read every path first (a bad one stops the import before anything is stored), then store."""
    from perfharness.results.store import open_store, save

    records = [(path, load_record(path, args.machine)) for given in args.paths for path in _files(given)]
    store = open_store(args.store)
    try:
        for path, record in records:
            run_id, added = save(store, record)
            what = f"{record.kind} {record.name}, {record.machine_name}, {len(record.results)} results"
            print(f"{'imported' if added else 'already stored'}: run {run_id} ({what}): {path}")
    finally:
        store.close()
    return 0


def run_list(args: argparse.Namespace) -> int:
    from perfharness.results.store import open_store
    from perfharness.results.store.queries import runs
    from perfharness.results.store.records import as_utc

    store = open_store(args.store)
    try:
        found = runs(store, args.kind, args.machine, args.limit)
    finally:
        store.close()
    if not found:
        print(f"no runs in {store}", file=sys.stderr)
        return 0
    print(f"{'run':>5}  {'kind':<8}  {'started (UTC)':<20}  {'machine':<16}  {'commit':<10}  name")
    for run in found:
        commit = (run.commit.sha[:8] + ("+" if run.commit.dirty else "")) if run.commit else "-"
        print(f"{run.id:>5}  {run.kind:<8}  {as_utc(run.started).strftime('%Y-%m-%d %H:%M:%S'):<20}  "
              f"{run.machine.name:<16}  {commit:<10}  {run.name}")
    return 0


def run_show(args: argparse.Namespace) -> int:
    from perfharness.results.store import open_store
    from perfharness.results.store.queries import run_document, run_with_results

    store = open_store(args.store)
    try:
        document = run_document(run_with_results(store, args.run_id), samples=args.json)
    finally:
        store.close()
    if args.json:
        print(json.dumps(document, indent=1))
        return 0
    commit = document["commit"]
    print(f"run {document['id']}: {document['kind']} {document['name']} started {document['started']}"
          f"{'' if document['complete'] else ' (incomplete)'}")
    print(f"machine {document['machine']['name']} ({document['machine']['fingerprint'][:12]}): "
          + ", ".join(f"{k} {v}" for k, v in document["machine"]["facts"].items() if v not in (None, [])))
    print("environment: " + ", ".join(f"{k} {v}" for k, v in document["environment"]["facts"].items()))
    print(f"commit {commit['sha']}{' (dirty)' if commit['dirty'] else ''}" if commit else "commit unknown")
    print(f"from {document['run_dir'] or document['source']}")
    width = max([len("result")] + [len(r["name"]) for r in document["results"]])
    print(f"{'result':<{width}}  {'metric':<8}  {'count':>6}  {'p10':>10}  {'median':>10}  {'mean':>10}  unit")
    for r in document["results"]:
        scale, unit = (1e3, "ms") if r["unit"] == "s" else (1.0, r["unit"])
        cells = [f"{r[k] * scale:>10.4g}" if r[k] is not None else f"{'-':>10}" for k in ("p10", "median", "mean")]
        print(f"{r['name']:<{width}}  {r['metric']:<8}  {r['count']:>6}  {'  '.join(cells)}  {unit}")
    return 0


def run_export(args: argparse.Namespace) -> int:
    from perfharness.core.atomic import atomic_write_text
    from perfharness.results.store import open_store
    from perfharness.results.store.queries import run_document, run_with_results, runs

    store = open_store(args.store)
    try:
        ids = args.run_ids or [run.id for run in reversed(runs(store))]
        text = json.dumps({"store": str(store), "runs": [run_document(run_with_results(store, i)) for i in ids]},
                          indent=1) + "\n"
    finally:
        store.close()
    if args.out is None:
        sys.stdout.write(text)
        return 0
    try:
        atomic_write_text(args.out, text)
    except OSError as error:
        raise UsageError(f"{args.out}: cannot write ({error.strerror})") from None
    print(f"{len(ids)} runs: {args.out}")
    return 0
