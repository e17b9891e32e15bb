"""A write that cannot get its lock in time is answered as busy (503, Retry-After), never a hang.

SQLite: another writer of the same process holds the engine's write lock. PostgreSQL: another
connection holds the event's row ``FOR UPDATE``, which the registration needs.
"""

from __future__ import annotations

import asyncio
import contextvars
import datetime as dt
import time
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from app.asgi import create_app
from app.db.database import Database, is_unavailable
from app.db.engine import WriteLockTimeout
from app.db.tables import Event as EventTable
from app.services import events as event_service
from app.settings import Settings
from tests.clock import ManualClock
from tests.conftest import BACKENDS, POSTGRES_URL, make_event, registration_form
from tests.conftest import reset_postgres_schema as reset_postgres
from tests.web.conftest import SameLoopTestClient, cookie_token
from tests.web.test_database_unavailable import app_settings, assert_page_503

#: Short, so that the tests wait little; the holders keep their locks far longer.
LOCK_TIMEOUT = 0.3
#: Far beyond the bound: a request still waiting by then hangs.
HANG = 10.0


@pytest.fixture(params=BACKENDS)
async def impatient_db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """A migrated database whose writes wait at most ``LOCK_TIMEOUT`` for a lock."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'ungeduldig.sqlite3'}"
    else:
        await reset_postgres(POSTGRES_URL)
        url = POSTGRES_URL
    database = Database.from_url(url, lock_timeout=LOCK_TIMEOUT)
    await database.connect()
    try:
        await database.migrate()
        yield database
    finally:
        await database.close()


class LockHolder:
    """Holds, in a task of its own, what a registration for an event needs until released."""

    def __init__(self, db: Database, event_id: int) -> None:
        self.db = db
        self.event_id = event_id
        self.holding = asyncio.Event()
        self.release = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._other: asyncpg.Connection | None = None

    async def __aenter__(self) -> LockHolder:
        if self.db.is_sqlite:
            # A fresh context: a task inherits its creator's transaction otherwise.
            self._task = asyncio.create_task(self._hold_write_lock(), context=contextvars.Context())
            await asyncio.wait_for(self.holding.wait(), timeout=5)
        else:
            # Another connection, as another process of the service would hold it.
            self._other = await asyncpg.connect(POSTGRES_URL)
            await self._other.execute("BEGIN")
            await self._other.execute(
                'SELECT id FROM "event" WHERE id = $1 FOR UPDATE', self.event_id
            )
        return self

    async def _hold_write_lock(self) -> None:
        async with self.db.transaction():
            await EventTable.update({EventTable.teaser: "gesperrt"}).where(
                EventTable.id == self.event_id
            )
            self.holding.set()
            await self.release.wait()

    async def __aexit__(self, *_: object) -> None:
        self.release.set()
        if self._task is not None:
            await self._task
        if self._other is not None:
            await self._other.execute("ROLLBACK")
            await self._other.close()


async def test_a_transaction_waits_for_the_lock_at_most_the_bound(impatient_db, now):
    db = impatient_db
    event = await event_service.create_event(db, make_event(now))
    async with LockHolder(db, event.id):
        started = time.monotonic()

        async def rename() -> None:
            async with db.transaction():
                await db.lock_event(event.id)
                await EventTable.update({EventTable.title: "Zu spät"}).where(
                    EventTable.id == event.id
                )

        with pytest.raises((WriteLockTimeout, asyncpg.LockNotAvailableError)) as refused:
            # wait_for only turns a hang into a failure here; the bound is the engine's.
            await asyncio.wait_for(rename(), timeout=HANG)
        waited = time.monotonic() - started
    assert is_unavailable(refused.value), repr(refused.value)
    if db.is_sqlite:
        assert isinstance(refused.value, WriteLockTimeout)
    else:
        assert isinstance(refused.value, asyncpg.LockNotAvailableError)
    assert LOCK_TIMEOUT * 0.9 <= waited < HANG
    # Nothing of the refused transaction was written, and the next one goes through.
    async with db.transaction():
        await db.lock_event(event.id)
        await EventTable.update({EventTable.title: "Danach"}).where(EventTable.id == event.id)
    rows = await EventTable.select(EventTable.title, EventTable.teaser).where(
        EventTable.id == event.id
    )
    assert rows == [{"title": "Danach", "teaser": "gesperrt" if db.is_sqlite else event.teaser}]


async def test_an_autocommit_write_waits_for_the_sqlite_lock_at_most_the_bound(tmp_path, now):
    db = Database.from_url(f"sqlite:///{tmp_path / 'ungeduldig.sqlite3'}", lock_timeout=0.1)
    await db.connect()
    try:
        await db.migrate()
        event = await event_service.create_event(db, make_event(now))
        async with LockHolder(db, event.id):
            with pytest.raises(WriteLockTimeout):
                await asyncio.wait_for(
                    EventTable.update({EventTable.title: "Zu spät"}).where(
                        EventTable.id == event.id
                    ),
                    timeout=HANG,
                )
        await EventTable.update({EventTable.title: "Danach"}).where(EventTable.id == event.id)
        assert await EventTable.select(EventTable.title).where(EventTable.id == event.id) == [
            {"title": "Danach"}
        ]
    finally:
        await db.close()


async def test_a_registration_behind_a_held_lock_gets_503_with_retry_after(
    impatient_db, now: dt.datetime, clock: ManualClock
):
    db = impatient_db
    event = await event_service.create_event(db, make_event(now))
    settings: Settings = app_settings("sqlite:///unused.sqlite3")
    app = create_app(settings, database=db, clock=clock)
    async with SameLoopTestClient(app) as client:
        assert (await client.get(f"/events/{event.slug}")).status_code == 200
        form = {**registration_form("olena@example.org"), "_csrf_token": cookie_token(client)}
        async with LockHolder(db, event.id):
            refused = await asyncio.wait_for(
                client.post(f"/events/{event.slug}/register", data=form, follow_redirects=False),
                timeout=HANG,
            )
        assert_page_503(refused)
        # The lock gone, the same form goes through.
        accepted = await client.post(
            f"/events/{event.slug}/register", data=form, follow_redirects=False
        )
        assert accepted.status_code == 303, accepted.text[:300]
