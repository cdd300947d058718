"""Alembic's entry for intakebot's PostgreSQL schema: run on the connection the caller made
(`store.pg.migrate`), inside its transaction, with no SQLAlchemy models (the revisions
are plain SQL)."""

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=None, transactional_ddl=True)
with context.begin_transaction():
    context.run_migrations()
