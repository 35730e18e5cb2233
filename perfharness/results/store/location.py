"""Where the store is: ``--store URL``, else ``PERFHARNESS_STORE``, else a SQLite file in the
user's data directory (``$XDG_DATA_HOME/perfharness/store.sqlite``, by default
``~/.local/share/perfharness/store.sqlite``: results are data to keep, not a cache to clear).

A URL is ``sqlite:///PATH`` or ``postgresql://user:password@host:port/db`` (driven by psycopg 3);
a bare path is a SQLite file."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from perfharness.core.errors import UsageError

ENV = "PERFHARNESS_STORE"
FILE_NAME = "store.sqlite"
DRIVERS = {"sqlite": "sqlite", "sqlite+pysqlite": "sqlite", "postgresql": "postgresql+psycopg",
           "postgresql+psycopg": "postgresql+psycopg", "postgres": "postgresql+psycopg"}


def default_path() -> Path:
    """The SQLite file used when neither ``--store`` nor ``PERFHARNESS_STORE`` says otherwise."""
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data) / "perfharness" / FILE_NAME


def store_url(option: str | None = None) -> URL:
    """The store's URL from ``--store`` (``option``), the environment or the default; UsageError
    for a URL that is not SQLite or PostgreSQL."""
    text = option or os.environ.get(ENV) or str(default_path())
    if "://" not in text:
        return URL.create("sqlite", database=str(Path(text).expanduser().absolute()))
    try:
        url = make_url(text)
    except ArgumentError:
        raise UsageError(f"store {text!r}: not a database URL (sqlite:///PATH or postgresql://HOST/DB)") from None
    driver = DRIVERS.get(url.drivername)
    if driver is None:
        raise UsageError(f"store {url.render_as_string(hide_password=True)}: unknown URL scheme "
                         f"{url.drivername!r} (sqlite:///PATH or postgresql://HOST/DB)")
    if driver == "sqlite" and not url.database:
        raise UsageError(f"store {text}: give the SQLite file (sqlite:///PATH); an in-memory store keeps nothing")
    return url.set(drivername=driver)


def shown(url: URL) -> str:
    """The URL as messages show it: the password hidden."""
    return url.render_as_string(hide_password=True)
