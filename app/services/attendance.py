"""Online attendance: marking confirmed online participants as attended, by hand or from a list.

Online participation has no door. An organiser ticks people off, uploads a list (Zoom's
participants export), or the Zoom integration reports whom it saw; all three go through
:func:`mark_attended_online`, which changes only confirmed online registrations of the one event,
with one conditional UPDATE (so a repeated report changes nothing and two at once cannot race),
and records it in the audit log in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from app.db.database import Database
from app.db.mapping import registration_from_row
from app.db.tables import Registration as RegistrationTable
from app.domain.attendance import (
    AddressList,
    RowError,
    RowProblem,
    markable_online,
    parse_address_list,
)
from app.domain.audit import Actor, AuditAction
from app.domain.model import (
    AttendanceMode,
    AttendanceSource,
    Event,
    Registration,
    RegistrationStatus,
)
from app.domain.validation import normalise_email
from app.services import audit
from app.services.events import get_with_access

#: Ids per statement: well under SQLite's and asyncpg's parameter limits.
_CHUNK = 500


def _chunks(ids: Sequence[int]) -> list[list[int]]:
    unique = sorted({int(i) for i in ids})
    return [unique[start : start + _CHUNK] for start in range(0, len(unique), _CHUNK)]


async def _set(
    db: Database,
    event_id: int,
    registration_ids: Sequence[int],
    *,
    attended: bool,
    source: AttendanceSource | None,
    now: dt.datetime,
    actor: Actor | None,
) -> int:
    changed: list[int] = []
    async with db.transaction():
        for chunk in _chunks(registration_ids):
            query = RegistrationTable.update(
                {
                    RegistrationTable.attended_online_at: now if attended else None,
                    RegistrationTable.attendance_source: source.value if source else None,
                    RegistrationTable.updated_at: now,
                }
            ).where(
                RegistrationTable.id.is_in(chunk),
                RegistrationTable.event == event_id,
                RegistrationTable.status == RegistrationStatus.CONFIRMED.value,
                RegistrationTable.mode == AttendanceMode.ONLINE.value,
                RegistrationTable.attended_online_at.is_null()
                if attended
                else RegistrationTable.attended_online_at.is_not_null(),
            )
            rows = await query.returning(RegistrationTable.id)
            changed.extend(row["id"] for row in rows)
        if changed:
            detail = f"count={len(changed)}"
            if source is not None:
                detail += f" source={source.value}"
            await audit.record(
                db,
                actor,
                AuditAction.ATTENDED_ONLINE if attended else AuditAction.ATTENDED_ONLINE_UNDONE,
                now=now,
                event_id=event_id,
                subject_id=changed[0] if len(changed) == 1 else None,
                detail=detail,
            )
    return len(changed)


async def mark_attended_online(
    db: Database,
    event_id: int,
    registration_ids: Sequence[int],
    *,
    source: AttendanceSource,
    now: dt.datetime,
    actor: Actor | None,
) -> int:
    """Mark registrations as attended online; returns how many changed.

    Only confirmed online registrations of ``event_id`` (an online event's, or a hybrid event's
    online ones) that are not marked yet: ids of other events, in-person, unconfirmed or already
    marked registrations are passed over. One audit entry for the lot (its count and source).
    """
    return await _set(
        db, event_id, registration_ids, attended=True, source=source, now=now, actor=actor
    )


async def unmark_attended_online(
    db: Database,
    event_id: int,
    registration_ids: Sequence[int],
    *,
    now: dt.datetime,
    actor: Actor | None,
) -> int:
    """Take back the online attendance of ``event_id``'s registrations; returns how many changed."""
    return await _set(
        db, event_id, registration_ids, attended=False, source=None, now=now, actor=actor
    )


@dataclass(frozen=True, slots=True)
class OnlineAttendance:
    """An event's confirmed online participants, for the organisers' attendance page."""

    event: Event
    participants: list[Registration]

    @property
    def attended(self) -> int:
        """How many of them are marked as attended."""
        return sum(1 for r in self.participants if r.attended_online_at is not None)


async def online_participants(event_id: int) -> OnlineAttendance:
    """The confirmed online participants of ``event_id``, by name; raises ``NotFound``."""
    event = await get_with_access(event_id)
    rows = await (
        RegistrationTable.select()
        .where(
            RegistrationTable.event == event_id,
            RegistrationTable.status == RegistrationStatus.CONFIRMED.value,
            RegistrationTable.mode == AttendanceMode.ONLINE.value,
        )
        .order_by(RegistrationTable.id)
    )
    people = [registration_from_row(row) for row in rows]
    people.sort(key=lambda r: (r.last_name.casefold(), r.first_name.casefold(), r.id))
    return OnlineAttendance(event=event, participants=people)


@dataclass(frozen=True, slots=True)
class ImportOutcome:
    """What an uploaded list did: how many were marked, or every row that stopped it."""

    #: Addresses in the list (each once).
    listed: int = 0
    #: Newly marked (the others were marked already).
    marked: int = 0
    #: Rows that repeat an address (counted once).
    repeated: list[int] = field(default_factory=list)
    #: Non-empty: nothing was imported.
    errors: list[RowError] = field(default_factory=list)


def _problem(registration: Registration | None) -> RowProblem | None:
    if registration is None:
        return RowProblem.UNKNOWN
    if markable_online(registration):
        return None
    if registration.status is not RegistrationStatus.CONFIRMED:
        return RowProblem.NOT_CONFIRMED
    return RowProblem.NOT_ONLINE


async def import_attendance(
    db: Database,
    event_id: int,
    data: bytes,
    *,
    now: dt.datetime,
    actor: Actor | None,
) -> ImportOutcome:
    """Mark everyone on an uploaded list as attended online, or nobody.

    Every address must belong to a confirmed online registration of this event; any row that is
    not one (unreadable, a formula, not an address, unknown here, someone of another event, in
    person, not confirmed) is reported and nothing is marked. Raises ``NotFound`` for an unknown
    event.
    """
    await get_with_access(event_id)
    parsed: AddressList = parse_address_list(data)
    errors = list(parsed.errors)
    by_address: dict[str, Registration] = {}
    keys = [normalise_email(address) for _, address in parsed.addresses]
    for start in range(0, len(keys), _CHUNK):
        rows = await RegistrationTable.select().where(
            RegistrationTable.event == event_id,
            RegistrationTable.email_normalised.is_in(keys[start : start + _CHUNK]),
        )
        for row in rows:
            by_address[row["email_normalised"]] = registration_from_row(row)
    ids: list[int] = []
    for (row_number, address), key in zip(parsed.addresses, keys, strict=True):
        found = by_address.get(key)
        problem = _problem(found)
        if problem is not None:
            errors.append(RowError(row_number, problem, address))
        elif found is not None:
            ids.append(found.id)
    errors.sort(key=lambda error: error.row)
    if errors:
        return ImportOutcome(listed=len(parsed.addresses), repeated=parsed.repeated, errors=errors)
    marked = await mark_attended_online(
        db, event_id, ids, source=AttendanceSource.IMPORT, now=now, actor=actor
    )
    return ImportOutcome(listed=len(ids), marked=marked, repeated=parsed.repeated)
