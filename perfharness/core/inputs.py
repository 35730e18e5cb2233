"""Every file the harness reads as data, one policy: a regular file (never a FIFO, a device or a
folder: ``/dev/zero`` would be read forever, a FIFO would hang), at most a size limit, decoded
and checked against a schema (msgspec: types, ranges, finite numbers) in one step. Every
violation is one UsageError line naming the file and the field, exit status 2.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import Any, TypeVar

import msgspec

from perfharness.core.errors import UsageError, one_line

T = TypeVar("T")
MAX_BYTES = 64 * 2**20  # no file the harness reads as data is near this


def read_bytes(path: Path, limit: int = MAX_BYTES) -> bytes:
    """The bytes of the regular file ``path``, at most ``limit``; UsageError otherwise."""
    path = Path(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except FileNotFoundError:
        raise UsageError(one_line(f"{path}: no such file")) from None
    except OSError as error:
        if error.errno == errno.ENXIO:
            raise UsageError(one_line(f"{path}: not a regular file")) from None
        raise UsageError(one_line(f"{path}: cannot read ({error.strerror})")) from None
    except ValueError as error:  # a NUL in the name
        raise UsageError(one_line(f"{path}: cannot read ({error})")) from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            kind = "a directory" if stat.S_ISDIR(os.fstat(fd).st_mode) else "not a regular file"
            raise UsageError(one_line(f"{path}: {kind}"))
        chunks, size = [], 0
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                size_text = f"{limit // 2**20} MiB" if limit >= 2**20 else f"{limit // 1024} KiB"
                raise UsageError(one_line(f"{path}: larger than {size_text}; not a file of this kind"))
        return b"".join(chunks)
    except OSError as error:
        raise UsageError(one_line(f"{path}: cannot read ({error.strerror})")) from None
    finally:
        os.close(fd)


def decode_json(data: bytes, path: Path, schema: type[T] = Any) -> T:
    """``data`` (the content of ``path``) as JSON checked against ``schema``; UsageError naming
    the file and the field that is wrong."""
    try:
        return msgspec.json.decode(data, type=schema)
    except msgspec.ValidationError as error:
        raise UsageError(one_line(f"{path}: {error}")) from None
    except msgspec.DecodeError as error:
        raise UsageError(one_line(f"{path}: not valid JSON ({error})")) from None
    except RecursionError:
        raise UsageError(one_line(f"{path}: nested too deep; not a file of this kind")) from None


def read_json(path: Path, schema: type[T] = Any, limit: int = MAX_BYTES) -> T:
    """``path`` read (``read_bytes``) and decoded (``decode_json``)."""
    return decode_json(read_bytes(path, limit), Path(path), schema)


def read_toml(path: Path, schema: type[T] = Any, limit: int = MAX_BYTES) -> T:
    """``path`` read (``read_bytes``) as TOML checked against ``schema``; UsageError naming the file."""
    data = read_bytes(path, limit)
    try:
        return msgspec.toml.decode(data, type=schema)
    except msgspec.ValidationError as error:
        raise UsageError(one_line(f"{path}: {error}")) from None
    except (msgspec.DecodeError, RecursionError, ValueError) as error:
        raise UsageError(one_line(f"{path}: not valid TOML ({error})")) from None
