"""What the commands share: the parser with its one-line errors, and the options that name a
scenario to run (``scenario run``, ``vtune``, ``profile``), defined once."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from perfharness.core.argtypes import positive_int
from perfharness.core.errors import EXIT_USAGE

if TYPE_CHECKING:
    from perfharness.scenario.definition import Scenario

DEFAULT_OUT = Path("reports")


class Parser(argparse.ArgumentParser):
    """argparse with a one-line error (usage stays available with --help)."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def add_scenario_options(parser: argparse.ArgumentParser, *, run_dir: bool = True, passed_on: bool = False) -> None:
    """NAME, ``--set``, ``--frames``, ``--out`` (and ``--run-dir``): the scenario a command runs
    (``passed_on``: the command runs ``scenario run`` under a profiler, which gets them)."""
    via = " (passed on to `scenario run`)" if passed_on else ""
    parser.add_argument("name", metavar="NAME", help="a scenario name (see `scenario list`) or the path of a scenario script")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", dest="overrides",
                        help="override a field; a comma-separated value sweeps it (e.g. --set precision=FP32,FP16); "
                             "config=FILE takes the run settings of a configuration file, the other --set winning" + via)
    parser.add_argument("--frames", type=positive_int, metavar="N",
                        help="measured frames per variant (overrides frames and duration)" + via)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, metavar="DIR",
                        help=f"where run directories are created (default {DEFAULT_OUT}/)")
    if run_dir:
        parser.add_argument("--run-dir", type=Path, metavar="DIR", help="use this run directory instead of a new one under --out")


def load_scenario(args: argparse.Namespace) -> Scenario:
    """The scenario the options name, with its overrides and ``--frames``, every variant's values
    checked: an unknown scenario or a bad ``--set`` is refused before anything is found, made or run."""
    import dataclasses

    from perfharness.scenario import loader
    from perfharness.scenario.definition import variants, with_overrides

    scenario = with_overrides(loader.load(args.name), args.overrides)
    if scenario.config_file and scenario.config_file["note"]:  # --set config=FILE made on another machine
        print(f"perfharness: {scenario.config_file['note']}", file=sys.stderr, flush=True)
    if args.frames is not None:  # recorded as what ran: frames, no duration
        sweep = {key: values for key, values in scenario.sweep.items() if key not in ("frames", "duration_s")}
        scenario = dataclasses.replace(scenario, frames=args.frames, duration_s=None, sweep=sweep)
    variants(scenario)
    for option, folder in (("--out", args.out), ("--run-dir", getattr(args, "run_dir", None))):
        if folder is not None and folder.exists() and not folder.is_dir():
            from perfharness.core.errors import UsageError

            raise UsageError(f"{option} {folder}: is not a directory")
    return scenario


def add_store_option(parser: argparse.ArgumentParser, *, job: bool = False) -> None:
    """``--store URL`` (and, for a job that records itself when it ends, ``--no-store``)."""
    parser.add_argument("--store", metavar="URL",
                        help="the results store: sqlite:///PATH, a path, or postgresql://USER@HOST:PORT/DB "
                             "(default $PERFHARNESS_STORE, else ~/.local/share/perfharness/store.sqlite)")
    if job:
        parser.add_argument("--no-store", action="store_true", help="do not record this run in the results store")
