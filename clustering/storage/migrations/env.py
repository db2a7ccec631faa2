"""Alembic's entry point: migrations run on the connection ``storage.database.migrate`` hands over, inside
its transaction (and its lock)."""

from alembic import context

context.configure(connection=context.config.attributes["connection"], transactional_ddl=True)
with context.begin_transaction():
    context.run_migrations()
