"""Database-layer tests: the engine's on an SQLite database of their own, whatever
TEST_DATABASE_URL says; the outbox store's on the suite's database (both backends)."""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from app.db.database import Database
from app.db.engine import KeptSQLiteEngine
from app.db.tables import Event as EventTable
from app.services import events as event_service
from tests.conftest import make_event, migrated_database

#: The title both test events start with; a transaction renames both or neither.
ORIGINAL_TITLE = "Vorher"


@pytest.fixture
def sqlite_path(tmp_path: Path) -> Path:
    """The file of the test's SQLite database."""
    return tmp_path / "engine.sqlite3"


@pytest.fixture
async def sqlite_db(sqlite_path: Path) -> AsyncIterator[Database]:
    """A migrated SQLite database on the kept engine."""
    async with migrated_database(f"sqlite:///{sqlite_path}") as database:
        yield database


@pytest.fixture
async def two_events(sqlite_db: Database, now: dt.datetime) -> tuple[int, int]:
    """Two events titled ``ORIGINAL_TITLE``: what the transactions under test rename together."""
    ids = []
    for slug in ("erste", "zweite"):
        event = await event_service.create_event(
            sqlite_db, make_event(now, slug=slug, title=ORIGINAL_TITLE)
        )
        ids.append(event.id)
    return ids[0], ids[1]


def kept_engine(db: Database) -> KeptSQLiteEngine:
    """The database's engine, which these tests are about."""
    assert isinstance(db.engine, KeptSQLiteEngine)
    return db.engine


async def rename_both(db: Database, ids: tuple[int, int], title: str) -> None:
    """One transaction of two statements: both events get ``title``, or neither."""
    async with db.transaction():
        for event_id in ids:
            await EventTable.update({EventTable.title: title}).where(EventTable.id == event_id)


async def titles(ids: tuple[int, int]) -> list[str]:
    """The two events' titles, as committed."""
    rows = await EventTable.select(EventTable.id, EventTable.title).where(
        EventTable.id.is_in(list(ids))
    )
    by_id = {row["id"]: row["title"] for row in rows}
    return [by_id[event_id] for event_id in ids]


def another_process_can_write(path: Path, event_id: int) -> None:
    """A second connection (as another process would have) writes at once: no lock is left."""
    other = sqlite3.connect(path, timeout=0.5, isolation_level=None)
    try:
        other.execute("UPDATE event SET teaser = 'anderer Prozess' WHERE id = ?", (event_id,))
    finally:
        other.close()


class StatementGate:
    """Holds the writer's thread just before it runs the first statement starting with a word.

    Installed as the sqlite3 trace callback, which runs in aiosqlite's thread as a statement
    starts: the statement has been handed over and will run, whatever happens to the task that
    awaits it. That is the moment a cancellation used to leave the engine in a wrong state.
    """

    def __init__(self, first_word: str) -> None:
        self.first_word = first_word.upper()
        self.loop = asyncio.get_running_loop()
        self.reached = asyncio.Event()
        self.release = threading.Event()
        self._armed = True

    def __call__(self, statement: str) -> None:
        if not self._armed or not statement.lstrip().upper().startswith(self.first_word):
            return
        self._armed = False
        self.loop.call_soon_threadsafe(self.reached.set)
        # Bounded, so a failing test cannot hang the writer's thread for good.
        self.release.wait(timeout=10)

    async def install(self, engine: KeptSQLiteEngine) -> None:
        """Hold ``engine``'s writer at the gate's statement."""
        await engine.writer.set_trace_callback(self)

    async def wait_reached(self) -> None:
        """Until the writer's thread is held at the statement."""
        await asyncio.wait_for(self.reached.wait(), timeout=5)
