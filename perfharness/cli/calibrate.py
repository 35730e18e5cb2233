"""``perfharness calibrate``: 5- or 9-point gaze calibration on screen."""

from __future__ import annotations

import argparse

from perfharness.core.argtypes import non_negative_float, output_file, positive_int


def _calibrate(args: argparse.Namespace) -> int:
    from perfharness.app.calibrate import CalibrateOptions, calibrate

    calibrate(CalibrateOptions(out=args.out, input=args.input, points=args.points, samples_per_point=args.samples,
                               model_set=args.model_set, precision=args.precision, device=args.device,
                               settle_s=args.settle))
    print(f"calibration written to {args.out}; use it with `perfharness controller --calibration {args.out}`")
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``calibrate`` to the top-level subcommands."""
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
