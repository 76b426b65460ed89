"""Alembic's environment: the connection is handed over by ``perfrules.service.migrate``."""

from __future__ import annotations

from alembic import context

from perfrules.service.db import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
