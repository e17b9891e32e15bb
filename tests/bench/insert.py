"""The bare insert: one parameterised INSERT per POST, the ceiling of a registration.

``BENCH_INSERT_DATABASE_URL`` chooses the database: ``sqlite:///path`` writes through one kept
aiosqlite connection in WAL mode with the app's pragmas (each INSERT its own transaction),
``postgres://…`` through an asyncpg pool of the app's default size. The form is parsed like the
registration form; the answer is a 303 like a registration's.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

import aiosqlite
import asyncpg
from litestar import Litestar, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect

TABLE = "bench_insert"
# A constant table name and placeholders: the values travel as parameters.
INSERT_SQLITE = f"INSERT INTO {TABLE} (email, first_name, last_name) VALUES (?, ?, ?)"  # noqa: S608
INSERT_POSTGRES = f"INSERT INTO {TABLE} (email, first_name, last_name) VALUES ($1, $2, $3)"  # noqa: S608
COLUMNS = "email TEXT NOT NULL, first_name TEXT NOT NULL, last_name TEXT NOT NULL"
POOL_SIZE = 10  # Settings.database_pool_size


class Store:
    """The one kept SQLite connection or the PostgreSQL pool."""

    sqlite: aiosqlite.Connection | None = None
    pool: Any = None


STORE = Store()


@asynccontextmanager
async def lifespan(_: Litestar) -> AsyncIterator[None]:
    """Open the database and make the table."""
    url = os.environ["BENCH_INSERT_DATABASE_URL"]
    if url.startswith("sqlite:///"):
        connection = await aiosqlite.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        await connection.executescript(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 10000;"
            f"CREATE TABLE IF NOT EXISTS {TABLE} (id INTEGER PRIMARY KEY, {COLUMNS})"
        )
        STORE.sqlite = connection
        try:
            yield
        finally:
            await connection.close()
    else:
        pool = await asyncpg.create_pool(url, min_size=1, max_size=POOL_SIZE)
        await pool.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} (id SERIAL PRIMARY KEY, {COLUMNS})")
        STORE.pool = pool
        try:
            yield
        finally:
            await pool.close()


@get("/ready")
async def ready() -> str:
    """Answers once the database is open."""
    return "ok"


@post("/insert")
async def insert(
    data: Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)],
) -> Redirect:
    """One INSERT of the form's address and names."""
    values = (data["email"], data["first_name"], data["last_name"])
    if STORE.sqlite is not None:
        await STORE.sqlite.execute(INSERT_SQLITE, values)
    else:
        await STORE.pool.execute(INSERT_POSTGRES, *values)
    return Redirect(path="/ready", status_code=303)


app = Litestar(route_handlers=[ready, insert], lifespan=[lifespan])
