"""One event at a glance for its organisers: counts by status, free seats, registrations over time.

Counted by the database in two grouped queries, never loading the registrations: by status (with
the check-ins), and by quarter hour of arrival in UTC, which ``app.domain.dashboard`` turns into
the event's local days.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from app.db.engine import is_sqlite
from app.db.tables import Registration as RegistrationTable
from app.domain.dashboard import DayCount, Window, every_day, local_days, window
from app.domain.model import AttendanceMode, Event, RegistrationStatus
from app.services.events import get_with_access

_BY_STATUS = """
SELECT status, COUNT(*) AS count,
       SUM(CASE WHEN checked_in_at IS NOT NULL AND status = 'confirmed' THEN 1 ELSE 0 END)
           AS checked_in
FROM "registration" WHERE event = {} GROUP BY status
"""
# Arrivals per quarter hour in UTC: the hour as text and the quarter (0-3). SQLite keeps the
# time as text in UTC ("2026-11-20 09:41:07.123+00:00"); PostgreSQL as timestamptz.
_BY_QUARTER_SQLITE = """
SELECT substr(created_at, 1, 13) AS hour,
       CAST(substr(created_at, 15, 2) AS INTEGER) / 15 AS quarter, COUNT(*) AS count
FROM "registration" WHERE event = {} GROUP BY hour, quarter
"""
_BY_QUARTER_POSTGRES = """
SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24') AS hour,
       CAST(EXTRACT(MINUTE FROM created_at AT TIME ZONE 'UTC') AS INTEGER) / 15 AS quarter,
       COUNT(*) AS count
FROM "registration" WHERE event = {} GROUP BY hour, quarter
"""


@dataclass(frozen=True, slots=True)
class Dashboard:
    """One event at a glance: counts by status, free seats, check-ins, registrations per day."""

    event: Event
    counts: dict[RegistrationStatus, int]
    #: Free seats per offered mode; ``None`` when the mode has no limit.
    free_seats: dict[AttendanceMode, int | None]
    checked_in: int
    #: The registration window, in the event's time zone.
    window: Window
    #: Every day of the window, oldest first, days without registrations included.
    per_day: list[DayCount]

    @property
    def check_in_rate(self) -> float | None:
        """Checked in of the confirmed, 0 to 1; ``None`` without confirmed registrations."""
        confirmed = self.counts[RegistrationStatus.CONFIRMED]
        return self.checked_in / confirmed if confirmed else None


def _quarter_start(hour: str, quarter: int) -> dt.datetime:
    start = dt.datetime.strptime(hour.replace("T", " "), "%Y-%m-%d %H").replace(tzinfo=dt.UTC)
    return start + dt.timedelta(minutes=15 * quarter)


async def dashboard(event_id: int) -> Dashboard:
    """The organiser's overview of ``event_id``; raises :class:`NotFound`."""
    event = await get_with_access(event_id)
    counts = dict.fromkeys(RegistrationStatus, 0)
    checked_in = 0
    for row in await RegistrationTable.raw(_BY_STATUS, event_id):
        counts[RegistrationStatus(row["status"])] = row["count"]
        checked_in += row["checked_in"] or 0
    by_quarter = (
        _BY_QUARTER_SQLITE if is_sqlite(RegistrationTable._meta.db) else _BY_QUARTER_POSTGRES
    )
    quarters = [
        (_quarter_start(row["hour"], row["quarter"]), row["count"])
        for row in await RegistrationTable.raw(by_quarter, event_id)
    ]
    days = local_days(quarters, event.timezone)
    opened = event.registration_opens_at or event.created_at or event.starts_at
    span = window(opened, event.registration_deadline, event.starts_at, event.timezone, days)
    return Dashboard(
        event=event,
        counts=counts,
        free_seats={mode: event.seats(mode).left for mode in event.modes},
        checked_in=checked_in,
        window=span,
        per_day=every_day(days, span),
    )
