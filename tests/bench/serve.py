"""Serve Treffpunkt for the benchmark, with the kept-connection or Piccolo's stock SQLite engine.

``python -m tests.bench.serve --database-url sqlite:////tmp/x/bench.sqlite3 --engine stock
--port 8123`` migrates the database, loads the sample events when it is empty, adds the
benchmark event (``--bench-slug``: the in-person sample with unlimited seats, no questions and
no deadline, so that every registration succeeds), and serves ``create_app(settings,
database=db)`` with uvicorn in the same event loop, one worker, no access log.

``--engine kept`` is what the app uses (``Database.from_url``); ``--engine stock`` is
``Database(SQLiteEngine(path=..., timeout=10))``: a new connection per query, DEFERRED
transactions, the journal mode the file has (Piccolo sets none, so rollback journal).
``--engine stock-immediate`` is the stock engine whose transactions default to IMMEDIATE, to
tell the cost of a connection per query from the cost of DEFERRED write transactions.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import datetime as dt
import sys
from collections.abc import Sequence

import uvicorn
from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction, TransactionType

from app.asgi import create_app
from app.clock import system_clock
from app.db.database import Database
from app.domain.model import Event, Seats
from app.services import events as event_service
from app.services.samples import load_samples, sample_events
from app.settings import Settings

#: The in-person sample: its page is the one measured.
IN_PERSON_SLUG = "beispiel-landkreise-als-internationale-akteure"
SECRET_KEY = "bench-" * 8


def bench_event(now: dt.datetime, slug: str) -> Event:
    """The in-person sample with unlimited seats and no questions, open for registration."""
    in_person = next(event for event in sample_events(now) if event.slug == IN_PERSON_SLUG)
    return dataclasses.replace(
        in_person,
        slug=slug,
        title="Benchmark: " + in_person.title,
        in_person_seats=Seats(None, 0),
        questions=(),
        waitlist_enabled=False,
        registration_opens_at=None,
        registration_closes_at=None,
        double_opt_in=False,
        is_sample=False,
    )


class ImmediateSQLiteEngine(SQLiteEngine):
    """Piccolo's stock engine, but write transactions take the lock at BEGIN."""

    def transaction(
        self,
        transaction_type: TransactionType = TransactionType.immediate,
        allow_nested: bool = True,
    ) -> SQLiteTransaction:
        """A transaction, IMMEDIATE unless asked otherwise."""
        return super().transaction(transaction_type=transaction_type, allow_nested=allow_nested)


ENGINES = ("kept", "stock", "stock-immediate")


def database(engine: str, settings: Settings) -> Database:
    """The database with the engine asked for."""
    if engine == "kept":
        return Database.from_url(
            settings.database_url,
            sqlite_readers=settings.sqlite_readers,
            pool_size=settings.database_pool_size,
        )
    if not settings.is_sqlite:
        raise SystemExit(f"--engine {engine} needs an SQLite database")
    stock = SQLiteEngine if engine == "stock" else ImmediateSQLiteEngine
    return Database(stock(path=str(settings.sqlite_path), timeout=10))


async def serve(arguments: argparse.Namespace) -> None:
    """Prepare the database, then serve until uvicorn is told to stop."""
    settings = Settings(
        database_url=arguments.database_url,
        secret_key=SECRET_KEY,
        debug=False,
        load_samples=False,
        # One load generator is one client address: the throttle would measure itself.
        registration_rate_limit=0,
        # Registrations enqueue their mail; sending it is measured by tests.bench.mail.
        mail_sender_in_serve=False,
    )
    db = database(arguments.engine, settings)
    await db.connect()
    try:
        await db.migrate()
        now = system_clock()
        await load_samples(db, now)
        if arguments.bench_slug:
            await event_service.create_event(db, bench_event(now, arguments.bench_slug))
        config = uvicorn.Config(
            create_app(settings, database=db, clock=system_clock),
            host="127.0.0.1",
            port=arguments.port,
            loop="none",  # the loop chosen below already runs
            http=arguments.http,
            access_log=False,
            log_level="warning",
            lifespan="on",
        )
        await uvicorn.Server(config).serve()
    finally:
        await db.close()


def build_parser() -> argparse.ArgumentParser:
    """The launcher's command line."""
    parser = argparse.ArgumentParser(prog="python -m tests.bench.serve", description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--engine", choices=ENGINES, default="kept")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--loop", choices=("uvloop", "asyncio"), default="asyncio")
    parser.add_argument("--http", choices=("httptools", "h11"), default="h11")
    parser.add_argument("--bench-slug", default="", help="create this unlimited event")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the launcher."""
    arguments = build_parser().parse_args(argv)
    if arguments.loop == "uvloop":
        import uvloop

        uvloop.run(serve(arguments))
    else:
        asyncio.run(serve(arguments))
    return 0


if __name__ == "__main__":
    sys.exit(main())
