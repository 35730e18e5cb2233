"""The store's tables (SQLAlchemy 2 declarative); Alembic's migrations create them.

machine      a name and the fingerprint of what makes its results comparable (``identity``)
environment  the software a result ran with (versions, precision hints), by fingerprint
commit       a revision of the code: sha, time, branch, dirty
run          one job's output: kind, name, time, config, its run directory or source file, and the
             digest that makes an import idempotent
result       one benchmark or region and metric of a run: unit, summary statistics, samples
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

KINDS = ("bench", "scenario", "profile", "peer", "tune")


class Base(DeclarativeBase):
    """The store's metadata."""


class Machine(Base):
    __tablename__ = "machine"
    __table_args__ = (UniqueConstraint("name", "fingerprint"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    fingerprint: Mapped[str] = mapped_column(String(64), index=True)
    facts: Mapped[dict[str, Any]] = mapped_column(JSON)


class Environment(Base):
    __tablename__ = "environment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    facts: Mapped[dict[str, Any]] = mapped_column(JSON)


class Commit(Base):
    __tablename__ = "commit"
    __table_args__ = (UniqueConstraint("sha", "dirty"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha: Mapped[str] = mapped_column(String(64))
    time: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    branch: Mapped[str | None] = mapped_column(String(200))
    dirty: Mapped[bool] = mapped_column(default=False)


class Run(Base):
    __tablename__ = "run"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    name: Mapped[str] = mapped_column(String(200))
    started: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    complete: Mapped[bool] = mapped_column(default=True)
    config: Mapped[dict[str, Any]] = mapped_column(JSON)
    run_dir: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(Text)
    imported: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    machine_id: Mapped[int] = mapped_column(ForeignKey("machine.id"), index=True)
    environment_id: Mapped[int] = mapped_column(ForeignKey("environment.id"))
    commit_id: Mapped[int | None] = mapped_column(ForeignKey("commit.id"))

    machine: Mapped[Machine] = relationship(lazy="joined")
    environment: Mapped[Environment] = relationship(lazy="joined")
    commit: Mapped[Commit | None] = relationship(lazy="joined")
    results: Mapped[list[Result]] = relationship(back_populates="run", order_by="Result.id",
                                                 cascade="all, delete-orphan")


class Result(Base):
    __tablename__ = "result"
    __table_args__ = (UniqueConstraint("run_id", "name", "metric"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("run.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(300), index=True)
    fullname: Mapped[str | None] = mapped_column(Text)
    group: Mapped[str | None] = mapped_column(String(300))
    metric: Mapped[str] = mapped_column(String(64))
    unit: Mapped[str] = mapped_column(String(16))
    count: Mapped[int] = mapped_column(Integer)
    mean: Mapped[float] = mapped_column(Float)
    stdev: Mapped[float | None] = mapped_column(Float)
    min: Mapped[float | None] = mapped_column(Float)
    p10: Mapped[float | None] = mapped_column(Float)
    median: Mapped[float | None] = mapped_column(Float)
    p90: Mapped[float | None] = mapped_column(Float)
    max: Mapped[float | None] = mapped_column(Float)
    samples: Mapped[bytes | None] = mapped_column(LargeBinary)
    extra_info: Mapped[dict[str, Any]] = mapped_column(JSON)

    run: Mapped[Run] = relationship(back_populates="results")

    @property
    def location(self) -> float:
        """The value a history follows: the 10th percentile (the gate's location) when known,
        else the median, else the mean."""
        for value in (self.p10, self.median, self.mean):
            if value is not None:
                return value
        raise ValueError("a result without statistics")
