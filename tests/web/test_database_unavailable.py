"""The database out of reach: a clear 503 page, problem details for the API, never a trace.

Real outages, no mocks: PostgreSQL at a closed port, PostgreSQL connections terminated by the
server and the pool closed under the app; SQLite with its write lock held by another connection
past the busy timeout, and a database path that cannot be opened.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import httpx
import pytest
from piccolo.engine.postgres import PostgresEngine

from app.asgi import create_app
from app.db.database import Database, is_unavailable
from app.db.engine import KeptSQLiteEngine
from app.services import events as event_service
from app.settings import Settings
from app.web.page_cache import LIFETIME
from tests.conftest import (
    POSTGRES_URL,
    make_event,
    migrated_database,
    registration_form,
    reset_postgres_schema,
)
from tests.web.conftest import SameLoopTestClient, cookie_token, upcoming

UNAVAILABLE = "Der Dienst ist gerade nicht erreichbar"
#: What a traceback or an internal error would show.
INTERNALS = ("Traceback", 'File "', "asyncpg", "sqlite3", "OSError", "Errno", "127.0.0.1")

needs_postgres = pytest.mark.skipif(not POSTGRES_URL, reason="TEST_DATABASE_URL is not set")


def app_settings(database_url: str, *, debug: bool = False) -> Settings:
    """Settings for a test app on ``database_url`` (the app is given its database)."""
    return Settings(
        database_url=database_url, secret_key="x" * 32, debug=debug, mail_sender_in_serve=False
    )


@pytest.fixture(params=[False, True], ids=["production", "debug"])
def quiet_settings(request: pytest.FixtureRequest) -> Settings:
    """Settings in production mode and in debug mode (which shows traces, but only for bugs)."""
    return app_settings("sqlite:///unused.sqlite3", debug=request.param)


def assert_page_503(response: httpx.Response) -> None:
    """A German page saying the service is out of reach, with Retry-After, no internals."""
    assert response.status_code == 503, response.text[:500]
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["retry-after"] == "60"
    assert UNAVAILABLE in response.text
    assert "in einer Minute noch einmal" in response.text
    for internal in INTERNALS:
        assert internal not in response.text, internal


def assert_problem_503(response: httpx.Response) -> None:
    """Problem details (RFC 9457) for programs, with Retry-After."""
    assert response.status_code == 503, response.text[:500]
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["retry-after"] == "60"
    body = response.json()
    assert body["status"] == 503
    assert body["title"] == "Service unavailable"
    for internal in INTERNALS:
        assert internal not in response.text, internal


async def assert_everything_unavailable(client: httpx.AsyncClient) -> None:
    """Pages, the API and the health check all answer 503 the way they should."""
    for path in ("/", "/events/konferenz"):
        assert_page_503(await client.get(path))
    assert_problem_503(await client.get("/api/v1/events"))
    assert_problem_503(await client.get("/api/v1/events/konferenz"))
    health = await client.get("/healthz")
    assert health.status_code == 503
    assert health.json() == {"status": "unavailable"}


async def test_postgres_at_a_closed_port(quiet_settings: Settings, clock) -> None:
    # Nothing listens on port 1: every connection attempt is refused. Bound but never
    # connected, Piccolo's engine opens a connection per query, as after losing its pool.
    with pytest.warns(Warning, match="Unable to"):  # Piccolo asks for the version at once
        database = Database.from_url("postgres://postgres@127.0.0.1:1/test")
    database.bind()
    app = create_app(quiet_settings, database=database, clock=clock)
    async with SameLoopTestClient(app) as client:
        await assert_everything_unavailable(client)


async def test_an_unopenable_sqlite_file(quiet_settings: Settings, tmp_path: Path, clock) -> None:
    # A directory where the file should be: SQLite's "unable to open database file".
    path = tmp_path / "treffpunkt.sqlite3"
    path.mkdir()
    database = Database.from_url(f"sqlite:///{path}")
    database.bind()
    app = create_app(quiet_settings, database=database, clock=clock)
    before = set(threading.enumerate())
    async with SameLoopTestClient(app) as client:
        await assert_everything_unavailable(client)
    # aiosqlite stops the thread of each connection that failed to open by a message to this
    # loop that nobody awaits; a thread still at it once the test's loop is closed raises in
    # the next test (seen in CI under load). Each such thread ends by itself: wait for them.
    for thread in set(threading.enumerate()) - before:
        thread.join(timeout=10)


@pytest.fixture
async def locked_sqlite(tmp_path: Path) -> AsyncIterator[tuple[Database, sqlite3.Connection]]:
    """A migrated SQLite database with a short busy timeout, and a second connection to lock it."""
    url = f"sqlite:///{tmp_path / 'gesperrt.sqlite3'}"
    async with migrated_database(url):
        pass
    # 50 ms instead of 10 s: how long a writer waits for the lock only bounds the test's wait;
    # the lock is held throughout, so the outcome does not depend on it.
    engine = KeptSQLiteEngine(str(tmp_path / "gesperrt.sqlite3"), readers=1, busy_timeout_ms=50)
    database = Database(engine)
    await database.connect()
    other = sqlite3.connect(tmp_path / "gesperrt.sqlite3", isolation_level=None)
    try:
        yield database, other
    finally:
        other.close()
        await database.close()


async def test_sqlite_locked_by_another_process(locked_sqlite, now, clock) -> None:
    database, other = locked_sqlite
    await event_service.create_event(database, make_event(now, **upcoming()))
    app = create_app(app_settings("sqlite:///unused.sqlite3"), database=database, clock=clock)
    async with SameLoopTestClient(app) as client:
        page = await client.get("/events/konferenz")
        assert page.status_code == 200
        token = cookie_token(client)
        other.execute("BEGIN EXCLUSIVE")
        try:
            refused = await client.post(
                "/events/konferenz/register",
                data={**registration_form("olena@example.org"), "_csrf_token": token},
                follow_redirects=False,
            )
        finally:
            other.execute("ROLLBACK")
        assert_page_503(refused)
        # The lock gone, the same form goes through.
        accepted = await client.post(
            "/events/konferenz/register",
            data={**registration_form("olena@example.org"), "_csrf_token": token},
            follow_redirects=False,
        )
        assert accepted.status_code == 303


async def test_sqlite_bugs_stay_internal_errors(tmp_path: Path, clock) -> None:
    # An unmigrated database: "no such table" is a bug, not an outage: 500, not 503.
    database = Database.from_url(f"sqlite:///{tmp_path / 'leer.sqlite3'}")
    await database.connect()
    try:
        app = create_app(app_settings("sqlite:///unused.sqlite3"), database=database, clock=clock)
        async with SameLoopTestClient(app) as client:
            page = await client.get("/")
            api = await client.get("/api/v1/events")
    finally:
        await database.close()
    assert page.status_code == 500
    assert "retry-after" not in page.headers
    assert "no such table" not in page.text
    assert api.status_code == 500
    assert not is_unavailable(sqlite3.OperationalError("no such table: event"))


@needs_postgres
async def test_postgres_connections_cut_by_the_server(clock) -> None:
    await reset_postgres_schema(POSTGRES_URL)
    async with migrated_database(POSTGRES_URL) as database:
        app = create_app(app_settings(POSTGRES_URL), database=database, clock=clock)
        async with SameLoopTestClient(app) as client:
            assert (await client.get("/")).status_code == 200
            # As when PostgreSQL restarts: every connection of the app's pool is cut.
            admin = await asyncpg.connect(POSTGRES_URL)
            try:
                await admin.execute(
                    "SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            finally:
                await admin.close()
            # asyncpg's pool notices a lost connection and opens a new one, so the app mostly
            # never shows this outage; a request that does meet a cut connection gets the 503.
            # Either way: never a 500, and the app is back by the time each kept connection
            # has been tried once.
            answers = []
            for _ in range(database.pool_size + 1):
                response = await client.get("/")
                if response.status_code == 503:
                    assert_page_503(response)
                answers.append(response.status_code)
            assert set(answers) <= {200, 503}
            assert answers[-1] == 200


@needs_postgres
async def test_postgres_pool_closed_under_the_app(clock) -> None:
    await reset_postgres_schema(POSTGRES_URL)
    async with migrated_database(POSTGRES_URL) as database:
        app = create_app(app_settings(POSTGRES_URL), database=database, clock=clock)
        async with SameLoopTestClient(app) as client:
            assert (await client.get("/")).status_code == 200
            token = cookie_token(client)
            # Closed, but still the engine's pool: every query is refused by asyncpg.
            assert isinstance(database.engine, PostgresEngine)
            assert database.engine.pool is not None
            await database.engine.pool.close()
            # The start page was just answered: the page cache may serve it for its lifetime,
            # a database outage or not. Past that lifetime every page must ask the database.
            clock.advance(seconds=LIFETIME.total_seconds())
            await assert_everything_unavailable(client)
            refused = await client.post(
                "/events/konferenz/register",
                data={**registration_form("olena@example.org"), "_csrf_token": token},
                follow_redirects=False,
            )
            assert_page_503(refused)


def test_what_counts_as_unavailable() -> None:
    assert is_unavailable(ConnectionRefusedError(111, "refused"))
    assert is_unavailable(TimeoutError())
    assert is_unavailable(sqlite3.OperationalError("database is locked"))
    assert is_unavailable(sqlite3.OperationalError("unable to open database file"))
    assert is_unavailable(asyncpg.CannotConnectNowError("the database system is starting up"))
    assert is_unavailable(asyncpg.TooManyConnectionsError("too many clients"))
    assert is_unavailable(asyncpg.InterfaceError("pool is closed"))
    assert not is_unavailable(asyncpg.InterfaceError("the number of query arguments"))
    assert not is_unavailable(asyncpg.UniqueViolationError("duplicate key"))
    assert not is_unavailable(sqlite3.OperationalError("near SELEC: syntax error"))
    assert not is_unavailable(ValueError("boom"))
