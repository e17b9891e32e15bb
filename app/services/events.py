"""Use cases around events: find, list, create."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from app.db.database import Database
from app.db.mapping import event_from_row, event_to_row
from app.db.tables import Event as EventTable
from app.domain.errors import NotFound
from app.domain.model import AttendanceMode, Event, EventStatus
from app.domain.rules import Availability, availability
from app.domain.validation import is_slug_shaped

PUBLIC_STATUSES = (EventStatus.PUBLISHED.value, EventStatus.CANCELLED.value)


@dataclass(frozen=True, slots=True)
class PublicEvent:
    """An event as the public sees it (no access data), with what each mode offers now."""

    event: Event
    availability: dict[AttendanceMode, Availability]


def _public_select() -> str:
    """One statement for public reads: the event's public columns, its waiting counters included.

    Written out once instead of built by Piccolo per request: query building cost more than
    SQLite's work. The waiting counts are the event's own counters (kept by triggers, see
    migration 0013), not a count of the waiting list. Only enum constants and column names go
    into the text (hence the S608 exemption); values travel as parameters.
    """
    columns = ", ".join(
        f'e."{column._meta.db_column_name}"'
        for column in EventTable._meta.columns
        if not column._meta.secret
    )
    statuses = ", ".join(f"'{status}'" for status in PUBLIC_STATUSES)
    return f"SELECT {columns} FROM event e WHERE e.status IN ({statuses})"  # noqa: S608


_PUBLIC_SELECT = _public_select()


def _public(row: dict[str, Any]) -> PublicEvent:
    event = event_from_row(row)
    return PublicEvent(
        event=event,
        availability={
            mode: availability(event, mode, row[f"waiting_{mode.value}"]) for mode in event.modes
        },
    )


async def list_public(
    now: dt.datetime, *, past: bool, limit: int | None = None, offset: int = 0
) -> list[PublicEvent]:
    """Published and cancelled events: upcoming (not yet ended) soonest first, or past ones.

    ``limit`` and ``offset`` give one page of them (all when ``limit`` is ``None``).
    """
    if past:
        condition = "AND e.ends_at < {} ORDER BY e.starts_at DESC, e.id"
    else:
        condition = "AND e.ends_at >= {} ORDER BY e.starts_at, e.id"
    values: list[Any] = [now.astimezone(dt.UTC)]
    if limit is not None:
        condition += " LIMIT {} OFFSET {}"
        values += [limit, offset]
    rows = await EventTable.raw(f"{_PUBLIC_SELECT} {condition}", *values)
    return [_public(row) for row in rows]


async def get_public(slug: str) -> PublicEvent:
    """A published or cancelled event by slug, without access data; drafts are not found."""
    if not is_slug_shaped(slug):
        raise NotFound("event")
    rows = await EventTable.raw(f"{_PUBLIC_SELECT} AND e.slug = {{}}", slug)
    if not rows:
        raise NotFound(slug)
    return _public(rows[0])


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
