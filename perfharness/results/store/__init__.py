"""The results store: every job's runs, across commits and machines (SQLAlchemy 2; a SQLite
file by default, PostgreSQL for a fleet; the schema kept by Alembic migrations).

A store row is a copy: the run directory (or the pytest-benchmark file) stays the truth, and
``perfharness store import`` can always make the row again from it."""

from perfharness.results.store.connection import Store, StoreError, open_store
from perfharness.results.store.records import RunRecord
from perfharness.results.store.writer import save

__all__ = ["RunRecord", "Store", "StoreError", "open_store", "save"]
