"""The registration's locked read of an event the caller has read already."""

from __future__ import annotations

import dataclasses
import datetime as dt

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
    assert row is not None
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


async def test_every_column_an_edit_may_change_without_the_revision_is_refreshed(
    db, event_factory, now
):
    # Each of them changed at once, the revision kept: the refreshed event must be the stored
    # one, field by field (a column left out of the refresh would keep the page's old value).
    event = await event_factory(in_person_seats=Seats(5, 0))
    seen = (await events.get_public(event.slug)).event
    await EventTable.update(
        {
            EventTable.status: "cancelled",
            EventTable.capacity_in_person: 9,
            EventTable.seats_taken_in_person: 2,
            EventTable.capacity_online: 4,
            EventTable.seats_taken_online: 1,
            EventTable.registration_opens_at: now - dt.timedelta(days=3),
            EventTable.registration_closes_at: now + dt.timedelta(hours=5),
            EventTable.waitlist_enabled: not seen.waitlist_enabled,
            EventTable.double_opt_in: not seen.double_opt_in,
            EventTable.approval_required: not seen.approval_required,
            EventTable.approval_holds_seat: not seen.approval_holds_seat,
            EventTable.opt_in_hold_minutes: 17,
            EventTable.access_mail_lead_minutes: 33,
            EventTable.access_in_confirmation: not seen.access_in_confirmation,
            EventTable.reminder_lead_minutes: 77,
            EventTable.notify_organisers: not seen.notify_organisers,
            EventTable.contact_email: "neu@example.org",
            EventTable.invitation_only: not seen.invitation_only,
            EventTable.updated_at: now + dt.timedelta(minutes=1),
        }
    ).where(EventTable.id == event.id)
    row = await EventTable.select(exclude_secrets=True).where(EventTable.id == event.id).first()
    assert row is not None
    stored = event_from_row(row)
    assert stored.revision == seen.revision
    refreshed = await _locked_event(db, event.id, now, seen)
    for field in dataclasses.fields(Event):
        assert getattr(refreshed, field.name) == getattr(stored, field.name), field.name
