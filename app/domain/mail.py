"""Which emails a change causes, when each is due, and whether it is still worth sending.

Pure rules over domain types: the services turn their answers into outbox rows, the sender asks
:func:`still_relevant` again just before sending, because an event can move or be cancelled
while a reminder waits.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from app.domain.attendance import attended
from app.domain.model import (
    AWAITING_APPROVAL,
    AttendanceMode,
    Event,
    EventStatus,
    Registration,
    RegistrationStatus,
)


class MailKind(StrEnum):
    """Every email the product sends; the value names its templates in ``emails/``."""

    CONFIRMATION = "confirmation"  # seat confirmed, with invite and personal link
    WAITLISTED = "waitlisted"  # on the waiting list
    PROMOTION = "promotion"  # off the waiting list, with invite
    ACCESS = "access"  # Zoom access data (scheduled)
    REMINDER = "reminder"  # the day before (scheduled)
    CANCELLED = "cancelled"  # the registrant's own cancellation
    OPT_IN = "opt_in"  # double opt-in: please confirm your address
    PERSONAL_LINK = "personal_link"  # registered again: here is your link
    EVENT_CHANGED = "event_changed"  # time, place or access data changed
    EVENT_CANCELLED = "event_cancelled"  # the event is cancelled
    ORGANISER_NOTICE = "organiser_notice"  # to the organisers: a new registration
    MESSAGE = "message"  # the organisers' own words to (some of) the registrants
    MATERIALS = "materials"  # after the event: report and recording are online
    CERTIFICATE = "certificate"  # after the event, asked for: the certificate of attendance
    AWAITING_APPROVAL = "awaiting_approval"  # received; the organisers decide on it
    APPROVED = "approved"  # approved: the confirmation, with invite
    DECLINED = "declined"  # the organisers declined (never an invite to cancel: see decline)
    INVITATION = "invitation"  # a personal invitation (no registration yet) with its link


#: Mails that wait for a moment relative to the event's start; they move with the event.
SCHEDULED_KINDS = frozenset({MailKind.ACCESS, MailKind.REMINDER})

#: Mails that tell a registrant their seat is confirmed, and carry the invite.
CONFIRMING_KINDS = frozenset({MailKind.CONFIRMATION, MailKind.PROMOTION, MailKind.APPROVED})

#: Mails that belong to an event that still takes place; cancelling it stops them.
STOPPED_BY_EVENT_CANCELLATION = frozenset(
    {
        MailKind.CONFIRMATION,
        MailKind.WAITLISTED,
        MailKind.PROMOTION,
        MailKind.ACCESS,
        MailKind.REMINDER,
        MailKind.OPT_IN,
        MailKind.PERSONAL_LINK,
        MailKind.EVENT_CHANGED,
        MailKind.AWAITING_APPROVAL,
        MailKind.APPROVED,
        MailKind.INVITATION,
    }
)

#: Mails a registrant's own cancellation stops (the cancellation notice itself still goes).
STOPPED_BY_REGISTRATION_CANCELLATION = STOPPED_BY_EVENT_CANCELLATION


@dataclass(frozen=True, slots=True)
class PlannedMail:
    """One email to enqueue: what, and from when on it may go out."""

    kind: MailKind
    send_after: dt.datetime


def entitled_to_access(event: Event, registration: Registration) -> bool:
    """Whether this registrant is to get the online access data: confirmed and online.

    The data itself may still be missing (organisers often add the Zoom link late).
    """
    return (
        registration.status is RegistrationStatus.CONFIRMED
        and registration.mode is AttendanceMode.ONLINE
        and event.status is EventStatus.PUBLISHED
    )


def receives_access(event: Event, registration: Registration) -> bool:
    """Whether this registrant may be shown the access data now: entitled, and the data set."""
    return event.online_access is not None and entitled_to_access(event, registration)


def access_due(event: Event) -> dt.datetime:
    """When the access-data mail goes out: the event's lead time before the start."""
    return event.starts_at - event.access_mail_lead


def reminder_due(event: Event) -> dt.datetime | None:
    """When the reminder goes out, ``None`` when the event sends none."""
    if event.reminder_lead is None:
        return None
    return event.starts_at - event.reminder_lead


def mails_on_confirmation(
    event: Event, registration: Registration, kind: MailKind, now: dt.datetime
) -> list[PlannedMail]:
    """The mails a newly confirmed seat causes: ``kind`` now, then access data and reminder.

    The access data goes at once to anyone confirmed after its moment has passed; a reminder
    whose moment has passed is dropped, because the confirmation just said it all.
    """
    planned = [PlannedMail(kind, now)]
    if now >= event.ends_at:
        return planned
    if entitled_to_access(event, registration):
        planned.append(PlannedMail(MailKind.ACCESS, max(now, access_due(event))))
    due = reminder_due(event)
    if due is not None and due > now:
        planned.append(PlannedMail(MailKind.REMINDER, due))
    return planned


def rescheduled(kind: MailKind, event: Event) -> dt.datetime | None:
    """The new moment of a waiting scheduled mail after the event moved."""
    if kind is MailKind.ACCESS:
        return access_due(event)
    if kind is MailKind.REMINDER:
        return reminder_due(event)
    return None


def still_relevant(
    kind: MailKind, event: Event, registration: Registration | None, now: dt.datetime
) -> str | None:
    """``None`` when the mail should go out now, otherwise why not (kept on the outbox row)."""
    if kind is MailKind.INVITATION:
        # Invitees have no registration; an invitation is worth sending while one is possible.
        if event.status is not EventStatus.PUBLISHED:
            return "event not published"
        if now >= event.registration_deadline:
            return "registration closed"
        return None
    if registration is None:
        return "registration deleted"
    if kind is MailKind.ORGANISER_NOTICE:
        return None
    if kind is MailKind.EVENT_CANCELLED:
        return None
    if kind is MailKind.DECLINED:
        return None if registration.status is RegistrationStatus.DECLINED else "no longer declined"
    if kind is MailKind.CANCELLED:
        # Registered again (the same row starts over) and confirmed: the new confirmation's
        # REQUEST says it all, and this CANCEL, arriving after it (a retry), would take the
        # event out of the calendar. Waiting or unconfirmed again: the old invite must go.
        if registration.status is RegistrationStatus.CONFIRMED:
            return "registered again"
        return None
    if event.status is EventStatus.CANCELLED:
        return "event cancelled"
    if registration.status is RegistrationStatus.CANCELLED:
        return "registration cancelled"
    if kind in SCHEDULED_KINDS and now >= event.ends_at:
        return "event over"
    if kind is MailKind.ACCESS and not entitled_to_access(event, registration):
        return "no access for this registration"
    if kind is MailKind.ACCESS and event.online_access is None:
        return "no access data set"
    if kind is MailKind.CERTIFICATE and not attended(registration):
        return "not attended"
    if kind is MailKind.CERTIFICATE and registration.anonymised_at is not None:
        return "personal data deleted"
    if kind is MailKind.MATERIALS and registration.status is not RegistrationStatus.CONFIRMED:
        return "registration not confirmed"
    needs_seat = kind in CONFIRMING_KINDS or kind is MailKind.REMINDER
    if needs_seat and registration.status is not RegistrationStatus.CONFIRMED:
        return "registration not confirmed"
    if kind is MailKind.OPT_IN and registration.status is not RegistrationStatus.PENDING:
        return "address already confirmed"
    if kind is MailKind.AWAITING_APPROVAL and registration.status not in AWAITING_APPROVAL:
        return "already decided"
    if kind is MailKind.WAITLISTED and registration.status is not RegistrationStatus.WAITLISTED:
        return "no longer waiting"
    return None
