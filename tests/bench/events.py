"""The events the benchmark registers for and shows, shared by its servers and the runner."""

from __future__ import annotations

import dataclasses
import datetime as dt

from app.db.database import Database
from app.db.mapping import event_to_row
from app.db.tables import Event as EventTable
from app.domain.model import Event, EventFormat, Seats
from app.services.samples import sample_events
from tests.conftest import make_event

#: The in-person sample: a real page (programme, speakers, venue) to copy.
IN_PERSON_SLUG = "beispiel-landkreise-als-internationale-akteure"
#: Seats of every benchmark event: later registrations take the waiting-list path.
CAPACITY = 200


def bench_event(now: dt.datetime, slug: str, *, capacity: int = CAPACITY) -> Event:
    """The in-person sample, open for registration, ``capacity`` seats and a waiting list."""
    in_person = next(event for event in sample_events(now) if event.slug == IN_PERSON_SLUG)
    return dataclasses.replace(
        in_person,
        slug=slug,
        title="Benchmark: " + in_person.title,
        in_person_seats=Seats(capacity, 0),
        questions=(),
        waitlist_enabled=True,
        registration_opens_at=None,
        registration_closes_at=None,
        double_opt_in=False,
        is_sample=False,
    )


async def fill_events(database_url: str, count: int, now: dt.datetime) -> None:
    """``count`` published events, one a day or so, into the migrated database."""
    db = Database.from_url(database_url)
    await db.connect()
    try:
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
            for first in range(0, len(rows), 500):
                await EventTable.insert(*rows[first : first + 500])
    finally:
        await db.close()
