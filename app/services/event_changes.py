"""Changing and cancelling an event, and telling its registrants: one transaction each.

A change of time, place or access data raises the event's revision (the calendar invite's
SEQUENCE), moves the waiting reminders and access-data mails with the event, and, unless the
organiser chooses silence (a typo fix), tells every registrant. Cancelling stops all waiting
mail and tells everyone.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any

from piccolo.columns import Column

from app.db import outbox
from app.db.database import Database
from app.db.mapping import event_to_row
from app.db.tables import Event as EventTable
from app.db.tables import Registration as RegistrationTable
from app.domain.audit import Actor, AuditAction
from app.domain.errors import InvalidInput
from app.domain.event_rules import BELOW_SEATS_TAKEN, MODE_IN_USE, NOT_AFTER_START
from app.domain.mail import MailKind, access_due, reminder_due
from app.domain.model import AttendanceMode, Event, EventStatus, RegistrationStatus
from app.domain.outbox import ACTIVE_STATUSES, OutboxStatus
from app.services import audit
from app.services import changes as change_log
from app.services.changes import Change, ChangeKind, reschedule_mail
from app.services.events import get_with_access
from app.services.registrations import promote_within_transaction

#: Registrations that hear about changes to their event.
_ACTIVE = (
    RegistrationStatus.PENDING.value,
    RegistrationStatus.CONFIRMED.value,
    RegistrationStatus.WAITLISTED.value,
    RegistrationStatus.AWAITING.value,
    RegistrationStatus.REQUESTED.value,
)


@dataclass(frozen=True, slots=True)
class EventChangeOutcome:
    """What a change did."""

    event: Event
    #: Time, place or access data changed: invites must be updated.
    significant: bool
    #: Registrants told by mail.
    notified: int
    #: Registrants promoted into new seats.
    promoted: int


def is_significant_change(before: Event, after: Event) -> bool:
    """Whether a change concerns what an invite holds: time, place, format or access data."""
    return (
        before.starts_at != after.starts_at
        or before.ends_at != after.ends_at
        or before.timezone != after.timezone
        or before.format != after.format
        or before.venue_name != after.venue_name
        or before.venue_address != after.venue_address
        or before.online_access != after.online_access
    )


def _moves_scheduled_mail(before: Event, after: Event) -> bool:
    return (
        before.starts_at != after.starts_at
        or before.ends_at != after.ends_at
        or before.access_mail_lead != after.access_mail_lead
        or before.reminder_lead != after.reminder_lead
    )


async def _active_registrations(event_id: int) -> list[int]:
    rows = await RegistrationTable.select(RegistrationTable.id).where(
        RegistrationTable.event == event_id, RegistrationTable.status.is_in(list(_ACTIVE))
    )
    return sorted(row["id"] for row in rows)


async def _still_without_access_mail(event: Event, now: dt.datetime) -> list[int]:
    """Confirmed online registrants past the access mail's moment who have none coming."""
    if now < access_due(event):
        return []  # the queued access mails will find the data when they go out
    rows = await RegistrationTable.select(RegistrationTable.id).where(
        RegistrationTable.event == event.id,
        RegistrationTable.status == RegistrationStatus.CONFIRMED.value,
        RegistrationTable.mode == AttendanceMode.ONLINE.value,
    )
    covered = await outbox.registrations_with_mail(
        event.id, MailKind.ACCESS, statuses=ACTIVE_STATUSES
    )
    return sorted(row["id"] for row in rows if row["id"] not in covered)


async def _still_without_reminder(event: Event, now: dt.datetime) -> list[int]:
    """Confirmed registrants with no reminder planned or sent while one is still ahead."""
    due = reminder_due(event)
    if event.status is not EventStatus.PUBLISHED or due is None or due <= now:
        return []
    rows = await RegistrationTable.select(RegistrationTable.id).where(
        RegistrationTable.event == event.id,
        RegistrationTable.status == RegistrationStatus.CONFIRMED.value,
    )
    # Only a reminder that was called off is planned again (a failed one would fail again).
    kept = set(OutboxStatus) - {OutboxStatus.CANCELLED}
    covered = await outbox.registrations_with_mail(event.id, MailKind.REMINDER, statuses=kept)
    return sorted(row["id"] for row in rows if row["id"] not in covered)


def _check_capacities(current: Event, updated: Event) -> None:
    errors: dict[str, str] = {}
    for mode, field in (
        (AttendanceMode.IN_PERSON, "capacity_in_person"),
        (AttendanceMode.ONLINE, "capacity_online"),
    ):
        taken = current.seats(mode).taken
        if mode not in updated.modes and taken:
            # People hold seats in a mode the new format drops: they must be moved first.
            errors["format"] = MODE_IN_USE
            continue
        capacity = updated.seats(mode).capacity
        if capacity is not None and capacity < taken:
            errors[field] = BELOW_SEATS_TAKEN
    if updated.ends_at <= updated.starts_at:
        errors["ends_at"] = NOT_AFTER_START
    if errors:
        raise InvalidInput(errors)


#: Fields the services keep up themselves, not named as an organiser's edits.
_KEPT_BY_SERVICES = frozenset({"revision", "updated_at", "created_at"})


def changed_fields(before: Event, after: Event) -> str:
    """The names of the fields an edit changed (for the audit trail; never their values)."""
    return ",".join(
        field.name
        for field in dataclasses.fields(before)
        if field.name not in _KEPT_BY_SERVICES
        and getattr(before, field.name) != getattr(after, field.name)
    )


def edited_columns(
    updated: Event, status: EventStatus, revision: int, now: dt.datetime
) -> dict[Column | str, Any]:
    """What an edit writes, column by column: every field the organiser may change.

    The status stays ``status`` (publishing and cancelling have their own paths); the id, the
    seat counters and the creation time are never written here.
    """
    row = event_to_row(updated)
    return {
        EventTable.slug: row["slug"],
        EventTable.title: row["title"],
        EventTable.teaser: row["teaser"],
        EventTable.description: row["description"],
        EventTable.format: row["format"],
        EventTable.starts_at: row["starts_at"],
        EventTable.ends_at: row["ends_at"],
        EventTable.timezone: row["timezone"],
        EventTable.venue_name: row["venue_name"],
        EventTable.venue_address: row["venue_address"],
        EventTable.venue_notes: row["venue_notes"],
        EventTable.online_join_url: row["online_join_url"],
        EventTable.online_meeting_id: row["online_meeting_id"],
        EventTable.online_passcode: row["online_passcode"],
        EventTable.access_notes: row["access_notes"],
        EventTable.capacity_in_person: row["capacity_in_person"],
        EventTable.capacity_online: row["capacity_online"],
        EventTable.registration_opens_at: row["registration_opens_at"],
        EventTable.registration_closes_at: row["registration_closes_at"],
        EventTable.waitlist_enabled: row["waitlist_enabled"],
        EventTable.double_opt_in: row["double_opt_in"],
        EventTable.approval_required: row["approval_required"],
        EventTable.approval_holds_seat: row["approval_holds_seat"],
        EventTable.opt_in_hold_minutes: row["opt_in_hold_minutes"],
        EventTable.access_mail_lead_minutes: row["access_mail_lead_minutes"],
        EventTable.access_in_confirmation: row["access_in_confirmation"],
        EventTable.reminder_lead_minutes: row["reminder_lead_minutes"],
        EventTable.notify_organisers: row["notify_organisers"],
        EventTable.programme: row["programme"],
        EventTable.people: row["people"],
        EventTable.questions: row["questions"],
        EventTable.contact_email: row["contact_email"],
        EventTable.funding_note: row["funding_note"],
        EventTable.co_host: row["co_host"],
        EventTable.invitation_only: row["invitation_only"],
        EventTable.series: row["series"],
        EventTable.tags: row["tags"],
        EventTable.is_sample: row["is_sample"],
        EventTable.translations: row["translations"],
        EventTable.status: status.value,
        EventTable.revision: revision,
        EventTable.updated_at: now,
    }


async def change_event(
    db: Database,
    event_id: int,
    updated: Event,
    *,
    notify: bool,
    message: str,
    now: dt.datetime,
    actor: Actor | None = None,
    action: AuditAction = AuditAction.EVENT_EDITED,
) -> EventChangeOutcome:
    """Store ``updated`` (every field but id, status, seat counters and revision).

    Raises :class:`InvalidInput` when a capacity would fall below the seats already taken or
    the end would not be after the start.
    """
    async with db.transaction():
        await db.lock_event(event_id)
        current = await get_with_access(event_id)
        _check_capacities(current, updated)
        significant = is_significant_change(current, updated)
        revision = current.revision + (1 if significant else 0)
        await EventTable.update(edited_columns(updated, current.status, revision, now)).where(
            EventTable.id == event_id
        )
        stored = await get_with_access(event_id)
        moved = _moves_scheduled_mail(current, stored)
        if moved:
            await reschedule_mail(stored, now)
        promoted = await promote_within_transaction(db, event_id, now)
        # Seats given just now come with their own access mail and reminder (recorded below).
        newly_seated = {change.registration_id for change in promoted}
        late_access: list[Change] = []
        if current.online_access is None and stored.online_access is not None:
            # The Zoom link came after its mail's moment: the mails that found no data were
            # dropped, so whoever is still without one gets it now.
            late_access = [
                Change(ChangeKind.ACCESS_READY, registration_id, event_id)
                for registration_id in await _still_without_access_mail(stored, now)
                if registration_id not in newly_seated
            ]
        reminders: list[Change] = []
        if moved:
            # Reminders switched on, or on again, after people registered: their seats get one.
            reminders = [
                Change(ChangeKind.REMINDER_PLANNED, registration_id, event_id)
                for registration_id in await _still_without_reminder(stored, now)
                if registration_id not in newly_seated
            ]
        told: list[Change] = []
        if notify and significant:
            told = [
                Change(ChangeKind.EVENT_CHANGED, registration_id, event_id, message=message)
                for registration_id in await _active_registrations(event_id)
            ]
        await change_log.record(db, stored, [*promoted, *late_access, *reminders, *told], now)
        await audit.record(
            db, actor, action, now=now, event_id=event_id, detail=changed_fields(current, stored)
        )
    return EventChangeOutcome(
        event=stored, significant=significant, notified=len(told), promoted=len(promoted)
    )


async def cancel_event(
    db: Database,
    event_id: int,
    *,
    message: str,
    now: dt.datetime,
    actor: Actor | None = None,
) -> Event:
    """Cancel the event: stop its waiting mail and tell every registrant (once)."""
    async with db.transaction():
        await db.lock_event(event_id)
        current = await get_with_access(event_id)
        if current.status is EventStatus.CANCELLED:
            return current
        await EventTable.update(
            {
                EventTable.status: EventStatus.CANCELLED.value,
                EventTable.revision: current.revision + 1,
                EventTable.updated_at: now,
            }
        ).where(EventTable.id == event_id)
        cancelled = dataclasses.replace(
            current, status=EventStatus.CANCELLED, revision=current.revision + 1
        )
        await change_log.stop_event_mail(cancelled, now)
        told = [
            Change(ChangeKind.EVENT_CANCELLED, registration_id, event_id, message=message)
            for registration_id in await _active_registrations(event_id)
        ]
        await change_log.record(db, cancelled, told, now)
        await audit.record(
            db,
            actor,
            AuditAction.EVENT_CANCELLED,
            now=now,
            event_id=event_id,
            detail=f"informed={len(told)}",
        )
    return cancelled
