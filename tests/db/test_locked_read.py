"""The registration's locked read of an event the caller has read already."""

from __future__ import annotations

import dataclasses

from app.db import registrations as registration_rows
from app.db.mapping import event_from_row
from app.db.tables import Event as EventTable
from app.domain.model import AttendanceMode, Event, EventText, Seats
from app.services import events, registrations
from tests.conftest import registration_request


async def _locked_event(db, event_id: int, now, known: Event | None) -> Event:
    found: list[registration_rows.Locked] = []

    def decide(locked: registration_rows.Locked) -> None:
        found.append(locked)

    await registration_rows.register(
        db, event_id, "x@example.org", AttendanceMode.IN_PERSON, now, decide, event=known
    )
    return found[0].event


async def test_the_refreshed_event_is_the_event_as_stored(db, event_factory, now):
    event = await event_factory(
        in_person_seats=Seats(1, 0),
        translations={"en": EventText(title="Conference", access_notes="Zoom opens early")},
    )
    seen = (await events.get_public(event.slug)).event
    # Seats, waiting list and an edit that keeps the revision change the stored event.
    for email in ("a@example.org", "b@example.org"):
        await registrations.register(db, event.slug, registration_request(email), now)
    await EventTable.update({EventTable.contact_email: "neu@example.org"}).where(
        EventTable.id == event.id
    )
    row = await EventTable.select(exclude_secrets=True).where(EventTable.id == event.id).first()
    stored = event_from_row(row)

    # The page's event is refreshed, not read whole.
    assert registration_rows._known(seen, event.id) is seen
    assert await _locked_event(db, event.id, now, seen) == stored
    # An event read with its access data is not refreshed but read whole, as without one.
    assert await _locked_event(db, event.id, now, event) == stored
    assert await _locked_event(db, event.id, now, None) == stored
    # Another revision: read whole.
    older = dataclasses.replace(seen, revision=seen.revision - 1, title="Alt")
    assert await _locked_event(db, event.id, now, older) == stored
