"""The organisers' registrations list of a large event: ``python -m tests.bench.growth_list``.

A fresh database (SQLite, or ``--postgres URL`` of an empty database) with one event of
``--count`` registrations (10,000 by default); then, in process through httpx's ASGI transport
and signed in as an organiser, each page asked ``--repeat`` times: the median time in ms and
the size of the answer. The issue's target: under 50 ms per page at 10,000 registrations.

Timings are printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import httpx

from app.asgi import create_app
from app.clock import system_clock
from app.db.database import Database
from app.domain.model import Seats
from app.services import events, organisers
from app.settings import Settings
from tests.bench.filling import insert_registrations
from tests.conftest import make_event
from tests.web.conftest import cookie_token

EMAIL = "bench@example.org"
PASSWORD = "ein langes Passwort für den Benchmark"
TARGET_MS = 50.0


async def _measure(database_url: str, count: int, repeat: int) -> None:
    now = dt.datetime.now(dt.UTC)
    db = Database.from_url(database_url)
    await db.connect()
    try:
        await db.migrate()
        event = await events.create_event(
            db, make_event(now, slug="gross", in_person_seats=Seats(None, 0))
        )
        started = time.perf_counter()
        await insert_registrations(event.id, count, now)
        print(f"{count} registrations written in {time.perf_counter() - started:.1f} s")
        await organisers.create_organiser(db, EMAIL, PASSWORD, "Bench")
        settings = Settings(database_url=database_url, secret_key="x" * 32, debug=False)
        app = create_app(settings, database=db, clock=system_clock)
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]  # Litestar's TypedDict scope
        async with httpx.AsyncClient(transport=transport, base_url="http://bench.local") as client:
            await client.get("/organiser/sign-in")
            form = {"email": EMAIL, "password": PASSWORD, "_csrf_token": cookie_token(client)}
            await client.post("/organiser/sign-in", data=form)
            base = f"/organiser/events/{event.id}/registrations"
            last_page = (count + 99) // 100
            pages = [
                ("first page", {}),
                ("page 50", {"page": "50"}),
                ("last page", {"page": str(last_page)}),
                ("status=waitlisted", {"status": "waitlisted"}),
                ("q=koval004711 (one match)", {"q": "koval004711"}),
                ("q=олена (a fifth)", {"q": "олена"}),
                ("q=олена, page 10", {"q": "олена", "page": "10"}),
            ]
            print(f"{'page':<28} {'median ms':>10} {'max ms':>8} {'KiB':>7}")
            for label, params in pages:
                times = []
                size = 0
                for _ in range(repeat):
                    started = time.perf_counter()
                    response = await client.get(base, params=params)
                    times.append((time.perf_counter() - started) * 1000)
                    assert response.status_code == 200, response.status_code
                    size = len(response.content)
                print(
                    f"{label:<28} {statistics.median(times):>10.1f} {max(times):>8.1f} "
                    f"{size / 1024:>7.0f}"
                )
            print(f"target: < {TARGET_MS:.0f} ms per page")
    finally:
        await db.close()


def main(argv: Sequence[str] | None = None) -> None:
    """Run the list benchmark."""
    parser = argparse.ArgumentParser(prog="python -m tests.bench.growth_list", description=__doc__)
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--postgres", default=None, help="URL of an empty PostgreSQL database")
    arguments = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="treffpunkt-list-") as folder:
        url = arguments.postgres or f"sqlite:///{Path(folder) / 'list.sqlite3'}"
        asyncio.run(_measure(url, arguments.count, arguments.repeat))


if __name__ == "__main__":
    main()
