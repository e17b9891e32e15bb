"""Many rows in one round trip, inside the current transaction: the driver's ``executemany``.

Piccolo compiles each placeholder of a query in Python; for a multi-row INSERT of thousands of
values that cost more than the database's work. Both drivers take a statement once and its
rows as a list: sqlite3's executemany loops in C, PostgreSQL takes them by COPY.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from piccolo.engine.base import Engine


async def insert_many(
    engine: Engine[Any], table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Insert ``rows`` (values in the order of ``columns``) into ``table``.

    Must run inside a transaction (``Database.transaction``): the rows commit or roll back with
    it. ``table`` and ``columns`` are the caller's constants, never input.
    """
    transaction = engine.current_transaction.get()
    if transaction is None:
        raise RuntimeError("insert_many needs a transaction")
    if engine.engine_type != "sqlite":
        # PostgreSQL's COPY: the rows in binary, several times faster than INSERTs.
        await transaction.connection.copy_records_to_table(
            table, records=rows, columns=list(columns)
        )
        return
    names = ", ".join(f'"{name}"' for name in columns)
    marks = ", ".join("?" for _ in columns)
    statement = f'INSERT INTO "{table}" ({names}) VALUES ({marks})'  # noqa: S608
    await transaction.connection.executemany(statement, rows)
