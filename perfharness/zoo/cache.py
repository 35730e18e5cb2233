"""The model cache on disk: where it is, a cross-process lock, hashing."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

from perfharness.core.errors import UsageError

_READ_ONLY = (errno.EACCES, errno.EPERM, errno.EROFS)


def cache_root() -> Path:
    """``$PERFHARNESS_CACHE``, else ``$XDG_CACHE_HOME/perfharness``, else ``~/.cache/perfharness``."""
    explicit = os.environ.get("PERFHARNESS_CACHE")
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "perfharness"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _open_lock(path: Path) -> int | None:
    """A descriptor of the lock file, created if possible; None when it is absent and cannot be made."""
    try:
        return os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as error:
        if error.errno not in _READ_ONLY:
            raise
    try:
        return os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return None


@contextlib.contextmanager
def cache_lock(root: Path | None = None) -> Iterator[None]:
    """Hold an exclusive lock on the cache so two processes never fetch or convert at once.

    In a cache this process cannot write (read-only, another user's) the lock file is opened
    read-only (flock needs no write access), or skipped when it does not exist: this process can
    then only read, and files appear there by atomic rename, so reading unlocked is safe; a write
    it attempts fails with an OSError that ``cache_errors`` reports."""
    root = root or cache_root()
    root.mkdir(parents=True, exist_ok=True)
    fd = _open_lock(root / ".lock")
    if fd is None:
        yield
        return
    with os.fdopen(fd) as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextlib.contextmanager
def cache_errors() -> Iterator[None]:
    """Turn an OSError on the way into or out of the cache into a UsageError naming the file and the fix."""
    try:
        yield
    except OSError as error:
        root = cache_root()
        where = f" ({error.filename})" if error.filename and Path(error.filename) != root else ""
        raise UsageError(f"model cache {root}: {error.strerror or error}{where}; make it a writable folder "
                         "or point PERFHARNESS_CACHE at one") from None
