"""Alembic's environment for the store: migrations run on the connection the store hands over
(``config.attributes["connection"]``), inside its transaction and lock."""

from alembic import context

from perfharness.results.store.schema import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
