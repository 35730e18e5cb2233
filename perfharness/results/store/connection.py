"""Opening the store: one engine for SQLite and PostgreSQL, its schema brought to this
version's head by Alembic (under a lock, so that two first users do not both create it), and
every failure to reach or read it turned into one line (UsageError)."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from perfharness.core.errors import UsageError
from perfharness.results.store.location import shown, store_url

MIGRATIONS = Path(__file__).with_name("migrations")
BUSY_TIMEOUT_MS = 60_000  # how long a SQLite writer waits for another one
CONNECT_TIMEOUT_S = 10
MIGRATION_LOCK = 0x70657266  # PostgreSQL advisory lock held while the schema is upgraded
WRITE = "perfharness_write"  # execution option: a SQLite transaction that will write starts IMMEDIATE


class StoreError(UsageError):
    """The store cannot be reached, read or written: one line, exit status 2."""


def _alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str:
    """The newest schema revision this version of perfharness knows."""
    return ScriptDirectory.from_config(_alembic_config()).get_current_head()


def _sqlite_engine(url: URL) -> Engine:
    path = Path(url.database)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise StoreError(f"store {shown(url)}: cannot create {path.parent} ({error.strerror})") from None
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        dbapi_connection.isolation_level = None  # transactions are begun below, not by the driver
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")  # readers do not wait for writers
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        # a writer takes the lock when it begins, so two writers queue instead of one failing
        # when it upgrades a read lock ("database is locked")
        immediate = connection.get_execution_options().get(WRITE)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def _engine(url: URL) -> Engine:
    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(url)
    try:
        return create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": CONNECT_TIMEOUT_S})
    except ModuleNotFoundError:
        raise StoreError(f"store {shown(url)}: PostgreSQL needs psycopg 3: pip install 'perfharness[postgres]'") from None


def describe(url: URL, error: BaseException) -> str:
    """One line for a database error: the driver's first line, without SQL or parameters."""
    original = getattr(error, "orig", None) or error
    first = str(original).strip().splitlines()[0] if str(original).strip() else type(original).__name__
    if url.get_backend_name() == "sqlite" and "not a database" in first:
        return f"store {shown(url)}: not a SQLite database (corrupt or another kind of file)"
    return f"store {shown(url)}: {first}"


class Store:
    """An open store: sessions to read it and to write it, and its URL."""

    def __init__(self, url: URL, engine: Engine) -> None:
        self.url = url
        self.engine = engine
        self._reading = sessionmaker(engine, expire_on_commit=False)
        self._writing = sessionmaker(engine.execution_options(**{WRITE: True}), expire_on_commit=False)

    def __str__(self) -> str:
        return shown(self.url)

    @contextlib.contextmanager
    def reading(self) -> Iterator[Session]:
        """A session for reads (database errors as StoreError)."""
        with self._guard(), self._reading() as session:
            yield session

    @contextlib.contextmanager
    def writing(self) -> Iterator[Session]:
        """A session whose transaction is committed at the end of the block (rolled back when it
        raises); on SQLite it holds the write lock from its start."""
        with self._guard(), self._writing.begin() as session:
            yield session

    @contextlib.contextmanager
    def _guard(self) -> Iterator[None]:
        try:
            yield
        except (DBAPIError, sqlite3.DatabaseError) as error:
            raise StoreError(describe(self.url, error)) from None

    def close(self) -> None:
        self.engine.dispose()


def _revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _upgrade(engine: Engine) -> None:
    with engine.execution_options(**{WRITE: True}).begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        config = _alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def open_store(option: str | None = None) -> Store:
    """The store that ``--store`` (``option``), ``PERFHARNESS_STORE`` or the default names, its
    schema upgraded to this version's when older; StoreError when it cannot be reached, is not a
    database, or has a newer schema than this version knows."""
    url = store_url(option)
    engine = _engine(url)
    head = head_revision()
    known = {script.revision for script in ScriptDirectory.from_config(_alembic_config()).walk_revisions()}
    try:
        with engine.connect() as connection:
            current = _revision(connection)
        if current is not None and current not in known:
            raise StoreError(f"store {shown(url)}: its schema ({current}) is newer than this perfharness knows "
                             f"(up to {head}): upgrade perfharness")
        if current != head:
            _upgrade(engine)
    except (DBAPIError, sqlite3.DatabaseError) as error:
        engine.dispose()
        raise StoreError(describe(url, error)) from None
    except SQLAlchemyError as error:
        engine.dispose()
        raise StoreError(f"store {shown(url)}: {error}") from None
    return Store(url, engine)
