"""The database handle the services use: engine binding, migrations, transactions, row locks."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import io
import socket
import sqlite3
import sys
from collections.abc import AsyncIterator, Callable
from contextvars import ContextVar
from typing import Any

import asyncpg
from piccolo.apps.migrations.commands.forwards import run_forwards
from piccolo.apps.migrations.tables import Migration
from piccolo.apps.user.tables import BaseUser
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.querystring import QueryString
from piccolo.table import Table

from app.db.engine import KeptSQLiteEngine, engine_from_url, is_sqlite
from app.db.tables import TABLES, Event
from app.settings import DEFAULT_LOCK_TIMEOUT_SECONDS


class MigrationFailed(RuntimeError):
    """A migration did not apply."""


#: What the current transaction wants done once it has committed.
_after_commit: ContextVar[list[Callable[[], None]] | None] = ContextVar(
    "after_commit", default=None
)


class Database:
    """One database: its engine, bound to the Piccolo tables, and how to write to it safely."""

    def __init__(self, engine: Engine[Any], *, pool_size: int = 10) -> None:
        self.engine = engine
        self.pool_size = pool_size
        #: Set when a transaction of this process has committed new mail: the sender in this
        #: process wakes at once instead of at its next poll.
        self.mail_waiting = asyncio.Event()
        #: How many write transactions this process has committed that may have changed what
        #: the public sees: caches of it compare this count to notice this process's own
        #: changes at once (app.web.page_cache). Every transaction counts, but a registration
        #: that changed no public figure (one more on a waiting list) does not.
        self.writes_committed = 0

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        sqlite_readers: int = 4,
        pool_size: int = 10,
        lock_timeout: float = DEFAULT_LOCK_TIMEOUT_SECONDS,
    ) -> Database:
        """The database ``DATABASE_URL`` names; writes wait at most ``lock_timeout`` for a lock."""
        engine = engine_from_url(url, sqlite_readers=sqlite_readers, lock_timeout=lock_timeout)
        return cls(engine, pool_size=pool_size)

    @property
    def is_sqlite(self) -> bool:
        """Whether this is an SQLite database."""
        return is_sqlite(self.engine)

    def bind(self) -> None:
        """Point the Piccolo tables (and Piccolo's migration runner) at this engine.

        Piccolo resolves a table's engine through a process-wide registry, so one process serves
        one database at a time; the app binds at start-up, tests per test.
        """
        import piccolo_conf

        piccolo_conf.DB = self.engine
        tables: tuple[type[Table], ...] = (*TABLES, BaseUser, Migration)
        for table in tables:
            table._meta.db = self.engine

    async def connect(self) -> None:
        """Bind and open the connections (SQLite: kept ones; PostgreSQL: the pool)."""
        self.bind()
        if isinstance(self.engine, KeptSQLiteEngine):
            await self.engine.ensure_started()
        elif isinstance(self.engine, PostgresEngine):
            await self.engine.start_connection_pool(
                min_size=1, max_size=self.pool_size, reset=_keep_session
            )

    async def close(self) -> None:
        """Close every connection."""
        if isinstance(self.engine, (KeptSQLiteEngine, PostgresEngine)):
            await self.engine.close_connection_pool()

    async def migrate(self, *, quiet: bool = True) -> None:
        """Apply pending migrations."""
        self.bind()
        output = io.StringIO()
        # Piccolo's runner reports progress with print(); the command line shows it, tests don't.
        with contextlib.redirect_stdout(output if quiet else sys.stdout):
            result = await run_forwards(app_name="all")
        if not result.success:
            raise MigrationFailed(result.message or output.getvalue())

    @contextlib.asynccontextmanager
    async def transaction(self, *, public: bool = True) -> AsyncIterator[None]:
        """A write transaction; SQLite takes the write lock at BEGIN (IMMEDIATE).

        Callbacks given to :meth:`after_commit` inside it run once it has committed.
        ``public=False`` for bookkeeping that no public page shows (a mail sender leasing its
        batch): it is not counted in :attr:`writes_committed`, so it keeps the page cache.
        """
        if _after_commit.get() is not None:
            # Nested: the outer transaction commits, and runs the callbacks; a public part
            # makes it count as public.
            if public:
                self.after_commit(self._count_write)
            yield
            return
        callbacks: list[Callable[[], None]] = []
        if public:
            callbacks.append(self._count_write)
        token = _after_commit.set(callbacks)
        try:
            async with self.engine.transaction():
                yield
        finally:
            _after_commit.reset(token)
        for callback in callbacks:
            callback()

    def _count_write(self) -> None:
        self.writes_committed += 1

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` after the current transaction commits (at once outside one)."""
        callbacks = _after_commit.get()
        if callbacks is None:
            callback()
        elif callback not in callbacks:
            callbacks.append(callback)

    def announce_mail(self) -> None:
        """Tell this process's sender, once committed, that new mail is waiting."""
        self.after_commit(self.mail_waiting.set)

    async def lock_event(self, event_id: int) -> None:
        """Hold the event's row lock until the transaction ends.

        Every change of seats or of the waiting list takes it first, so deciding from the event's
        counters and then writing is safe. SQLite needs nothing: its IMMEDIATE transaction already
        holds the database's write lock. On PostgreSQL the wait for a row another transaction
        holds ends after the lock timeout (``LockNotAvailableError``: busy, answered with 503).
        """
        if self.is_sqlite:
            return
        await self.engine.run_querystring(_lock_event_query(event_id))

    async def ping(self) -> None:
        """Run a trivial query; raises when the database is unreachable."""
        await Event.raw("SELECT 1")


async def _keep_session(connection: asyncpg.Connection) -> None:
    """A connection goes back to the pool without asyncpg's reset query (a round trip each).

    asyncpg still rolls back an open transaction and drops listeners first. The reset query
    would also undo session state (``SET``, ``LISTEN``, advisory locks, open cursors); the app
    makes none, so there is nothing to undo.
    """


def _lock_event_query(event_id: int) -> QueryString:
    return QueryString('SELECT id FROM "event" WHERE id = {} FOR UPDATE', event_id)


def is_unique_violation(error: BaseException) -> bool:
    """Whether ``error`` is the database refusing a duplicate key, on either engine."""
    if isinstance(error, asyncpg.UniqueViolationError):
        return True
    return isinstance(error, sqlite3.IntegrityError) and "UNIQUE" in str(error)


#: asyncpg errors that mean the server cannot be reached or will not take a connection now
#: (refused, broken, shutting down, recovering, out of connections), or that a lock stayed
#: taken past ``lock_timeout`` (busy), not that a query was wrong.
_POSTGRES_UNAVAILABLE: tuple[type[BaseException], ...] = (
    asyncpg.LockNotAvailableError,
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.TooManyConnectionsError,
)
#: SQLite's words for a file it cannot open or whose lock another process holds past the busy
#: timeout; "no such table" and the like are bugs and stay errors.
_SQLITE_UNAVAILABLE = (
    "database is locked",
    "database table is locked",
    "unable to open database",
    "disk i/o error",
)


#: ``OSError`` numbers of a network that fails or a host that is busy or gone.
_NETWORK_ERRNOS = frozenset(
    {
        errno.ECONNREFUSED,
        errno.ECONNRESET,
        errno.ECONNABORTED,
        errno.EHOSTUNREACH,
        errno.EHOSTDOWN,
        errno.ENETUNREACH,
        errno.ENETDOWN,
        errno.ENETRESET,
        errno.ETIMEDOUT,
        errno.EPIPE,
        errno.EADDRNOTAVAIL,
        errno.EAGAIN,
        errno.EMFILE,
        errno.ENFILE,
        errno.ENOBUFS,
    }
)


def _is_network_error(error: OSError) -> bool:
    """Whether ``error`` is the network's, not a file's (``File name too long``, a folder …).

    Errors of files always carry their number; asyncio's "Multiple exceptions" (every address of
    a host refused) carries none.
    """
    if isinstance(error, (ConnectionError, TimeoutError, socket.gaierror, socket.herror)):
        return True
    return error.errno is None or error.errno in _NETWORK_ERRNOS


def is_unavailable(error: BaseException) -> bool:
    """Whether ``error`` says the database cannot be reached now (worth a retry), on either engine.

    Network errors and timeouts (asyncpg's pool waiting for a connection and the SQLite
    engine's ``WriteLockTimeout`` included) are ``OSError``; other ``OSError`` (a file's) are
    bugs. A pool closed under a running request is asyncpg's ``InterfaceError``.
    """
    if isinstance(error, _POSTGRES_UNAVAILABLE):
        return True
    if isinstance(error, OSError):
        return _is_network_error(error)
    if isinstance(error, asyncpg.InterfaceError):
        return "closed" in str(error) or "closing" in str(error)
    if isinstance(error, sqlite3.OperationalError):
        return str(error).lower().startswith(_SQLITE_UNAVAILABLE)
    return False


#: The exception classes :func:`is_unavailable` may say yes to, for handlers keyed by class.
UNAVAILABLE_ERRORS: tuple[type[Exception], ...] = (
    OSError,
    sqlite3.OperationalError,
    asyncpg.InterfaceError,
    *(cls for cls in _POSTGRES_UNAVAILABLE if issubclass(cls, Exception)),
)
