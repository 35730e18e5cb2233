"""The lab's subcommands of `perfharness models`."""

from __future__ import annotations

import pytest

from perfharness.cli.main import build_parser


def lab_parser():
    return build_parser()


def lab_main(*argv: str) -> int:
    args = lab_parser().parse_args(list(argv))
    return args.handler(args)


@pytest.mark.parametrize("command", ["complexity", "layers", "quantize", "compare-precisions"])
def test_every_subcommand_has_a_handler(command):
    argv = ["models", command] + (["iris_landmarks"] if command == "layers" else [])
    assert callable(lab_parser().parse_args(argv).handler)
