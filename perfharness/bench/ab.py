"""``perfharness bench ab``: two variants run alternately, A B A B ..., each in fresh processes.

A variant is a git revision of the project (checked out into a temporary worktree, run with the
same interpreter, environment and model cache) or the current checkout, each with environment
assignments of its own (``PERFHARNESS_BENCH_SLOWDOWN=0.10``, a thread setting, ...). Pair k runs
one worker of A then one of B, both with the benchmarks in the k-th rotation, so drift of the
machine hits both alike (asv's ``continuous``); each side's workers are merged into one
pytest-benchmark file, and B is gated against A like ``perfharness compare``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from perfharness.bench.runner import Suite, check_selection, merge, run_worker, write_document
from perfharness.core.errors import UsageError


@dataclass(frozen=True)
class Variant:
    """One side: a revision (None: the current checkout as it is) and environment assignments."""

    label: str
    revision: str | None = None
    env: Mapping[str, str] = field(default_factory=dict)


def parse_assignment(text: str) -> tuple[str, str]:
    """``NAME=value`` -> (NAME, value); ValueError otherwise."""
    name, sep, value = text.partition("=")
    if not sep or not name or not name.replace("_", "").isalnum() or name[0].isdigit():
        raise ValueError(f"expected NAME=value with NAME an environment variable name, got {text!r}")
    return name, value


def _git(root: Path, *args: str) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(["git", "-C", str(root), *args], check=False, capture_output=True, text=True, timeout=120)
    except FileNotFoundError:
        raise UsageError("bench ab with revisions needs git on PATH") from None


def resolve_revision(root: Path, revision: str) -> str:
    """The commit ``revision`` names in the checkout at ``root``; UsageError when none."""
    done = _git(root, "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}")
    if done.returncode != 0 or not done.stdout.strip():
        raise UsageError(f"no revision {revision!r} in {root} (git rev-parse found no commit)")
    return done.stdout.strip()


def check_clean(root: Path) -> None:
    """Revisions are measured as committed: uncommitted changes to tracked files are refused, so
    that nobody measures HEAD believing their edits are in it."""
    done = _git(root, "status", "--porcelain", "--untracked-files=no")
    if done.returncode != 0:
        raise UsageError(f"{root} is not a git checkout: bench ab with revisions needs one")
    if done.stdout.strip():
        first = done.stdout.strip().splitlines()[0]
        raise UsageError(f"the checkout has uncommitted changes ({first.strip()} ...): commit or stash them, "
                         "or A/B them without revisions (--baseline-env / --candidate-env on the current checkout)")


@contextlib.contextmanager
def checkouts(root: Path, variants: list[Variant]) -> Iterator[list[Path]]:
    """The folder each variant runs from: a temporary worktree per revision, else ``root``;
    the worktrees are removed afterwards."""
    commits = {v.revision: resolve_revision(root, v.revision) for v in variants if v.revision}
    if commits:
        check_clean(root)
    folder = Path(tempfile.mkdtemp(prefix="perfharness-ab-"))
    made: list[Path] = []
    try:
        paths = []
        for variant in variants:
            if variant.revision is None:
                paths.append(root)
                continue
            path = folder / variant.label
            done = _git(root, "worktree", "add", "--detach", str(path), commits[variant.revision])
            if done.returncode != 0:
                raise UsageError(f"git worktree add {variant.revision} failed: {done.stderr.strip().splitlines()[-1:]}")
            made.append(path)
            paths.append(path)
        yield paths
    finally:
        for path in made:
            _git(root, "worktree", "remove", "--force", str(path))
        shutil.rmtree(folder, ignore_errors=True)


def run_ab(root: Path, variants: tuple[Variant, Variant], pairs: int, suite: Suite, out: Path,
           progress: Callable[[str], None]) -> tuple[Path, Path, int, bool]:
    """Run ``pairs`` A/B pairs into ``out/baseline.json`` and ``out/candidate.json``;
    (the two files, pairs run, whether all ran). KeyboardInterrupt keeps the pairs done."""
    documents: tuple[list[dict], list[dict]] = ([], [])
    complete = True
    with checkouts(root, list(variants)) as paths, tempfile.TemporaryDirectory(prefix="perfharness-ab-") as folder:
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise UsageError(f"--out {out}: cannot create it ({error.strerror})") from None
        sides = [dataclasses.replace(suite, root=path, env={**suite.env, **v.env}) for path, v in zip(paths, variants)]
        if suite.measure.deterministic:
            for side in sides:
                check_selection(side, Path(folder))
        try:
            for k in range(pairs):
                order = f"{k}/{pairs}"
                results = [run_worker(side, order, Path(folder), f"{variant.label}-{k + 1}")
                           for side, variant in zip(sides, variants)]
                for document, result in zip(documents, results):
                    document.append(result)
                progress(f"pair {k + 1}/{pairs}: {variants[0].label} and {variants[1].label} done")
        except KeyboardInterrupt:
            complete = False
    done = min(len(documents[0]), len(documents[1]))
    if not done:
        raise KeyboardInterrupt
    files = out / "baseline.json", out / "candidate.json"
    for path, side in zip(files, documents):
        write_document(path, merge(side[:done], pairs))
    return files[0], files[1], done, complete
