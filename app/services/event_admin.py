"""Organisers manage events: create, edit, publish and unpublish, duplicate, preview.

Changing a stored event (and telling its registrants) is ``event_changes.change_event``;
cancelling it is ``event_changes.cancel_event``. This module turns the organisers' drafts into
those calls and owns the life-cycle steps around them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

from app.db.database import Database, is_unique_violation
from app.db.mapping import event_from_row, event_to_row
from app.db.tables import Event as EventTable
from app.db.tables import Registration as RegistrationTable
from app.domain.audit import Actor, AuditAction
from app.domain.errors import InvalidInput
from app.domain.event_rules import (
    SLUG_TAKEN,
    EventTranslations,
    build_event,
    slugify,
    translated_event,
)
from app.domain.model import AttendanceMode, Event, EventDraft, EventStatus, RegistrationStatus
from app.domain.roles import Permissions
from app.domain.rules import availability
from app.services import audit, event_staff, zoom
from app.services.event_changes import EventChangeOutcome, change_event
from app.services.events import PublicEvent, get_with_access

#: Publishing or unpublishing from a status other than these is refused.
CANNOT_PUBLISH = "cannot_publish"
HAS_REGISTRATIONS = "has_registrations"
NOT_PUBLISHED = "not_published"

#: Registrations that keep an event from going back to draft: their people were told it exists.
_KEEPING = (
    RegistrationStatus.PENDING.value,
    RegistrationStatus.CONFIRMED.value,
    RegistrationStatus.WAITLISTED.value,
    RegistrationStatus.AWAITING.value,
    RegistrationStatus.REQUESTED.value,
)


@dataclass(frozen=True, slots=True)
class EventGroups:
    """The organisers' start page: every event in one of four groups."""

    drafts: list[Event]
    upcoming: list[Event]
    past: list[Event]
    cancelled: list[Event]


async def grouped_events(now: dt.datetime, permissions: Permissions | None = None) -> EventGroups:
    """Drafts, upcoming and past published events, and cancelled ones; each soonest first.

    With ``permissions``, only the events that organiser may see (manage or check in).
    """
    rows = await EventTable.select(exclude_secrets=True).order_by(EventTable.starts_at)
    groups = EventGroups([], [], [], [])
    for row in rows:
        if permissions is not None and not permissions.sees(int(row["id"])):
            continue
        event = event_from_row(row)
        if event.status is EventStatus.DRAFT:
            groups.drafts.append(event)
        elif event.status is EventStatus.CANCELLED:
            groups.cancelled.append(event)
        elif event.ends_at < now:
            groups.past.append(event)
        else:
            groups.upcoming.append(event)
    groups.past.reverse()  # the latest first
    return groups


async def _slug_in_use(slug: str, *, other_than: int | None = None) -> bool:
    query = EventTable.exists().where(EventTable.slug == slug)
    if other_than is not None:
        query = query.where(EventTable.id != other_than)
    return bool(await query)


async def _free_slug(title: str, *, other_than: int | None = None) -> str:
    """A slug made from ``title`` that no other event has (``-2``, ``-3`` … when needed)."""
    stem = slugify(title) or "veranstaltung"
    slug, number = stem, 2
    while await _slug_in_use(slug, other_than=other_than):
        slug, number = f"{stem}-{number}", number + 1
    return slug


async def _insert(
    db: Database,
    event: Event,
    now: dt.datetime,
    *,
    actor: Actor | None,
    action: AuditAction,
    detail: str = "",
    zoom_meeting: bool = False,
) -> Event:
    values = event_to_row(event)
    values.update(created_at=now, updated_at=now)
    try:
        async with db.transaction():
            rows = await EventTable.insert(EventTable(**values)).returning(EventTable.id)
            if actor is not None and actor.id is not None:
                # Whoever makes an event owns it (and so may manage it as an event manager).
                await event_staff.add_owner(rows[0]["id"], actor.id)
            await audit.record(db, actor, action, now=now, event_id=rows[0]["id"], detail=detail)
            if zoom_meeting:
                # In the same transaction: a failure here must not leave an event behind that
                # a second submission of the form would make again.
                await zoom.request_meeting(db, rows[0]["id"], now=now, actor=actor)
    except Exception as error:
        # Two organisers saving the same title at once: the unique index decides.
        if is_unique_violation(error):
            raise InvalidInput({"slug": SLUG_TAKEN}) from error
        raise
    return await get_with_access(rows[0]["id"])


async def create_event(
    db: Database,
    draft: EventDraft,
    now: dt.datetime,
    *,
    actor: Actor | None = None,
    zoom_meeting: bool = False,
) -> Event:
    """A new event in status draft; raises :class:`InvalidInput` per field of ``draft``.

    ``zoom_meeting``: its Zoom meeting is asked for at once (online and hybrid events).
    """
    event = build_event(draft)
    if event.slug:
        if await _slug_in_use(event.slug):
            raise InvalidInput({"slug": SLUG_TAKEN})
    else:
        event = dataclasses.replace(event, slug=await _free_slug(event.title))
    draft_event = dataclasses.replace(event, status=EventStatus.DRAFT)
    return await _insert(
        db,
        draft_event,
        now,
        actor=actor,
        action=AuditAction.EVENT_CREATED,
        zoom_meeting=zoom_meeting,
    )


async def update_event(
    db: Database,
    event_id: int,
    draft: EventDraft,
    *,
    notify: bool,
    message: str,
    now: dt.datetime,
    actor: Actor | None = None,
) -> EventChangeOutcome:
    """Store the edited event; registrants hear of changes to time, place or access if ``notify``.

    The address (slug) changes only while the event is a draft: once published, links to it
    are out in mails and calendars.
    """
    current = await get_with_access(event_id)
    updated = build_event(draft, current=current)
    if current.status is not EventStatus.DRAFT or not updated.slug:
        updated = dataclasses.replace(updated, slug=current.slug)
    elif updated.slug != current.slug and await _slug_in_use(updated.slug, other_than=event_id):
        raise InvalidInput({"slug": SLUG_TAKEN})
    try:
        return await change_event(
            db, event_id, updated, notify=notify, message=message, now=now, actor=actor
        )
    except Exception as error:
        if is_unique_violation(error):
            raise InvalidInput({"slug": SLUG_TAKEN}) from error
        raise


async def update_translations(
    db: Database,
    event_id: int,
    texts: EventTranslations,
    now: dt.datetime,
    *,
    actor: Actor | None = None,
) -> Event:
    """Store new translations of the event's texts; nobody is mailed (nothing an invite holds).

    Raises :class:`InvalidInput` per field, by the same rules as the organisers' form.
    """
    current = await get_with_access(event_id)
    updated = translated_event(current, texts)
    outcome = await change_event(
        db,
        event_id,
        updated,
        notify=False,
        message="",
        now=now,
        actor=actor,
        action=AuditAction.TRANSLATIONS_SAVED,
    )
    return outcome.event


async def _set_status(
    db: Database,
    event_id: int,
    *,
    was: EventStatus,
    becomes: EventStatus,
    now: dt.datetime,
    actor: Actor | None,
    action: AuditAction,
) -> bool:
    """Move the event from ``was`` to ``becomes`` with one conditional update; False if not."""
    async with db.transaction():
        changed = (
            await EventTable.update({EventTable.status: becomes.value, EventTable.updated_at: now})
            .where(EventTable.id == event_id, EventTable.status == was.value)
            .returning(EventTable.id)
        )
        if changed:
            await audit.record(db, actor, action, now=now, event_id=event_id)
    return bool(changed)


async def publish(
    db: Database, event_id: int, now: dt.datetime, *, actor: Actor | None = None
) -> Event:
    """Publish a draft: its page, feed entry and registration form go live."""
    event = await get_with_access(event_id)
    if event.status is EventStatus.PUBLISHED:
        return event
    if not await _set_status(
        db,
        event_id,
        was=EventStatus.DRAFT,
        becomes=EventStatus.PUBLISHED,
        now=now,
        actor=actor,
        action=AuditAction.EVENT_PUBLISHED,
    ):
        raise InvalidInput({"status": CANNOT_PUBLISH})
    return await get_with_access(event_id)


async def unpublish(
    db: Database, event_id: int, now: dt.datetime, *, actor: Actor | None = None
) -> Event:
    """Take a published event back to draft, as long as nobody is registered.

    Once people are registered they hold links, invites and feed entries: such an event is
    cancelled (they are told), not silently hidden.
    """
    event = await get_with_access(event_id)
    if event.status is EventStatus.DRAFT:
        return event
    if event.status is not EventStatus.PUBLISHED:
        raise InvalidInput({"status": NOT_PUBLISHED})
    async with db.transaction():
        await db.lock_event(event_id)
        registered = await RegistrationTable.exists().where(
            RegistrationTable.event == event_id, RegistrationTable.status.is_in(list(_KEEPING))
        )
        if registered:
            raise InvalidInput({"status": HAS_REGISTRATIONS})
        await _set_status(
            db,
            event_id,
            was=EventStatus.PUBLISHED,
            becomes=EventStatus.DRAFT,
            now=now,
            actor=actor,
            action=AuditAction.EVENT_UNPUBLISHED,
        )
    return await get_with_access(event_id)


async def duplicate(
    db: Database, event_id: int, now: dt.datetime, *, actor: Actor | None = None
) -> Event:
    """A draft copy of the event (same texts, times, settings; no registrations, no access data).

    The access data stays behind: a copied Zoom link would send the next event's attendees into
    the old meeting.
    """
    source = await get_with_access(event_id)
    title = f"{source.title} (Kopie)"
    copy = dataclasses.replace(
        source,
        id=0,
        title=title[:300],
        slug=await _free_slug(title),
        status=EventStatus.DRAFT,
        online_access=None,
        in_person_seats=dataclasses.replace(source.in_person_seats, taken=0),
        online_seats=dataclasses.replace(source.online_seats, taken=0),
        revision=0,
        is_sample=False,
    )
    return await _insert(
        db, copy, now, actor=actor, action=AuditAction.EVENT_DUPLICATED, detail=f"from={event_id}"
    )


async def preview(event_id: int) -> PublicEvent:
    """The event as its public page will show it (any status), without access data."""
    event = await get_with_access(event_id)
    waiting: dict[AttendanceMode, int] = {}
    for mode in event.modes:
        waiting[mode] = await RegistrationTable.count().where(
            RegistrationTable.event == event_id,
            RegistrationTable.status == RegistrationStatus.WAITLISTED.value,
            RegistrationTable.mode == mode.value,
        )
    public = dataclasses.replace(event, online_access=None)
    return PublicEvent(
        event=public,
        availability={mode: availability(public, mode, waiting[mode]) for mode in public.modes},
    )
