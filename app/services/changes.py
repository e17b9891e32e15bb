"""State changes that people are told about, turned into outbox rows in the same transaction.

Every service that changes a registration or an event calls :func:`record` inside its
transaction, so the change and its mail commit together or not at all. Which mails a change
causes, and when they are due, is decided by :mod:`app.domain.mail`; this module only looks up
what those rules need and writes the rows.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from app.db import outbox
from app.db.database import Database
from app.db.mapping import registration_from_row
from app.db.tables import Registration as RegistrationTable
from app.domain.mail import (
    SCHEDULED_KINDS,
    STOPPED_BY_EVENT_CANCELLATION,
    STOPPED_BY_REGISTRATION_CANCELLATION,
    MailKind,
    mails_on_confirmation,
    reminder_due,
    rescheduled,
)
from app.domain.model import Event, Language, Registration
from app.domain.outbox import NewMail

logger = logging.getLogger("treffpunkt.changes")

#: A second registration attempt re-sends the personal link at most this often, so the form
#: cannot be used to flood someone's mailbox.
PERSONAL_LINK_INTERVAL = dt.timedelta(minutes=15)


class ChangeKind(StrEnum):
    """What happened to a registration."""

    CONFIRMED = "confirmed"  # a seat: confirmation with invite
    PENDING = "pending"  # double opt-in: please confirm your address
    ADDRESS_CONFIRMED = "address_confirmed"  # double opt-in done: confirmation with invite
    HOLD_EXPIRED = "hold_expired"  # double opt-in not done in time: the seat is given back
    WAITLISTED = "waitlisted"  # waiting-list notice
    ALREADY_REGISTERED = "already_registered"  # second attempt: send the personal link again
    PROMOTED = "promoted"  # off the waiting list: promotion with invite
    CANCELLED = "cancelled"  # registration cancelled (and CANCEL invite if it held a seat)
    ACCESS_READY = "access_ready"  # the access data came late: send them now
    REMINDER_PLANNED = "reminder_planned"  # reminders switched on (or due again): plan one
    EVENT_CHANGED = "event_changed"  # the event's time, place or access data changed
    EVENT_CANCELLED = "event_cancelled"  # the event is cancelled
    AWAITING_APPROVAL = "awaiting_approval"  # received; the organisers decide (seat or not)
    APPROVED = "approved"  # approved into a seat: the confirmation with invite
    APPROVED_WAITLISTED = "approved_waitlisted"  # approved, but full: waiting-list notice
    DECLINED = "declined"  # the organisers declined


#: Changes that end a registration: its waiting mail is called off.
_ENDS_REGISTRATION = frozenset({ChangeKind.CANCELLED, ChangeKind.HOLD_EXPIRED, ChangeKind.DECLINED})

#: Changes that bring a new registrant, announced to the organisers when the event asks for it.
_NEW_REGISTRANT = frozenset(
    {
        ChangeKind.CONFIRMED,
        ChangeKind.PENDING,
        ChangeKind.WAITLISTED,
        ChangeKind.AWAITING_APPROVAL,
    }
)


#: The confirming mail of each change that gives a seat (the rest: the confirmation).
_CONFIRMING_MAIL = {ChangeKind.PROMOTED: MailKind.PROMOTION, ChangeKind.APPROVED: MailKind.APPROVED}


@dataclass(frozen=True, slots=True)
class Change:
    """One change to one registration."""

    kind: ChangeKind
    registration_id: int
    event_id: int
    #: For cancellations: the registration held a seat (its invite must be cancelled too).
    held_seat: bool = False
    #: For event changes and cancellations: the organisers' words to the attendees.
    message: str = ""
    #: For waiting-list notices: the place in the queue.
    position: int | None = None


async def record(
    db: Database,
    event: Event,
    changes: Sequence[Change],
    now: dt.datetime,
    *,
    known: Sequence[Registration] = (),
) -> None:
    """In the caller's transaction, call off and enqueue the mails ``changes`` to ``event`` cause.

    ``known`` are registrations the caller has just read in this transaction; the others are
    read here.
    """
    if not changes:
        return
    registrations = {registration.id: registration for registration in known}
    missing = {change.registration_id for change in changes} - registrations.keys()
    if missing:
        registrations.update(await _registrations(missing))
    mails: list[NewMail] = []
    for change in changes:
        registration = registrations[change.registration_id]
        log(event, registration, change)
        if change.kind in _ENDS_REGISTRATION:
            await outbox.cancel_waiting(
                kinds=STOPPED_BY_REGISTRATION_CANCELLATION,
                reason="registration cancelled",
                now=now,
                registration_id=registration.id,
            )
        mails.extend(await _mails_caused_by(event, registration, change, now))
    await outbox.enqueue(db, mails, now)


async def _registrations(ids: set[int]) -> dict[int, Registration]:
    rows = await RegistrationTable.select().where(RegistrationTable.id.is_in(sorted(ids)))
    return {row["id"]: registration_from_row(row) for row in rows}


def _mail(
    kind: MailKind,
    event: Event,
    registration: Registration,
    send_after: dt.datetime,
    **payload: object,
) -> NewMail:
    return NewMail(
        kind=kind,
        event_id=event.id,
        registration_id=registration.id,
        recipient=registration.email,
        language=registration.language,
        send_after=send_after,
        payload=payload,
    )


def log(event: Event, registration: Registration, change: Change) -> None:
    """Write ``change`` to the log, as :func:`record` does for each change it records."""
    logger.info("registration %s of event %s: %s", registration.id, event.id, change.kind.value)


async def _mails_caused_by(
    event: Event, registration: Registration, change: Change, now: dt.datetime
) -> list[NewMail]:
    """The new mails ``change`` causes (it only reads: how recently a link went out)."""
    if change.kind is ChangeKind.ALREADY_REGISTERED:
        recent = await outbox.recent_count(
            registration_id=registration.id,
            kind=MailKind.PERSONAL_LINK,
            since=now - PERSONAL_LINK_INTERVAL,
        )
        return [_mail(MailKind.PERSONAL_LINK, event, registration, now)] if recent == 0 else []
    return mails_caused_by(event, registration, change, now)


def mails_caused_by(
    event: Event, registration: Registration, change: Change, now: dt.datetime
) -> list[NewMail]:
    """The new mails ``change`` causes, for every kind that needs no read (all but
    ``ALREADY_REGISTERED``, which asks the outbox when the last link went out)."""
    mails: list[NewMail] = []
    match change.kind:
        case (
            ChangeKind.CONFIRMED
            | ChangeKind.ADDRESS_CONFIRMED
            | ChangeKind.PROMOTED
            | ChangeKind.APPROVED
        ):
            kind = _CONFIRMING_MAIL.get(change.kind, MailKind.CONFIRMATION)
            mails.extend(
                _mail(planned.kind, event, registration, planned.send_after)
                for planned in mails_on_confirmation(event, registration, kind, now)
            )
        case ChangeKind.PENDING:
            hold_until = (registration.hold_until or now).isoformat()
            mails.append(_mail(MailKind.OPT_IN, event, registration, now, hold_until=hold_until))
        case ChangeKind.AWAITING_APPROVAL:
            mails.append(_mail(MailKind.AWAITING_APPROVAL, event, registration, now))
        case ChangeKind.DECLINED:
            mails.append(_mail(MailKind.DECLINED, event, registration, now))
        case ChangeKind.WAITLISTED | ChangeKind.APPROVED_WAITLISTED:
            mails.append(
                _mail(MailKind.WAITLISTED, event, registration, now, position=change.position)
            )
        case ChangeKind.ALREADY_REGISTERED:
            raise ValueError("an already registered address needs the outbox read first")
        case ChangeKind.CANCELLED:
            mails.append(
                _mail(MailKind.CANCELLED, event, registration, now, held_seat=change.held_seat)
            )
        case ChangeKind.HOLD_EXPIRED:
            pass  # an address that never confirmed gets nothing more: it may not even be theirs
        case ChangeKind.ACCESS_READY:
            mails.append(_mail(MailKind.ACCESS, event, registration, now))
        case ChangeKind.REMINDER_PLANNED:
            due = reminder_due(event)
            if due is not None and due > now:
                mails.append(_mail(MailKind.REMINDER, event, registration, due))
        case ChangeKind.EVENT_CHANGED:
            mails.append(
                _mail(MailKind.EVENT_CHANGED, event, registration, now, message=change.message)
            )
        case ChangeKind.EVENT_CANCELLED:
            mails.append(
                _mail(MailKind.EVENT_CANCELLED, event, registration, now, message=change.message)
            )
    if change.kind in _NEW_REGISTRANT and event.notify_organisers and event.contact_email:
        mails.append(
            NewMail(
                kind=MailKind.ORGANISER_NOTICE,
                event_id=event.id,
                registration_id=registration.id,
                recipient=event.contact_email,
                language=Language.DE,
                send_after=now,
            )
        )
    return mails


async def stop_event_mail(event: Event, now: dt.datetime) -> int:
    """In the caller's transaction, cancel every waiting mail of a cancelled event."""
    return await outbox.cancel_waiting(
        kinds=STOPPED_BY_EVENT_CANCELLATION, reason="event cancelled", now=now, event_id=event.id
    )


async def reschedule_mail(event: Event, now: dt.datetime) -> int:
    """In the caller's transaction, move the event's waiting scheduled mails with it."""
    moved = 0
    for kind in SCHEDULED_KINDS:
        when = rescheduled(kind, event)
        if when is None:
            # The event no longer sends this kind (e.g. its reminder was switched off).
            moved += await outbox.cancel_waiting(
                kinds=[kind], reason="no longer scheduled", now=now, event_id=event.id
            )
        else:
            moved += await outbox.move_waiting(event.id, kind, when, now)
    return moved
