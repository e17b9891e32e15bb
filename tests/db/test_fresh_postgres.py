"""The suite's PostgreSQL databases: one emptied for the next test is as fresh as a new copy.

``tests/conftest.py`` deletes the rows of a worker's database instead of copying the template
again while the schema still matches the template's; these tests hold it to that.
"""

from __future__ import annotations

import datetime as dt

import asyncpg
import pytest

from app.services import events as event_service
from tests.conftest import (
    POSTGRES_URL,
    _fresh_postgres_database,
    _PostgresTemplate,
    make_event,
    migrated_database,
)

pytestmark = [
    pytest.mark.skipif(not POSTGRES_URL, reason="needs PostgreSQL (TEST_DATABASE_URL)"),
    pytest.mark.parametrize("database_url", ["postgres"], indirect=True),
]


async def _count(url: str, sql: str) -> int:
    connection = await asyncpg.connect(url)
    try:
        value: int = await connection.fetchval(sql)
        return value
    finally:
        await connection.close()


async def test_an_emptied_database_has_no_rows_and_numbers_from_one_again(
    database_url: str, request: pytest.FixtureRequest, now: dt.datetime
) -> None:
    template: _PostgresTemplate = request.getfixturevalue("_postgres_template")
    migrations = await _count(database_url, "SELECT count(*) FROM migration")
    async with migrated_database(database_url) as db:
        first = await event_service.create_event(db, make_event(now, slug="eins"))
        await event_service.create_event(db, make_event(now, slug="zwei"))
    assert first.id == 1
    # A connection left open, as a leaked pool would: it is ended, not waited for.
    left_open = await asyncpg.connect(database_url)
    await _fresh_postgres_database(template)
    assert left_open.is_closed() or await _closed(left_open)
    assert await _count(database_url, "SELECT count(*) FROM event") == 0
    assert await _count(database_url, "SELECT count(*) FROM migration") == migrations
    async with migrated_database(database_url) as db:
        again = await event_service.create_event(db, make_event(now, slug="drei"))
    assert again.id == 1


async def _closed(connection: asyncpg.Connection) -> bool:
    try:
        await connection.fetchval("SELECT 1")
    except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError):
        return True
    finally:
        await connection.close()
    return False


async def test_a_database_whose_schema_a_test_changed_is_copied_anew(
    database_url: str, request: pytest.FixtureRequest
) -> None:
    template: _PostgresTemplate = request.getfixturevalue("_postgres_template")
    connection = await asyncpg.connect(database_url)
    try:
        await connection.execute("CREATE TABLE stray (x integer)")
        await connection.execute("ALTER TABLE event ADD COLUMN stray integer")
    finally:
        await connection.close()
    await _fresh_postgres_database(template)
    tables = "SELECT count(*) FROM pg_tables WHERE tablename = 'stray'"
    assert await _count(database_url, tables) == 0
    columns = (
        "SELECT count(*) FROM information_schema.columns"
        " WHERE table_name = 'event' AND column_name = 'stray'"
    )
    assert await _count(database_url, columns) == 0
