"""Register, cancel and promote: every seat change happens here, under the event's lock.

The protocol, the same on SQLite and PostgreSQL: open a write transaction, lock the event row
(SQLite: the IMMEDIATE transaction holds the database's write lock), read the counters, let the
domain rules decide, then take or give back the seat with one conditional UPDATE on the event row
that the database's CHECK (or trigger) backs. Registration, seat and recorded changes commit
together or not at all.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from typing import Any

from piccolo.columns.column_types import Integer
from piccolo.columns.combination import Or

from app.db import registrations as registration_rows
from app.db.database import Database
from app.db.mapping import event_from_row, registration_from_row
from app.db.tables import Event as EventTable
from app.db.tables import Registration as RegistrationTable
from app.domain.audit import Actor, AuditAction
from app.domain.errors import CapacityConflict, NotFound, RegistrationClosed
from app.domain.model import (
    SEAT_HOLDING,
    AttendanceMode,
    Event,
    EventStatus,
    Registrant,
    Registration,
    RegistrationRequest,
    RegistrationStatus,
    choice_code,
)
from app.domain.outbox import NewMail
from app.domain.rules import (
    WaitingEntry,
    WindowState,
    choose_promotions,
    place_registration,
)
from app.domain.rules import window_state as event_window_state
from app.domain.validation import (
    is_slug_shaped,
    is_token_shaped,
    normalise_email,
    validate_registration,
)
from app.services import audit, invitations
from app.services import changes as change_log
from app.services.changes import Change, ChangeKind
from app.services.events import get_with_access

#: Each mode's seat counter and capacity.
_SEAT_COLUMNS: dict[AttendanceMode, tuple[Integer, Integer]] = {
    AttendanceMode.IN_PERSON: (EventTable.seats_taken_in_person, EventTable.capacity_in_person),
    AttendanceMode.ONLINE: (EventTable.seats_taken_online, EventTable.capacity_online),
}


def _has_room(taken: Integer, capacity: Integer) -> Or:
    # Built from Piccolo's operators, which bracket each combination: a raw "capacity IS NULL
    # OR taken < capacity" next to the id condition once matched every event with room.
    return Or(capacity.is_null(), taken < capacity)


@dataclass(frozen=True, slots=True)
class RegistrationOutcome:
    """The result of a registration attempt."""

    registration: Registration
    #: ``False`` when the address was already registered: nothing was changed.
    created: bool
    changes: tuple[Change, ...]


@dataclass(frozen=True, slots=True)
class CancellationOutcome:
    """The result of a cancellation, with whoever was promoted into the freed seat."""

    registration: Registration
    changes: tuple[Change, ...]


def new_token() -> str:
    """An unguessable token for personal links (256 bits)."""
    return secrets.token_urlsafe(32)


async def locked_event(db: Database, event_id: int) -> Event:
    """The event, read after taking its lock (inside the caller's transaction)."""
    await db.lock_event(event_id)
    row = await EventTable.select(exclude_secrets=True).where(EventTable.id == event_id).first()
    if row is None:
        raise NotFound(str(event_id))
    return event_from_row(row)


async def take_seat(event_id: int, mode: AttendanceMode) -> None:
    """Count one more seat taken in ``mode``, within the capacity (the event locked)."""
    column, capacity = _SEAT_COLUMNS[mode]
    taken = (
        await EventTable.update({column: column + 1})
        .where(EventTable.id == event_id, _has_room(column, capacity))
        .returning(EventTable.id)
    )
    if not taken:
        # The rules saw a free seat under the lock; the database disagrees. Roll back loudly.
        raise CapacityConflict(f"event {event_id}: no {mode.value} seat left")


async def give_back_seat(event_id: int, mode: AttendanceMode) -> None:
    """Count one seat in ``mode`` free again (the event locked)."""
    column, _ = _SEAT_COLUMNS[mode]
    await EventTable.update({column: column - 1}).where(EventTable.id == event_id)


async def _registration_row(registration_id: int) -> dict[str, Any] | None:
    row: dict[str, Any] | None = (
        await RegistrationTable.select().where(RegistrationTable.id == registration_id).first()
    )
    return row


async def _registration_row_by_email(event_id: int, email_key: str) -> dict[str, Any] | None:
    row: dict[str, Any] | None = (
        await RegistrationTable.select()
        .where(
            RegistrationTable.event == event_id,
            RegistrationTable.email_normalised == email_key,
        )
        .first()
    )
    return row


async def register(
    db: Database,
    slug: str,
    request: RegistrationRequest,
    now: dt.datetime,
    *,
    event: Event | None = None,
) -> RegistrationOutcome:
    """Register the person described by ``request`` for the event ``slug``.

    The privacy notice version the person agrees to is the request's ``notice_version`` (the web
    layer puts in the app's notice in force, see :mod:`app.services.privacy_notice`).
    ``event`` is the event ``slug`` names if the caller has read it already (it is not read
    again before the locked read; if an organiser edited it since, the locked read sees that,
    and the event is read and the form checked anew).

    Raises :class:`NotFound`, :class:`RegistrationClosed` (with the reason: window, cancelled,
    full) or :class:`InvalidInput` (with an error code per field).
    """
    if not is_slug_shaped(slug):
        raise NotFound("event")
    if event is None or event.slug != slug or event.status is EventStatus.DRAFT:
        event_row = (
            await EventTable.select(exclude_secrets=True)
            .where(EventTable.slug == slug, EventTable.status != "draft")
            .first()
        )
        if event_row is None:
            raise NotFound(slug)
        event = event_from_row(event_row)
    return await _register(db, event, request, now, by_organiser=False)


async def register_by_organiser(
    db: Database,
    event_id: int,
    request: RegistrationRequest,
    now: dt.datetime,
    *,
    actor: Actor | None = None,
) -> RegistrationOutcome:
    """An organiser registers someone by hand, with the public form's checks.

    Unlike :func:`register` the opening time and the deadline do not apply (organisers add late
    comers after the deadline); everything else does: a cancelled or unpublished event refuses,
    a full event puts the person on the waiting list (or refuses without one), double opt-in
    still asks the person to confirm, and the same mails go out through the outbox.
    """
    outcome = await _register(db, await _event(event_id), request, now, by_organiser=True)
    if outcome.created:
        # The registration commits in its own hand-tuned transaction (app.db.registrations);
        # its entry follows at once, in the next one.
        await audit.record(
            db,
            actor,
            AuditAction.REGISTRATION_ADDED,
            now=now,
            event_id=event_id,
            subject_id=outcome.registration.id,
        )
    return outcome


async def _event(event_id: int) -> Event:
    event_row = (
        await EventTable.select(exclude_secrets=True).where(EventTable.id == event_id).first()
    )
    if event_row is None:
        raise NotFound(str(event_id))
    return event_from_row(event_row)


class _EditedMeanwhile(Exception):
    """The event was edited between the caller's read and the locked read: check anew."""


#: How often a registration is tried while what it was checked against changes under it: the
#: event edited since the caller read it, or the address's own registration (registered, then
#: cancelled between the attempt and the second look). In practice once.
_ATTEMPTS = 3

#: The change a new registration records, by the status the rules gave it.
_NEW_CHANGE = {
    RegistrationStatus.CONFIRMED: ChangeKind.CONFIRMED,
    RegistrationStatus.PENDING: ChangeKind.PENDING,
    RegistrationStatus.WAITLISTED: ChangeKind.WAITLISTED,
    RegistrationStatus.AWAITING: ChangeKind.AWAITING_APPROVAL,
    RegistrationStatus.REQUESTED: ChangeKind.AWAITING_APPROVAL,
}


async def _register(
    db: Database,
    event: Event,
    request: RegistrationRequest,
    now: dt.datetime,
    *,
    by_organiser: bool,
) -> RegistrationOutcome:
    """The one seat path for new registrations, public or by an organiser.

    One short transaction (:func:`app.db.registrations.register`): the locked read, the rules
    (``decide``, which must not await: on SQLite it runs on the writer's thread), the writes.
    Tried again, with the event read anew, when it was edited since ``event`` was read.
    """
    for _attempt in range(_ATTEMPTS):
        try:
            outcome = await _register_once(db, event, request, now, by_organiser=by_organiser)
        except _EditedMeanwhile:
            event = await _event(event.id)
            continue
        if outcome is not None:
            return outcome
        # Cancelled in between the two transactions: register afresh.
    raise RuntimeError(f"event {event.id}: the registration kept changing under it")


async def _register_once(
    db: Database,
    event: Event,
    request: RegistrationRequest,
    now: dt.datetime,
    *,
    by_organiser: bool,
) -> RegistrationOutcome | None:
    """One attempt of :func:`_register`; ``None`` if the address's registration was cancelled
    between its transaction and the look at it."""
    if not by_organiser:
        # Organisers add late comers after the deadline, and anyone they choose.
        state = event_window_state(event, now)
        if state is not WindowState.OPEN:
            raise RegistrationClosed(state.value)
        await invitations.require_invited(event, request)
    registrant = validate_registration(event, request)
    consent_version = request.notice_version
    email_key = normalise_email(registrant.email)
    decided: list[Change] = []

    def decide(locked: registration_rows.Locked) -> registration_rows.Write | None:
        if locked.event.updated_at != event.updated_at:
            # An organiser edited the event since the caller read it (another process, within
            # the second a public read is kept): the form and the invitation gate were checked
            # against the old questions and settings.
            raise _EditedMeanwhile
        existing = locked.existing
        if existing is not None and existing.status is not RegistrationStatus.CANCELLED:
            return None
        placement = place_registration(
            locked.event, registrant.mode, locked.waiting, now, ignore_dates=by_organiser
        )
        values = _registration_values(registrant, consent_version, placement.status, email_key, now)
        if placement.status is RegistrationStatus.PENDING:
            values["hold_until"] = now + locked.event.opt_in_hold
        # The newcomer joins the queue at ``now``: behind everyone waiting but those (normally
        # none) who joined later, or at the same moment with a later row.
        position = (
            locked.waiting - locked.behind + 1
            if placement.status is RegistrationStatus.WAITLISTED
            else None
        )
        kind = _NEW_CHANGE[placement.status]

        def mails(registration: Registration) -> list[NewMail]:
            change = Change(kind, registration.id, locked.event.id, position=position)
            decided.append(change)
            return change_log.mails_caused_by(locked.event, registration, change, now)

        return registration_rows.Write(
            values=values,
            seat=registrant.mode if placement.takes_seat else None,
            mails=mails,
        )

    locked, registration = await registration_rows.register(
        db, event.id, email_key, registrant.mode, now, decide, event=event
    )
    if registration is not None:
        change = decided[-1]
        change_log.log(locked.event, registration, change)
        return RegistrationOutcome(registration, created=True, changes=(change,))
    return await _already_registered(db, event.id, email_key, now)


async def _already_registered(
    db: Database, event_id: int, email_key: str, now: dt.datetime
) -> RegistrationOutcome | None:
    """A second attempt of a registered address: its personal link goes out again (rarely).

    ``None`` if the registration was cancelled meanwhile.
    """
    async with db.transaction():
        event = await locked_event(db, event_id)
        existing = await _registration_row_by_email(event_id, email_key)
        if existing is None or existing["status"] == RegistrationStatus.CANCELLED.value:
            return None
        registration = registration_from_row(existing)
        change = Change(ChangeKind.ALREADY_REGISTERED, registration.id, event.id)
        await change_log.record(db, event, [change], now, known=[registration])
    return RegistrationOutcome(registration, created=False, changes=(change,))


def _registration_values(
    registrant: Registrant,
    consent_version: str,
    status: RegistrationStatus,
    email_key: str,
    now: dt.datetime,
) -> dict[str, Any]:
    return {
        "token": new_token(),
        "first_name": registrant.first_name,
        "last_name": registrant.last_name,
        "email": registrant.email,
        "email_normalised": email_key,
        "organisation": registrant.organisation,
        "job_title": registrant.job_title,
        "organisation_type": choice_code(registrant.organisation_type),
        "country": choice_code(registrant.country),
        "mode": registrant.mode.value,
        "language": registrant.language.value,
        "status": status.value,
        "answers": registrant.answers,
        "consent_version": consent_version,
        "consent_at": now,
        "updated_at": now,
        "confirmed_at": now if status is RegistrationStatus.CONFIRMED else None,
        "waitlisted_at": now if status is RegistrationStatus.WAITLISTED else None,
        "cancelled_at": None,
        "hold_until": None,
    }


async def find_by_token(token: str) -> Registration:
    """The registration behind a personal link; :class:`NotFound` for any other token."""
    if not is_token_shaped(token):
        raise NotFound("token")
    row = await RegistrationTable.select().where(RegistrationTable.token == token).first()
    # The lookup is by index; the comparison that decides is constant-time.
    if row is None or not hmac.compare_digest(row["token"].encode(), token.encode()):
        raise NotFound("token")
    return registration_from_row(row)


async def personal_view(token: str) -> tuple[Registration, Event]:
    """A registrant's own registration and event, access data included (for their page)."""
    registration = await find_by_token(token)
    return registration, await get_with_access(registration.event_id)


async def cancel(db: Database, token: str, now: dt.datetime) -> CancellationOutcome:
    """Cancel the registration behind ``token``; a freed seat goes to the waiting list at once.

    Cancelling twice changes nothing the second time.
    """
    registration = await find_by_token(token)
    return await _cancel(db, registration.event_id, registration.id, now)


async def cancel_by_organiser(
    db: Database,
    event_id: int,
    registration_id: int,
    now: dt.datetime,
    *,
    actor: Actor | None = None,
) -> CancellationOutcome:
    """An organiser cancels a registration: the same path, seat and mails as :func:`cancel`.

    Raises :class:`NotFound` when the registration does not belong to the event.
    """
    belongs = await RegistrationTable.exists().where(
        RegistrationTable.id == registration_id, RegistrationTable.event == event_id
    )
    if not belongs:
        raise NotFound(f"registration {registration_id}")
    return await _cancel(db, event_id, registration_id, now, actor=actor)


#: Registrations already over: cancelling changes nothing (a declined one stays declined, so
#: that the address cannot register afresh around the organisers' decision).
_OVER = frozenset({RegistrationStatus.CANCELLED, RegistrationStatus.DECLINED})


async def _cancel(
    db: Database,
    event_id: int,
    registration_id: int,
    now: dt.datetime,
    *,
    actor: Actor | None = None,
) -> CancellationOutcome:
    async with db.transaction():
        event = await locked_event(db, event_id)
        row = await _registration_row(registration_id)
        assert row is not None
        current = registration_from_row(row)
        if current.status in _OVER:
            return CancellationOutcome(current, changes=())
        await RegistrationTable.update(
            {
                RegistrationTable.status: RegistrationStatus.CANCELLED.value,
                RegistrationTable.cancelled_at: now,
                # Cancelled by the person, not expired: a later confirm click must say so.
                RegistrationTable.hold_until: None,
                # Their CANCEL must outrank the invite they had (and a new registration's
                # REQUEST, at the same SEQUENCE, wins by its later DTSTAMP).
                RegistrationTable.invite_sequence: RegistrationTable.invite_sequence + 1,
                RegistrationTable.updated_at: now,
            }
        ).where(RegistrationTable.id == current.id)
        # Only a confirmed seat was sent an invite that must now be cancelled.
        had_invite = current.status is RegistrationStatus.CONFIRMED
        recorded = [Change(ChangeKind.CANCELLED, current.id, event.id, held_seat=had_invite)]
        if current.status in SEAT_HOLDING:
            await give_back_seat(event.id, current.mode)
            recorded.extend(await promote_within_transaction(db, event.id, now))
        await change_log.record(db, event, recorded, now)
        await audit.record(
            db,
            actor,
            AuditAction.REGISTRATION_CANCELLED,
            now=now,
            event_id=event.id,
            subject_id=current.id,
        )
        cancelled_row = await _registration_row(current.id)
        assert cancelled_row is not None
    return CancellationOutcome(registration_from_row(cancelled_row), changes=tuple(recorded))


async def confirm_address(db: Database, token: str, now: dt.datetime) -> Registration:
    """Double opt-in: the registrant confirmed their address; the held seat becomes theirs.

    Confirming twice changes nothing. A hold that has run out cannot be confirmed: the seat may
    already be someone else's (:class:`RegistrationClosed` with reason ``expired``).
    """
    registration = await find_by_token(token)
    async with db.transaction():
        event = await locked_event(db, registration.event_id)
        row = await _registration_row(registration.id)
        assert row is not None
        current = registration_from_row(row)
        if event.status is EventStatus.CANCELLED:
            raise RegistrationClosed(WindowState.CANCELLED.value)
        expired = current.status is RegistrationStatus.CANCELLED and current.hold_until is not None
        if current.status is RegistrationStatus.PENDING and _hold_over(current, now):
            # Released here and now; the error is raised once this has committed.
            await _expire(db, event, current, now)
            expired = True
        if current.status is not RegistrationStatus.PENDING or expired:
            confirmed = None
        else:
            await _confirm(db, event, current, now)
            confirmed = await _registration_row(current.id)
    if expired:
        raise RegistrationClosed("expired")
    # Confirming twice, or after cancelling, changes nothing.
    return current if confirmed is None else registration_from_row(confirmed)


def _hold_over(registration: Registration, now: dt.datetime) -> bool:
    return registration.hold_until is not None and now >= registration.hold_until


async def _confirm(db: Database, event: Event, current: Registration, now: dt.datetime) -> None:
    """Turn a held seat into a confirmed one, in the caller's transaction."""
    await RegistrationTable.update(
        {
            RegistrationTable.status: RegistrationStatus.CONFIRMED.value,
            RegistrationTable.confirmed_at: now,
            RegistrationTable.hold_until: None,
            RegistrationTable.updated_at: now,
        }
    ).where(RegistrationTable.id == current.id)
    await change_log.record(
        db, event, [Change(ChangeKind.ADDRESS_CONFIRMED, current.id, event.id)], now
    )


async def expire_holds(db: Database, now: dt.datetime) -> int:
    """Give back the seats of unconfirmed registrations whose hold has run out; returns how many.

    Each event is handled in its own transaction under its lock, and the freed seats go to its
    waiting list at once.
    """
    rows = await RegistrationTable.select(RegistrationTable.event).where(
        RegistrationTable.status == RegistrationStatus.PENDING.value,
        RegistrationTable.hold_until <= now,
    )
    expired = 0
    for event_id in sorted({row["event"] for row in rows}):
        async with db.transaction():
            event = await locked_event(db, event_id)
            due = await RegistrationTable.select().where(
                RegistrationTable.event == event_id,
                RegistrationTable.status == RegistrationStatus.PENDING.value,
                RegistrationTable.hold_until <= now,
            )
            for row in due:
                await _expire(db, event, registration_from_row(row), now)
                expired += 1
    return expired


async def _expire(db: Database, event: Event, registration: Registration, now: dt.datetime) -> None:
    """Cancel an unconfirmed registration and pass its seat on, in the caller's transaction."""
    # hold_until stays: a cancelled registration with a hold is one that expired.
    await RegistrationTable.update(
        {
            RegistrationTable.status: RegistrationStatus.CANCELLED.value,
            RegistrationTable.cancelled_at: now,
            RegistrationTable.updated_at: now,
        }
    ).where(RegistrationTable.id == registration.id)
    await give_back_seat(event.id, registration.mode)
    recorded = [Change(ChangeKind.HOLD_EXPIRED, registration.id, event.id)]
    recorded.extend(await promote_within_transaction(db, event.id, now))
    await change_log.record(db, event, recorded, now)


async def promote_waiting(
    db: Database, event_id: int, now: dt.datetime, *, actor: Actor | None = None
) -> tuple[Change, ...]:
    """Fill every free seat of the event from its waiting list (e.g. after capacity grew)."""
    async with db.transaction():
        promoted = await promote_within_transaction(db, event_id, now)
        for change in promoted:
            await audit.record(
                db,
                actor,
                AuditAction.REGISTRATION_PROMOTED,
                now=now,
                event_id=event_id,
                subject_id=change.registration_id,
            )
        await change_log.record(db, await locked_event(db, event_id), promoted, now)
    return tuple(promoted)


async def promote_within_transaction(db: Database, event_id: int, now: dt.datetime) -> list[Change]:
    """Promote, inside the caller's transaction, whoever the rules give the free seats to."""
    event = await locked_event(db, event_id)
    waiting = await _front_of_queues(event, now)
    modes = {entry.registration_id: entry.mode for entry in waiting}
    promoted: list[Change] = []
    for registration_id in choose_promotions(event, waiting, now):
        await take_seat(event_id, modes[registration_id])
        await RegistrationTable.update(
            {
                RegistrationTable.status: RegistrationStatus.CONFIRMED.value,
                RegistrationTable.confirmed_at: now,
                RegistrationTable.updated_at: now,
            }
        ).where(RegistrationTable.id == registration_id)
        promoted.append(Change(ChangeKind.PROMOTED, registration_id, event_id))
    return promoted


async def _front_of_queues(event: Event, now: dt.datetime) -> list[WaitingEntry]:
    """The front of each mode's waiting list, as far as there are free seats to promote into.

    Read in queue order along the index on (event, mode, status, waitlisted_at, id): the cost
    follows the free seats, not the length of the list.
    """
    entries: list[WaitingEntry] = []
    for mode in event.modes:
        seats = event.seats(mode)
        free = None if seats.capacity is None else max(0, seats.capacity - seats.taken)
        if free == 0:
            continue
        query = (
            RegistrationTable.select(
                RegistrationTable.id, RegistrationTable.mode, RegistrationTable.waitlisted_at
            )
            .where(
                RegistrationTable.event == event.id,
                RegistrationTable.mode == mode.value,
                RegistrationTable.status == RegistrationStatus.WAITLISTED.value,
            )
            .order_by(RegistrationTable.waitlisted_at, RegistrationTable.id)
        )
        if free is not None:
            query = query.limit(free)
        entries.extend(_waiting_entry(row, now) for row in await query)
    return entries


def _waiting_entry(row: dict[str, Any], now: dt.datetime) -> WaitingEntry:
    return WaitingEntry(
        registration_id=row["id"],
        mode=AttendanceMode(row["mode"]),
        waitlisted_at=row["waitlisted_at"] or now,
    )


async def waitlist_position(registration: Registration, now: dt.datetime) -> int | None:
    """A waiting registration's place in its mode's queue (1 = next), in promotion order.

    Counted along the index on (event, mode, status, waitlisted_at, id): the rows ahead only.
    """
    if registration.status is not RegistrationStatus.WAITLISTED:
        return None
    joined = registration.waitlisted_at or now
    ahead = await RegistrationTable.count().where(
        RegistrationTable.event == registration.event_id,
        RegistrationTable.mode == registration.mode.value,
        RegistrationTable.status == RegistrationStatus.WAITLISTED.value,
        Or(
            RegistrationTable.waitlisted_at < joined,
            (RegistrationTable.waitlisted_at == joined) & (RegistrationTable.id < registration.id),
        ),
    )
    return int(ahead) + 1


async def list_for_event(event_id: int) -> list[Registration]:
    """Every registration of an event in the order they came in."""
    rows = await (
        RegistrationTable.select()
        .where(RegistrationTable.event == event_id)
        .order_by(RegistrationTable.id)
    )
    return [registration_from_row(row) for row in rows]


#: Registrations per query when an event's are read in batches: one batch of rows and objects
#: in memory at a time, however large the event.
BATCH_SIZE = 500


async def registrations_after(
    event_id: int,
    after_id: int,
    *,
    limit: int = BATCH_SIZE,
    status: RegistrationStatus | None = None,
) -> list[Registration]:
    """The next ``limit`` registrations of ``event_id`` with an id above ``after_id``, by id.

    Keyset pagination: each batch starts where the last one ended, served by the index on
    (event, id), so reading an event whole stays linear and no row is read twice or skipped
    when others are added meanwhile.
    """
    query = RegistrationTable.select().where(
        RegistrationTable.event == event_id, RegistrationTable.id > after_id
    )
    if status is not None:
        query = query.where(RegistrationTable.status == status.value)
    rows = await query.order_by(RegistrationTable.id).limit(limit)
    return [registration_from_row(row) for row in rows]


async def batches_for_event(
    event_id: int, *, status: RegistrationStatus | None = None, batch_size: int = BATCH_SIZE
) -> AsyncGenerator[list[Registration]]:
    """Every registration of ``event_id`` (of ``status``, if given) in order, batch by batch."""
    after_id = 0
    while batch := await registrations_after(event_id, after_id, limit=batch_size, status=status):
        yield batch
        if len(batch) < batch_size:
            return
        after_id = batch[-1].id
