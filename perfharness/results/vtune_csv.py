"""VTune's CSV reports (``vtune -report ... -format csv``), read as VTune writes them."""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path

from perfharness.core.errors import UsageError

_TOOL_LINE_PREFIXES = ("vtune:", "amplxe:", "amplxe-cl:")  # VTune's own messages when stdout is captured


def _decode(data: bytes) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    return data.decode("utf-8-sig", errors="replace")


def _delimiter(header: str) -> str:
    for candidate in ("\t", ",", ";"):
        if candidate in header:
            return candidate
    return ","


def read_vtune_csv(path: str | Path) -> list[dict[str, str]]:
    """Rows of a ``vtune -report ... -format csv`` file as dicts keyed by its header row.

    Accepts what VTune writes: a comma, tab or semicolon delimiter (taken from the header row; VTune
    uses tabs unless ``-csv-delimiter`` says otherwise), a UTF-8 or UTF-16 byte-order mark, quoted
    fields, and ``vtune:`` tool messages or blank lines (stdout captured into the file) anywhere. A row
    longer than the header (the summary's nested tables, e.g. "Top Tasks") keeps its extra values
    under the keys ``"#4"``, ``"#5"``... (1-based column numbers); a shorter one gets ``""`` for the
    missing columns. An empty report gives ``[]``; a missing file is a UsageError.
    """
    path = Path(path)
    try:
        text = _decode(path.read_bytes())
    except FileNotFoundError:
        raise UsageError(f"{path}: no such VTune report") from None
    except OSError as error:
        raise UsageError(f"{path}: cannot read ({error.strerror})") from None
    lines = [line for line in text.splitlines()
             if line.strip() and not line.lstrip().lower().startswith(_TOOL_LINE_PREFIXES)]
    if not lines:
        return []
    reader = csv.reader(io.StringIO("\n".join(lines) + "\n"), delimiter=_delimiter(lines[0]))
    header = [name.strip() for name in next(reader)]
    rows = []
    for values in reader:
        if not any(value.strip() for value in values):
            continue
        row = {name: (values[i] if i < len(values) else "") for i, name in enumerate(header)}
        row.update({f"#{i + 1}": value for i, value in enumerate(values) if i >= len(header)})
        rows.append(row)
    return rows
