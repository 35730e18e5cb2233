"""``perfharness peer``: MediaPipe's own Face Mesh solution against our controller on the same
decoded frames (docs/peer.md).

Exit status: 0 done; 2 bad input (an unreadable input, a bad option, ``--ours-config`` or ``--ours-set``, ``--out``
naming a file, a missing venv without ``--setup``), one line, refused before the workers start;
1 a worker or a set-up step failed, one line naming it; 130 Ctrl-C or SIGTERM: both workers
ended and nothing written (a signal that comes while the report is written waits for it).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from perfharness.cli.options import add_store_option
from perfharness.core.argtypes import input_spec, positive_int
from perfharness.core.errors import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, UsageError
from perfharness.peer.plan import MODES


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``peer`` to the ``perfharness`` subcommands."""
    parser = commands.add_parser(
        "peer", help="MediaPipe's own Face Mesh against our controller on the same frames (docs/peer.md)",
        description="Run MediaPipe's Face Mesh solution (mediapipe 0.10.21, in a hash-pinned venv of its own) and "
                    "our controller's chain on the same decoded frames, rounds alternating the sides, and report "
                    "the time per frame of each, the ratio with its bootstrap interval, and how far apart the two "
                    "put the iris centres and mesh landmarks: peer.json, peer.md (also on stdout), manifest.json.")
    parser.add_argument("--input", type=input_spec, default="sample",
                        help="sample (default: the 640x480 120-frame clip), a video or image path, cam[:N] "
                             "(needs --max-frames)")
    parser.add_argument("--max-frames", type=positive_int, metavar="N", help="at most N frames of the input")
    parser.add_argument("--rounds", type=positive_int, default=5, metavar="N",
                        help="rounds (default 5); each runs every mode on both sides")
    parser.add_argument("--modes", type=_modes, default=MODES, help="detect,tracking (default both)")
    parser.add_argument("--out", type=Path, metavar="DIR",
                        help="report folder (default reports/peer-<UTC time>/ under the current directory)")
    parser.add_argument("--venv", type=Path, metavar="DIR",
                        help="the MediaPipe venv (default: peer-mediapipe in the model cache, ~/.cache/perfharness "
                             "unless $PERFHARNESS_CACHE or $XDG_CACHE_HOME says otherwise)")
    parser.add_argument("--setup", action="store_true",
                        help="make the MediaPipe venv first when it is missing or was made from other requirements")
    parser.add_argument("--peer-python", metavar="PATH",
                        help="the Python 3.11 --setup makes the venv with (default: this python when it is 3.11, "
                             "else python3.11)")
    parser.add_argument("--ours-config", type=Path, metavar="FILE",
                        help="our side's run settings from a configuration file (`perfharness tune --out`), --ours-set "
                             "overriding them; the peer sets model_set, tracking and in_flight itself (a note says when "
                             "the file sets them otherwise)")
    parser.add_argument("--ours-set", action="append", default=[], metavar="KEY=VALUE",
                        help="a RunSettings field of our side, such as threads=1 or inference_precision=bf16 "
                             "(EngineConfig's num_threads, num_streams and performance_hint also accepted; an "
                             "unknown KEY is refused with the list); repeatable")
    add_store_option(parser, job=True)
    parser.set_defaults(handler=run_peer)


def _modes(text: str) -> tuple[str, ...]:
    modes = tuple(part.strip() for part in text.split(",") if part.strip())
    unknown = [mode for mode in modes if mode not in MODES]
    if not modes or unknown:
        raise argparse.ArgumentTypeError(f"expected modes from {', '.join(MODES)} (comma-separated), got {text!r}")
    return tuple(dict.fromkeys(modes))


def run_peer(args: argparse.Namespace) -> int:
    """Check the options, measure, render, write; see the module docstring for the exit status."""
    from perfharness.core.children import ChildError
    from perfharness.peer.driver import PeerOptions, default_out, measure, write_outputs
    from perfharness.peer.mediapipe_venv import default_venv
    from perfharness.peer.settings import ours_config, ours_settings
    from perfharness.report.peer import render_peer

    config = ours_config(args.ours_config) if args.ours_config is not None else None
    for note in config.notes if config else ():
        print(f"perfharness: {note}", file=sys.stderr, flush=True)
    settings = ours_settings(args.ours_set, config and config.settings)
    out = args.out or default_out()
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} is a file; give a folder")
    options = PeerOptions(out=out, venv=(args.venv or default_venv()).absolute(), settings=settings,
                          input=args.input, max_frames=args.max_frames, rounds=args.rounds, modes=args.modes,
                          setup=args.setup, peer_python=args.peer_python, ours_config=config and config.record)
    try:
        report = measure(options)
        markdown = render_peer(report)
        interrupted = write_outputs(out, report, markdown)
    except KeyboardInterrupt:
        print("perfharness: interrupted; nothing written", file=sys.stderr)
        return EXIT_INTERRUPTED
    except ChildError as error:
        print(f"perfharness: error: {error}", file=sys.stderr)
        return EXIT_FAILED
    from perfharness.results.store.keep import keep_run_dir

    keep_run_dir(out, args.store, args.no_store)
    if interrupted:
        print(f"perfharness: interrupted; the report was written to {out}", file=sys.stderr)
        return EXIT_INTERRUPTED
    print(markdown, end="")
    print(f"perfharness peer: written to {out} (peer.json, peer.md, manifest.json)", file=sys.stderr)
    return EXIT_OK
