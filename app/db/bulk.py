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


async def update_many(
    engine: Engine[Any],
    table: str,
    columns: Sequence[str],
    key: str,
    rows: Sequence[Sequence[Any]],
) -> None:
    """Set ``columns`` of the rows of ``table`` whose ``key`` is each row's last value.

    ``rows``: the new values in the order of ``columns``, then the key. In a transaction, like
    :func:`insert_many`; one prepared statement, executed per row by the driver.
    """
    transaction = engine.current_transaction.get()
    if transaction is None:
        raise RuntimeError("update_many needs a transaction")
    if engine.engine_type == "sqlite":
        marks = ["?"] * (len(columns) + 1)
    else:
        marks = [f"${number}" for number in range(1, len(columns) + 2)]
    assignments = ", ".join(
        f'"{name}" = {mark}' for name, mark in zip(columns, marks, strict=False)
    )
    statement = f'UPDATE "{table}" SET {assignments} WHERE "{key}" = {marks[-1]}'  # noqa: S608
    await transaction.connection.executemany(statement, rows)
