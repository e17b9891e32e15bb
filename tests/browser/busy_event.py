"""A busy upcoming event, for the browser tests of the organisers' pages.

``python -m tests.browser.busy_event`` (with the live server's ``DATABASE_URL``) stores one event
with long German words in its title, venue and questions, and :data:`REGISTRATIONS`
registrations spread over three weeks (long names and organisations, some on the waiting list,
some checked in): the worst case for the workspace's tabs, the dashboard's chart and the lists on
a phone. It prints the event's id. Its own process, since the browser tests are sync and the
services async.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import subprocess
import sys
from typing import TYPE_CHECKING

from app.db.database import Database
from app.domain.model import Seats
from app.services import events, organiser_registrations, registrations
from tests.browser.conftest import ROOT
from tests.conftest import make_event, registration_request

if TYPE_CHECKING:
    from tests.browser.conftest import LiveServer

SLUG = "vernetzungstreffen-wiederaufbaupartnerschaften"
TITLE = (
    "Kommunalpartnerschaftsvernetzungstreffen: Wiederaufbaupartnerschaften und "
    "Daseinsvorsorgeinfrastrukturfinanzierung"
)
ORGANISATION = "Landkreisverwaltungsbehörde für Kommunalpartnerschaftsangelegenheiten"
REGISTRATIONS = 120
SEATS = 100


async def store(database_url: str) -> int:
    """Create the event and its registrations; return the event's id."""
    now = dt.datetime.now(dt.UTC)
    starts = now + dt.timedelta(days=10)
    db = Database.from_url(database_url, sqlite_readers=1, pool_size=1)
    await db.connect()
    try:
        event = await events.create_event(
            db,
            make_event(
                now,
                slug=SLUG,
                title=TITLE,
                starts_at=starts,
                ends_at=starts + dt.timedelta(hours=6),
                registration_opens_at=now - dt.timedelta(days=21),
                registration_closes_at=starts - dt.timedelta(days=3),
                venue_name="Kreisverwaltungsgebäude, Großer Sitzungssaal der Kreistagsfraktionen",
                in_person_seats=Seats(SEATS, 0),
                waitlist_enabled=True,
            ),
        )
        for index in range(REGISTRATIONS):
            # Busy days and quiet ones: every third day nobody registers.
            day = index * 20 // REGISTRATIONS
            when = now - dt.timedelta(days=20 - day - (day % 3 == 0), hours=index % 7)
            request = registration_request(
                f"teilnehmerin.{index}@kreisverwaltung-{index}.example",
                first_name=f"Oleksandra-Marie {index}",
                last_name="Schmidt-Kowalenko-Hohenstaufen",
                organisation=ORGANISATION,
                job_title="Beauftragte für Städtepartnerschaften und Entwicklungszusammenarbeit",
            )
            made = await registrations.register(db, SLUG, request, when)
            if index % 4 == 0 and index < SEATS:
                await organiser_registrations.set_checked_in(
                    db, event.id, made.registration.id, True, when
                )
        return event.id
    finally:
        await db.close()


def add_to(server: LiveServer) -> int:
    """Store the busy event in the live server's database (another process); its id."""
    result = subprocess.run(
        [sys.executable, "-m", "tests.browser.busy_event"],
        cwd=ROOT,
        env=server.env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, f"busy_event failed:\n{result.stdout}\n{result.stderr}"
    return int(result.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    print(asyncio.run(store(os.environ["DATABASE_URL"])))
