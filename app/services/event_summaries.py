"""Every event for organisers, drafts included, with its registrations counted by status."""

from __future__ import annotations

from dataclasses import dataclass

from piccolo.query.functions.aggregate import Count

from app.db.mapping import event_from_row
from app.db.tables import Event as EventTable
from app.db.tables import Registration as RegistrationTable
from app.domain.model import Event, RegistrationStatus


@dataclass(frozen=True, slots=True)
class EventSummary:
    """An event without its access data, and how many registrations it has in each status."""

    event: Event
    counts: dict[RegistrationStatus, int]


async def list_all() -> list[EventSummary]:
    """Every event (any status), soonest first; the access data is not read."""
    rows = await EventTable.select(exclude_secrets=True).order_by(EventTable.starts_at)
    counted = await RegistrationTable.select(
        RegistrationTable.event, RegistrationTable.status, Count(alias="n")
    ).group_by(RegistrationTable.event, RegistrationTable.status)
    counts: dict[int, dict[RegistrationStatus, int]] = {}
    for row in counted:
        per_event = counts.setdefault(row["event"], dict.fromkeys(RegistrationStatus, 0))
        per_event[RegistrationStatus(row["status"])] = int(row["n"])
    return [
        EventSummary(
            event=event_from_row(row),
            counts=counts.get(row["id"], dict.fromkeys(RegistrationStatus, 0)),
        )
        for row in rows
    ]
