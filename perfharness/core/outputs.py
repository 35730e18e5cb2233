"""Every file the harness writes, one policy.

- An output is a regular file or does not exist yet: a symbolic link, a device node, a FIFO or a
  folder in its place is refused (the harness never writes through a link or replaces a device).
- Outputs are checked before a run starts (``check_outputs``): each in a folder that exists and
  can be written, none the same file as an input, no two outputs on one path.
- Whole files are written atomically (``perfharness.core.atomic``: an unpredictable temporary
  name made with O_EXCL in the target's folder, then renamed); files written as a run goes
  (frames.csv, resources.csv) are opened with ``open_stream``, which never follows a link.
- A write that fails (read-only or full file system, I/O error) raises ``OutputError``: one line
  naming the file, exit status 1; the run that was writing is marked incomplete with the reason.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TextIO

from perfharness.core.errors import EXIT_FAILED, UsageError, one_line


class OutputError(Exception):
    """An output could not be written (read-only or full file system, I/O error); one line, exit 1."""

    exit_code = EXIT_FAILED


def _what(option: str | None, path: Path) -> str:
    return f"{option} {path}" if option else str(path)


def check_target(path: Path, option: str | None = None, make_folder: bool = False) -> Path:
    """``path`` as an output: absent or a regular file, not a link, in a folder that exists (or,
    with ``make_folder``, can be made) and can be written. UsageError (one line, naming ``option``)
    otherwise."""
    path = Path(path)
    what = one_line(_what(option, path))
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        info = None
    except (OSError, ValueError) as error:  # ValueError: a NUL in the name
        raise UsageError(one_line(f"{what}: {getattr(error, 'strerror', None) or error}")) from None
    if info is not None:
        if stat.S_ISLNK(info.st_mode):
            raise UsageError(f"{what}: is a symbolic link; give the file itself (outputs are never written through a link)")
        if stat.S_ISDIR(info.st_mode):
            raise UsageError(f"{what}: is a directory; give a file name")
        if not stat.S_ISREG(info.st_mode):
            raise UsageError(f"{what}: is not a regular file (a device, FIFO or socket is never written to)")
    folder = path.parent
    while make_folder and not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        raise UsageError(f"{what}: folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UsageError(f"{what}: folder {folder} is not writable")
    return path


def _identity(path: Path) -> tuple[int, int] | str:
    try:
        info = os.stat(path)
        return info.st_dev, info.st_ino
    except OSError:
        return str(Path(os.path.abspath(path)))


def check_outputs(outputs: Mapping[str, Path | None], inputs: Mapping[str, Path | None] = {}) -> None:
    """Check a run's outputs (option -> path, None: not asked for) before it starts: each a
    valid target (``check_target``), none the same file as one of ``inputs``, no two the same."""
    seen: dict[tuple[int, int] | str, str] = {}
    for option, path in inputs.items():
        if path is not None and Path(path).exists():
            seen[_identity(Path(path))] = option
    for option, path in outputs.items():
        if path is None:
            continue
        check_target(Path(path), option)
        key = _identity(Path(path))
        if key in seen:
            other = seen[key]
            kind = "the input" if other in inputs else "the output"
            raise UsageError(f"{option} {path}: is also {kind} {other}; give each output a file of its own")
        seen[key] = option


def output_error(path: Path, error: OSError) -> OutputError:
    """The OutputError for an OSError met writing ``path``."""
    reasons = {errno.ENOSPC: "no space left on the device", errno.EROFS: "read-only file system",
               errno.EDQUOT: "disk quota exceeded", errno.EIO: "input/output error"}
    return OutputError(one_line(f"cannot write {path}: {reasons.get(error.errno, error.strerror or str(error))}"))


@contextlib.contextmanager
def writing(path: Path) -> Iterator[None]:
    """Turn an OSError of a write into OutputError naming ``path``."""
    try:
        yield
    except OSError as error:
        raise output_error(path, error) from None


def open_stream(path: Path, option: str | None = None) -> TextIO:
    """A new text file at ``path`` for rows written as a run goes (line-buffered, UTF-8): created
    or truncated, never through a link (O_NOFOLLOW), and only a regular file."""
    path = Path(path)
    with writing(path):
        check_target(path, option)
        flags = os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC  # a FIFO never blocks us
        try:
            fd = os.open(path, flags, 0o644)
        except OSError as error:
            if error.errno in (errno.ELOOP, errno.ENXIO):
                raise UsageError(f"{_what(option, path)}: is not a regular file") from None
            raise
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise UsageError(f"{_what(option, path)}: is not a regular file")
        os.set_blocking(fd, True)
        os.ftruncate(fd, 0)
        return open(fd, "w", newline="", buffering=1, encoding="utf-8")
