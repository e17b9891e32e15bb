"""The kept-connection SQLite engine: reads never wait for a writer."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from app.db.database import Database
from app.db.tables import Event as EventTable
from app.services import events as event_service
from tests.conftest import make_event, migrated_database


@pytest.fixture
async def sqlite_db(tmp_path: Path) -> AsyncIterator[Database]:
    """Always SQLite, whatever TEST_DATABASE_URL says: these tests are about its engine."""
    async with migrated_database(f"sqlite:///{tmp_path / 'engine.sqlite3'}") as database:
        yield database


async def test_reads_run_beside_an_open_write_transaction(sqlite_db, now):
    db = sqlite_db
    event = await event_service.create_event(db, make_event(now))
    writing = asyncio.Event()
    release = asyncio.Event()

    async def long_write() -> None:
        async with db.transaction():
            await EventTable.update({EventTable.title: "Neu"}).where(EventTable.id == event.id)
            writing.set()
            await release.wait()

    writer = asyncio.create_task(long_write())
    await writing.wait()
    try:
        # A page read while the write lock is held: served by a reader, from the last commit.
        seen = await asyncio.wait_for(event_service.get_public(event.slug), timeout=5)
        assert seen.event.title == event.title
    finally:
        release.set()
        await writer
    assert (await event_service.get_public(event.slug)).event.title == "Neu"


async def test_readers_cannot_write(sqlite_db):
    async with sqlite_db.engine._reader() as reader:
        with pytest.raises(Exception, match=r"readonly|read-only|query_only"):
            await reader.execute("DELETE FROM event")
