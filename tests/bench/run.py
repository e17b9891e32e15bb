"""The benchmark: ``python -m tests.bench.run [--quick] [--postgres URL]``.

One run, every server up at once on 127.0.0.1, measured in interleaved rounds: in each round
every subject is loaded for ``--duration`` seconds in turn, so a drift of the shared machine
touches every subject alike; each subject's figure is the median of its rounds, and every ratio
divides medians of this run. The subjects:

- ``hello``: the smallest Litestar app (``tests.bench.hello``), the ceiling of machine and stack;
- ``render``: ``templates/event.html`` rendered with the event page's own context, no database
  (``tests.bench.render``);
- ``insert``: one parameterised INSERT per POST on one kept aiosqlite connection (and on an
  asyncpg pool with ``--postgres``) — the ceiling of a registration (``tests.bench.insert``);
- ``page``: Treffpunkt's event page, and ``register``: a full registration — GET the event page
  for its CSRF cookie and token, POST the form with an address never used before — on an event
  of 200 seats with a waiting list, so most registrations take the waiting-list path; both on
  SQLite and (with ``--postgres``) PostgreSQL, each with one and with two processes
  (``python -m app serve --workers N``, as in production).

The bare apps run under the uvicorn settings of ``serve`` (``tests.bench.bare``); the load
generator (``tests.bench.loadgen``) runs in a process of its own with the same connections for
every subject. CPU ms per request is the server's CPU time (all its processes) over the
measured phase divided by the answers. After the rounds the database must hold exactly as many
registrations as there were 303 answers.

Then the growth table, on SQLite with one process: the event page, a registration (waiting-list
path) and the organiser's registrations list with 100, 1,000 and 10,000 registrations on the
event (inserted directly, in bulk), one connection, ms per request and the ratio to the first
row; and the first ``GET /`` and ``GET /calendar.ics`` of a fresh server with 1,000 and 10,000
published events.

Each target is printed with PASS or MISS beside the measured value. Timings are never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import re
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlencode

from app import paths
from app.clock import system_clock
from app.db.database import Database
from app.db.tables import Event as EventTable
from app.db.tables import Registration as RegistrationTable
from app.domain.model import AttendanceMode, RegistrationStatus
from app.services import events as event_service
from tests.bench.events import bench_event, fill_events
from tests.bench.servers import (
    APP_ENVIRONMENT,
    ROOT,
    Server,
    app_server,
    bare_server,
    get,
    post_form,
    running,
)

T = TypeVar("T")

# --- what to run -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Options:
    """What the command line asked for."""

    rounds: int = 3
    duration: float = 3.0
    warmup: float = 1.0
    connections: int = 50
    postgres: str | None = None
    #: Registrations already on the event, per row of the growth table.
    growth_registrations: tuple[int, ...] = (100, 1_000, 10_000)
    #: Published events, per row of the events growth table.
    growth_events: tuple[int, ...] = (1_000, 10_000)
    #: Seconds each growth measurement runs (one connection).
    growth_duration: float = 1.5
    json_path: Path | None = None


QUICK = {
    "rounds": 1,
    "duration": 1.0,
    "warmup": 0.5,
    "growth_registrations": (100, 1_000),
    "growth_events": (1_000,),
    "growth_duration": 0.8,
}


class Targets:
    """The issue's targets (issue 15, point 4)."""

    PAGE_PER_HELLO = 0.40
    PAGE_CPU_MS = 0.6
    SQLITE_REGISTER_PER_INSERT = 0.5
    SQLITE_REGISTER_P99_MS = 100.0
    PG_REGISTER_PER_INSERT = 0.3
    TWO_PROCESSES_PER_ONE = 1.3
    GROWTH_FACTOR = 1.5
    ORGANISER_LIST_MS = 50.0


class OrganiserUrls:
    """The organiser pages the benchmark visits, named in this one place."""

    SIGN_IN = paths.sign_in()

    @staticmethod
    def registrations(event_id: int) -> str:
        """The first page of one event's registrations list."""
        return paths.registrations(event_id)


ORGANISER_EMAIL = "bench-orga@example.org"
ORGANISER_PASSWORD = "bench-organiser-password"

#: The registration form's fields besides the token; ``{n}`` makes each address new.
FORM_FIELDS = {
    "first_name": "Bench",
    "last_name": "Mark",
    "organisation": "Lasttest e.V.",
    "job_title": "Messung",
    "language": "de",
    "consent": "on",
}


def form_body(address_prefix: str) -> str:
    """The urlencoded form with a unique address per ``{n}``."""
    # urlencode would escape the braces of the loader's {n} placeholder, so it goes in last.
    return urlencode(FORM_FIELDS) + f"&email={address_prefix}-" + "{n}" + "%40example.org"


def say(text: str = "") -> None:
    """Print progress at once (the run takes minutes)."""
    print(text, flush=True)


# --- the load generator ------------------------------------------------------------------------


def load(
    server: Server,
    path: str,
    *,
    connections: int,
    duration: float,
    warmup: float,
    method: str = "GET",
    body: str | None = None,
    headers: Sequence[str] = (),
    expect: int = 200,
    register: bool = False,
) -> dict[str, Any]:
    """Run the load generator against ``server`` in its own process; its JSON summary."""
    command = [sys.executable, "-m", "tests.bench.loadgen", "--url", server.base_url + path]
    command += ["--method", method, "--connections", str(connections)]
    command += ["--duration", str(duration), "--warmup", str(warmup), "--expect", str(expect)]
    command += ["--server-pid", str(server.pid)]
    for header in headers:
        command += ["--header", header]
    if body is not None:
        command += ["--body", body]
    if register:
        command.append("--register")
    completed = subprocess.run(
        command,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=warmup + duration + 120,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"load generator failed:\n{completed.stderr[-3000:]}")
    return dict(json.loads(completed.stdout))


def ok_per_second(result: dict[str, Any]) -> float:
    """Answers with the expected status per second of the measured phase."""
    seconds = float(result["seconds"])
    ok = result["status"].get(str(result["expected_status"]), 0)
    return ok / seconds if seconds else 0.0


def answered(result: dict[str, Any]) -> int:
    """Answers with the expected status, warm-up included (each one a stored row, for POSTs)."""
    expected = str(result["expected_status"])
    return int(result["status"].get(expected, 0)) + int(
        result.get("warmup", {}).get("status", {}).get(expected, 0)
    )


# --- the interleaved rounds --------------------------------------------------------------------


@dataclass
class Subject:
    """One line of the main table: a server and what is asked of it."""

    name: str
    server: Server
    path: str
    method: str = "GET"
    expect: int = 200
    register: bool = False
    #: For POSTs: (database URL, event slug or "" for the bare insert table) to count rows in.
    stored_in: tuple[str, str] | None = None
    results: list[dict[str, Any]] = field(default_factory=list)

    def run_round(self, options: Options, round_number: int, run_id: str) -> dict[str, Any]:
        """Load the subject once; every round registers addresses of its own."""
        body = None
        if self.method == "POST" or self.register:
            tag = re.sub(r"\W+", "-", self.name).strip("-")
            body = form_body(f"bench-{run_id}-{tag}-r{round_number}")
        headers = ["Content-Type: application/x-www-form-urlencoded"] if body else []
        result = load(
            self.server,
            self.path,
            connections=options.connections,
            duration=options.duration,
            warmup=options.warmup,
            method=self.method,
            body=body,
            headers=headers if not self.register else [],
            expect=self.expect,
            register=self.register,
        )
        self.results.append(result)
        return result

    def median(self, read: Callable[[dict[str, Any]], float]) -> float:
        """The median over the rounds of ``read(result)``."""
        return statistics.median(read(result) for result in self.results)

    @property
    def rate(self) -> float:
        """Median ok answers per second."""
        return self.median(ok_per_second)

    @property
    def cpu_ms(self) -> float:
        """Median server CPU ms per request."""
        return self.median(lambda r: float(r.get("server_cpu_ms", 0.0)))

    @property
    def p99_ms(self) -> float:
        """Median of the rounds' p99 latencies."""
        return self.median(lambda r: float(r["p99_ms"]))

    @property
    def bad(self) -> int:
        """Errors and answers other than the expected one, in all rounds, warm-ups included."""
        return sum(int(r.get("unexpected", r["errors"])) for r in self.results)

    @property
    def answered(self) -> int:
        """Expected answers in all rounds, warm-ups included."""
        return sum(answered(r) for r in self.results)


def describe(result: dict[str, Any]) -> str:
    """The statuses and errors of one load."""
    text = " ".join(f"{code}:{count}" for code, count in result["status"].items())
    if result["errors"]:
        kinds = ",".join(f"{kind}×{n}" for kind, n in result["error_kinds"].items())
        text += f" errors:{result['errors']}({kinds})"
    return text


def run_rounds(subjects: Sequence[Subject], options: Options, run_id: str) -> None:
    """R rounds; in each, every subject in turn."""
    for round_number in range(1, options.rounds + 1):
        say(f"round {round_number} of {options.rounds}")
        for subject in subjects:
            result = subject.run_round(options, round_number, run_id)
            say(
                f"  {subject.name:<20} {ok_per_second(result):>8.1f}/s  "
                f"p99 {result['p99_ms']:>8.1f} ms  CPU {result.get('server_cpu_ms', 0):>6.2f} "
                f"ms/req  {describe(result)}"
            )


# --- databases ---------------------------------------------------------------------------------


def in_database(database_url: str, work: Callable[[Database], Awaitable[T]]) -> T:
    """``work`` on a connected, migrated database, all in one event loop (asyncpg's pool
    belongs to the loop it was made in)."""

    async def connected() -> T:
        db = Database.from_url(database_url)
        await db.connect()
        try:
            await db.migrate()
            return await work(db)
        finally:
            await db.close()

    return asyncio.run(connected())


async def _nothing(_: Database) -> None:
    """Work for :func:`in_database` when migrating is all."""


def create_events(database_url: str, slugs: Sequence[str], capacity: int) -> dict[str, int]:
    """The benchmark events by slug: their ids."""

    async def create(db: Database) -> dict[str, int]:
        now = system_clock()
        created = {}
        for slug in slugs:
            event = await event_service.create_event(db, bench_event(now, slug, capacity=capacity))
            created[slug] = event.id
        return created

    return in_database(database_url, create)


async def _count(database_url: str, query: str, *values: Any) -> int:
    db = Database.from_url(database_url)
    await db.connect()
    try:
        rows = await EventTable.raw(query, *values)
        return int(next(iter(rows[0].values())))
    finally:
        await db.close()


def count_stored(database_url: str, slug: str) -> int:
    """Registrations of event ``slug``; with no slug, the rows of the bare insert table."""
    if not slug:
        return asyncio.run(_count(database_url, "SELECT count(*) AS n FROM bench_insert"))
    query = 'SELECT count(*) AS n FROM registration r JOIN "event" e ON r.event = e.id'
    return asyncio.run(_count(database_url, query + " WHERE e.slug = {}", slug))


def add_registrations(database_url: str, event_id: int, first: int, count: int) -> None:
    """``count`` registrations straight into the database, numbered from ``first``.

    The first ``capacity`` are confirmed, the rest wait: what the event would hold had they
    registered through the form.
    """

    async def insert(db: Database) -> None:
        now = system_clock()
        event = await event_service.get_with_access(event_id)
        capacity = event.in_person_seats.capacity or 0
        waitlisted, confirmed = RegistrationStatus.WAITLISTED, RegistrationStatus.CONFIRMED
        rows = []
        for number in range(first, first + count):
            address = f"growth-{number}@example.org"
            waits = number >= capacity
            rows.append(
                RegistrationTable(
                    event=event_id,
                    token=secrets.token_urlsafe(24),
                    first_name="Wachs",
                    last_name=f"Tum {number}",
                    email=address,
                    email_normalised=address,
                    mode=AttendanceMode.IN_PERSON.value,
                    status=(waitlisted if waits else confirmed).value,
                    consent_version="bench",
                    consent_at=now,
                    confirmed_at=None if waits else now,
                    waitlisted_at=now if waits else None,
                )
            )
        async with db.transaction():
            for start in range(0, len(rows), 500):
                await RegistrationTable.insert(*rows[start : start + 500])
            await EventTable.update(
                {EventTable.seats_taken_in_person: min(first + count, capacity)}
            ).where(EventTable.id == event_id)

    in_database(database_url, insert)


def remove_postgres_leftovers(database_url: str, slug_prefix: str) -> None:
    """Delete this run's events (their registrations go by cascade) and the insert table."""

    async def remove() -> None:
        import asyncpg

        connection = await asyncpg.connect(database_url)
        try:
            await connection.execute('DELETE FROM "event" WHERE slug LIKE $1', slug_prefix + "%")
            await connection.execute("DROP TABLE IF EXISTS bench_insert")
        finally:
            await connection.close()

    asyncio.run(remove())


# --- signing in --------------------------------------------------------------------------------


def organiser_cookie(server: Server, database_url: str) -> str:
    """Make an organiser account on the database and sign in: the cookies of the session."""
    created = subprocess.run(
        [sys.executable, "-m", "app", "create-organiser", "--email", ORGANISER_EMAIL],
        cwd=ROOT,
        env={**os.environ, **APP_ENVIRONMENT, "DATABASE_URL": database_url},
        input=f"{ORGANISER_PASSWORD}\n{ORGANISER_PASSWORD}\n",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if created.returncode != 0 and "exists already" not in created.stderr:
        raise RuntimeError(f"create-organiser failed: {created.stderr[-500:]}")
    status, html, headers = get(server.port, OrganiserUrls.SIGN_IN)
    cookies = {
        value.split("=", 1)[0]: value.split(";", 1)[0]
        for name, value in headers
        if name.lower() == "set-cookie"
    }
    match = re.search(r'name="_csrf_token" value="([^"]+)"', html)
    if status != 200 or match is None:
        raise RuntimeError(f"the sign-in page answered {status} without a CSRF field")
    body = urlencode(
        {"_csrf_token": match.group(1), "email": ORGANISER_EMAIL, "password": ORGANISER_PASSWORD}
    )
    status, _, headers = post_form(
        server.port, OrganiserUrls.SIGN_IN, body, {"Cookie": "; ".join(cookies.values())}
    )
    for name, value in headers:
        if name.lower() == "set-cookie":
            cookies[value.split("=", 1)[0]] = value.split(";", 1)[0]
    if status != 303 or "treffpunkt_session" not in cookies:
        raise RuntimeError(f"signing in answered {status} without a session")
    return "; ".join(cookies.values())


# --- growth ------------------------------------------------------------------------------------


@dataclass
class GrowthRow:
    """One size of the growth table: ms per request (one connection) and CPU ms per request."""

    size: int
    ms: dict[str, float] = field(default_factory=dict)
    cpu_ms: dict[str, float] = field(default_factory=dict)


def per_request_ms(result: dict[str, Any]) -> float:
    """Wall time per request at one connection: the median, which a stray pause of the shared
    machine moves less than the mean."""
    return float(result["p50_ms"]) if result["requests"] else float("nan")


#: The growth table's columns for registrations.
PAGE, REGISTRATION, ORGANISER_LIST = "event page", "registration", "organiser list"


def registration_growth(
    server: Server, database_url: str, options: Options, run_id: str, problems: list[str]
) -> list[GrowthRow]:
    """Page, registration and organiser list with more and more registrations on the event."""
    slug = f"bench-{run_id}-growth"
    # Few seats, so even the first row registers onto the waiting list.
    event_id = create_events(database_url, [slug], capacity=50)[slug]
    cookie = organiser_cookie(server, database_url)
    rows = []
    stored = 0
    for size in options.growth_registrations:
        add_registrations(database_url, event_id, stored, size - stored)
        stored = size
        row = GrowthRow(size)
        loads: dict[str, dict[str, Any]] = {
            PAGE: {"path": paths.event(slug)},
            REGISTRATION: {
                "path": paths.event(slug),
                "register": True,
                "body": form_body(f"bench-{run_id}-growth-{size}"),
                "expect": 303,
            },
            ORGANISER_LIST: {
                "path": OrganiserUrls.registrations(event_id),
                "headers": [f"Cookie: {cookie}"],
            },
        }
        for column, arguments in loads.items():
            # One untimed request instead of a warm-up phase: at 10,000 registrations a single
            # answer may take longer than a warm-up, which would leave nothing measured.
            get(
                server.port,
                arguments["path"],
                dict(h.split(": ", 1) for h in arguments.get("headers", [])),
            )
            result = load(
                server, connections=1, duration=options.growth_duration, warmup=0, **arguments
            )
            if result.get("unexpected"):
                problems.append(f"growth {size} {column}: {describe(result)}")
            row.ms[column] = per_request_ms(result)
            row.cpu_ms[column] = float(result.get("server_cpu_ms", 0.0))
            stored += answered(result) if column == REGISTRATION else 0
        say(
            f"  {size:>6} registrations: "
            + ", ".join(f"{column} {row.ms[column]:.1f} ms" for column in loads)
        )
        rows.append(row)
    return rows


def timed_get(server: Server, path: str) -> tuple[float, int]:
    """One GET, timed by the client: (ms, status)."""
    started = time.perf_counter()
    status = get(server.port, path)[0]
    return (time.perf_counter() - started) * 1000, status


#: The events growth table's columns: first answers of a fresh server.
FIRST_INDEX, FIRST_FEED = "first GET /", "first GET /calendar.ics"


def events_growth(directory: Path, options: Options, problems: list[str]) -> list[GrowthRow]:
    """The first event list and feed of a fresh server with more and more published events."""
    rows = []
    for size in options.growth_events:
        database_url = f"sqlite:///{directory / f'events-{size}.sqlite3'}"
        in_database(database_url, _nothing)
        asyncio.run(fill_events(database_url, size, system_clock()))
        server = app_server(f"events-{size}", directory, database_url)
        with running([server]):
            row = GrowthRow(size)
            for column, path in ((FIRST_INDEX, "/"), (FIRST_FEED, "/calendar.ics")):
                try:
                    ms, status = timed_get(server, path)
                except TimeoutError:
                    problems.append(f"{size} events, {path}: no answer within 60 s")
                    ms, status = float("nan"), 0
                if status != 200:
                    problems.append(f"{size} events, {path}: status {status}")
                row.ms[column] = ms
        say(
            f"  {size:>6} events: "
            + ", ".join(f"{column} {ms:.0f} ms" for column, ms in row.ms.items())
        )
        rows.append(row)
    return rows


# --- the run -----------------------------------------------------------------------------------


@dataclass
class Results:
    """Everything measured in one run."""

    subjects: list[Subject] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    registration_growth: list[GrowthRow] = field(default_factory=list)
    events_growth: list[GrowthRow] = field(default_factory=list)

    def find(self, name: str) -> Subject | None:
        """The subject called ``name``."""
        return next((s for s in self.subjects if s.name == name), None)


def app_subjects(
    label: str, database_url: str, directory: Path, run_id: str
) -> tuple[list[Server], list[Subject]]:
    """Treffpunkt with one and two processes on one database: page and registration each."""
    servers, subjects = [], []
    page_slug = f"bench-{run_id}-{label}-page"
    register_slugs = {workers: f"bench-{run_id}-{label}-{workers}" for workers in (1, 2)}
    create_events(database_url, [page_slug, *register_slugs.values()], capacity=200)
    for workers, slug in register_slugs.items():
        server = app_server(f"{label}-{workers}", directory, database_url, workers=workers)
        servers.append(server)
        subjects.append(Subject(f"page {label} ×{workers}", server, paths.event(page_slug)))
        subjects.append(
            Subject(
                f"register {label} ×{workers}",
                server,
                paths.event(slug),
                expect=303,
                register=True,
                stored_in=(database_url, slug),
            )
        )
    return servers, subjects


def insert_subject(label: str, database_url: str, directory: Path) -> Subject:
    """The bare insert on ``database_url``."""
    server = bare_server(
        f"insert-{label}",
        "tests.bench.insert:app",
        directory,
        "/ready",
        {"BENCH_INSERT_DATABASE_URL": database_url},
    )
    return Subject(
        f"insert {label}",
        server,
        "/insert",
        method="POST",
        expect=303,
        stored_in=(database_url, ""),
    )


def run(options: Options) -> Results:
    """Prepare the databases, start every server, run the rounds, check, then the growth."""
    results = Results()
    run_id = secrets.token_hex(4)
    with tempfile.TemporaryDirectory(prefix="treffpunkt-bench-") as temporary:
        directory = Path(temporary)
        hello = bare_server("hello", "tests.bench.hello:app", directory, "/hello")
        render = bare_server("render", "tests.bench.render:app", directory, "/event")
        subjects = [Subject("hello", hello, "/hello"), Subject("render", render, "/event")]
        sqlite_url = f"sqlite:///{directory / 'app.sqlite3'}"
        insert_url = f"sqlite:///{directory / 'insert.sqlite3'}"
        subjects.append(insert_subject("sqlite", insert_url, directory))
        sqlite_servers, sqlite_subjects = app_subjects("sqlite", sqlite_url, directory, run_id)
        subjects += sqlite_subjects
        servers = [hello, render, subjects[2].server, *sqlite_servers]
        if options.postgres:
            in_database(options.postgres, _nothing)  # so an interrupted run's leftovers can go
            remove_postgres_leftovers(options.postgres, "bench-")
            subjects.append(insert_subject("pg", options.postgres, directory))
            pg_servers, pg_subjects = app_subjects("pg", options.postgres, directory, run_id)
            subjects += pg_subjects
            servers += [subjects[-5].server, *pg_servers]
        results.subjects = subjects
        try:
            say(f"starting {len(servers)} servers …")
            with running(servers):
                run_rounds(subjects, options, run_id)
                for subject in subjects:
                    if subject.stored_in is not None:
                        stored = count_stored(*subject.stored_in)
                        verdict = "OK" if stored == subject.answered else "MISMATCH"
                        results.checks.append(
                            f"{subject.name}: {stored} rows stored, "
                            f"{subject.answered} answers 303: {verdict}"
                        )
                for server in servers:
                    for line, count in server.error_summary():
                        results.problems.append(f"{server.name} server log, {count}×: {line}")
                say("growth: registrations on one event (SQLite, one process, one connection)")
                results.registration_growth = registration_growth(
                    sqlite_servers[0], sqlite_url, options, run_id, results.problems
                )
            say("growth: published events (SQLite, fresh server)")
            results.events_growth = events_growth(directory, options, results.problems)
        finally:
            if options.postgres:
                try:
                    remove_postgres_leftovers(options.postgres, f"bench-{run_id}")
                except Exception as error:  # report, but never lose the measurements
                    results.problems.append(f"pg: could not clean up: {error}")
    return results


# --- the report --------------------------------------------------------------------------------


def verdict(passed: bool) -> str:
    """PASS or MISS."""
    return "PASS" if passed else "MISS"


def ratio_line(
    results: Results, label: str, numerator: str, denominator: str, target: float | None
) -> str | None:
    """``PASS label: a/b = x (target ≥ t)`` from the medians, or None if not measured."""
    top, bottom = results.find(numerator), results.find(denominator)
    if top is None or bottom is None or not bottom.rate:
        return None
    value = top.rate / bottom.rate
    text = f"{label}: {top.rate:.0f}/s ÷ {bottom.rate:.0f}/s = {value:.2f}"
    if target is None:
        return f"        {text}"
    return f"  {verdict(value >= target)}  {text} (target ≥ {target:.2f})"


def target_lines(results: Results) -> list[str]:
    """Every target with its measured value and PASS or MISS."""
    lines = []
    page = results.find("page sqlite ×1")
    lines.append(
        ratio_line(results, "event page ÷ hello", "page sqlite ×1", "hello", Targets.PAGE_PER_HELLO)
    )
    if page:
        lines.append(
            f"  {verdict(page.cpu_ms <= Targets.PAGE_CPU_MS)}  event page CPU: "
            f"{page.cpu_ms:.2f} ms per request (target ≤ {Targets.PAGE_CPU_MS})"
        )
    lines.append(
        ratio_line(
            results,
            "registration ÷ bare insert, SQLite",
            "register sqlite ×1",
            "insert sqlite",
            Targets.SQLITE_REGISTER_PER_INSERT,
        )
    )
    registration = results.find("register sqlite ×1")
    if registration:
        lines.append(
            f"  {verdict(registration.p99_ms <= Targets.SQLITE_REGISTER_P99_MS)}  registration "
            f"p99, SQLite: {registration.p99_ms:.0f} ms (target ≤ "
            f"{Targets.SQLITE_REGISTER_P99_MS:.0f} ms)"
        )
        stored = [c for c in results.checks if c.startswith("register sqlite")]
        clean = registration.bad == 0 and all(c.endswith("OK") for c in stored)
        lines.append(
            f"  {verdict(clean)}  registrations, SQLite: {registration.bad} errors or other "
            "answers; every 303 stored: " + ("yes" if clean else "see the checks")
        )
    lines.append(
        ratio_line(
            results,
            "registration ÷ bare insert, PostgreSQL",
            "register pg ×1",
            "insert pg",
            Targets.PG_REGISTER_PER_INSERT,
        )
    )
    lines.append(
        ratio_line(
            results,
            "registrations, 2 processes ÷ 1, PostgreSQL",
            "register pg ×2",
            "register pg ×1",
            Targets.TWO_PROCESSES_PER_ONE,
        )
    )
    for name, label in (
        ("register sqlite", "registrations, 2 processes ÷ 1, SQLite"),
        ("page sqlite", "event page, 2 processes ÷ 1, SQLite"),
        ("page pg", "event page, 2 processes ÷ 1, PostgreSQL"),
    ):
        lines.append(ratio_line(results, label, f"{name} ×2", f"{name} ×1", None))
    lines.append(ratio_line(results, "bare render ÷ hello", "render", "hello", None))
    lines.append(ratio_line(results, "event page ÷ bare render", "page sqlite ×1", "render", None))
    return [line for line in lines if line]


def growth_lines(results: Results) -> list[str]:
    """The growth tables, ratios to their first row, and the growth targets."""
    lines: list[str] = []
    rows = results.registration_growth
    if rows:
        columns = [PAGE, REGISTRATION, ORGANISER_LIST]
        lines += [
            "",
            "growth: registrations already on the event (median ms per request at one "
            "connection, server CPU ms per request, × the first row's ms)",
            f"{'registrations':>13}  " + "  ".join(f"{column:>32}" for column in columns),
        ]
        first = rows[0]
        for row in rows:
            cells = [
                f"{row.ms[c]:>8.1f} ms {row.cpu_ms[c]:>7.2f} CPU ×{row.ms[c] / first.ms[c]:>5.2f}"
                for c in columns
            ]
            lines.append(f"{row.size:>13,}  " + "  ".join(f"{cell:>32}" for cell in cells))
        last = rows[-1]
        for column in (PAGE, REGISTRATION):
            growth = last.ms[column] / first.ms[column]
            lines.append(
                f"  {verdict(growth <= Targets.GROWTH_FACTOR)}  {column} from {first.size:,} to "
                f"{last.size:,} registrations: ×{growth:.2f} (target ≤ ×{Targets.GROWTH_FACTOR})"
            )
        listing = last.ms[ORGANISER_LIST]
        lines.append(
            f"  {verdict(listing < Targets.ORGANISER_LIST_MS)}  organiser list of "
            f"{last.size:,} registrations: {listing:.0f} ms (target < "
            f"{Targets.ORGANISER_LIST_MS:.0f} ms)"
        )
    if results.events_growth:
        first = results.events_growth[0]
        lines += ["", "growth: published events (first answer of a fresh server, ms, × first row)"]
        for row in results.events_growth:
            lines.append(
                f"{row.size:>13,}  "
                + "  ".join(
                    f"{column} {ms:>7.0f} ms ×{ms / first.ms[column]:>5.2f}"
                    for column, ms in row.ms.items()
                )
            )
    return lines


def report(results: Results, options: Options) -> str:
    """The table, the targets, the checks and the growth tables as text."""
    hello = results.find("hello")
    baseline = hello.rate if hello else 0.0
    lines = [
        "",
        f"Treffpunkt benchmark {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC — "
        f"{os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.1f}, Python {platform.python_version()}, "
        f"uvicorn {version('uvicorn')}, litestar {version('litestar')}, "
        f"piccolo {version('piccolo')}",
        f"{options.rounds} interleaved rounds of {options.warmup:g} s warm-up + "
        f"{options.duration:g} s per subject, {options.connections} keep-alive connections; "
        "medians of the rounds",
        "ok/s = answers 200 (GET) or 303 (POST, registration) per second; a registration is "
        "GET page + POST form; CPU = server CPU ms per request (all its processes)",
        "",
        f"{'subject':<20} {'ok/s':>9} {'min–max':>15} {'× hello':>8} {'p50 ms':>8} "
        f"{'p99 ms':>8} {'CPU ms':>7} {'bad':>5}",
    ]
    lines.append("-" * len(lines[-1]))
    for subject in results.subjects:
        if not subject.results:
            continue
        rates = [ok_per_second(r) for r in subject.results]
        spread = f"{min(rates):.0f}–{max(rates):.0f}"
        times = f"{baseline and subject.rate / baseline:.3f}"
        lines.append(
            f"{subject.name:<20} {subject.rate:>9.1f} {spread:>15} {times:>8} "
            f"{subject.median(lambda r: float(r['p50_ms'])):>8.1f} {subject.p99_ms:>8.1f} "
            f"{subject.cpu_ms:>7.2f} {subject.bad:>5}"
        )
    lines += ["", "targets (issue 15):", *target_lines(results)]
    lines += growth_lines(results)
    lines += ["", "database check after the rounds:"]
    lines += [f"  {check}" for check in results.checks]
    if results.problems:
        lines += ["", "problems:"]
        lines += [f"  {problem}" for problem in results.problems]
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    """The command line."""
    defaults = Options()
    parser = argparse.ArgumentParser(prog="python -m tests.bench.run", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a ~1 minute smoke run")
    parser.add_argument("--rounds", type=int, default=None, help=f"default {defaults.rounds}")
    parser.add_argument(
        "--duration", type=float, default=None, help=f"seconds per subject, {defaults.duration}"
    )
    parser.add_argument(
        "--connections", type=int, default=defaults.connections, help="concurrent connections"
    )
    parser.add_argument("--postgres", metavar="URL", default=None, help="also measure on this")
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    return parser


def options_from(arguments: argparse.Namespace) -> Options:
    """The options of the command line, ``--quick`` first, explicit values over it."""
    chosen: dict[str, Any] = dict(QUICK) if arguments.quick else {}
    if arguments.rounds is not None:
        chosen["rounds"] = arguments.rounds
    if arguments.duration is not None:
        chosen["duration"] = arguments.duration
    return Options(
        connections=arguments.connections,
        postgres=arguments.postgres,
        json_path=arguments.json,
        **chosen,
    )


def _terminate(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print the report; 1 if an answer or a count was wrong."""
    options = options_from(build_parser().parse_args(argv))
    # SIGTERM unwinds like Ctrl-C, so every server is stopped and the temporary files go.
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even if started with it ignored
    started = time.monotonic()
    try:
        results = run(options)
    except KeyboardInterrupt:
        print("\ninterrupted: servers stopped, temporary files removed", file=sys.stderr)
        return 130
    say(report(results, options))
    say(f"\n(run took {time.monotonic() - started:.0f} s)")
    if options.json_path:
        payload = {
            "subjects": {s.name: s.results for s in results.subjects},
            "registration_growth": [vars(row) for row in results.registration_growth],
            "events_growth": [vars(row) for row in results.events_growth],
            "checks": results.checks,
            "problems": results.problems,
        }
        options.json_path.write_text(json.dumps(payload, indent=2))
    mismatch = any("MISMATCH" in check for check in results.checks)
    failed = any(subject.bad for subject in results.subjects)
    return 1 if mismatch or failed or results.problems else 0


if __name__ == "__main__":
    sys.exit(main())
