"""Approval: registrations that await the organisers' decision, seats held or not (issue 18)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from app.db.tables import AuditEntry as AuditTable
from app.db.tables import Event as EventTable
from app.db.tables import Outbox
from app.db.tables import Registration as RegistrationTable
from app.domain.audit import Actor, AuditAction
from app.domain.errors import RegistrationClosed
from app.domain.mail import MailKind
from app.domain.model import SEAT_HOLDING, AttendanceMode, EventFormat, RegistrationStatus, Seats
from app.services import approvals, organiser_registrations, registrations
from app.services.changes import ChangeKind
from app.services.event_changes import cancel_event
from app.services.organiser_registrations import BulkAction
from tests.conftest import registration_request

ACTOR = Actor(id=7, name="Olena Koval")


async def _register(db: Any, event: Any, email: str, now: dt.datetime, mode: str = "") -> Any:
    form = registration_request(email, mode=mode) if mode else registration_request(email)
    outcome = await registrations.register(db, event.slug, form, now)
    return outcome.registration


async def _kinds(registration_id: int) -> list[str]:
    rows = await Outbox.select(Outbox.kind).where(Outbox.registration == registration_id)
    return sorted(row["kind"] for row in rows)


async def _counters(event_id: int) -> dict[str, int]:
    row = await EventTable.select(
        EventTable.seats_taken_in_person,
        EventTable.seats_taken_online,
        EventTable.waiting_in_person,
        EventTable.waiting_online,
    ).where(EventTable.id == event_id)
    return dict(row[0])


async def _holders(event_id: int, mode: AttendanceMode) -> int:
    return await RegistrationTable.count().where(
        RegistrationTable.event == event_id,
        RegistrationTable.mode == mode.value,
        RegistrationTable.status.is_in([status.value for status in SEAT_HOLDING]),
    )


async def _audited() -> list[tuple[str, int | None]]:
    rows = await AuditTable.select(AuditTable.action, AuditTable.subject).order_by(AuditTable.id)
    return [(row["action"], row["subject"]) for row in rows]


async def test_a_held_seat_awaits_approval_and_approval_confirms_it_with_the_invite_mail(
    db, event_factory, now
):
    event = await event_factory(
        in_person_seats=Seats(2, 0), approval_required=True, approval_holds_seat=True
    )
    pending = await _register(db, event, "olena@example.org", now)

    assert pending.status is RegistrationStatus.AWAITING
    assert (await _counters(event.id))["seats_taken_in_person"] == 1
    assert await _kinds(pending.id) == [MailKind.AWAITING_APPROVAL.value]
    assert pending.confirmed_at is None

    later = now + dt.timedelta(hours=1)
    outcome = await approvals.approve(db, event.id, pending.id, later, actor=ACTOR)

    assert outcome.registration.status is RegistrationStatus.CONFIRMED
    assert outcome.registration.confirmed_at == later
    assert [c.kind for c in outcome.changes] == [ChangeKind.APPROVED]
    # The seat was held already: approving takes no second one.
    assert (await _counters(event.id))["seats_taken_in_person"] == 1
    assert MailKind.APPROVED.value in await _kinds(pending.id)
    assert (AuditAction.REGISTRATION_APPROVED.value, pending.id) in await _audited()

    # Approving twice changes nothing and sends nothing more.
    mails = await _kinds(pending.id)
    again = await approvals.approve(db, event.id, pending.id, later)
    assert again.changes == ()
    assert await _kinds(pending.id) == mails


async def test_online_access_data_only_after_approval(db, event_factory, now):
    event = await event_factory(
        format=EventFormat.ONLINE,
        online_seats=Seats(5, 0),
        approval_required=True,
        access_in_confirmation=True,
    )
    pending = await _register(db, event, "olena@example.org", now, mode="online")
    assert MailKind.ACCESS.value not in await _kinds(pending.id)

    await approvals.approve(db, event.id, pending.id, now)

    assert MailKind.ACCESS.value in await _kinds(pending.id)


async def test_declining_a_held_seat_passes_it_to_the_waiting_list(db, event_factory, now):
    event = await event_factory(
        in_person_seats=Seats(1, 0), approval_required=True, approval_holds_seat=True
    )
    first = await _register(db, event, "a@example.org", now)
    # Full: with a waiting list the next person may still ask, and waits for a decision.
    second = await _register(db, event, "b@example.org", now + dt.timedelta(seconds=1))
    assert (first.status, second.status) == (
        RegistrationStatus.AWAITING,
        RegistrationStatus.REQUESTED,
    )
    # Approved while full: onto the waiting list.
    queued = await approvals.approve(db, event.id, second.id, now + dt.timedelta(seconds=2))
    assert queued.registration.status is RegistrationStatus.WAITLISTED
    assert queued.changes[0].kind is ChangeKind.APPROVED_WAITLISTED
    assert queued.changes[0].position == 1
    assert (await _counters(event.id))["waiting_in_person"] == 1

    declined = await approvals.decline(
        db, event.id, first.id, now + dt.timedelta(seconds=3), actor=ACTOR
    )

    assert declined.registration.status is RegistrationStatus.DECLINED
    assert [c.kind for c in declined.changes] == [ChangeKind.DECLINED, ChangeKind.PROMOTED]
    assert await _kinds(first.id) == sorted(
        [MailKind.AWAITING_APPROVAL.value, MailKind.DECLINED.value]
    )
    promoted = await registrations.find_by_token(second.token)
    assert promoted.status is RegistrationStatus.CONFIRMED
    counters = await _counters(event.id)
    assert (
        counters["seats_taken_in_person"] == 1 == await _holders(event.id, AttendanceMode.IN_PERSON)
    )
    assert counters["waiting_in_person"] == 0
    assert (AuditAction.REGISTRATION_DECLINED.value, first.id) in await _audited()


async def test_a_declined_address_cannot_register_around_the_decision(db, event_factory, now):
    event = await event_factory(approval_required=True)
    first = await _register(db, event, "a@example.org", now)
    await approvals.decline(db, event.id, first.id, now)

    cancelled = await registrations.cancel(db, first.token, now)
    again = await registrations.register(db, event.slug, registration_request("a@example.org"), now)

    assert cancelled.changes == ()
    assert not again.created
    assert again.registration.status is RegistrationStatus.DECLINED


async def test_without_held_seats_approval_gives_seats_in_order_then_refuses(
    db, event_factory, now
):
    event = await event_factory(
        in_person_seats=Seats(1, 0),
        approval_required=True,
        approval_holds_seat=False,
        waitlist_enabled=False,
    )
    a = await _register(db, event, "a@example.org", now)
    b = await _register(db, event, "b@example.org", now)
    assert {a.status, b.status} == {RegistrationStatus.REQUESTED}
    assert (await _counters(event.id))["seats_taken_in_person"] == 0

    approved = await approvals.approve(db, event.id, b.id, now)
    assert approved.registration.status is RegistrationStatus.CONFIRMED
    assert (await _counters(event.id))["seats_taken_in_person"] == 1
    # Full and no waiting list: refused, and the request stays as it was.
    with pytest.raises(RegistrationClosed, match="full"):
        await approvals.approve(db, event.id, a.id, now)
    assert (await registrations.find_by_token(a.token)).status is RegistrationStatus.REQUESTED
    assert await _kinds(a.id) == [MailKind.AWAITING_APPROVAL.value]


async def test_holding_seats_without_a_waiting_list_refuses_when_full(db, event_factory, now):
    event = await event_factory(
        in_person_seats=Seats(1, 0), approval_required=True, waitlist_enabled=False
    )
    await _register(db, event, "a@example.org", now)
    with pytest.raises(RegistrationClosed, match="full"):
        await _register(db, event, "b@example.org", now)


async def test_a_person_withdrawing_while_awaiting_frees_the_held_seat(db, event_factory, now):
    event = await event_factory(in_person_seats=Seats(1, 0), approval_required=True)
    pending = await _register(db, event, "a@example.org", now)

    outcome = await registrations.cancel(db, pending.token, now)

    assert outcome.registration.status is RegistrationStatus.CANCELLED
    # Never confirmed, never sent an invite: nothing to call off in a calendar.
    assert outcome.changes[0].held_seat is False
    assert (await _counters(event.id))["seats_taken_in_person"] == 0


async def test_a_cancelled_event_approves_nobody(db, event_factory, now):
    event = await event_factory(approval_required=True)
    pending = await _register(db, event, "a@example.org", now)
    await cancel_event(db, event.id, message="", now=now)

    with pytest.raises(RegistrationClosed, match="cancelled"):
        await approvals.approve(db, event.id, pending.id, now)


async def test_bulk_approval_goes_in_order_and_leaves_the_refused_waiting(db, event_factory, now):
    event = await event_factory(
        in_person_seats=Seats(1, 0),
        approval_required=True,
        approval_holds_seat=False,
        waitlist_enabled=False,
    )
    people = [await _register(db, event, f"p{n}@example.org", now) for n in range(3)]
    ids = [p.id for p in people]

    plan = await organiser_registrations.bulk_plan(event.id, ids, BulkAction.APPROVE)
    assert [r.id for r in plan.affected] == ids
    outcome = await organiser_registrations.run_bulk_action(
        db, event.id, ids, BulkAction.APPROVE, ids, now, actor=ACTOR
    )

    assert outcome.done
    assert (outcome.refused, outcome.waitlisted) == (2, 0)
    statuses = [(await registrations.find_by_token(p.token)).status for p in people]
    assert statuses == [
        RegistrationStatus.CONFIRMED,
        RegistrationStatus.REQUESTED,
        RegistrationStatus.REQUESTED,
    ]
    approved = [entry for entry in await _audited() if entry[0] == "registration_approved"]
    assert approved == [(AuditAction.REGISTRATION_APPROVED.value, ids[0])]


async def test_bulk_decline_gives_back_held_seats(db, event_factory, now):
    event = await event_factory(in_person_seats=Seats(2, 0), approval_required=True)
    people = [await _register(db, event, f"p{n}@example.org", now) for n in range(2)]
    ids = [p.id for p in people]
    assert (await _counters(event.id))["seats_taken_in_person"] == 2

    outcome = await organiser_registrations.run_bulk_action(
        db, event.id, ids, BulkAction.DECLINE, ids, now, actor=ACTOR
    )

    assert outcome.done
    assert (await _counters(event.id))["seats_taken_in_person"] == 0
    declined = [entry for entry in await _audited() if entry[0] == "registration_declined"]
    assert len(declined) == 2
