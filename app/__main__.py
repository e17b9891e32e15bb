"""The command line: ``python -m app [command]`` (serve, worker, migrate, load-samples, …).

The default is ``serve``.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import logging
import signal
import sys
from collections.abc import Sequence

from app.clock import system_clock
from app.db.database import Database
from app.settings import Settings, SettingsError

logger = logging.getLogger("treffpunkt")


def _database(settings: Settings) -> Database:
    return Database.from_url(
        settings.database_url,
        sqlite_readers=1,
        pool_size=2,
        lock_timeout=settings.database_lock_timeout,
    )


async def migrate(settings: Settings) -> None:
    """Apply pending migrations."""
    db = _database(settings)
    try:
        await db.connect()
        await db.migrate(quiet=False)
    finally:
        await db.close()


async def load_samples(settings: Settings) -> int:
    """Load the sample events into an empty database; returns how many were created."""
    from app.services.samples import load_samples as load

    db = _database(settings)
    try:
        await db.connect()
        await db.migrate()
        return await load(db, system_clock())
    finally:
        await db.close()


async def prepare(settings: Settings) -> None:
    """What ``serve`` does before it answers: migrate, then samples into an empty database."""
    await migrate(settings)
    if settings.load_samples:
        created = await load_samples(settings)
        if created:
            logger.info("loaded %d sample events", created)


async def work(settings: Settings) -> None:
    """Send mail and release expired holds until SIGTERM or SIGINT (``python -m app worker``)."""
    from app.services.background import run_background

    db = Database.from_url(
        settings.database_url,
        sqlite_readers=settings.sqlite_readers,
        pool_size=4,
        lock_timeout=settings.database_lock_timeout,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signal_number, stop.set)
    try:
        await db.connect()
        await run_background(db, settings, stop, clock=system_clock)
    finally:
        await db.close()


def read_password() -> str:
    """The new password, typed twice without echo; from a pipe, its first two lines.

    Never from the command line or the environment: both end up in shell histories, process
    listings and logs.
    """
    if sys.stdin.isatty():
        import getpass

        first = getpass.getpass("Passwort: ")
        second = getpass.getpass("Passwort wiederholen: ")
    else:
        first = sys.stdin.readline().rstrip("\r\n")
        second = sys.stdin.readline().rstrip("\r\n")
    if first != second:
        raise ValueError("the passwords differ")
    return first


async def create_organiser(settings: Settings, email: str, name: str, password: str) -> str:
    """Make an organiser account (migrating first); returns the stored email."""
    from app.services.organisers import create_organiser as create

    db = _database(settings)
    try:
        await db.connect()
        await db.migrate()
        organiser = await create(db, email, password, name)
    finally:
        await db.close()
    return organiser.email


async def set_password(settings: Settings, email: str, password: str) -> str:
    """Give an organiser a new password, ending all their sessions; returns the stored email."""
    from app.services.organisers import set_password as set_new_password

    db = _database(settings)
    try:
        await db.connect()
        await db.migrate()
        organiser = await set_new_password(db, email, password)
    finally:
        await db.close()
    return organiser.email


async def anonymise(settings: Settings) -> int:
    """Anonymise every registration past the retention period now; returns how many."""
    from app.services.retention import anonymise_expired

    db = _database(settings)
    try:
        await db.connect()
        await db.migrate()
        return await anonymise_expired(
            db, system_clock(), dt.timedelta(days=settings.retention_days)
        )
    finally:
        await db.close()


def serve(settings: Settings, host: str, port: int) -> None:
    """Migrate, load samples when empty, and serve with uvicorn."""
    import uvicorn

    from app.asgi import create_app
    from app.logs import uvicorn_log_config

    asyncio.run(prepare(settings))
    logger.info(
        "Treffpunkt on http://%s:%d (database: %s)", host, port, settings.database_url_for_logs
    )
    uvicorn.run(
        create_app(settings, clock=system_clock),
        host=host,
        port=port,
        log_level="info",
        log_config=uvicorn_log_config(),
        proxy_headers=True,
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m app``."""
    parser = argparse.ArgumentParser(prog="python -m app", description=__doc__)
    commands = parser.add_subparsers(dest="command")
    serve_parser = commands.add_parser("serve", help="run the web service (the default)")
    serve_parser.add_argument("--host", default="127.0.0.1")
    serve_parser.add_argument("--port", type=int, default=8000)
    commands.add_parser("worker", help="send mail from the outbox (as many as wanted)")
    commands.add_parser("migrate", help="apply pending database migrations")
    commands.add_parser("load-samples", help="load the sample events into an empty database")
    organiser_parser = commands.add_parser(
        "create-organiser", help="make an organiser account (the password is asked for)"
    )
    organiser_parser.add_argument("--email", required=True)
    organiser_parser.add_argument("--name", default="")
    password_parser = commands.add_parser(
        "set-password",
        help="give an organiser a new password (asked for) and sign them out everywhere",
    )
    password_parser.add_argument("--email", required=True)
    commands.add_parser(
        "anonymise",
        help="anonymise the registrations of events that ended RETENTION_DAYS ago (now)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    arguments = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env()
    except SettingsError as error:
        print(f"configuration error: {error}", file=sys.stderr)
        return 2
    command = arguments.command or "serve"
    if command == "serve":
        serve(settings, getattr(arguments, "host", "127.0.0.1"), getattr(arguments, "port", 8000))
    elif command == "worker":
        asyncio.run(work(settings))
    elif command == "migrate":
        asyncio.run(migrate(settings))
    elif command == "load-samples":
        created = asyncio.run(load_samples(settings))
        print(
            f"{created} sample events loaded" if created else "database not empty: nothing loaded"
        )
    elif command == "create-organiser":
        return _create_organiser(settings, arguments.email, arguments.name)
    elif command == "set-password":
        return _set_password(settings, arguments.email)
    elif command == "anonymise":
        anonymised = asyncio.run(anonymise(settings))
        print(f"{anonymised} registrations anonymised (retention: {settings.retention_days} days)")
    return 0


def _create_organiser(settings: Settings, email: str, name: str) -> int:
    from app.services.organisers import OrganiserError

    try:
        password = read_password()
        created = asyncio.run(create_organiser(settings, email, name, password))
    except (ValueError, OrganiserError) as error:
        print(f"no organiser created: {error}", file=sys.stderr)
        return 1
    except (EOFError, KeyboardInterrupt):
        print("no organiser created", file=sys.stderr)
        return 1
    print(f"organiser {created} created")
    return 0


def _set_password(settings: Settings, email: str) -> int:
    from app.services.organisers import OrganiserError

    try:
        password = read_password()
        changed = asyncio.run(set_password(settings, email, password))
    except (ValueError, OrganiserError) as error:
        print(f"password not changed: {error}", file=sys.stderr)
        return 1
    except (EOFError, KeyboardInterrupt):
        print("password not changed", file=sys.stderr)
        return 1
    print(f"new password set for {changed}; all their sessions are ended")
    return 0


if __name__ == "__main__":
    sys.exit(main())
