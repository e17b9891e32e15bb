"""The command line: ``python -m app [command]`` (serve, worker, migrate, load-samples, …).

The default is ``serve``. The help texts below are what ``--help`` prints: plain words.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import logging
import os
import signal
import sqlite3
import sys
from collections.abc import Callable, Coroutine, Sequence
from typing import TYPE_CHECKING, Any

from app.clock import system_clock
from app.db.database import Database
from app.domain.audit import COMMAND_LINE
from app.domain.roles import Role
from app.logs import configure_logging
from app.resources import ResourceError, check_resources
from app.settings import (
    DEFAULT_BASE_URL,
    UNSPECIFIED_HOSTS,
    Settings,
    SettingsError,
    listening_base_url,
)

if TYPE_CHECKING:
    from litestar import Litestar

DESCRIPTION = (
    "Treffpunkt: events and registrations. Without a command, it serves the web app "
    "(the same as the command serve). The settings come from environment variables; "
    "see the README."
)
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
#: ``--role`` values: the stored names of :class:`app.domain.roles.Role`.
ROLE_CHOICES = [role.value for role in Role]
#: What each of several web processes imports and calls to build its app (see ``serve``).
SERVED_APP_FACTORY = "app.asgi:create_served_app"

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
    db = _database(settings)
    try:
        await db.connect()
        # Quietly: Piccolo's progress report (print) would break the console's one format.
        await db.migrate()
    finally:
        await db.close()
    logger.info("database schema up to date")
    if settings.load_samples:
        created = await load_samples(settings)
        if created:
            logger.info("loaded %d sample events", created)


def worker_base_url_error(settings: Settings, *, base_url_set: bool) -> str | None:
    """Why ``worker`` must not start with these settings, or None.

    A worker cannot know the address ``serve`` listens on: without ``BASE_URL`` the links in its
    mails would go to the default port, dead beside ``serve --port 18080``. Only in development
    (``DEBUG``) is the default taken on trust.
    """
    if base_url_set or settings.debug:
        return None
    return (
        "worker needs BASE_URL, the address users reach serve at: the links in its mails go "
        f"there (DEBUG=1 allows the default {DEFAULT_BASE_URL})"
    )


async def work(settings: Settings, *, base_url_set: bool = True) -> None:
    """Send mail and release expired holds until SIGTERM or SIGINT (``python -m app worker``)."""
    from app.services.background import run_background

    # A missing mail template would fail every mail one by one: fail now, naming it.
    check_resources()
    if base_url_set:
        logger.info("links in mails use BASE_URL %s", settings.base_url)
    else:
        logger.warning(
            "links in mails use %s (BASE_URL is not set): set it unless serve listens there",
            settings.base_url,
        )
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


async def create_organiser(
    settings: Settings, email: str, name: str, password: str, role: str = "administrator"
) -> str:
    """Make an organiser account with ``role`` (migrating first); returns the stored email."""
    from app.services.organisers import create_organiser as create

    db = _database(settings)
    try:
        await db.connect()
        await db.migrate()
        organiser = await create(
            db, email, password, name, role=Role(role), actor=COMMAND_LINE, now=system_clock()
        )
    finally:
        await db.close()
    return organiser.email


async def set_role(settings: Settings, email: str, role: str) -> str:
    """Give an organiser another role; raises ``OrganiserError`` (unknown, the last
    administrator). Returns the stored email."""
    from app.services.organisers import OrganiserError, account_by_email, change_account

    db = _database(settings)
    try:
        await db.connect()
        await db.migrate()
        account = await account_by_email(email)
        if account is None:
            raise OrganiserError("no organiser with this email")
        changed = await change_account(
            db, account.id, role=Role(role), actor=COMMAND_LINE, now=system_clock()
        )
    finally:
        await db.close()
    return changed.email


async def set_password(settings: Settings, email: str, password: str) -> str:
    """Give an organiser a new password, ending all their sessions; returns the stored email."""
    from app.services.organisers import set_password as set_new_password

    db = _database(settings)
    try:
        await db.connect()
        await db.migrate()
        organiser = await set_new_password(
            db, email, password, actor=COMMAND_LINE, now=system_clock()
        )
    finally:
        await db.close()
    return organiser.email


async def reset_two_factor(settings: Settings, email: str) -> bool:
    """Switch two-factor sign-in off for a locked-out organiser; ``False`` for no such account."""
    from app.services.two_factor import reset

    db = _database(settings)
    try:
        await db.connect()
        await db.migrate()
        return await reset(db, email, actor=COMMAND_LINE, now=system_clock())
    finally:
        await db.close()


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


def serve(
    settings: Settings, host: str, port: int, *, base_url_set: bool, workers: int = 1
) -> None:
    """Check the shipped files, migrate, load samples when empty, and serve with uvicorn.

    ``base_url_set``: ``BASE_URL`` came from the environment, not from ``host`` and ``port``.
    ``workers``: how many web processes; with more than one, uvicorn starts them (each builds
    its own app through :data:`SERVED_APP_FACTORY`) after this process has migrated.
    """
    import uvicorn

    from app.asgi import create_app
    from app.logs import uvicorn_log_config

    # Before the database is touched: a broken installation fails here, naming the file.
    application = create_app(settings, clock=system_clock)
    asyncio.run(prepare(settings))
    database = settings.database_url_for_logs
    if settings.is_sqlite:
        # Piccolo's own version line says "3.4" for 3.40.1 (app.logs drops it).
        database += f", SQLite {sqlite3.sqlite_version}"
    logger.info("serving on %s (database: %s)", listening_base_url(host, port), database)
    if base_url_set:
        logger.info("links in mails, feeds and the API use BASE_URL %s", settings.base_url)
    else:
        logger.info(
            "links in mails, feeds and the API use %s (BASE_URL is not set: --host and --port)",
            settings.base_url,
        )
        if host.strip("[]") in UNSPECIFIED_HOSTS:
            logger.warning(
                "links to %s work on this machine only: set BASE_URL to the address others use",
                settings.base_url,
            )
    served: Litestar | str = application
    if workers > 1:
        _hand_settings_to_workers(settings)
        served = SERVED_APP_FACTORY
        logger.info(
            "%d worker processes; %s",
            workers,
            "each sends mail too (MAIL_SENDER=0 leaves it to python -m app worker)"
            if settings.mail_sender_in_serve
            else "mail is left to python -m app worker (MAIL_SENDER=0)",
        )
    uvicorn.run(
        served,
        host=host,
        port=port,
        # Several processes need an import string; the factory reads the environment in each.
        factory=workers > 1,
        workers=workers,
        log_level="info",
        log_config=uvicorn_log_config(),
        proxy_headers=True,
    )


def _hand_settings_to_workers(settings: Settings) -> None:
    """Put what this process worked out into the environment the worker processes start with.

    uvicorn spawns each worker as a fresh interpreter that reads its settings from the
    environment. Without this, the workers would fall back to the default ``BASE_URL`` (not the
    one from ``--host``/``--port``), and under ``DEBUG`` each would make its own throwaway
    ``SECRET_KEY``, refusing the CSRF tokens and session cookies the others hand out.
    """
    os.environ["BASE_URL"] = settings.base_url
    os.environ["SECRET_KEY"] = settings.secret_key


def _positive_count(text: str) -> int:
    """A whole number of at least 1, for ``--workers``."""
    try:
        count = int(text)
    except ValueError:
        count = 0
    if count < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, not {text!r}")
    return count


def _command(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    summary: str,
    more: str,
) -> argparse.ArgumentParser:
    """A subcommand whose --help says ``summary`` and then ``more``."""
    return commands.add_parser(
        name, help=summary, description=f"{summary[0].upper()}{summary[1:]}. {more}"
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m app``."""
    parser = argparse.ArgumentParser(prog="python -m app", description=DESCRIPTION)
    commands = parser.add_subparsers(dest="command", title="commands", metavar="COMMAND")
    serve_parser = _command(
        commands,
        "serve",
        "run the web app (the default command)",
        "It applies pending migrations first and, unless LOAD_SAMPLES=0, loads the sample "
        "events into an empty database. When BASE_URL is not set, links in mails, feeds and "
        "the API use http://HOST:PORT.",
    )
    serve_parser.add_argument(
        "--host", default=DEFAULT_HOST, help=f"address to listen on (default: {DEFAULT_HOST})"
    )
    serve_parser.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help=f"port to listen on (default: {DEFAULT_PORT})",
    )
    serve_parser.add_argument(
        "--workers",
        type=_positive_count,
        default=1,
        metavar="N",
        help="how many web processes share the port (default: 1); migrations and samples run "
        "once before they start, and each sends mail too unless MAIL_SENDER=0",
    )
    _command(
        commands,
        "worker",
        "send mail from the outbox",
        "Run as many as wanted beside serve (set MAIL_SENDER=0 for serve to leave sending to "
        "them); stops on Ctrl+C or SIGTERM. It needs BASE_URL, the address users reach serve "
        "at, for the links in its mails (only DEBUG=1 allows the default).",
    )
    _command(commands, "migrate", "apply pending database migrations", "Prints each one.")
    _command(
        commands,
        "load-samples",
        "load the sample events into an empty database",
        "A database with events is left alone.",
    )
    organiser_parser = _command(
        commands,
        "create-organiser",
        "make an organiser account",
        "The password is asked for twice (or read from the first two lines of a pipe), never "
        "taken from the command line.",
    )
    organiser_parser.add_argument("--email", required=True, help="the organiser's email address")
    organiser_parser.add_argument("--name", default="", help="the name shown to other organisers")
    organiser_parser.add_argument(
        "--role",
        choices=ROLE_CHOICES,
        default="administrator",
        help="administrator (accounts and every event; the default), manager (the events they "
        "own or co-host) or door_staff (check-in of the events they are assigned to)",
    )
    role_parser = _command(
        commands,
        "set-role",
        "give an organiser another role",
        "The last active administrator keeps their role.",
    )
    role_parser.add_argument("--email", required=True, help="the organiser's email address")
    role_parser.add_argument("--role", required=True, choices=ROLE_CHOICES, help="the new role")
    password_parser = _command(
        commands,
        "set-password",
        "give an organiser a new password and sign them out everywhere",
        "The password is asked for twice (or read from the first two lines of a pipe).",
    )
    password_parser.add_argument("--email", required=True, help="the organiser's email address")
    reset_parser = _command(
        commands,
        "reset-two-factor",
        "switch two-factor sign-in off for an organiser who lost their app and recovery codes",
        "They sign in with their password alone then and can set it up again (under "
        "ORGANISER_2FA=required they are sent to do so). Recorded in the audit log.",
    )
    reset_parser.add_argument("email", help="the organiser's email address")
    _command(
        commands,
        "anonymise",
        "anonymise the registrations of events that ended RETENTION_DAYS ago",
        "The running service does this every hour by itself; this command does it now.",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    configure_logging()
    arguments = build_parser().parse_args(argv)
    command = arguments.command or "serve"
    host = getattr(arguments, "host", DEFAULT_HOST)
    port = getattr(arguments, "port", DEFAULT_PORT)
    base_url_set = bool(os.environ.get("BASE_URL", "").strip())
    try:
        settings = Settings.from_env(
            default_base_url=listening_base_url(host, port)
            if command == "serve"
            else DEFAULT_BASE_URL
        )
    except SettingsError as error:
        print(f"configuration error: {error}", file=sys.stderr)
        return 2
    if command == "worker":
        refusal = worker_base_url_error(settings, base_url_set=base_url_set)
        if refusal:
            print(f"configuration error: {refusal}", file=sys.stderr)
            return 2
    try:
        return _run(command, arguments, settings, base_url_set=base_url_set)
    except ResourceError as error:
        print(f"start-up error: {error}", file=sys.stderr)
        return 1


def _run(
    command: str, arguments: argparse.Namespace, settings: Settings, *, base_url_set: bool
) -> int:
    host = getattr(arguments, "host", DEFAULT_HOST)
    port = getattr(arguments, "port", DEFAULT_PORT)
    if command == "serve":
        serve(
            settings,
            host,
            port,
            base_url_set=base_url_set,
            workers=getattr(arguments, "workers", 1),
        )
    elif command == "worker":
        asyncio.run(work(settings, base_url_set=base_url_set))
    elif command == "migrate":
        asyncio.run(migrate(settings))
    elif command == "load-samples":
        created = asyncio.run(load_samples(settings))
        print(
            f"{created} sample events loaded" if created else "database not empty: nothing loaded"
        )
    elif command == "create-organiser":
        return _create_organiser(settings, arguments.email, arguments.name, arguments.role)
    elif command == "set-role":
        return _set_role(settings, arguments.email, arguments.role)
    elif command == "set-password":
        return _set_password(settings, arguments.email)
    elif command == "reset-two-factor":
        if not asyncio.run(reset_two_factor(settings, arguments.email)):
            print(f"no organiser with the email {arguments.email}", file=sys.stderr)
            return 1
        print(f"two-factor sign-in switched off for {arguments.email}")
    elif command == "anonymise":
        anonymised = asyncio.run(anonymise(settings))
        print(f"{anonymised} registrations anonymised (retention: {settings.retention_days} days)")
    return 0


def _with_new_password(
    apply: Callable[[str], Coroutine[Any, Any, str]], refused: str, done: str
) -> int:
    """Read a new password, ``apply`` it; print ``done`` with its result, or ``refused``."""
    from app.services.organisers import OrganiserError

    try:
        password = read_password()
        result = asyncio.run(apply(password))
    except (ValueError, OrganiserError) as error:
        print(f"{refused}: {error}", file=sys.stderr)
        return 1
    except (EOFError, KeyboardInterrupt):
        print(refused, file=sys.stderr)
        return 1
    print(done.format(result))
    return 0


def _create_organiser(settings: Settings, email: str, name: str, role: str) -> int:
    return _with_new_password(
        lambda password: create_organiser(settings, email, name, password, role),
        "no organiser created",
        f"organiser {{}} created ({role})",
    )


def _set_role(settings: Settings, email: str, role: str) -> int:
    from app.services.organisers import OrganiserError

    try:
        changed = asyncio.run(set_role(settings, email, role))
    except OrganiserError as error:
        print(f"role not changed: {error}", file=sys.stderr)
        return 1
    print(f"{changed} is now {role}")
    return 0


def _set_password(settings: Settings, email: str) -> int:
    return _with_new_password(
        lambda password: set_password(settings, email, password),
        "password not changed",
        "new password set for {}; all their sessions are ended",
    )


if __name__ == "__main__":
    sys.exit(main())
