"""Approval: organisers approve or decline registrations that await it, one or a selection.

Each decision runs under the event's lock, like every other seat change: approving a held seat
confirms it; approving without one takes a free seat (nobody waiting for it), else a place at
the end of the waiting list, else it is refused. Declining gives a held seat back, which the
waiting list gets at once. Each decision is audited and its mail goes through the outbox in the
same transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from piccolo.columns import Column

from app.db.database import Database
from app.db.mapping import registration_from_row
from app.db.tables import Event as EventTable
from app.db.tables import Registration as RegistrationTable
from app.domain.audit import Actor, AuditAction
from app.domain.errors import NotFound
from app.domain.model import AWAITING_APPROVAL, AttendanceMode, Registration, RegistrationStatus
from app.domain.rules import place_approved
from app.services import audit
from app.services import changes as change_log
from app.services.changes import Change, ChangeKind
from app.services.registrations import (
    give_back_seat,
    locked_event,
    promote_within_transaction,
    take_seat,
)


@dataclass(frozen=True, slots=True)
class ApprovalOutcome:
    """A decision on one registration; ``changes`` is empty when it was decided already."""

    registration: Registration
    changes: tuple[Change, ...]


async def _awaiting(event_id: int, registration_id: int) -> Registration:
    row = (
        await RegistrationTable.select()
        .where(RegistrationTable.id == registration_id, RegistrationTable.event == event_id)
        .first()
    )
    if row is None:
        raise NotFound(f"registration {registration_id}")
    return registration_from_row(row)


#: Each mode's waiting counter (kept by the triggers of migration 0013).
_WAITING = {
    AttendanceMode.IN_PERSON: EventTable.waiting_in_person,
    AttendanceMode.ONLINE: EventTable.waiting_online,
}


async def _waiting(event_id: int, mode: AttendanceMode) -> int:
    column = _WAITING[mode]
    row = await EventTable.select(column).where(EventTable.id == event_id).first()
    return 0 if row is None else int(row[column._meta.name])


async def approve(
    db: Database,
    event_id: int,
    registration_id: int,
    now: dt.datetime,
    *,
    actor: Actor | None = None,
) -> ApprovalOutcome:
    """Approve a registration that awaits it; approving twice (or anything else) changes nothing.

    Raises :class:`NotFound` when the registration is not the event's and
    :class:`RegistrationClosed` (``full``, ``cancelled``) when approval cannot give a seat nor
    a place on the waiting list: the registration then stays as it was.
    """
    async with db.transaction():
        event = await locked_event(db, event_id)
        current = await _awaiting(event_id, registration_id)
        if current.status not in AWAITING_APPROVAL:
            return ApprovalOutcome(current, changes=())
        waiting = await _waiting(event_id, current.mode)
        placement = place_approved(event, current.status, current.mode, waiting)
        if placement.takes_seat:
            await take_seat(event_id, current.mode)
        values: dict[Column | str, Any]
        if placement.status is RegistrationStatus.WAITLISTED:
            values = {
                RegistrationTable.status: RegistrationStatus.WAITLISTED.value,
                RegistrationTable.waitlisted_at: now,
                RegistrationTable.updated_at: now,
            }
            # Behind everyone waiting: the newcomer joined the queue now.
            change = Change(
                ChangeKind.APPROVED_WAITLISTED, current.id, event_id, position=waiting + 1
            )
        else:
            values = {
                RegistrationTable.status: RegistrationStatus.CONFIRMED.value,
                RegistrationTable.confirmed_at: now,
                RegistrationTable.updated_at: now,
            }
            change = Change(ChangeKind.APPROVED, current.id, event_id)
        await RegistrationTable.update(values).where(RegistrationTable.id == current.id)
        await change_log.record(db, event, [change], now)
        await audit.record(
            db,
            actor,
            AuditAction.REGISTRATION_APPROVED,
            now=now,
            event_id=event_id,
            subject_id=current.id,
        )
        approved = await _awaiting(event_id, current.id)
    return ApprovalOutcome(approved, changes=(change,))


async def decline(
    db: Database,
    event_id: int,
    registration_id: int,
    now: dt.datetime,
    *,
    actor: Actor | None = None,
) -> ApprovalOutcome:
    """Decline a registration that awaits approval; a held seat goes to the waiting list.

    Declining twice (or anything that does not await approval) changes nothing. The person is
    told without an invite: only confirmed registrations are ever sent one, so there is none to
    cancel. Raises :class:`NotFound` when the registration is not the event's.
    """
    async with db.transaction():
        event = await locked_event(db, event_id)
        current = await _awaiting(event_id, registration_id)
        if current.status not in AWAITING_APPROVAL:
            return ApprovalOutcome(current, changes=())
        await RegistrationTable.update(
            {
                RegistrationTable.status: RegistrationStatus.DECLINED.value,
                RegistrationTable.updated_at: now,
            }
        ).where(RegistrationTable.id == current.id)
        recorded = [Change(ChangeKind.DECLINED, current.id, event_id)]
        if current.status is RegistrationStatus.AWAITING:
            await give_back_seat(event_id, current.mode)
            recorded.extend(await promote_within_transaction(db, event_id, now))
        await change_log.record(db, event, recorded, now)
        await audit.record(
            db,
            actor,
            AuditAction.REGISTRATION_DECLINED,
            now=now,
            event_id=event_id,
            subject_id=current.id,
        )
        declined = await _awaiting(event_id, current.id)
    return ApprovalOutcome(declined, changes=tuple(recorded))
