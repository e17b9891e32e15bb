"""Registration life cycle beyond capacity: duplicates, cancelling, registering again."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from app.domain.errors import InvalidInput, NotFound, RegistrationClosed
from app.domain.model import (
    AttendanceMode,
    EventFormat,
    Language,
    Question,
    QuestionKind,
    RegistrationRequest,
    RegistrationStatus,
    Seats,
)
from app.services import events, registrations
from app.services.changes import ChangeKind
from app.services.event_changes import cancel_event, change_event
from tests.conftest import registration_request


async def test_second_attempt_changes_nothing_and_asks_to_resend_the_link(db, event_factory, now):
    event = await event_factory()
    first = await registrations.register(
        db, event.slug, registration_request("olena@example.org"), now
    )
    again = await registrations.register(
        db,
        event.slug,
        registration_request(" OLENA@example.org", first_name="Anders", organisation="Kreis Lippe"),
        now + dt.timedelta(minutes=5),
    )
    assert not again.created
    assert [c.kind for c in again.changes] == [ChangeKind.ALREADY_REGISTERED]
    assert again.registration == first.registration  # nothing changed, not even the name
    assert len(await registrations.list_for_event(event.id)) == 1


async def test_registering_again_after_cancelling_starts_over_with_a_new_link(
    db, event_factory, now
):
    event = await event_factory(in_person_seats=Seats(1, 0))
    first = await registrations.register(db, event.slug, registration_request("a@example.org"), now)
    await registrations.cancel(db, first.registration.token, now)

    again = await registrations.register(
        db, event.slug, registration_request("a@example.org", first_name="Neu"), now
    )

    assert again.created
    assert again.registration.id == first.registration.id
    assert again.registration.status is RegistrationStatus.CONFIRMED
    assert again.registration.first_name == "Neu"
    assert again.registration.token != first.registration.token
    with pytest.raises(NotFound):
        await registrations.find_by_token(first.registration.token)
    assert (await registrations.find_by_token(again.registration.token)).id == first.registration.id


async def test_cancelling_twice_changes_nothing_the_second_time(db, event_factory, now):
    event = await event_factory(in_person_seats=Seats(1, 0))
    seat = await registrations.register(db, event.slug, registration_request("a@example.org"), now)
    waiting = await registrations.register(
        db, event.slug, registration_request("b@example.org"), now
    )

    first = await registrations.cancel(db, seat.registration.token, now)
    second = await registrations.cancel(db, seat.registration.token, now)

    assert [c.kind for c in first.changes] == [ChangeKind.CANCELLED, ChangeKind.PROMOTED]
    assert second.changes == ()
    promoted = await registrations.find_by_token(waiting.registration.token)
    assert promoted.status is RegistrationStatus.CONFIRMED


async def test_a_waiting_person_who_cancels_frees_no_seat(db, event_factory, now):
    event = await event_factory(in_person_seats=Seats(1, 0))
    await registrations.register(db, event.slug, registration_request("a@example.org"), now)
    b = await registrations.register(db, event.slug, registration_request("b@example.org"), now)
    c = await registrations.register(db, event.slug, registration_request("c@example.org"), now)

    outcome = await registrations.cancel(db, b.registration.token, now)

    assert [ch.kind for ch in outcome.changes] == [ChangeKind.CANCELLED]
    assert (
        await registrations.waitlist_position(
            await registrations.find_by_token(c.registration.token), now
        )
        == 1
    )


async def test_drafts_are_not_found_and_cancelled_events_refuse(db, event_factory, now):
    from app.domain.model import EventStatus

    draft = await event_factory(slug="entwurf", status=EventStatus.DRAFT)
    with pytest.raises(NotFound):
        await registrations.register(db, draft.slug, registration_request("a@example.org"), now)
    cancelled = await event_factory(slug="abgesagt", status=EventStatus.CANCELLED)
    with pytest.raises(RegistrationClosed) as raised:
        await registrations.register(db, cancelled.slug, registration_request("a@example.org"), now)
    assert raised.value.reason == "cancelled"


async def test_nobody_is_promoted_once_the_event_has_ended(db, event_factory, now):
    event = await event_factory(in_person_seats=Seats(1, 0))
    seat = await registrations.register(db, event.slug, registration_request("a@example.org"), now)
    waiting = await registrations.register(
        db, event.slug, registration_request("b@example.org"), now
    )

    after_the_end = event.ends_at + dt.timedelta(minutes=1)
    outcome = await registrations.cancel(db, seat.registration.token, after_the_end)

    assert [c.kind for c in outcome.changes] == [ChangeKind.CANCELLED]
    still = await registrations.find_by_token(waiting.registration.token)
    assert still.status is RegistrationStatus.WAITLISTED


async def test_confirming_after_cancelling_changes_nothing_and_is_not_called_expired(
    db, event_factory, now
):
    await event_factory(slug="konferenz", double_opt_in=True)
    outcome = await registrations.register(
        db, "konferenz", registration_request("anna@stadt.example"), now
    )
    await registrations.cancel(db, outcome.registration.token, now)

    again = await registrations.confirm_address(db, outcome.registration.token, now)

    assert again.status is RegistrationStatus.CANCELLED
    assert again.hold_until is None


async def test_an_address_cannot_be_confirmed_for_a_cancelled_event(db, event_factory, now):
    event = await event_factory(slug="konferenz", double_opt_in=True)
    outcome = await registrations.register(
        db, "konferenz", registration_request("anna@stadt.example"), now
    )
    await cancel_event(db, event.id, message="", now=now)

    with pytest.raises(RegistrationClosed) as refused:
        await registrations.confirm_address(db, outcome.registration.token, now)

    assert refused.value.reason == "cancelled"
    [row] = await registrations.list_for_event(event.id)
    assert row.status is RegistrationStatus.PENDING


async def test_the_services_take_the_command_and_store_it_cleaned(db, event_factory, now):
    questions = (
        Question("essen", "Verpflegung", QuestionKind.CHOICE, True, ("vegetarisch", "vegan")),
    )
    event = await event_factory(slug="forum", questions=questions, format=EventFormat.HYBRID)
    request = RegistrationRequest(
        first_name="  Olena ",
        last_name="Koval",
        email="olena@example.org",
        notice_version="2027-01",
        mode="online",
        language="uk",
        answers={"essen": "vegan", "nicht_gefragt": "weg"},
        consent=True,
    )
    by_hand = await registrations.register_by_organiser(db, event.id, request, now)
    public = await registrations.register(
        db, "forum", dataclasses.replace(request, email="borys@example.org"), now
    )
    for outcome in (by_hand, public):
        stored = outcome.registration
        assert (stored.first_name, stored.mode, stored.language) == (
            "Olena",
            AttendanceMode.ONLINE,
            Language.UK,
        )
        assert stored.answers == {"essen": "vegan"}
        assert stored.consent_version == "2027-01"


async def test_a_refused_command_names_the_commands_fields(db, event_factory, now):
    questions = (Question("essen", "Verpflegung", QuestionKind.TEXT, required=True),)
    event = await event_factory(questions=questions)
    request = RegistrationRequest(
        first_name="Olena", last_name="", email="olena@example.org", notice_version="1"
    )
    with pytest.raises(InvalidInput) as refused:
        await registrations.register_by_organiser(db, event.id, request, now)
    assert refused.value.errors == {
        "last_name": "required",
        "answers.essen": "required",
        "consent": "consent_required",
    }
    assert await registrations.list_for_event(event.id) == []


# --- The event the caller read before the locked read ------------------------------------------


async def test_a_move_after_the_page_was_read_is_decided_on_under_the_lock(db, event_factory, now):
    event = await event_factory()
    # What the registration form's page read, and passes on so that it is not read again.
    seen = (await events.get_public(event.slug)).event
    # Meanwhile an organiser moves the event into the past (a new revision).
    earlier = now - dt.timedelta(days=2)
    moved = dataclasses.replace(event, starts_at=earlier, ends_at=earlier + dt.timedelta(hours=4))
    await change_event(db, event.id, moved, notify=False, message="", now=now)

    with pytest.raises(RegistrationClosed) as refused:
        await registrations.register(
            db, event.slug, registration_request("olena@example.org"), now, event=seen
        )

    assert refused.value.reason == "closed"
    assert await registrations.list_for_event(event.id) == []


async def test_an_edit_that_keeps_the_revision_is_decided_on_under_the_lock(db, event_factory, now):
    event = await event_factory(in_person_seats=Seats(2, 0), waitlist_enabled=False)
    seen = (await events.get_public(event.slug)).event
    # Not a change of time or place: the revision stays, the rules must see it all the same.
    edited = dataclasses.replace(event, double_opt_in=True, in_person_seats=Seats(1, 0))
    outcome = await change_event(db, event.id, edited, notify=False, message="", now=now)
    assert not outcome.significant

    first = await registrations.register(
        db, event.slug, registration_request("a@example.org"), now, event=seen
    )
    assert first.registration.status is RegistrationStatus.PENDING
    assert first.registration.hold_until == now + event.opt_in_hold
    with pytest.raises(RegistrationClosed, match="full"):
        await registrations.register(
            db, event.slug, registration_request("b@example.org"), now, event=seen
        )
