"""The lab's subcommands through a `perfharness` parser extended by ``register_models``."""

from __future__ import annotations

import pytest

from perfharness.cli.lab import register_models
from perfharness.cli.main import build_parser


def lab_parser():
    """`perfharness` with the lab's subcommands under `models` (added here until cli.py registers them)."""
    parser = build_parser()
    models_commands = parser._subparsers._group_actions[0].choices["models"]._subparsers._group_actions[0]
    if "complexity" not in models_commands.choices:
        register_models(models_commands)
    return parser


def lab_main(*argv: str) -> int:
    args = lab_parser().parse_args(list(argv))
    return args.handler(args)


@pytest.mark.parametrize("command", ["complexity", "layers", "quantize", "compare-precisions"])
def test_every_subcommand_has_a_handler(command):
    argv = ["models", command] + (["iris_landmarks"] if command == "layers" else [])
    assert callable(lab_parser().parse_args(argv).handler)
