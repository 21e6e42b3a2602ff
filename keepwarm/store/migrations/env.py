"""Alembic environment: keepwarm passes its engine in `config.attributes['engine']`."""

from __future__ import annotations

from alembic import context

from keepwarm.store.tables import Base

engine = context.config.attributes["engine"]
with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
