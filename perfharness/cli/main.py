"""The ``perfharness`` command. Every bad input ends in one line on stderr and exit status 2."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import NoReturn

from perfharness.cli.bench import register as register_compare
from perfharness.cli.lab import register_models
from perfharness.cli.profile import register as register_profile
from perfharness.cli.scenario import register as register_scenario
from perfharness.cli.vtune import register as register_vtune
from perfharness.core import interrupts
from perfharness.core.argtypes import (
    input_spec,
    non_negative_float,
    non_negative_int,
    output_file,
    positive_int,
    sampling_rate_hz,
)
from perfharness.core.errors import EXIT_INTERRUPTED, EXIT_USAGE, UsageError


def _models_list(args: argparse.Namespace) -> int:
    from perfharness.zoo.manifest import load_manifest

    for name, model_set in load_manifest().sets.items():
        print(f"{name}: {model_set.description} [{model_set.licence}; {', '.join(model_set.precisions)}]")
        for spec in model_set.models.values():
            print(f"  {spec.name:<15} {spec.member or f'omz_downloader {spec.omz_name}'}")
    return 0


def _models_fetch(args: argparse.Namespace) -> int:
    from perfharness import zoo

    for set_name in args.sets:
        for path in zoo.fetch(set_name, log=lambda message: print(message, file=sys.stderr)):
            print(path)
    return 0


def _models_verify(args: argparse.Namespace) -> int:
    from perfharness import zoo

    failures = 0
    for set_name in args.sets:
        for model, precision, problem in zoo.verify(set_name):
            print(f"{set_name}/{model} {precision}: {problem or 'ok'}")
            failures += problem is not None
    if failures:
        raise UsageError(f"{failures} model file(s) failed verification; run `perfharness models fetch`")
    return 0


def _models_path(args: argparse.Namespace) -> int:
    from perfharness import zoo

    print(zoo.model_path(args.set, args.model, args.precision))
    return 0


def _controller(args: argparse.Namespace) -> int:
    if args.trace and not args.no_itt:
        from perfharness.instrument.capture import attach_collector

        attach_collector(args.trace)
    from perfharness.app.controller import ControllerOptions, report, run_controller
    from perfharness.gaze.overlay import parse_layers

    options = ControllerOptions(
        input=args.input,
        model_set=args.model_set,
        precision=args.precision,
        device=args.device,
        mouse=args.mouse,
        show=parse_layers(args.show),
        save=args.save,
        max_frames=args.max_frames,
        window=not args.no_window,
        calibration=args.calibration,
        face_policy=args.face_policy,
        trace=args.trace,
        resources=args.resources,
        resources_interval_s=1.0 / args.resources_hz,
        frames_csv=args.frames_csv,
        itt=not args.no_itt,
        warmup_frames=args.warmup_frames,
        tracking=not args.detect_every_frame,
        eye_batch=args.eye_batch,
        in_flight=args.in_flight,
        threads=args.threads,
        inference_precision=args.inference_precision,
    )
    run = run_controller(options)
    print(report(run, options))
    return EXIT_INTERRUPTED if run.interrupted else 0


class _Parser(argparse.ArgumentParser):
    """argparse with a one-line error (usage stays available with --help)."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _calibrate(args: argparse.Namespace) -> int:
    from perfharness.app.calibrate import CalibrateOptions, calibrate

    calibrate(CalibrateOptions(out=args.out, input=args.input, points=args.points, samples_per_point=args.samples,
                               model_set=args.model_set, precision=args.precision, device=args.device,
                               settle_s=args.settle))
    print(f"calibration written to {args.out}; use it with `perfharness controller --calibration {args.out}`")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="perfharness", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

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
    path.add_argument("--precision", default="FP32")
    path.set_defaults(handler=_models_path)
    register_models(models_commands)

    controller = commands.add_parser("controller", help="run the gaze pointer controller (manual tests)")
    controller.add_argument("--input", type=input_spec, default="sample",
                            help="PATH (video or image), cam[:N], or sample (default; cycled past its 120 frames)")
    controller.add_argument("--model-set", default="mediapipe", help="mediapipe (default) or omz")
    controller.add_argument("--precision", default="FP32", help="FP32 (default), FP16 or INT8")
    controller.add_argument("--device", default="CPU")
    controller.add_argument("--mouse", default="dry", choices=["real", "dry", "off"],
                            help="real moves the pointer; dry (default) records the moves; off")
    controller.add_argument("--show", default="face,landmarks,iris,pose,gaze",
                            help="overlay layers: face,landmarks,iris,pose,gaze (or all, none)")
    controller.add_argument("--save", type=output_file, help="write the annotated video here (.mp4 or .avi)")
    controller.add_argument("--max-frames", type=positive_int)
    controller.add_argument("--no-window", action="store_true", help="never open a window, even with a display")
    controller.add_argument("--calibration", type=Path, help="a calibration file (see `perfharness calibrate`)")
    controller.add_argument("--face-policy", default="largest", choices=["largest", "best"],
                            help="which face to follow when there are several")
    controller.add_argument("--trace", type=output_file, help="write a Chrome trace (Perfetto, chrome://tracing) of every region")
    controller.add_argument("--resources", type=output_file, help="write CPU/memory samples (CSV) taken by a psutil thread")
    controller.add_argument("--resources-hz", type=sampling_rate_hz, default=10.0, help="sampling rate (default 10)")
    controller.add_argument("--frames-csv", type=output_file, help="write one row per measured frame (results and region times)")
    controller.add_argument("--no-itt", action="store_true", help="emit no ITT task regions (on by default; free without a collector)")
    controller.add_argument("--warmup-frames", type=non_negative_int, default=0,
                            help="frames left out of the summary, with ITT collection paused until they are done")
    controller.add_argument("--detect-every-frame", action="store_true",
                            help="run the face detector on every frame (default: only when tracking is lost)")
    controller.add_argument("--eye-batch", type=int, choices=[1, 2], default=2,
                            help="eyes per iris inference (default 2: both eyes in one)")
    controller.add_argument("--in-flight", type=int, choices=[1, 2], default=1,
                            help="1 (default): each frame to its end; 2: the next frame's face stages overlap "
                                 "this frame's eyes on OpenVINO's async requests")
    controller.add_argument("--threads", type=positive_int, help="OpenVINO inference threads (default: its own choice)")
    controller.add_argument("--inference-precision", choices=["f32", "bf16", "f16"],
                            help="OpenVINO's INFERENCE_PRECISION_HINT (default f32 for FP32/FP16 models; "
                                 "bf16 runs on AMX or AVX512_BF16 where the CPU has them)")
    controller.set_defaults(handler=_controller)

    calibrate = commands.add_parser("calibrate", help="5- or 9-point gaze calibration (needs a display)")
    calibrate.add_argument("--out", type=output_file, required=True, help="the calibration file to write (JSON)")
    calibrate.add_argument("--input", default="cam", help="cam[:N] (default cam), PATH, or sample")
    calibrate.add_argument("--points", type=int, default=9, choices=[5, 9])
    calibrate.add_argument("--samples", type=positive_int, default=15, help="gaze samples per target")
    calibrate.add_argument("--settle", type=non_negative_float, default=1.0, help="seconds to look at a target before sampling")
    calibrate.add_argument("--model-set", default="mediapipe")
    calibrate.add_argument("--precision", default="FP32")
    calibrate.add_argument("--device", default="CPU")
    calibrate.set_defaults(handler=_calibrate)

    register_compare(commands)
    register_scenario(commands)
    register_vtune(commands)
    register_profile(commands)
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
