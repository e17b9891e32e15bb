"""Shared fixtures: a fresh, migrated database per test, on SQLite and (when asked) PostgreSQL.

``TEST_DATABASE_URL=postgres://...`` runs every test that uses ``db`` on PostgreSQL as well.
Under ``CI`` an unreachable PostgreSQL fails the run instead of skipping.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from app.db.database import Database
from app.domain.model import (
    Event,
    EventFormat,
    EventStatus,
    OnlineAccess,
    Seats,
)
from app.services import events as event_service
from tests.clock import ManualClock

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "").strip()
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

BACKENDS = ["sqlite", "postgres"] if POSTGRES_URL else ["sqlite"]


def pytest_sessionstart(session: pytest.Session) -> None:
    """In CI both databases are required: a missing PostgreSQL is a failure, never a skip."""
    if IN_CI and not POSTGRES_URL:
        raise pytest.UsageError("CI is set but TEST_DATABASE_URL is not: PostgreSQL is required")
    if POSTGRES_URL:
        try:
            asyncio.run(_check_postgres(POSTGRES_URL))
        except (OSError, asyncpg.PostgresError) as error:
            raise pytest.UsageError(
                f"PostgreSQL at TEST_DATABASE_URL is unreachable: {error}"
            ) from error


async def _check_postgres(url: str) -> None:
    connection = await asyncpg.connect(url, timeout=10)
    await connection.close()


async def reset_postgres_schema(url: str) -> None:
    """Drop every table: each test starts from an empty database and runs the migrations."""
    connection = await asyncpg.connect(url)
    try:
        await connection.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    finally:
        await connection.close()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of a fresh database: an SQLite file in the test's folder, or PostgreSQL."""
    if request.param == "sqlite":
        # tmp_path is absolute, so this is sqlite:////tmp/...: an absolute file path.
        return f"sqlite:///{tmp_path / 'treffpunkt.sqlite3'}"
    asyncio.run(reset_postgres_schema(POSTGRES_URL))
    return POSTGRES_URL


@contextlib.asynccontextmanager
async def migrated_database(url: str) -> AsyncIterator[Database]:
    """A connected, migrated database at ``url``, closed afterwards."""
    database = Database.from_url(url)
    await database.connect()
    await database.migrate()
    try:
        yield database
    finally:
        await database.close()


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    """A connected, migrated, empty database bound to the Piccolo tables."""
    async with migrated_database(database_url) as database:
        yield database


#: The tests' 'now': fixed, and unrelated to the machine's date, so that no test depends on the
#: day it runs (the suite passes with the machine's clock a year ahead, see the README).
FIXED_NOW = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def now() -> dt.datetime:
    """A fixed 'now' for rules that depend on time."""
    return FIXED_NOW


@pytest.fixture
def clock(now: dt.datetime) -> ManualClock:
    """The clock the app, the sender and the background work read: it starts at ``now`` and
    moves only when the test moves it."""
    return ManualClock(now)


def make_event(now: dt.datetime, **overrides: object) -> Event:
    """A published in-person event a week after ``now``; override any field."""
    starts = now + dt.timedelta(days=7)
    fields: dict[str, object] = {
        "id": 0,
        "slug": "konferenz",
        "title": "Konferenz",
        "teaser": "Kurz",
        "description": "Lang",
        "format": EventFormat.IN_PERSON,
        "starts_at": starts,
        "ends_at": starts + dt.timedelta(hours=4),
        "timezone": "Europe/Berlin",
        "status": EventStatus.PUBLISHED,
        "in_person_seats": Seats(20, 0),
        "online_seats": Seats(None, 0),
        "waitlist_enabled": True,
        "venue_name": "Museum Haus Opherdicke",
        "venue_address": "Dorfstraße 29\n59439 Holzwickede",
    }
    if overrides.get("format") in (EventFormat.ONLINE, EventFormat.HYBRID):
        fields["online_access"] = OnlineAccess(
            join_url="https://zoom.example/j/555000111?pwd=SECRETPWD",
            meeting_id="555 000 111",
            passcode="987654",
        )
    fields.update(overrides)
    return Event(**fields)  # type: ignore[arg-type]


@pytest.fixture
def event_factory(db: Database, now: dt.datetime):  # type: ignore[no-untyped-def]
    """Create events in the test's database: ``await event_factory(slug=..., ...)``."""

    async def create(**overrides: object) -> Event:
        return await event_service.create_event(db, make_event(now, **overrides))

    return create


def registration_form(email: str, **overrides: str) -> dict[str, str]:
    """A valid registration form for ``email``."""
    form = {
        "first_name": "Olena",
        "last_name": "Koval",
        "email": email,
        "organisation": "Stadt Dortmund",
        "job_title": "Referentin",
        "consent": "on",
    }
    form.update(overrides)
    return form
