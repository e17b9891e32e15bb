"""Who belongs to an event (owner, co-host managers, door staff) and an organiser's permissions."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from app.db.database import Database, is_unique_violation
from app.db.tables import Event as EventTable
from app.db.tables import EventStaff
from app.domain.audit import Actor, AuditAction
from app.domain.errors import InvalidInput, NotFound
from app.domain.roles import Permissions, Role, StaffKind, fits_staff_kind
from app.services import audit, organisers

_STAFF_OF_ORGANISER = 'SELECT "event", "kind" FROM "event_staff" WHERE "organiser" = {}'
_STAFF_OF_EVENT = (
    'SELECT s."organiser", s."kind", u.username, u.email, u.first_name, u.last_name, u.active '
    'FROM "event_staff" s JOIN "piccolo_user" u ON u.id = s."organiser" '
    'WHERE s."event" = {} ORDER BY s."kind", u.username'
)

_ADD_OWNER = (
    'INSERT INTO "event_staff" ("event", "organiser", "kind") '
    'SELECT {}, "id", {} FROM "piccolo_user" WHERE "id" = {}'
)

#: Refusal codes (``InvalidInput`` per field); the web layer words them.
NO_SUCH_ACCOUNT = "no-such-account"
ROLE_DOES_NOT_FIT = "role-does-not-fit"
ALREADY_STAFF = "already-staff"


@dataclass(frozen=True, slots=True)
class StaffMember:
    """One organiser of an event, as its staff section lists them."""

    organiser_id: int
    email: str
    name: str
    kind: StaffKind
    active: bool


async def permissions(organiser_id: int, role: Role) -> Permissions:
    """The organiser's role and staff kinds per event; administrators need no lookup."""
    if role is Role.ADMINISTRATOR:
        return Permissions(role)
    rows: list[dict[str, Any]] = await EventStaff.raw(_STAFF_OF_ORGANISER, organiser_id)
    staff: defaultdict[int, set[StaffKind]] = defaultdict(set)
    for row in rows:
        try:
            staff[int(row["event"])].add(StaffKind(row["kind"]))
        except ValueError:
            continue
    return Permissions(role, {event: frozenset(kinds) for event, kinds in staff.items()})


async def staff_of(event_id: int) -> list[StaffMember]:
    """The event's owner, co-hosts and door staff."""
    rows: list[dict[str, Any]] = await EventStaff.raw(_STAFF_OF_EVENT, event_id)
    return [
        StaffMember(
            organiser_id=int(row["organiser"]),
            email=row["email"] or row["username"],
            name=organisers.account_name(row["first_name"], row["last_name"]),
            kind=StaffKind(row["kind"]),
            active=bool(row["active"]),
        )
        for row in rows
    ]


async def add_owner(event_id: int, organiser_id: int) -> None:
    """Make the organiser the event's owner; in the caller's transaction (event creation).

    An actor without an account (one deleted meanwhile) owns nothing: administrators manage
    the event, rather than its creation failing.
    """
    await EventStaff.raw(_ADD_OWNER, event_id, StaffKind.OWNER.value, organiser_id)


async def assign(
    db: Database,
    event_id: int,
    email: str,
    kind: StaffKind,
    *,
    actor: Actor | None,
    now: dt.datetime,
) -> StaffMember:
    """Add the account of ``email`` to the event's staff as ``kind`` (co-host or door).

    Raises :class:`InvalidInput` (field ``email``) for an unknown or inactive account, one whose
    role does not fit (a co-host must be a manager), or one already on the staff.
    """
    if kind is StaffKind.OWNER:
        raise InvalidInput({"kind": ROLE_DOES_NOT_FIT})
    target = await organisers.account_by_email(email)
    if target is None or not target.active:
        raise InvalidInput({"email": NO_SUCH_ACCOUNT})
    if not fits_staff_kind(target.role, kind):
        raise InvalidInput({"email": ROLE_DOES_NOT_FIT})
    try:
        async with db.transaction():
            if not await EventTable.exists().where(EventTable.id == event_id):
                raise NotFound("event")
            await EventStaff.insert(
                EventStaff(event=event_id, organiser=target.id, kind=kind.value)
            )
            await audit.record(
                db,
                actor,
                AuditAction.STAFF_ASSIGNED,
                now=now,
                event_id=event_id,
                subject_id=target.id,
                detail=f"kind={kind.value}",
            )
    except Exception as error:
        if is_unique_violation(error):
            raise InvalidInput({"email": ALREADY_STAFF}) from error
        raise
    return StaffMember(target.id, target.email, target.name, kind, target.active)


async def remove(
    db: Database,
    event_id: int,
    organiser_id: int,
    *,
    actor: Actor | None,
    now: dt.datetime,
) -> bool:
    """Take the organiser off the event's co-hosts and door staff (the owner stays); whether
    anything was removed."""
    async with db.transaction():
        removed = (
            await EventStaff.delete()
            .where(
                (EventStaff.event == event_id)
                & (EventStaff.organiser == organiser_id)
                & (EventStaff.kind != StaffKind.OWNER.value)
            )
            .returning(EventStaff.kind)
        )
        if removed:
            await audit.record(
                db,
                actor,
                AuditAction.STAFF_REMOVED,
                now=now,
                event_id=event_id,
                subject_id=organiser_id,
                detail=f"kind={removed[0]['kind']}",
            )
    return bool(removed)
