"""The organisers' registrations list of a 5,000-person event: ``python -m tests.bench.reglist``.

A fresh database (SQLite, or ``--postgres URL`` of an empty database) with one event asking two
questions and ``--count`` registrations (5,000 by default), half of the confirmed ones checked
in; then, in process through httpx's ASGI transport and signed in as an organiser, each page
asked ``--repeat`` times: the median and the slowest time in ms and the size of the answer. The
pages show the answer columns and the check-in column; the bulk confirmation is asked for a
whole page (100 people). Issue 17's target: under 50 ms per page.

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
from app.db.tables import Registration as RegistrationTable
from app.domain.model import Question, QuestionKind, RegistrationStatus, Seats
from app.services import events, organisers
from app.settings import Settings
from tests.bench.filling import insert_registrations
from tests.conftest import make_event
from tests.web.conftest import cookie_token

EMAIL = "bench@example.org"
PASSWORD = "ein langes Passwort für den Benchmark"
TARGET_MS = 50.0
#: The filler's answers (``lunch``, ``topic``) as the event's questions.
QUESTIONS = (
    Question(key="lunch", label="Mittagessen", kind=QuestionKind.YES_NO),
    Question(key="topic", label="Thema", kind=QuestionKind.TEXT),
)


async def _measure(database_url: str, count: int, repeat: int) -> None:
    now = dt.datetime.now(dt.UTC)
    db = Database.from_url(database_url)
    await db.connect()
    try:
        await db.migrate()
        event = await events.create_event(
            db,
            make_event(now, slug="gross", in_person_seats=Seats(None, 0), questions=QUESTIONS),
        )
        started = time.perf_counter()
        await insert_registrations(event.id, count, now)
        confirmed = RegistrationStatus.CONFIRMED.value
        await RegistrationTable.raw(
            "UPDATE registration SET checked_in_at = {} "
            "WHERE event = {} AND status = {} AND id % 2 = 0",
            now,
            event.id,
            confirmed,
        )
        print(f"{count} registrations written in {time.perf_counter() - started:.1f} s")
        ids = await (
            RegistrationTable.select(RegistrationTable.id)
            .where(RegistrationTable.event == event.id)
            .order_by(RegistrationTable.id)
            .limit(100)
        )
        page_ids = ",".join(str(row["id"]) for row in ids)
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
            pages: list[tuple[str, str, list[tuple[str, str]]]] = [
                ("first page", base, []),
                ("page 25", base, [("page", "25")]),
                ("last page", base, [("page", str(last_page))]),
                ("status=confirmed, page 20", base, [("status", "confirmed"), ("page", "20")]),
                ("mode=online, page 10", base, [("mode", "online"), ("page", "10")]),
                ("one answer column", base, [("columns", "1"), ("cols", "lunch")]),
                ("q=олена (a fifth), page 5", base, [("q", "олена"), ("page", "5")]),
                (
                    "confirm check-in of a page",
                    f"{base}/bulk",
                    [("action", "check_in"), ("all", "page"), ("page_ids", page_ids)],
                ),
            ]
            # The baseline, asked in the same run: the cheapest route, through the same stack.
            pages.insert(0, ("baseline: /healthz", "/healthz", []))
            print(
                f"{'page':<30} {'median ms':>10} {'max ms':>8} {'CPU ms':>8} "
                f"{'× base':>7} {'KiB':>5}"
            )
            baseline = 0.0
            for label, address, params in pages:
                times, cpu = [], []
                size = 0
                for _ in range(repeat):
                    started, started_cpu = time.perf_counter(), time.process_time()
                    response = await client.get(address, params=tuple(params))
                    times.append((time.perf_counter() - started) * 1000)
                    cpu.append((time.process_time() - started_cpu) * 1000)
                    assert response.status_code == 200, response.status_code
                    size = len(response.content)
                median = statistics.median(times)
                baseline = baseline or median
                print(
                    f"{label:<30} {median:>10.1f} {max(times):>8.1f} "
                    f"{statistics.median(cpu):>8.1f} {median / baseline:>7.1f} {size / 1024:>5.0f}"
                )
            print(
                f"target: < {TARGET_MS:.0f} ms per page; CPU ms is this process's own time "
                "(the app and SQLite; PostgreSQL's server work is not in it)"
            )
    finally:
        await db.close()


def main(argv: Sequence[str] | None = None) -> None:
    """Run the registrations list benchmark."""
    parser = argparse.ArgumentParser(prog="python -m tests.bench.reglist", description=__doc__)
    parser.add_argument("--count", type=int, default=5_000)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--postgres", default=None, help="URL of an empty PostgreSQL database")
    arguments = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="treffpunkt-reglist-") as folder:
        url = arguments.postgres or f"sqlite:///{Path(folder) / 'list.sqlite3'}"
        asyncio.run(_measure(url, arguments.count, arguments.repeat))


if __name__ == "__main__":
    main()
