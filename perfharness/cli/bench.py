"""``compare``, ``bench run`` and ``bench ab``: exit 1 on any regression, 0 otherwise, 2 (UsageError)
on unusable input, 130 when interrupted (with what ran kept and judged)."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from perfharness.bench.gates import DEFAULT_REFERENCE, parse_percent
from perfharness.cli.options import add_store_option
from perfharness.core.argtypes import output_file, positive_float, positive_int
from perfharness.core.errors import EXIT_FAILED, EXIT_INTERRUPTED, UsageError
from perfharness.core.outputs import check_target, output_error
from perfharness.results import stamps

DEFAULT_PROCESSES = 5
DEFAULT_PAIRS = 5
DETERMINISTIC_PROCESSES = 2  # counts agree between processes: two show that they do
DETERMINISTIC_PAIRS = 1


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``compare`` and ``bench`` to the ``perfharness`` subcommands."""
    compare = commands.add_parser(
        "compare", help="gate benchmark runs against baseline runs (exit 1 on a regression)",
        description="Compare pytest-benchmark files (a path, or a saved run's name or number in .benchmarks/) "
                    "benchmark by benchmark; exit 1 on any regression. `compare BASELINE CANDIDATE` compares "
                    "two runs; `compare BASE1 BASE2 ... --vs CAND1 CAND2 ...` treats each file as one run "
                    "of its side, so the spread between runs is part of the verdict.",
        usage="%(prog)s BASELINE CANDIDATE | BASELINE... --vs CANDIDATE... [options]")
    compare.add_argument("runs", nargs="*", metavar="RUN", help="the baseline run(s) (and the candidate, without --vs)")
    compare.add_argument("--vs", nargs="+", metavar="RUN", help="the candidate run(s)")
    compare.add_argument("--last", type=positive_int, metavar="K",
                         help="each baseline given by name stands for its K most recent saved runs")
    compare.add_argument("--store", nargs="?", const="", metavar="URL",
                         help="the baseline is the --last K (default 5) newest comparable runs in the results store "
                              "(URL, else $PERFHARNESS_STORE, else the default store)")
    compare.add_argument("--machine", metavar="NAME", help="with --store: the machine's name (default: the candidate's)")
    _gate_options(compare)
    compare.set_defaults(handler=run_compare)
    _accept_negative_thresholds(compare)

    bench = commands.add_parser("bench", help="run the benchmark suites in fresh processes; A/B two variants")
    bench_commands = bench.add_subparsers(dest="bench_command", required=True)
    run = bench_commands.add_parser(
        "run", help="the suites in several worker processes, merged into one pytest-benchmark file",
        description="Run tests/benchmarks in N fresh worker processes (each a new interpreter with freshly "
                    "compiled models, benchmarks rotated between workers) and merge them into one "
                    "pytest-benchmark file that keeps which process each round came from.")
    run.add_argument("--processes", type=positive_int,
                     help=f"worker processes (default {DEFAULT_PROCESSES}; {DETERMINISTIC_PROCESSES} with a "
                          "deterministic --measure)")
    where = run.add_mutually_exclusive_group()
    where.add_argument("--save", metavar="NAME", help="save as .benchmarks/<machine>/NNNN_NAME.json (default: baseline)")
    where.add_argument("--json", type=output_file, metavar="FILE", help="write the merged file here instead")
    run.add_argument("--storage", type=Path, default=Path(".benchmarks"), metavar="DIR",
                     help="where --save puts runs (default .benchmarks)")
    _suite_options(run)
    add_store_option(run, job=True)
    run.set_defaults(handler=run_bench)

    ab = bench_commands.add_parser(
        "ab", help="run two variants alternately (A B A B ...) in fresh processes and gate B against A",
        description="Run the baseline and the candidate alternately, one fresh worker process each per pair, "
                    "then gate the candidate against the baseline. A variant is a git revision (checked out "
                    "into a temporary worktree) or the current checkout, each with environment assignments.")
    ab.add_argument("--baseline-rev", metavar="REV", help="the baseline's revision (default: the current checkout)")
    ab.add_argument("--candidate-rev", metavar="REV", help="the candidate's revision (default: the current checkout)")
    ab.add_argument("--baseline-env", action="append", default=[], type=_assignment, metavar="NAME=VALUE",
                    help="an environment assignment of the baseline (repeatable)")
    ab.add_argument("--candidate-env", action="append", default=[], type=_assignment, metavar="NAME=VALUE",
                    help="an environment assignment of the candidate (repeatable), e.g. PERFHARNESS_BENCH_SLOWDOWN=0.10")
    ab.add_argument("--pairs", type=positive_int,
                    help=f"A/B pairs (default {DEFAULT_PAIRS}; {DETERMINISTIC_PAIRS} with a deterministic --measure)")
    ab.add_argument("--out", type=Path, metavar="DIR",
                    help="where baseline.json and candidate.json go (default .benchmarks/ab-<UTC time>)")
    _suite_options(ab)
    _gate_options(ab)
    add_store_option(ab, job=True)
    ab.set_defaults(handler=run_ab)
    _accept_negative_thresholds(ab)


def _gate_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--threshold", type=_threshold, metavar="PERCENT",
                        help="default threshold such as 5%% (over [tool.perfharness.gates] default; else 5%%)")
    parser.add_argument("--normalize", action="store_true",
                        help="divide every time by its own process's reference benchmark (machine drift)")
    parser.add_argument("--reference", default=DEFAULT_REFERENCE, metavar="NAME",
                        help=f"the reference benchmark (default {DEFAULT_REFERENCE})")
    parser.add_argument("--markdown", type=Path, metavar="FILE", help="also write the report as Markdown")
    parser.add_argument("--config", type=Path, metavar="FILE",
                        help="thresholds in [tool.perfharness.gates] (default ./pyproject.toml if present)")
    parser.add_argument("--confidence", type=_confidence, default=0.95, metavar="LEVEL",
                        help="confidence of the interval and the test (default 0.95)")


def _suite_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-k", dest="keyword", metavar="EXPR", help="select benchmarks as pytest -k does")
    parser.add_argument("--min-rounds", type=positive_int, default=15, help="rounds per benchmark and process (default 15)")
    parser.add_argument("--max-time", type=positive_float, default=0.5,
                        help="seconds per benchmark and process, beyond the minimum rounds (default 0.5)")
    parser.add_argument("--measure", type=_measure, default="time", metavar="MEASURE",
                        help="time (default); instructions or cycles: counted under valgrind's callgrind, "
                             "deterministic (docs/benchmarking.md)")
    parser.add_argument("--interleave-reference", action="store_true",
                        help="time the reference network just before every round of the other benchmarks (the "
                             "time measure only; not calls under 100 us, nor the clip's passes), so that --normalize "
                             "divides each round by the machine's state at that moment; bench ab then gates "
                             "normalised")


def _accept_negative_thresholds(parser: argparse.ArgumentParser) -> None:
    # argparse takes "-5%" for an option unless it looks like a negative number: let it reach
    # --threshold, which says what a threshold must be (these parsers have no options like "-5")
    parser._negative_number_matcher = re.compile(r"^-\d*\.?\d+%?$")


def run_compare(args: argparse.Namespace) -> int:
    """Print the table (warnings on stderr), write the Markdown, return the exit status."""
    from perfharness.bench.storage import load_run, resolve_last

    if args.store is not None:
        return _gate_against_store(args)
    if args.vs is None and len(args.runs) != 2:
        raise UsageError(f"give BASELINE CANDIDATE, or BASELINE... --vs CANDIDATE... (got {len(args.runs)} runs "
                         "and no --vs)")
    base_specs, cand_specs = (args.runs, args.vs) if args.vs is not None else (args.runs[:1], args.runs[1:])
    if args.last:
        base_specs = [path for spec in base_specs for path in resolve_last(spec, args.last)]
    return _gate(args, [load_run(spec) for spec in base_specs], [load_run(spec) for spec in cand_specs])


def _gate_against_store(args: argparse.Namespace) -> int:
    """``compare --store [--machine M] --last K --vs CANDIDATE``."""
    from perfharness.bench.storage import MAX_FILE_BYTES, parse_run, resolve
    from perfharness.bench.store_baseline import store_baseline
    from perfharness.core.inputs import read_json

    if args.runs or not args.vs or len(args.vs) != 1:
        raise UsageError("with --store give no baseline runs and one candidate: compare --store --last K --vs CANDIDATE")
    path = resolve(args.vs[0])
    document = read_json(path, limit=MAX_FILE_BYTES)
    candidate = parse_run(document, path)
    baselines = store_baseline(candidate, document, args.last or 5, args.machine, args.store or None)
    print(f"perfharness: baseline: {len(baselines)} stored runs ({', '.join(str(b.path) for b in baselines)})",
          file=sys.stderr)
    return _gate(args, baselines, [candidate])


def _gate(args: argparse.Namespace, baselines: list, candidates: list) -> int:
    from perfharness.bench.compare import compare
    from perfharness.bench.gates import load_gates
    from perfharness.bench.report import format_markdown, format_table
    from perfharness.core.atomic import atomic_write_bytes

    if args.markdown is not None:
        check_target(args.markdown, "--markdown", make_folder=True)
    gates = load_gates(args.config, args.threshold)
    comparison = compare(baselines, candidates, gates, confidence=args.confidence, normalize=args.normalize,
                         reference=args.reference)
    for warning in comparison.warnings:
        print(f"perfharness: warning: {warning}", file=sys.stderr)
    print(format_table(comparison), end="")
    if args.markdown:
        try:
            atomic_write_bytes(args.markdown, format_markdown(comparison).encode())
        except OSError as error:
            raise output_error(args.markdown, error) from None
    return EXIT_FAILED if comparison.count("regression") else 0


def _progress(message: str) -> None:
    print(f"perfharness: {message}", file=sys.stderr, flush=True)


def run_bench(args: argparse.Namespace) -> int:
    """``bench run``: the merged file's path on stdout; 130 when interrupted (what ran is kept)."""
    from perfharness.bench.runner import WorkerFailed, bench_run, save_path, source_root

    suite = _suite(args, source_root())
    out = args.json or save_path(args.storage, args.save or "baseline")
    if args.json:
        check_target(args.json, "--json")  # before anything runs, not after
    try:
        _prepare(args.measure)
        processes = args.processes or (DETERMINISTIC_PROCESSES if args.measure.deterministic else DEFAULT_PROCESSES)
        path, complete = bench_run(suite, processes, out, _progress)
    except WorkerFailed as error:
        print(f"perfharness: error: {error}", file=sys.stderr)
        return 1
    print(path)
    from perfharness.bench.store_record import keep_benchmark_file

    keep_benchmark_file(path, args.store, args.no_store)
    if not complete:
        _progress("interrupted: the file holds the workers that finished")
        return EXIT_INTERRUPTED
    return 0


def run_ab(args: argparse.Namespace) -> int:
    """``bench ab``: run the pairs, then gate the candidate against the baseline."""
    from perfharness.bench.ab import Variant
    from perfharness.bench.ab import run_ab as run_pairs
    from perfharness.bench.runner import WorkerFailed, source_root
    from perfharness.bench.storage import load_run

    root = source_root()
    variants = (Variant("baseline", args.baseline_rev, dict(args.baseline_env)),
                Variant("candidate", args.candidate_rev, dict(args.candidate_env)))
    if variants[0] == Variant("baseline") and variants[1] == Variant("candidate"):
        raise UsageError("the two variants are the same: give a revision or environment assignments for at least one")
    out = args.out or Path(".benchmarks") / f"ab-{stamps.compact()}"
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out}: is not a directory")
    suite = _suite(args, root)
    args.normalize = args.normalize or args.interleave_reference
    planned = args.pairs or (DETERMINISTIC_PAIRS if args.measure.deterministic else DEFAULT_PAIRS)
    try:
        _prepare(args.measure)
        baseline, candidate, pairs, complete = run_pairs(root, variants, planned, suite, out, _progress)
    except WorkerFailed as error:
        print(f"perfharness: error: {error}", file=sys.stderr)
        return 1
    from perfharness.bench.store_record import keep_benchmark_file

    for side in (baseline, candidate):
        keep_benchmark_file(side, args.store, args.no_store, name=f"ab-{side.stem}")
    status = _gate(args, [load_run(str(baseline))], [load_run(str(candidate))])
    if not complete:
        _progress(f"interrupted after {pairs} of {planned} pairs: judged on those (files in {out})")
        return EXIT_INTERRUPTED
    return status


def _suite(args: argparse.Namespace, root: Path):
    """The suite the options of ``bench run`` or ``bench ab`` ask for; UsageError when they clash."""
    from perfharness.bench.runner import Suite

    if args.interleave_reference and args.measure.deterministic:
        raise UsageError(f"--interleave-reference follows the machine's speed, which {args.measure.name} do not "
                         "depend on: drop it or measure time")
    return Suite(root, args.keyword, args.min_rounds, args.max_time, measure=args.measure,
                 interleave_reference=args.interleave_reference)


def _prepare(measure) -> None:
    """A deterministic measure's tools (valgrind, the helper) checked before anything runs."""
    if measure.deterministic:
        from perfharness.bench.callgrind import prepare

        prepare()


def _measure(text: str):
    from perfharness.bench.measure import parse_measure

    try:
        return parse_measure(text)
    except UsageError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _assignment(text: str) -> tuple[str, str]:
    from perfharness.bench.ab import parse_assignment

    try:
        return parse_assignment(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


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
