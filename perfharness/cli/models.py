"""``perfharness models``: list, fetch, verify and locate models (the zoo), and the lab's
complexity, layers, quantize, prune, compress, distill and compare-precisions."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

from perfharness.core.argtypes import positive_float, positive_int
from perfharness.core.errors import UsageError


def _models_list(args: argparse.Namespace) -> int:
    from perfharness.zoo import variants
    from perfharness.zoo.manifest import load_manifest

    for name, model_set in load_manifest().sets.items():
        print(f"{name}: {model_set.description} [{model_set.licence}; {', '.join(model_set.precisions)}]")
        for spec in model_set.models.values():
            print(f"  {spec.name:<15} {spec.member or f'omz_downloader {spec.omz_name}'}")
        for variant in variants.listing(name):
            record = variant.record()
            made = ", ".join(f"{key}={value}" for key, value in record.get("parameters", {}).items()
                             if isinstance(value, (int, float, str)) and len(str(value)) < 40)
            print(f"  variant {variant.name:<20} of {variant.model:<15} {record.get('method', '?')} ({made})")
    return 0


def _models_fetch(args: argparse.Namespace) -> int:
    from perfharness import zoo
    from perfharness.gaze.sources import rendered_sample

    for set_name in args.sets:
        for path in zoo.fetch(set_name, log=lambda message: print(message, file=sys.stderr)):
            print(path)
    clip = rendered_sample(zoo.media_file(), repair=True)  # from the fetched photo; None: a read-only cache
    if clip is not None:
        print(clip)
    return 0


def _models_verify(args: argparse.Namespace) -> int:
    from perfharness import zoo
    from perfharness.gaze.sources import sample_clip_problem

    failures = 0
    for set_name in args.sets:
        for model, precision, problem in zoo.verify(set_name):
            print(f"{set_name}/{model} {precision}: {problem or 'ok'}")
            failures += problem is not None
    problem = sample_clip_problem()
    print(f"sample clip (rendered): {problem or 'ok'}")
    failures += problem is not None
    if failures:
        raise UsageError(f"{failures} model file(s) failed verification; run `perfharness models fetch`")
    return 0


def _models_path(args: argparse.Namespace) -> int:
    from perfharness import zoo

    print(zoo.model_path(args.set, args.model, args.precision))
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``models`` and its subcommands to the top-level subcommands."""
    models = commands.add_parser("models", help="fetch, list, verify and locate models")
    models_commands = models.add_subparsers(dest="models_command", required=True)
    models_commands.add_parser("list", help="model sets and their sources").set_defaults(handler=_models_list)
    fetch = models_commands.add_parser("fetch", help="download (pinned, sha256-checked) and convert a model set")
    fetch.add_argument("sets", nargs="*", default=["mediapipe"], help="model sets (default: mediapipe)")
    fetch.set_defaults(handler=_models_fetch)
    verify = models_commands.add_parser("verify", help="check every cached file against its sha256")
    verify.add_argument("sets", nargs="*", default=["mediapipe"])
    verify.set_defaults(handler=_models_verify)
    path = models_commands.add_parser("path", help="print the IR path of one model")
    path.add_argument("set")
    path.add_argument("model")
    path.add_argument("--precision", default="FP32", help="FP32 (default), FP16, INT8 or a lab variant's name")
    path.set_defaults(handler=_models_path)
    _register_lab(models_commands)


def _complexity(args: argparse.Namespace) -> int:
    from perfharness.lab.complexity import analyze, format_table
    from perfharness.lab.targets import resolve
    from perfharness.runtime.engine import read_model

    results = [analyze(read_model(path), label, path) for label, path in resolve(args.target, args.precision)]
    if args.json:
        print(json.dumps([result.as_dict() for result in results], indent=1))
    else:
        print("\n\n".join(format_table(result, args.all_layers) for result in results))
    return 0


def _layers(args: argparse.Namespace) -> int:
    from perfharness.core.errors import UsageError
    from perfharness.lab.layers import format_per_type, format_side_by_side, profile
    from perfharness.lab.targets import parse_precisions, resolve

    if args.plot is not None and args.plot.is_dir():
        raise UsageError(f"--plot {args.plot} is a directory; give the name of the PNG file to write")
    precisions = parse_precisions(args.precisions)
    per_precision = [resolve(args.model, precision) for precision in precisions]
    if len(per_precision[0]) != 1:
        raise UsageError(f"`models layers` profiles one model; {args.model!r} names {len(per_precision[0])} (give SET/MODEL)")
    profiles = [profile(paths[0][1], precision, args.runs, args.device, paths[0][0])
                for precision, paths in zip(precisions, per_precision)]
    if args.json:
        print(json.dumps([p.as_dict() for p in profiles], indent=1))
    else:
        print(format_side_by_side(profiles, args.top))
        print(format_per_type(profiles))
    if args.plot:
        from perfharness.lab.layers_plot import write_layers_plot

        write_layers_plot(profiles, args.top, args.plot)
    return 0


def _quantize(args: argparse.Namespace) -> int:
    import sys

    from perfharness.lab.quantize import quantize_set

    for set_name in args.sets:
        for path in quantize_set(set_name, log=lambda message: print(message, file=sys.stderr)):
            print(path)
    return 0


def _compare_precisions(args: argparse.Namespace) -> int:
    from perfharness.core.errors import UsageError
    from perfharness.lab.precisions import compare, format_table
    from perfharness.lab.targets import parse_precisions
    from perfharness.zoo import variants
    from perfharness.zoo.manifest import load_manifest

    if args.set != "mediapipe":
        load_manifest().model_set(args.set)
        raise UsageError(f"compare-precisions runs the mediapipe chain; {args.set!r} is not supported yet")
    model_set = load_manifest().model_set(args.set)
    precisions = [variants.precision_or_variant(p, model_set) for p in parse_precisions(args.precisions)]
    for name in filter(variants.is_variant_name, precisions):
        if not variants.models_with(args.set, name):
            raise UsageError(f"no model of {args.set} has a variant {name!r} (see `perfharness models list`)")
    if precisions[0] != "FP32":
        raise UsageError("--precisions must start with FP32, the reference the drift is measured against")
    rows = compare(precisions)
    print(json.dumps([asdict(row) for row in rows], indent=1) if args.json else format_table(rows, args.markdown))
    return 0


def _register_lab(models_commands: argparse._SubParsersAction) -> None:
    """Add the lab subcommands to the ``models`` subparsers of the ``perfharness`` parser."""
    complexity = models_commands.add_parser("complexity", help="parameters, MACs, FLOPs, bytes and an energy model per layer")
    complexity.add_argument("target", nargs="?", default="mediapipe", help="SET, SET/MODEL, MODEL (of mediapipe) or an .xml IR")
    complexity.add_argument("--precision", default="FP32",
                            help="which IR to read: FP32 (default), FP16, INT8 or a lab variant's name")
    complexity.add_argument("--all-layers", action="store_true", help="also list the 0-FLOP data-movement ops")
    complexity.add_argument("--json", action="store_true")
    complexity.set_defaults(handler=_complexity)

    layers = models_commands.add_parser("layers", help="per-layer time (PERF_COUNT) across precisions vs this machine's peak")
    layers.add_argument("model", help="SET/MODEL, MODEL (of mediapipe) or an .xml IR")
    layers.add_argument("--precisions", default="FP32,FP16",
                        help="comma-separated precisions or lab variant names, e.g. FP32,FP16,INT8,pruned-0.3 (default FP32,FP16)")
    layers.add_argument("--top", type=positive_int, default=15, help="show the K slowest nodes (default 15)")
    layers.add_argument("--runs", type=positive_int, default=50, help="inferences to average (default 50)")
    layers.add_argument("--device", default="CPU")
    layers.add_argument("--json", action="store_true")
    layers.add_argument("--plot", type=Path, help="also write a bar chart of the slowest layers (PNG)")
    layers.set_defaults(handler=_layers)

    quantize = models_commands.add_parser("quantize", help="INT8 by NNCF post-training quantization on the sample clip")
    quantize.add_argument("sets", nargs="*", default=["mediapipe"], help="model sets (default: mediapipe)")
    quantize.set_defaults(handler=_quantize)

    compare = models_commands.add_parser("compare-precisions", help="size, load, latency and accuracy drift per model and precision")
    compare.add_argument("set", nargs="?", default="mediapipe", help="model set (default and only one so far: mediapipe)")
    compare.add_argument("--precisions", default="FP32,FP16,INT8",
                         help="comma-separated precisions or lab variant names, FP32 first (default FP32,FP16,INT8)")
    output = compare.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true")
    output.add_argument("--markdown", action="store_true", help="a Markdown table (as in docs/optimization.md)")
    compare.set_defaults(handler=_compare_precisions)
    _register_variant_makers(models_commands)


def _made(name: str, lines: list[str]) -> int:
    """Print what a variant maker made, ending with ``variant: NAME``."""
    print("\n".join(lines))
    print(f"variant: {name}")
    return 0


def _log(message: str) -> None:
    print(message, file=sys.stderr)


def _prune(args: argparse.Namespace) -> int:
    from perfharness.lab.prune import prune

    return _made(*prune(args.set, args.model, args.ratio, args.method, args.name, log=_log))


def _compress(args: argparse.Namespace) -> int:
    from perfharness.lab.cluster import compress

    return _made(*compress(args.set, args.model, args.clusters, args.name, log=_log))


def _distill(args: argparse.Namespace) -> int:
    from perfharness.lab.distill import distill

    return _made(*distill(args.set, args.model, args.max_time, args.width, args.video, args.name, log=_log))


def _register_variant_makers(models_commands: argparse._SubParsersAction) -> None:
    """``prune``, ``compress`` and ``distill``: each makes a variant in the model cache."""
    prune = models_commands.add_parser("prune", help="a pruned variant: whole channels (refit by least squares) or magnitude")
    compress = models_commands.add_parser("compress", help="a weight-shared variant: k-means clusters per layer (Deep Compression)")
    distill = models_commands.add_parser("distill", help="a smaller student trained on the teacher's outputs (needs torch)")
    for parser in (prune, compress, distill):
        parser.add_argument("set", help="model set (mediapipe)")
        parser.add_argument("model", help="a model of the set, e.g. iris_landmarks")
        parser.add_argument("--name", help="the variant's name (default: from the method and its parameters)")
    prune.add_argument("--ratio", type=float, required=True, help="fraction removed, strictly between 0 and 1")
    prune.add_argument("--method", default="channels", help="channels (structured, default) or magnitude")
    prune.set_defaults(handler=_prune)
    compress.add_argument("--clusters", type=positive_int, default=16, help="shared values per layer (default 16)")
    compress.set_defaults(handler=_compress)
    distill.add_argument("--max-time", type=positive_float, default=300.0, help="training time budget, s (default 300)")
    distill.add_argument("--width", type=positive_int, default=32, help="the student's narrowest layer width (default 32)")
    distill.add_argument("--video", type=Path, action="append", default=[],
                         help="also cut eye crops from this video (repeatable; the sample clip is always used)")
    distill.set_defaults(handler=_distill)
