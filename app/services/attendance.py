"""Online attendance: who took part without passing a door.

``mark_attended_online`` is the shared entry point: the Zoom participants report
(``app.services.zoom``), organisers and imported lists all mark attendance through it. This is a
minimal version; the integrator keeps one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from app.db.database import Database
from app.db.tables import Registration as RegistrationTable
from app.domain.audit import Actor
from app.domain.model import AttendanceSource, RegistrationStatus


async def mark_attended_online(
    db: Database,
    event_id: int,
    registration_ids: Collection[int],
    *,
    source: AttendanceSource,
    now: dt.datetime,
    actor: Actor | None,
) -> int:
    """Mark the confirmed ones of ``registration_ids`` (of this event) as attended online.

    Those already marked keep their first moment and source. Returns how many were marked now.
    """
    del actor  # organisers' marks are audited in the full version
    ids = sorted(set(registration_ids))
    if not ids:
        return 0
    async with db.transaction():
        rows = await (
            RegistrationTable.update(
                {
                    RegistrationTable.attended_online_at: now,
                    RegistrationTable.attendance_source: source.value,
                    RegistrationTable.updated_at: now,
                }
            )
            .where(
                RegistrationTable.event == event_id,
                RegistrationTable.id.is_in(ids),
                RegistrationTable.status == RegistrationStatus.CONFIRMED.value,
                RegistrationTable.attended_online_at.is_null(),
            )
            .returning(RegistrationTable.id)
        )
    return len(rows)
