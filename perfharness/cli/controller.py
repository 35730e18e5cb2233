"""``perfharness controller``: the gaze pointer controller, for manual tests."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from perfharness.core.argtypes import (
    input_spec,
    non_negative_int,
    output_file,
    positive_int,
    sampling_rate_hz,
    variant_pair,
)
from perfharness.core.errors import EXIT_INTERRUPTED
from perfharness.core.outputs import check_outputs

if TYPE_CHECKING:
    from perfharness.run.settings import RunSettings


def _given_settings(args: argparse.Namespace) -> dict[str, Any]:
    """The RunSettings fields the command line sets: the options given (their parser default is None)."""
    given = {
        "model_set": args.model_set, "precision": args.precision and args.precision.upper(), "device": args.device,
        "threads": args.threads, "inference_precision": args.inference_precision,
        "tracking": None if args.detect_every_frame is None else not args.detect_every_frame,
        "eye_batch": args.eye_batch, "in_flight": args.in_flight, "face_policy": args.face_policy,
        "variants": None if args.variant is None else tuple(args.variant),
    }
    return {name: value for name, value in given.items() if value is not None}


def _settings(args: argparse.Namespace) -> RunSettings:
    """The run's settings: ``--config``'s (its note, if any, on stderr), the options given overriding
    them (``--variant MODEL=NAME`` that model's variant only); without ``--config``, the options
    given over RunSettings' defaults."""
    from perfharness.run.settings import RunSettings

    given = _given_settings(args)
    if args.config is None:
        return RunSettings(**given)
    from perfharness.run.config_file import load_config

    settings, note, _ = load_config(args.config)
    if note:
        print(f"perfharness: {note}", file=sys.stderr, flush=True)
    if "variants" in given:
        given["variants"] = tuple({**dict(settings.variants), **dict(given["variants"])}.items())
    return dataclasses.replace(settings, **given)


def _controller(args: argparse.Namespace) -> int:
    settings = _settings(args)  # a bad --config is refused before anything is opened or written
    check_outputs({"--save": args.save, "--trace": args.trace, "--resources": args.resources,
                   "--frames-csv": args.frames_csv},
                  {"--input": Path(args.input), "--calibration": args.calibration, "--config": args.config})
    if args.trace and not args.no_itt:
        from perfharness.instrument.capture import attach_collector

        attach_collector(args.trace)
    from perfharness.app.controller import ControllerOptions, report, run_controller
    from perfharness.gaze.overlay import parse_layers

    options = ControllerOptions(
        input=args.input, settings=settings, mouse=args.mouse, show=parse_layers(args.show), save=args.save,
        max_frames=args.max_frames, window=not args.no_window, calibration=args.calibration, trace=args.trace,
        resources=args.resources, resources_interval_s=1.0 / args.resources_hz, frames_csv=args.frames_csv,
        itt=not args.no_itt, warmup_frames=args.warmup_frames,
    )
    run = run_controller(options)
    print(report(run, options))
    return EXIT_INTERRUPTED if run.interrupted else 0


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``controller`` to the top-level subcommands."""
    controller = commands.add_parser("controller", help="run the gaze pointer controller (manual tests)")
    controller.add_argument("--input", type=input_spec, default="sample",
                            help="PATH (video or image), cam[:N], or sample (default; cycled past its 120 frames)")
    controller.add_argument("--config", type=Path, metavar="FILE",
                            help="run the configuration in FILE (`perfharness tune --out`); the options below that "
                                 "set run settings (--model-set ... --inference-precision), when given, override its values")
    # The run-settings options default to None: given or not is then plain (None: RunSettings' default, or --config's)
    controller.add_argument("--model-set", help="mediapipe (default) or omz")
    controller.add_argument("--precision", help="FP32 (default), FP16 or INT8")
    controller.add_argument("--device", help="OpenVINO device (default CPU)")
    controller.add_argument("--variant", type=variant_pair, action="append", metavar="MODEL=NAME",
                            help="run MODEL as this lab variant (see `perfharness models list`) or precision (FP32, FP16, INT8); "
                                 "repeatable; with --config, replaces that model's variant only")
    controller.add_argument("--mouse", default="dry", choices=["real", "dry", "off"],
                            help="real moves the pointer; dry (default) records the moves; off")
    controller.add_argument("--show", default="face,landmarks,iris,pose,gaze",
                            help="overlay layers: face,landmarks,iris,pose,gaze (or all, none)")
    controller.add_argument("--save", type=output_file, help="write the annotated video here (.mp4 or .avi)")
    controller.add_argument("--max-frames", type=positive_int)
    controller.add_argument("--no-window", action="store_true", help="never open a window, even with a display")
    controller.add_argument("--calibration", type=Path, help="a calibration file (see `perfharness calibrate`)")
    controller.add_argument("--face-policy", choices=["largest", "best"],
                            help="which face to follow when there are several (default largest)")
    controller.add_argument("--trace", type=output_file, help="write a Chrome trace (Perfetto, chrome://tracing) of every region")
    controller.add_argument("--resources", type=output_file, help="write CPU/memory samples (CSV) taken by a psutil thread")
    controller.add_argument("--resources-hz", type=sampling_rate_hz, default=10.0, help="sampling rate (default 10)")
    controller.add_argument("--frames-csv", type=output_file, help="write one row per measured frame (results and region times)")
    controller.add_argument("--no-itt", action="store_true", help="emit no ITT task regions (on by default; free without a collector)")
    controller.add_argument("--warmup-frames", type=non_negative_int, default=0,
                            help="frames left out of the summary, with ITT collection paused until they are done")
    controller.add_argument("--detect-every-frame", action=argparse.BooleanOptionalAction,
                            help="run the face detector on every frame (default: only when tracking is lost; "
                                 "--no-detect-every-frame tracks even when --config says otherwise)")
    controller.add_argument("--eye-batch", type=int, choices=[1, 2],
                            help="eyes per iris inference (default 2: both eyes in one)")
    controller.add_argument("--in-flight", type=int, choices=[1, 2],
                            help="1 (default): each frame to its end; 2: the next frame's face stages overlap "
                                 "this frame's eyes on OpenVINO's async requests")
    controller.add_argument("--threads", type=positive_int, help="OpenVINO inference threads (default: its own choice)")
    controller.add_argument("--inference-precision", choices=["f32", "bf16", "f16"],
                            help="OpenVINO's INFERENCE_PRECISION_HINT (default f32 for FP32/FP16 models; "
                                 "bf16 runs on AMX or AVX512_BF16 where the CPU has them)")
    controller.set_defaults(handler=_controller)
