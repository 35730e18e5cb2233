"""The first schema: machine, environment, commit, run, result.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "machine",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False, index=True),
        sa.Column("facts", sa.JSON, nullable=False),
        sa.UniqueConstraint("name", "fingerprint"),
    )
    op.create_table(
        "environment",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("fingerprint", sa.String(64), nullable=False, unique=True),
        sa.Column("facts", sa.JSON, nullable=False),
    )
    op.create_table(
        "commit",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("sha", sa.String(64), nullable=False),
        sa.Column("time", sa.DateTime(timezone=True)),
        sa.Column("branch", sa.String(200)),
        sa.Column("dirty", sa.Boolean, nullable=False),
        sa.UniqueConstraint("sha", "dirty"),
    )
    op.create_table(
        "run",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("digest", sa.String(64), nullable=False, unique=True),
        sa.Column("kind", sa.String(16), nullable=False, index=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("started", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("complete", sa.Boolean, nullable=False),
        sa.Column("config", sa.JSON, nullable=False),
        sa.Column("run_dir", sa.Text),
        sa.Column("source", sa.Text),
        sa.Column("imported", sa.DateTime(timezone=True), nullable=False),
        sa.Column("machine_id", sa.Integer, sa.ForeignKey("machine.id"), nullable=False, index=True),
        sa.Column("environment_id", sa.Integer, sa.ForeignKey("environment.id"), nullable=False),
        sa.Column("commit_id", sa.Integer, sa.ForeignKey("commit.id")),
    )
    op.create_table(
        "result",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("run.id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("name", sa.String(300), nullable=False, index=True),
        sa.Column("fullname", sa.Text),
        sa.Column("group", sa.String(300)),
        sa.Column("metric", sa.String(64), nullable=False),
        sa.Column("unit", sa.String(16), nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
        sa.Column("mean", sa.Float, nullable=False),
        sa.Column("stdev", sa.Float),
        sa.Column("min", sa.Float),
        sa.Column("p10", sa.Float),
        sa.Column("median", sa.Float),
        sa.Column("p90", sa.Float),
        sa.Column("max", sa.Float),
        sa.Column("samples", sa.LargeBinary),
        sa.Column("extra_info", sa.JSON, nullable=False),
        sa.UniqueConstraint("run_id", "name", "metric"),
    )


def downgrade() -> None:
    for table in ("result", "run", "commit", "environment", "machine"):
        op.drop_table(table)
