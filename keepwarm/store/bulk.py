"""Bulk inserts through the DB-API cursor, binding values as SQLAlchemy would.

The ORM's bulk insert builds a parameter dict per row and processes it column by column; on the
cold-import paths (units, list facts) that is several times slower than one `executemany` with
the columns' own bind processors looked up once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Table
from sqlalchemy.orm import Session


def insert_rows(
    session: Session, table: Any, rows: list[tuple[Any, ...]], columns: tuple[str, ...]
) -> None:
    """INSERT `rows` (tuples in `columns` order) into the mapped class `table`."""
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    sql_table = table.__table__
    assert isinstance(sql_table, Table)
    processors: list[Callable[[Any], Any] | None] = [
        sql_table.c[c].type.dialect_impl(dialect).bind_processor(dialect) for c in columns
    ]
    if any(processors):
        rows = [
            tuple(
                v if f is None or v is None else f(v) for f, v in zip(processors, row, strict=True)
            )
            for row in rows
        ]
    names = ", ".join(f'"{c}"' for c in columns)
    marks = ", ".join([mark] * len(columns))
    connection.exec_driver_sql(f'INSERT INTO "{sql_table.name}" ({names}) VALUES ({marks})', rows)
