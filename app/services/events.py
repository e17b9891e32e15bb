"""Use cases around events: find, list, create."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from piccolo.query.functions.aggregate import Count

from app.db.database import Database
from app.db.mapping import event_from_row, event_to_row
from app.db.tables import Event as EventTable
from app.db.tables import Registration as RegistrationTable
from app.domain.errors import NotFound
from app.domain.model import AttendanceMode, Event, EventStatus, RegistrationStatus
from app.domain.rules import Availability, availability
from app.domain.validation import is_slug_shaped

PUBLIC_STATUSES = (EventStatus.PUBLISHED.value, EventStatus.CANCELLED.value)


@dataclass(frozen=True, slots=True)
class PublicEvent:
    """An event as the public sees it (no access data), with what each mode offers now."""

    event: Event
    availability: dict[AttendanceMode, Availability]


async def _waiting_counts(event_ids: list[int]) -> dict[tuple[int, str], int]:
    if not event_ids:
        return {}
    rows = await (
        RegistrationTable.select(
            RegistrationTable.event,
            RegistrationTable.mode,
            Count(RegistrationTable.id, alias="waiting"),
        )
        .where(
            RegistrationTable.event.is_in(event_ids),
            RegistrationTable.status == RegistrationStatus.WAITLISTED.value,
        )
        .group_by(RegistrationTable.event, RegistrationTable.mode)
    )
    return {(row["event"], row["mode"]): row["waiting"] for row in rows}


def _public(events: list[Event], waiting: dict[tuple[int, str], int]) -> list[PublicEvent]:
    return [
        PublicEvent(
            event=event,
            availability={
                mode: availability(event, mode, waiting.get((event.id, mode.value), 0))
                for mode in event.modes
            },
        )
        for event in events
    ]


async def list_public(now: dt.datetime, *, past: bool) -> list[PublicEvent]:
    """Published and cancelled events: upcoming (not yet ended) soonest first, or past ones."""
    query = EventTable.select(exclude_secrets=True).where(
        EventTable.status.is_in(list(PUBLIC_STATUSES))
    )
    if past:
        query = query.where(EventTable.ends_at < now).order_by(
            EventTable.starts_at, ascending=False
        )
    else:
        query = query.where(EventTable.ends_at >= now).order_by(EventTable.starts_at)
    events = [event_from_row(row) for row in await query]
    return _public(events, await _waiting_counts([e.id for e in events]))


async def get_public(slug: str) -> PublicEvent:
    """A published or cancelled event by slug, without access data; drafts are not found."""
    if not is_slug_shaped(slug):
        raise NotFound("event")
    row = (
        await EventTable.select(exclude_secrets=True)
        .where(EventTable.slug == slug, EventTable.status.is_in(list(PUBLIC_STATUSES)))
        .first()
    )
    if row is None:
        raise NotFound(slug)
    event = event_from_row(row)
    return _public([event], await _waiting_counts([event.id]))[0]


async def get_with_access(event_id: int) -> Event:
    """An event with its access data, for the registrant's personal page and organisers."""
    row = await EventTable.select().where(EventTable.id == event_id).first()
    if row is None:
        raise NotFound(str(event_id))
    return event_from_row(row)


async def create_event(db: Database, event: Event) -> Event:
    """Store ``event`` as a new event; its id, seat counters and revision are ignored."""
    async with db.transaction():
        rows = await EventTable.insert(EventTable(**event_to_row(event))).returning(EventTable.id)
    return await get_with_access(rows[0]["id"])


async def count_events() -> int:
    """How many events exist (any status)."""
    return int(await EventTable.count())
