"""The feed benchmark: ``python -m tests.bench.feeds [--events 1000] [--duration 5]``.

A fresh SQLite file with 1,000 published events; then, in one run and one server at a time:

1. the hello baseline (as in ``tests.bench.run``);
2. Treffpunkt's first ``GET /calendar.ics`` on a freshly started server: nothing cached, the
   whole feed read and rendered (the issue asks for under 100 ms), timed by the client, plus
   the rendering alone measured in this process;
3. the cached feed under load: calendar programs poll with ``If-None-Match``, so the load
   generator does too and every answer must be 304; and full ``200`` answers for comparison
   (each one about 500 KB, so they measure the network stack more than the app).

Timings are printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from app.calendar.ical import feed_ics
from app.db.database import Database
from app.db.mapping import event_to_row
from app.db.tables import Event as EventTable
from app.domain.model import EventFormat
from app.services.calendars import FeedFilter, feed_events
from tests.bench.run import Options, load, say
from tests.bench.servers import app_server, get, hello_server, running
from tests.conftest import make_event

#: The issue's targets.
FIRST_RENDER_LIMIT_MS = 100.0
CACHED_RATIO_TARGET = 0.40


async def _fill(database_url: str, count: int) -> float:
    """``count`` published events in a new database; returns the in-process render time (ms)."""
    now = dt.datetime.now(dt.UTC)
    db = Database.from_url(database_url)
    await db.connect()
    try:
        await db.migrate()
        formats = (EventFormat.IN_PERSON, EventFormat.ONLINE, EventFormat.HYBRID)
        rows = []
        for number in range(count):
            start = now + dt.timedelta(days=number % 300, hours=number % 7)
            event = make_event(
                now,
                slug=f"veranstaltung-{number}",
                title=f"Partnerschaftstreffen Nr. {number}: Städte, Kreise und Gemeinden",
                teaser="Austausch über kommunale Partnerschaften mit der Ukraine; Вітаємо!",
                format=formats[number % 3],
                starts_at=start,
                ends_at=start + dt.timedelta(hours=3),
                series="Reallabor" if number % 10 == 0 else "",
            )
            rows.append(EventTable(**event_to_row(event)))
        async with db.transaction():
            await EventTable.insert(*rows)
        started = time.perf_counter()
        events = await feed_events(FeedFilter(), now)
        feed_ics(
            events,
            name="Treffpunkt",
            uid_domain="treffpunkt.example",
            base_url="https://treffpunkt.example",
            now=now,
        )
        return (time.perf_counter() - started) * 1000
    finally:
        await db.close()


def main(argv: Sequence[str] | None = None) -> None:
    """Run the feed benchmark."""
    parser = argparse.ArgumentParser(prog="python -m tests.bench.feeds", description=__doc__)
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--connections", type=int, default=32)
    arguments = parser.parse_args(argv)
    options = Options(
        duration=arguments.duration,
        warmup=arguments.warmup,
        connections=arguments.connections,
        postgres=None,
        skip_stock=True,
        json_path=None,
    )
    with tempfile.TemporaryDirectory(prefix="treffpunkt-feeds-") as folder:
        directory = Path(folder)
        database_url = f"sqlite:///{directory / 'feeds.sqlite3'}"
        say(f"preparing {arguments.events} events …")
        in_process_ms = asyncio.run(_fill(database_url, arguments.events))

        with running(hello_server(directory)) as hello:
            baseline = load(hello, "GET /hello", "/hello", options)

        server = app_server("kept", directory, database_url, engine="kept", bench_slug="")
        with running(server):
            started = time.perf_counter()
            status, body, headers = get(server.port, "/calendar.ics")
            first_ms = (time.perf_counter() - started) * 1000
            etag = {name.lower(): value for name, value in headers}.get("etag", "")
            events_in_feed = body.count("BEGIN:VEVENT")
            not_modified = load(
                server,
                "GET /calendar.ics (304)",
                "/calendar.ics",
                options,
                headers=[f"If-None-Match: {etag}"],
                expect=304,
            )
            full = load(server, "GET /calendar.ics (200)", "/calendar.ics", options)

    ratio = not_modified.ok_rps / baseline.ok_rps
    say()
    say(f"feed of {arguments.events} events ({events_in_feed} VEVENTs, {len(body) // 1024} KB)")
    say(
        f"  first answer of a fresh server : {first_ms:7.1f} ms (status {status}; target < "
        f"{FIRST_RENDER_LIMIT_MS:.0f} ms)"
    )
    say(f"  query + render in process      : {in_process_ms:7.1f} ms")
    say(f"  hello baseline                 : {baseline.ok_rps:7.0f} req/s")
    say(
        f"  cached feed, 304 answers       : {not_modified.ok_rps:7.0f} req/s = {ratio:.2f} × hello"
        f" (target ≥ {CACHED_RATIO_TARGET:.2f})"
    )
    say(
        f"  cached feed, full 200 answers  : {full.ok_rps:7.0f} req/s "
        f"({full.ok_rps * len(body) / 1e6:.0f} MB/s)"
    )


if __name__ == "__main__":
    main()
