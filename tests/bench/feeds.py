"""The cached-feed benchmark: ``python -m tests.bench.feeds [--events 1000] [--duration 5]``.

A fresh SQLite file with 1,000 published events; the feed's query and rendering timed in this
process; then, one server at a time, the hello baseline and the cached feed under load:
calendar programs poll with ``If-None-Match``, so the load generator does too and every answer
must be 304; and full ``200`` answers for comparison (each one about 500 KB, so they measure
the network stack more than the app). The first answer of a fresh server, with 1,000 and 10,000
events, is in the growth table of ``tests.bench.run``.

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

from app.calendar.ical import Organiser, feed_ics
from app.db.database import Database
from app.services.calendars import FeedFilter, feed_events
from tests.bench.events import fill_events
from tests.bench.run import load, ok_per_second, say
from tests.bench.servers import app_server, bare_server, get, running

#: The issue's target for the cached feed.
CACHED_RATIO_TARGET = 0.40


async def _fill(database_url: str, count: int) -> float:
    """``count`` published events in a new database; returns the in-process render time (ms)."""
    now = dt.datetime.now(dt.UTC)
    db = Database.from_url(database_url)
    await db.connect()
    try:
        await db.migrate()
    finally:
        await db.close()
    await fill_events(database_url, count, now)
    await db.connect()
    try:
        started = time.perf_counter()
        events = await feed_events(FeedFilter(), now)
        feed_ics(
            events,
            name="Treffpunkt",
            uid_domain="treffpunkt.example",
            base_url="https://treffpunkt.example",
            now=now,
            organiser=Organiser("Treffpunkt", "team@treffpunkt.example"),
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
    timing = {
        "connections": arguments.connections,
        "duration": arguments.duration,
        "warmup": arguments.warmup,
    }
    with tempfile.TemporaryDirectory(prefix="treffpunkt-feeds-") as folder:
        directory = Path(folder)
        database_url = f"sqlite:///{directory / 'feeds.sqlite3'}"
        say(f"preparing {arguments.events} events …")
        in_process_ms = asyncio.run(_fill(database_url, arguments.events))

        hello = bare_server("hello", "tests.bench.hello:app", directory, "/hello")
        with running([hello]):
            baseline = ok_per_second(load(hello, "/hello", **timing))

        server = app_server("app", directory, database_url)
        with running([server]):
            _, body, headers = get(server.port, "/calendar.ics")
            etag = {name.lower(): value for name, value in headers}.get("etag", "")
            events_in_feed = body.count("BEGIN:VEVENT")
            not_modified = ok_per_second(
                load(
                    server,
                    "/calendar.ics",
                    headers=[f"If-None-Match: {etag}"],
                    expect=304,
                    **timing,
                )
            )
            full = ok_per_second(load(server, "/calendar.ics", **timing))

    ratio = not_modified / baseline
    verdict = "PASS" if ratio >= CACHED_RATIO_TARGET else "MISS"
    say()
    say(f"feed of {arguments.events} events ({events_in_feed} VEVENTs, {len(body) // 1024} KB)")
    say(f"  query + render in process      : {in_process_ms:7.1f} ms")
    say(f"  hello baseline                 : {baseline:7.0f} req/s")
    say(
        f"  cached feed, 304 answers       : {not_modified:7.0f} req/s = {ratio:.2f} × hello"
        f" (target ≥ {CACHED_RATIO_TARGET:.2f}) {verdict}"
    )
    say(f"  cached feed, full 200 answers  : {full:7.0f} req/s ({full * len(body) / 1e6:.0f} MB/s)")


if __name__ == "__main__":
    main()
