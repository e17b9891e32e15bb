"""Organisers and one event's registrations: list, search, export, check in at the door."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from app.db.database import Database
from app.db.tables import Registration as RegistrationTable
from app.domain.errors import NotFound
from app.domain.model import AttendanceMode, Event, Registration, RegistrationStatus
from app.services.events import get_with_access
from app.services.registrations import list_for_event

_E = TypeVar("_E", bound=enum.Enum)

#: Rows fetched per query when reading a whole event: only one batch of raw rows is held next to
#: the domain objects (10,000 registrations are about 10,000 objects, which is acceptable).

#: Longer search texts are cut: nobody's name is longer, and it bounds the work per request.
MAX_QUERY_LENGTH = 200


@dataclass(frozen=True, slots=True)
class RegistrationFilter:
    """The organiser's search: free text plus an optional status and mode (``None``: all)."""

    q: str = ""
    status: RegistrationStatus | None = None
    mode: AttendanceMode | None = None

    @classmethod
    def parse(cls, q: str | None, status: str | None, mode: str | None) -> RegistrationFilter:
        """A filter from query parameters; unknown status or mode values are ignored."""
        return cls(
            q=(q or "").strip()[:MAX_QUERY_LENGTH],
            status=_member(RegistrationStatus, status),
            mode=_member(AttendanceMode, mode),
        )

    def matches(self, registration: Registration) -> bool:
        """Whether ``registration`` passes the filter."""
        if self.status is not None and registration.status is not self.status:
            return False
        if self.mode is not None and registration.mode is not self.mode:
            return False
        if not self.q:
            return True
        needle = self.q.casefold()
        haystack = " ".join(
            (registration.full_name, registration.email, registration.organisation)
        ).casefold()
        return all(word in haystack for word in needle.split())


def _member(kind: type[_E], value: str | None) -> _E | None:
    if not value:
        return None
    try:
        return kind(value)
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class RegistrationList:
    """One event's registrations as the organiser's list shows them."""

    event: Event
    #: Every registration counted by (status, mode), whatever the filter.
    counts: dict[tuple[RegistrationStatus, AttendanceMode], int]
    total: int
    #: The registrations that pass the filter, in the order they came in.
    registrations: list[Registration]


async def list_registrations(event_id: int, search: RegistrationFilter) -> RegistrationList:
    """The registrations of ``event_id`` that match ``search``, with the counts of all of them.

    The text search runs in Python: it must fold case beyond ASCII (Cyrillic, umlauts), which
    SQLite's LIKE does not, and one event's registrations fit in memory.
    """
    event = await get_with_access(event_id)
    everyone = await list_for_event(event_id)
    counts: dict[tuple[RegistrationStatus, AttendanceMode], int] = {
        (status, mode): 0 for status in RegistrationStatus for mode in AttendanceMode
    }
    for registration in everyone:
        counts[(registration.status, registration.mode)] += 1
    return RegistrationList(
        event=event,
        counts=counts,
        total=len(everyone),
        registrations=[r for r in everyone if search.matches(r)],
    )


class CheckIn(enum.Enum):
    """What a check-in or its undoing did."""

    DONE = "done"
    #: Already in the asked state (a double tap, or someone else at the door was quicker).
    UNCHANGED = "unchanged"
    #: Only confirmed registrations can be let in.
    NOT_CONFIRMED = "not_confirmed"


async def set_checked_in(
    db: Database, event_id: int, registration_id: int, checked_in: bool, now: dt.datetime
) -> CheckIn:
    """Check a confirmed registration in (or undo it) with one conditional UPDATE.

    The condition on the current state makes it idempotent and race-free: of two devices
    tapping at once, one changes the row and the other finds it already done. Raises
    :class:`NotFound` when the registration does not belong to the event.
    """
    change: dict[Any, Any]
    if checked_in:
        change = {RegistrationTable.checked_in_at: now, RegistrationTable.updated_at: now}
        state = RegistrationTable.checked_in_at.is_null()
    else:
        change = {RegistrationTable.checked_in_at: None, RegistrationTable.updated_at: now}
        state = RegistrationTable.checked_in_at.is_not_null()
    async with db.transaction():
        changed = (
            await RegistrationTable.update(change)
            .where(
                RegistrationTable.id == registration_id,
                RegistrationTable.event == event_id,
                RegistrationTable.status == RegistrationStatus.CONFIRMED.value,
                state,
            )
            .returning(RegistrationTable.id)
        )
        if changed:
            return CheckIn.DONE
        row = (
            await RegistrationTable.select(RegistrationTable.status)
            .where(RegistrationTable.id == registration_id, RegistrationTable.event == event_id)
            .first()
        )
    if row is None:
        raise NotFound(f"registration {registration_id}")
    if row["status"] != RegistrationStatus.CONFIRMED.value:
        return CheckIn.NOT_CONFIRMED
    return CheckIn.UNCHANGED


@dataclass(frozen=True, slots=True)
class DayCount:
    """Registrations that came in on one calendar day (in the event's time zone)."""

    day: dt.date
    count: int


@dataclass(frozen=True, slots=True)
class Dashboard:
    """One event at a glance: counts by status, free seats, check-ins, registrations per day."""

    event: Event
    counts: dict[RegistrationStatus, int]
    #: Free seats per offered mode; ``None`` when the mode has no limit.
    free_seats: dict[AttendanceMode, int | None]
    checked_in: int
    #: Only days with registrations, oldest first.
    per_day: list[DayCount]


async def dashboard(event_id: int) -> Dashboard:
    """The organiser's overview of ``event_id``; raises :class:`NotFound`."""
    event = await get_with_access(event_id)
    everyone = await list_for_event(event_id)
    counts = dict.fromkeys(RegistrationStatus, 0)
    days: dict[dt.date, int] = {}
    zone = ZoneInfo(event.timezone)
    for registration in everyone:
        counts[registration.status] += 1
        day = registration.created_at.astimezone(zone).date()
        days[day] = days.get(day, 0) + 1
    return Dashboard(
        event=event,
        counts=counts,
        free_seats={mode: event.seats(mode).left for mode in event.modes},
        checked_in=sum(1 for r in everyone if r.checked_in_at is not None),
        per_day=[DayCount(day, days[day]) for day in sorted(days)],
    )
