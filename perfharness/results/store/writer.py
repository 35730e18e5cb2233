"""Storing a RunRecord, idempotently: a run already stored (same digest) is found, not added
again, and machine, environment and commit rows are shared. Safe with several writers at once:
a row another writer added meanwhile is found after the unique constraint refuses the copy."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from perfharness.results.store import identity
from perfharness.results.store.connection import Store
from perfharness.results.store.records import RunRecord
from perfharness.results.store.samples import pack
from perfharness.results.store.schema import Commit, Environment, Machine, Result, Run

Row = TypeVar("Row")


def _find_or_add(session: Session, find: Callable[[], Row | None], make: Callable[[], Row]) -> Row:
    found = find()
    if found is not None:
        return found
    try:
        with session.begin_nested():
            row = make()
            session.add(row)
        return row
    except IntegrityError:  # another writer added it first
        found = find()
        assert found is not None
        return found


def _machine(session: Session, record: RunRecord) -> Machine:
    print_ = identity.fingerprint(record.machine_facts)
    return _find_or_add(
        session,
        lambda: session.scalar(select(Machine).where(Machine.name == record.machine_name, Machine.fingerprint == print_)),
        lambda: Machine(name=record.machine_name, fingerprint=print_, facts=record.machine_facts))


def _environment(session: Session, record: RunRecord) -> Environment:
    print_ = identity.fingerprint(record.environment_facts)
    return _find_or_add(session, lambda: session.scalar(select(Environment).where(Environment.fingerprint == print_)),
                        lambda: Environment(fingerprint=print_, facts=record.environment_facts))


def _commit(session: Session, record: RunRecord) -> Commit | None:
    commit = record.commit
    if commit is None:
        return None
    return _find_or_add(
        session,
        lambda: session.scalar(select(Commit).where(Commit.sha == commit.sha, Commit.dirty == commit.dirty)),
        lambda: Commit(sha=commit.sha, time=commit.time, branch=commit.branch, dirty=commit.dirty))


def save(store: Store, record: RunRecord) -> tuple[int, bool]:
    """Store ``record``; (its run id, whether it was added: False when it was there already)."""
    with store.writing() as session:
        existing = session.scalar(select(Run.id).where(Run.digest == record.digest))
        if existing is not None:
            return existing, False
        run = Run(digest=record.digest, kind=record.kind, name=record.name, started=record.started,
                  complete=record.complete, config=record.config, run_dir=record.run_dir, source=record.source,
                  imported=datetime.now(timezone.utc), machine=_machine(session, record),
                  environment=_environment(session, record), commit=_commit(session, record))
        run.results = [Result(name=r.name, fullname=r.fullname, group=r.group, metric=r.metric, unit=r.unit,
                              samples=None if r.samples is None else pack(r.samples), extra_info=r.extra_info,
                              **r.stats) for r in record.results]
        try:
            with session.begin_nested():
                session.add(run)
        except IntegrityError:  # the same run, stored by another writer meanwhile
            existing = session.scalar(select(Run.id).where(Run.digest == record.digest))
            if existing is None:
                raise
            return existing, False
        return run.id, True
