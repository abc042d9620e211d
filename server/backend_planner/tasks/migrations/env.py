"""Alembic environment: always run with a connection handed over by `db.upgrade`."""

from __future__ import annotations

from alembic import context

from backend_planner.tasks.db import VERSION_TABLE

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=None, version_table=VERSION_TABLE)
with context.begin_transaction():
    context.run_migrations()
