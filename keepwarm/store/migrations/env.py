"""Alembic environment: keepwarm passes its engine in `config.attributes['engine']`."""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

import keepwarm.store.changetables  # noqa: F401  (its tables are part of the schema)
from keepwarm.store.tables import Base

engine = context.config.attributes["engine"]
with engine.begin() as connection:
    if connection.dialect.name == "postgresql":
        # Two workers starting at once on a fresh database: one migrates, the other waits
        # (PostgreSQL's DDL is transactional, so the lock covers the whole upgrade).
        connection.execute(text("SELECT pg_advisory_xact_lock(4915031)"))
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
