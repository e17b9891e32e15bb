"""Database engines: SQLite with kept connections, PostgreSQL through asyncpg's pool.

Piccolo's stock ``SQLiteEngine`` opens a connection (and a thread) per query and lets SQLite's
busy handler arbitrate writers, which is slow and unfair under load. ``KeptSQLiteEngine`` keeps
one writer connection, serialised by an asyncio lock so writers queue fairly in FIFO order and
never spin on ``SQLITE_BUSY`` inside one process, and a few reader connections that WAL lets run
beside the writer.

The writer survives cancelled tasks: aiosqlite runs a statement in the connection's thread
whatever becomes of the task awaiting it, so every statement on the writer is awaited to its
end (``run_to_completion``) before the lock goes to the next writer, and the lock is released
only with the writer out of any transaction.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar, cast

import aiosqlite
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction, TransactionType, dict_factory
from piccolo.querystring import QueryString

from app.settings import DEFAULT_LOCK_TIMEOUT_SECONDS, Settings

#: How long a writer waits for another *process* holding the SQLite write lock.
BUSY_TIMEOUT_MS = 10_000

logger = logging.getLogger("treffpunkt.db")

_Result = TypeVar("_Result")


#: SQLite's name of :func:`fold`; PostgreSQL folds with ``lower``.
FOLD_FUNCTION = "treffpunkt_fold"


def fold(text: str | None) -> str | None:
    """Text in one case beyond ASCII (Cyrillic, umlauts), as SQLite's own ``lower`` does not."""
    return None if text is None else text.casefold()


class WriteLockTimeout(TimeoutError):
    """The SQLite write lock stayed taken past the lock timeout: the database is busy.

    A ``TimeoutError``, so an ``OSError``: the app answers it like any database out of reach,
    503 with ``Retry-After`` (see ``app.db.database.is_unavailable``).
    """


async def run_to_completion(work: Awaitable[_Result]) -> _Result:
    """Await ``work`` to its end even if the caller is cancelled meanwhile; then re-raise that.

    A statement handed to aiosqlite runs in the connection's thread whatever becomes of the task
    awaiting it. Only once it has ended is the connection's state known (in a transaction or
    not, committed or not), and only then may the write lock go to the next writer.
    """
    task = asyncio.ensure_future(work)
    cancellation: asyncio.CancelledError | None = None
    while not task.done():
        try:
            # Unlike awaiting the task, wait() does not cancel it when this task is cancelled.
            await asyncio.wait((task,))
        except asyncio.CancelledError as error:
            cancellation = error
    if cancellation is not None:
        if not task.cancelled():
            # The cancellation is what the caller gets; the statement's own error is consumed
            # here so that asyncio does not report it as never retrieved.
            task.exception()
        raise cancellation
    return task.result()


class KeptSQLiteTransaction(SQLiteTransaction):
    """A transaction on the engine's single writer connection, holding its lock throughout."""

    engine: KeptSQLiteEngine

    async def __aenter__(self) -> KeptSQLiteTransaction:
        if self._parent is not None:
            return cast(KeptSQLiteTransaction, self._parent)
        self.connection = await self.engine.acquire_writer()
        try:
            await run_to_completion(
                self.engine.execute_on(self.connection, f"BEGIN {self.transaction_type.value}")
            )
        except BaseException:
            # Cancelled after BEGIN ran, or BEGIN failed: roll back whatever is open, free the lock.
            await self.engine.release_writer()
            raise
        self.context = self.engine.current_transaction.set(self)
        return self

    async def __aexit__(self, exception_type: Any, exception: Any, traceback: Any) -> bool:
        if self._parent:
            return exception is None
        try:
            if exception is None and not self._committed and not self._rolled_back:
                await run_to_completion(self.engine.execute_on(self.connection, "COMMIT"))
        finally:
            self.engine.current_transaction.reset(self.context)
            # An exception, a cancellation or a failed COMMIT leaves the transaction open:
            # release_writer rolls it back before anyone else may write.
            await self.engine.release_writer()
        return exception is None


class KeptSQLiteEngine(SQLiteEngine):
    """SQLite with long-lived connections: one serialised writer, a small pool of readers."""

    def __init__(
        self,
        path: str,
        readers: int = 4,
        busy_timeout_ms: int = BUSY_TIMEOUT_MS,
        lock_timeout: float = DEFAULT_LOCK_TIMEOUT_SECONDS,
    ) -> None:
        super().__init__(path=path, timeout=busy_timeout_ms / 1000)
        self.reader_count = readers
        self.busy_timeout_ms = busy_timeout_ms
        #: Seconds a writer waits for the write lock before ``WriteLockTimeout``.
        self.lock_timeout = lock_timeout
        self._writer: aiosqlite.Connection | None = None
        self._readers: asyncio.Queue[aiosqlite.Connection] | None = None
        self._all_readers: list[aiosqlite.Connection] = []
        self._write_lock: asyncio.Lock | None = None
        self._start_lock: asyncio.Lock | None = None

    @property
    def writer(self) -> aiosqlite.Connection:
        """The one connection that writes."""
        assert self._writer is not None, "engine not started"
        return self._writer

    @property
    def write_lock(self) -> asyncio.Lock:
        """Serialises every write of this process in arrival order."""
        assert self._write_lock is not None, "engine not started"
        return self._write_lock

    async def _connect(self, *, read_only: bool) -> aiosqlite.Connection:
        connection = await aiosqlite.connect(**self.connection_kwargs)
        connection.row_factory = dict_factory  # type: ignore[assignment]
        # The fold of the registrations' search text (see migration 0014), on every connection:
        # its trigger runs on whichever connection writes.
        await connection.create_function(FOLD_FUNCTION, 1, fold, deterministic=True)
        # WAL lets readers run beside the writer; NORMAL is durable across application crashes
        # and loses at most the last commits on power loss, which WAL keeps consistent.
        await connection.executescript(
            f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)};"
            "PRAGMA journal_mode = WAL;"
            "PRAGMA synchronous = NORMAL;"
            "PRAGMA foreign_keys = ON;" + ("PRAGMA query_only = ON;" if read_only else "")
        )
        return connection

    async def ensure_started(self) -> None:
        """Open the kept connections on first use (in the running event loop)."""
        if self._writer is not None:
            return
        if self._start_lock is None:
            self._start_lock = asyncio.Lock()
        async with self._start_lock:
            if self._writer is not None:
                return
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            writer = await self._connect(read_only=False)
            readers: asyncio.Queue[aiosqlite.Connection] = asyncio.Queue()
            for _ in range(self.reader_count):
                reader = await self._connect(read_only=True)
                self._all_readers.append(reader)
                readers.put_nowait(reader)
            self._readers = readers
            self._write_lock = asyncio.Lock()
            self._writer = writer

    async def start_connection_pool(self, **_: Any) -> None:
        """Open the kept connections (the name matches Piccolo's pooled engines)."""
        await self.ensure_started()

    async def close_connection_pool(self) -> None:
        """Close every kept connection."""
        connections = [*self._all_readers]
        if self._writer is not None:
            connections.append(self._writer)
        self._writer = None
        self._readers = None
        self._all_readers = []
        self._write_lock = None
        for connection in connections:
            await connection.close()

    async def acquire_writer(self) -> aiosqlite.Connection:
        """Take the write lock, waiting at most ``lock_timeout``; the writer, in no transaction.

        Pair every call with :meth:`release_writer`.
        """
        await self.ensure_started()
        try:
            async with asyncio.timeout(self.lock_timeout):
                await self.write_lock.acquire()
        except TimeoutError as error:
            raise WriteLockTimeout(
                f"SQLite write lock still taken after {self.lock_timeout:g} s"
            ) from error
        try:
            if self.writer.in_transaction:
                # Only a bug can get here (a BEGIN run outside KeptSQLiteTransaction, say);
                # joining that transaction would make this write part of someone else's.
                logger.warning("SQLite writer found in an open transaction: rolling it back")
                await run_to_completion(self.execute_on(self.writer, "ROLLBACK"))
        except BaseException:
            self.write_lock.release()
            raise
        return self.writer

    async def release_writer(self) -> None:
        """Roll back whatever transaction is still open on the writer, then free the write lock."""
        try:
            if self.writer.in_transaction:
                await run_to_completion(self.execute_on(self.writer, "ROLLBACK"))
        finally:
            self.write_lock.release()

    async def run_in_writer(self, work: Callable[[sqlite3.Connection], _Result]) -> _Result:
        """Run ``work`` on the writer's thread inside one BEGIN IMMEDIATE … COMMIT.

        One hop to the writer's thread for a whole transaction: ``work`` gets the writer's
        ``sqlite3`` connection (dict rows) and must neither await nor block. If it raises, the
        transaction is rolled back and its exception raised here.
        """
        writer = await self.acquire_writer()
        try:
            # aiosqlite's own way of running a function on the connection's thread.
            hop: Awaitable[_Result] = writer._execute(  # type: ignore[no-untyped-call]
                _in_transaction, writer._conn, work
            )
            return await run_to_completion(hop)
        finally:
            await self.release_writer()

    async def execute_on(
        self, connection: aiosqlite.Connection, query: str, args: list[Any] | None = None
    ) -> Any:
        """Run one statement on ``connection`` (the writer's statements go through here)."""
        return await self._execute(connection, query, args or [])

    @contextlib.asynccontextmanager
    async def _reader(self) -> AsyncIterator[aiosqlite.Connection]:
        await self.ensure_started()
        assert self._readers is not None
        connection = await self._readers.get()
        try:
            yield connection
        finally:
            self._readers.put_nowait(connection)

    @staticmethod
    async def _execute(connection: aiosqlite.Connection, query: str, args: list[Any]) -> Any:
        # One round trip to the connection's thread instead of execute + fetchall + close.
        return list(await connection.execute_fetchall(query, args))

    async def _run(self, query: str, args: list[Any], *, read_only: bool) -> Any:
        transaction = self.current_transaction.get()
        if transaction is not None:
            return await self._execute(transaction.connection, query, args)
        if read_only:
            async with self._reader() as connection:
                return await self._execute(connection, query, args)
        writer = await self.acquire_writer()
        try:
            return await run_to_completion(self._execute(writer, query, args))
        finally:
            await self.release_writer()

    async def run_querystring(self, querystring: QueryString, in_pool: bool = False) -> Any:
        """Run a Piccolo query on the transaction's, a reader's or the writer's connection."""
        query, args = querystring.compile_string(engine_type=self.engine_type)
        if self.log_queries:
            self.print_query(query_id=self.get_query_id(), query=str(querystring))
        # Piccolo marks only inserts with a query_type (selects are "generic"), so the statement
        # itself says whether a reader may run it; readers are query_only, so a misroute fails.
        return await self._run(query, args, read_only=_is_read(query))

    async def run_ddl(self, ddl: str, in_pool: bool = False) -> Any:
        """Run DDL on the writer."""
        return await self._run(ddl, [], read_only=False)

    def transaction(
        self,
        transaction_type: TransactionType = TransactionType.immediate,
        allow_nested: bool = True,
    ) -> KeptSQLiteTransaction:
        """A write transaction; IMMEDIATE so the write lock is taken before the first read."""
        return KeptSQLiteTransaction(
            engine=self, transaction_type=transaction_type, allow_nested=allow_nested
        )


def _in_transaction(
    connection: sqlite3.Connection, work: Callable[[sqlite3.Connection], _Result]
) -> _Result:
    connection.execute("BEGIN IMMEDIATE")
    try:
        result = work(connection)
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")
    return result


def _is_read(query: str) -> bool:
    return query.lstrip()[:6].upper() == "SELECT"


def engine_from_url(
    url: str,
    *,
    sqlite_readers: int = 4,
    kept: bool = True,
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT_SECONDS,
) -> Engine[Any]:
    """The engine ``DATABASE_URL`` names.

    ``kept=False`` gives Piccolo's stock SQLite engine, for short-lived command-line use where
    nothing would close kept connections. ``lock_timeout`` bounds, in seconds, the wait for the
    SQLite write lock and for PostgreSQL's locks (its ``lock_timeout``, set per connection, so
    a ``SELECT ... FOR UPDATE`` behind another transaction fails instead of hanging).
    """
    if url.startswith("sqlite:"):
        path = Settings(database_url=url).sqlite_path
        if not kept:
            return SQLiteEngine(path=str(path), timeout=BUSY_TIMEOUT_MS / 1000)
        return KeptSQLiteEngine(path=str(path), readers=sqlite_readers, lock_timeout=lock_timeout)
    if url.startswith(("postgres://", "postgresql://")):
        lock_timeout_ms = str(max(1, round(lock_timeout * 1000)))
        return PostgresEngine(
            config={"dsn": url, "server_settings": {"lock_timeout": lock_timeout_ms}}
        )
    raise ValueError(f"unsupported DATABASE_URL: {url.split(':', 1)[0]}")


def is_sqlite(engine: Engine[Any]) -> bool:
    """Whether ``engine`` is an SQLite engine."""
    return engine.engine_type == "sqlite"
