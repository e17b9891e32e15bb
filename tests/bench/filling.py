"""Many registrations for one event, written straight into the tables for the growth benchmarks.

The services register one person per transaction with its mail; 100,000 that way take minutes.
These rows skip the seat counters and the outbox: the benchmarks only read them.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from app.db.tables import Registration as RegistrationTable
from app.domain.model import AttendanceMode, RegistrationStatus

#: Rows per INSERT: below SQLite's limit of bound parameters (32,766) at 25 columns a row.
_ROWS_PER_INSERT = 1_000
#: A mix like a large event's: most confirmed, some waiting, some cancelled.
_STATUSES = (
    *(RegistrationStatus.CONFIRMED,) * 7,
    RegistrationStatus.WAITLISTED,
    RegistrationStatus.CANCELLED,
    RegistrationStatus.PENDING,
)
_FIRST_NAMES = ("Олена", "Jürgen", "Anna", "Борис", "Zoë")


def registration_row(event_id: int, number: int, now: dt.datetime) -> dict[str, Any]:
    """Registration ``number`` of ``event_id`` as a row: unique address and token."""
    status = _STATUSES[number % len(_STATUSES)]
    created = now - dt.timedelta(days=30) + dt.timedelta(seconds=number)
    return {
        "event": event_id,
        "token": f"bench-{event_id}-{number:08d}",
        "first_name": _FIRST_NAMES[number % len(_FIRST_NAMES)],
        "last_name": f"Koval{number:06d}",
        "email": f"person{number}@example.org",
        "email_normalised": f"person{number}@example.org",
        "organisation": "Stadt Dortmund" if number % 2 else "Київська міська рада",
        "job_title": "Referentin",
        "mode": (AttendanceMode.IN_PERSON if number % 3 else AttendanceMode.ONLINE).value,
        "language": "de",
        "status": status.value,
        "answers": json.dumps({"lunch": "yes", "topic": "Partnerschaften"}),
        "consent_version": "2023-01",
        "consent_at": created,
        "created_at": created,
        "updated_at": created,
        "confirmed_at": created if status is RegistrationStatus.CONFIRMED else None,
    }


async def insert_registrations(
    event_id: int, count: int, now: dt.datetime, *, first: int = 1
) -> None:
    """``count`` registrations for ``event_id``, numbered from ``first``, in id order."""
    end = first + count
    for start in range(first, end, _ROWS_PER_INSERT):
        rows = [
            RegistrationTable(**registration_row(event_id, number, now))
            for number in range(start, min(start + _ROWS_PER_INSERT, end))
        ]
        await RegistrationTable.insert(*rows)
