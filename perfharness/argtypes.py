"""argparse value types shared by the subcommands."""

from __future__ import annotations

import argparse
from collections.abc import Callable


def _bounded(convert: Callable[[str], float], kind: str, ok: Callable[[float], bool], bound: str):
    def parse(text: str):
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {kind}, got {text!r}") from None
        if not ok(value):
            raise argparse.ArgumentTypeError(f"expected a number {bound}, got {text}")
        return value

    return parse


positive_int = _bounded(int, "a whole number", lambda v: v >= 1, ">= 1")
non_negative_int = _bounded(int, "a whole number", lambda v: v >= 0, ">= 0")
positive_float = _bounded(float, "a number", lambda v: v > 0, "> 0")
