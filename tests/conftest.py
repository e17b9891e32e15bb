"""Shared fixtures: a fresh, migrated database per test, on SQLite and (when asked) PostgreSQL.

``TEST_DATABASE_URL=postgres://...`` runs every test that uses ``db`` on PostgreSQL as well, in
databases made beside the one named (``<name>_<worker>`` and ``<name>_template_<worker>``, one
pair per pytest-xdist worker). Under ``CI`` an unreachable PostgreSQL fails the run instead of
skipping.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
from piccolo.apps.user.tables import BaseUser

from app.db.database import Database
from app.domain.model import (
    AttendanceMode,
    Event,
    EventFormat,
    EventStatus,
    Language,
    OnlineAccess,
    Registration,
    RegistrationRequest,
    RegistrationStatus,
    Seats,
)
from app.services import events as event_service
from app.services.privacy_notice import load_notice
from app.settings import Settings
from tests.clock import ManualClock

#: The app hashes organiser passwords with PBKDF2-SHA256 at Piccolo's 600,000 iterations (OWASP's
#: figure), ~0.3 s of CPU each. The tests create organisers and sign in over a thousand times, so
#: they hash with fewer: the same algorithm and code path, and since a stored hash carries its own
#: count, one made here verifies the same way. Processes the tests start keep the full count.
BaseUser._pbkdf2_iteration_count = 1_000

#: The PostgreSQL server and database named by ``TEST_DATABASE_URL``: the tests connect there
#: to make databases of their own beside it (trust auth, a role that may create databases).
ADMIN_POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "").strip()
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
#: This test process's name: pytest-xdist's worker ("gw0", "gw1", ...) or "main".
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")


def _beside(url: str, name: str) -> str:
    """``url`` with its database replaced by ``name``."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


_ADMIN_DATABASE = urlsplit(ADMIN_POSTGRES_URL).path.lstrip("/") or "postgres"
#: This process's own PostgreSQL database: emptied or cloned for every test, so that several
#: pytest-xdist workers never share one.
POSTGRES_URL = (
    _beside(ADMIN_POSTGRES_URL, f"{_ADMIN_DATABASE}_{WORKER}") if ADMIN_POSTGRES_URL else ""
)
#: A database migrated once per test process, cloned for every test that wants a database.
_POSTGRES_TEMPLATE = f"{_ADMIN_DATABASE}_template_{WORKER}"

BACKENDS = ["sqlite", "postgres"] if POSTGRES_URL else ["sqlite"]

#: Runs a test that takes ``database_url`` on SQLite only. For the browser's layout walks alone
#: (widths, axe, the Nu validator): what they check comes from the templates and the CSS, which
#: are the same on both databases, and a walk costs minutes. Flows that write through the
#: database, and every other test, run on both.
SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def pytest_sessionstart(session: pytest.Session) -> None:
    """In CI both databases are required: a missing PostgreSQL is a failure, never a skip."""
    if IN_CI and not POSTGRES_URL:
        raise pytest.UsageError("CI is set but TEST_DATABASE_URL is not: PostgreSQL is required")
    if POSTGRES_URL:
        try:
            asyncio.run(_check_postgres(ADMIN_POSTGRES_URL))
        except (OSError, asyncpg.PostgresError) as error:
            raise pytest.UsageError(
                f"PostgreSQL at TEST_DATABASE_URL is unreachable: {error}"
            ) from error
        asyncio.run(_recreate_postgres_database(_database_name(POSTGRES_URL)))


async def _check_postgres(url: str) -> None:
    connection = await asyncpg.connect(url, timeout=10)
    await connection.close()


def _database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


async def _recreate_postgres_database(name: str, *, template: str | None = None) -> None:
    """Drop the database ``name`` (ending its connections) and make it anew, empty or as a copy
    of ``template`` (PostgreSQL 15 copies a small database in a few ms by its WAL)."""
    connection = await asyncpg.connect(ADMIN_POSTGRES_URL)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        copy = f' TEMPLATE "{template}"' if template else ""
        await connection.execute(f'CREATE DATABASE "{name}"{copy}')
    finally:
        await connection.close()


async def reset_postgres_schema(url: str) -> None:
    """Drop every table: the database at ``url`` is empty, ready for the migrations."""
    connection = await asyncpg.connect(url)
    try:
        await connection.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    finally:
        await connection.close()


async def _migrate(url: str) -> None:
    async with migrated_database(url):
        pass


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite file migrated once per test process; each test gets a copy."""
    path = tmp_path_factory.mktemp("template") / "treffpunkt.sqlite3"
    asyncio.run(_migrate(f"sqlite:///{path}"))
    # Closed, the WAL is checkpointed into the file: the file alone is the whole database.
    assert not path.with_name(path.name + "-wal").exists()
    return path


#: What a PostgreSQL database's schema is: its tables, columns, defaults, constraints, indexes,
#: triggers, functions, sequences, schemas, extensions and settings, and the migrations it
#: records. Two databases that agree here and hold no other rows are the same to a test.
_SCHEMA_FINGERPRINT = """
SELECT md5(string_agg(part, '|' ORDER BY part)) FROM (
  SELECT 'c:' || n.nspname || '.' || c.relname || ':' || c.relkind::text || ':'
         || coalesce(c.relacl::text, '') || ':' || c.relpersistence::text
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'
  UNION ALL
  SELECT 'a:' || a.attrelid::regclass || ':' || a.attname || ':'
         || format_type(a.atttypid, a.atttypmod) || ':' || a.attnotnull || ':'
         || a.attidentity::text || ':' || coalesce(pg_get_expr(d.adbin, d.adrelid), '')
    FROM pg_attribute a
    JOIN pg_class c ON c.oid = a.attrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
   WHERE n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'
     AND a.attnum > 0 AND NOT a.attisdropped
  UNION ALL
  SELECT 'k:' || conrelid::regclass || ':' || conname || ':' || pg_get_constraintdef(oid)
    FROM pg_constraint WHERE connamespace = 'public'::regnamespace
  UNION ALL
  SELECT 'i:' || pg_get_indexdef(i.indexrelid)
    FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
   WHERE c.relnamespace = 'public'::regnamespace
  UNION ALL
  SELECT 't:' || pg_get_triggerdef(oid) || ':' || tgenabled::text
    FROM pg_trigger WHERE NOT tgisinternal
  UNION ALL
  SELECT 'f:' || p.oid::regprocedure || ':' || md5(p.prosrc)
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
   WHERE n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'
  UNION ALL
  SELECT 'n:' || nspname || ':' || coalesce(nspacl::text, '') FROM pg_namespace
   WHERE nspname NOT LIKE 'pg\\_%'
  UNION ALL
  SELECT 's:' || schemaname || '.' || sequencename || ':' || start_value || ':' || increment_by
    FROM pg_sequences
  UNION ALL
  SELECT 'e:' || extname || ':' || extversion FROM pg_extension
  UNION ALL
  SELECT 'r:' || coalesce(setconfig::text, '') FROM pg_db_role_setting
   WHERE setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())
  UNION ALL
  SELECT 'm:' || count(*) || ':' || coalesce(max(id), 0) FROM migration
) AS parts(part)
"""


@dataclass
class _PostgresTemplate:
    """The migrated template database, and how to bring a copy of it back to a fresh copy."""

    name: str
    #: Its :data:`_SCHEMA_FINGERPRINT`.
    fingerprint: str
    #: Empties the tables the template has empty, and restarts their sequences.
    clear: str


#: Whether this process's database is a copy of the template, changed since by a test at most
#: in its rows (the schema fingerprint tells).
_worker_database_is_a_copy = False


async def _describe_template(url: str, name: str) -> _PostgresTemplate:
    connection = await asyncpg.connect(url)
    try:
        fingerprint = await connection.fetchval(_SCHEMA_FINGERPRINT)
        tables = []
        for row in await connection.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        ):
            # The names come from the template's own catalog.
            if not await connection.fetchval(f'SELECT EXISTS (SELECT FROM "{row[0]}")'):  # noqa: S608
                tables.append(row[0])
        # Sequences never used in the template (the migrations' own table keeps its rows).
        sequences = [
            row[0]
            for row in await connection.fetch(
                "SELECT sequencename FROM pg_sequences"
                " WHERE schemaname = 'public' AND last_value IS NULL ORDER BY sequencename"
            )
        ]
    finally:
        await connection.close()
    # Without triggers and foreign key checks (replica role): in any order, and the counters the
    # triggers keep are emptied like every other row.
    clear = "".join(
        [
            "SET session_replication_role = replica;",
            *(f'DELETE FROM "{table}";' for table in tables),  # noqa: S608
            *(f'ALTER SEQUENCE "{sequence}" RESTART;' for sequence in sequences),
            "SET session_replication_role = DEFAULT;",
        ]
    )
    return _PostgresTemplate(name, fingerprint, clear)


async def _fresh_postgres_database(template: _PostgresTemplate) -> None:
    """This process's database as a fresh copy of ``template``.

    Copying a database (and dropping the old one) takes 0.1 to 1 s on a busy machine, and over a
    thousand tests want one. So when the database is a copy already and its schema still is the
    template's (a test may migrate, drop or add to it), its connections are ended and its rows
    deleted instead, in a few ms; otherwise it is copied anew.
    """
    global _worker_database_is_a_copy
    if _worker_database_is_a_copy:
        _worker_database_is_a_copy = False
        connection = await asyncpg.connect(POSTGRES_URL)
        try:
            await connection.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            if await connection.fetchval(_SCHEMA_FINGERPRINT) == template.fingerprint:
                async with connection.transaction():
                    await connection.execute(template.clear)
                _worker_database_is_a_copy = True
                return
        finally:
            await connection.close()
    await _recreate_postgres_database(_database_name(POSTGRES_URL), template=template.name)
    _worker_database_is_a_copy = True


@pytest.fixture(scope="session")
def _postgres_template() -> _PostgresTemplate:
    """A PostgreSQL database migrated once per test process; each test gets a copy."""
    asyncio.run(_recreate_postgres_database(_POSTGRES_TEMPLATE))
    url = _beside(ADMIN_POSTGRES_URL, _POSTGRES_TEMPLATE)
    asyncio.run(_migrate(url))
    return asyncio.run(_describe_template(url, _POSTGRES_TEMPLATE))


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of a fresh, migrated database of its own: a copy of a database migrated once per
    test process (an SQLite file in the test's folder, or this process's PostgreSQL database,
    copied or emptied: :func:`_fresh_postgres_database`). Migrating again finds nothing to do."""
    if request.param == "sqlite":
        path = tmp_path / "treffpunkt.sqlite3"
        shutil.copyfile(request.getfixturevalue("_sqlite_template"), path)
        # tmp_path is absolute, so this is sqlite:////tmp/...: an absolute file path.
        return f"sqlite:///{path}"
    asyncio.run(_fresh_postgres_database(request.getfixturevalue("_postgres_template")))
    return POSTGRES_URL


@pytest.fixture(params=BACKENDS)
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of a fresh database without any tables: for tests of the migrations themselves."""
    global _worker_database_is_a_copy
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'treffpunkt.sqlite3'}"
    _worker_database_is_a_copy = False
    asyncio.run(_recreate_postgres_database(_database_name(POSTGRES_URL)))
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


def make_registration(now: dt.datetime, **overrides: object) -> Registration:
    """A confirmed in-person registration for event 7, made and consented to at ``now``.

    Built directly, without a database (for rendering, composing, invites and exports); override
    any field.
    """
    fields: dict[str, object] = {
        "id": 1,
        "event_id": 7,
        "token": "PERSONALTOKEN123",
        "first_name": "Olena",
        "last_name": "Koval",
        "email": "olena.koval@example.org",
        "organisation": "Stadt Dortmund",
        "job_title": "Referentin",
        "mode": AttendanceMode.IN_PERSON,
        "language": Language.DE,
        "status": RegistrationStatus.CONFIRMED,
        "answers": {},
        "consent_version": "1",
        "consent_at": now,
        "created_at": now,
    }
    fields.update(overrides)
    return Registration(**fields)  # type: ignore[arg-type]


@pytest.fixture
def event_factory(db: Database, now: dt.datetime):
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


#: The version of the shipped privacy notice under the default settings: what the app's own
#: notice is in the tests, and what :func:`registration_request` consents to unless told.
NOTICE_VERSION = load_notice(Settings()).version


def registration_request(
    email: str, *, answers: dict[str, str] | None = None, **overrides: str
) -> RegistrationRequest:
    """A valid registration for ``email`` as the services take it: the command, not a form.

    It consents to the shipped privacy notice (:data:`NOTICE_VERSION`) unless
    ``notice_version=`` says another.
    """
    fields = {
        "notice_version": NOTICE_VERSION,
        "first_name": "Olena",
        "last_name": "Koval",
        "organisation": "Stadt Dortmund",
        "job_title": "Referentin",
        **overrides,
    }
    return RegistrationRequest(email=email, answers=answers or {}, consent=True, **fields)
