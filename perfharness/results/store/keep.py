"""A job records itself in the store when it ends, without ever costing the run: its files are
written first and stay the truth; a store that cannot be reached (or refuses the row) costs one
line on stderr saying the row is missing and the command that adds it later."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from perfharness.core.errors import UsageError, one_line
from perfharness.results.store.connection import open_store
from perfharness.results.store.records import RunRecord
from perfharness.results.store.writer import save


def keep_run(make_record: Callable[[], RunRecord], source: Path, store: str | None, disabled: bool = False) -> int | None:
    """Store the run whose files are at ``source`` (``make_record`` reads them); its run id, or
    None when ``disabled`` (``--no-store``) or when the store failed (said in one line)."""
    if disabled:
        return None
    try:
        opened = open_store(store)
        try:
            run_id, _ = save(opened, make_record())
        finally:
            opened.close()
    except (UsageError, SQLAlchemyError, OSError) as error:
        print(one_line(f"perfharness: warning: this run's store row is missing ({error}); add it later with: "
                       f"perfharness store import {source}"), file=sys.stderr)
        return None
    print(f"perfharness: stored as run {run_id} in {opened}", file=sys.stderr)
    return run_id


def keep_run_dir(run_dir: Path, store: str | None, disabled: bool = False) -> int | None:
    """``keep_run`` for a run directory."""
    from perfharness.results.run_dir import RunDir
    from perfharness.results.store.records import from_run_dir

    return keep_run(lambda: from_run_dir(RunDir(run_dir)), Path(run_dir), store, disabled)
