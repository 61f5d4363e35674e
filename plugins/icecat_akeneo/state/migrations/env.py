"""Alembic environment for the state store: run on the connection `icecat_akeneo.state.migrate` hands over.

There is no alembic.ini: the store configures Alembic in code, so users never run Alembic by hand.
"""
from __future__ import annotations

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
