"""Calendar invites in emails (iTIP, RFC 5546): one event, the recipient as the only attendee.

The UID is stable per event, so every invite, update and cancellation of one event lands on the
same calendar entry. ``SEQUENCE`` is the event's revision, raised by every change of the event.
A registrant's own cancellation keeps that SEQUENCE (with STATUS:CANCELLED) instead of raising
it: if the person registers again, the new REQUEST carries the same revision and wins by its
later DTSTAMP (RFC 5546 §2.1.5). A CANCEL with revision + 1 would make calendars drop that later
REQUEST as outdated.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from icalendar import Calendar, vCalAddress
from icalendar import Event as VEvent
from icalendar.parser import Contentline

from app.domain.mail import MailKind
from app.domain.model import (
    AttendanceMode,
    Event,
    EventFormat,
    Registration,
    RegistrationStatus,
)

PRODID = "-//Treffpunkt//Treffpunkt//DE"
ONLINE_LOCATION = "Online (Zoom)"


class InviteMethod(StrEnum):
    """The iTIP method of an invite; also the ``method=`` of its MIME part."""

    REQUEST = "REQUEST"
    CANCEL = "CANCEL"


def invite_method_for(
    kind: MailKind, payload: Mapping[str, Any], registration: Registration | None = None
) -> InviteMethod | None:
    """Which invite a mail of ``kind`` carries, ``None`` for none.

    With ``registration`` given, only a confirmed seat gets an invite or its cancellation: an
    event change or cancellation also goes to people waiting or still to confirm, who never had
    one (and must not get an entry marked ACCEPTED).
    """
    if kind is MailKind.CANCELLED:
        # Only a seat had an invite; leaving the waiting list cancels nothing. The registration
        # is already cancelled here, so the payload, written before, is what knows.
        return InviteMethod.CANCEL if payload.get("held_seat") else None
    if registration is not None and registration.status is not RegistrationStatus.CONFIRMED:
        return None
    if kind in (MailKind.CONFIRMATION, MailKind.PROMOTION, MailKind.EVENT_CHANGED):
        return InviteMethod.REQUEST
    if kind is MailKind.EVENT_CANCELLED:
        return InviteMethod.CANCEL
    return None


def event_uid(event: Event, uid_domain: str) -> str:
    """The UID every invite of ``event`` shares."""
    return f"event-{event.id}@{uid_domain}"


def build_invite(
    event: Event,
    registration: Registration,
    *,
    method: InviteMethod,
    organiser_name: str,
    organiser_email: str,
    uid_domain: str,
    now: dt.datetime,
) -> bytes:
    """The ``.ics`` of one invite (or its cancellation) for one registrant."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    cancel = method is InviteMethod.CANCEL
    shared = _shared_invite(
        event,
        method,
        organiser_name,
        organiser_email,
        uid_domain,
        now.astimezone(dt.UTC),
        _location(event, registration),
    )
    return shared.replace(_ATTENDEE_SLOT_LINE, _attendee_line(registration, cancel=cancel), 1)


#: Stands in for the recipient in the part of an invite that all recipients share.
_ATTENDEE_SLOT = "mailto:attendee-slot@treffpunkt.invalid"
_ATTENDEE_SLOT_LINE = f"ATTENDEE:{_ATTENDEE_SLOT}\r\n".encode("ascii")


# Everything but the attendee is the same for every registrant of a batch (one DTSTAMP per
# batch): icalendar builds and folds it once, and each invite only gets its own ATTENDEE line.
@functools.lru_cache(maxsize=64)
def _shared_invite(
    event: Event,
    method: InviteMethod,
    organiser_name: str,
    organiser_email: str,
    uid_domain: str,
    stamp: dt.datetime,
    location: str,
) -> bytes:
    cancel = method is InviteMethod.CANCEL
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", method.value)

    vevent = VEvent()
    vevent.add("uid", event_uid(event, uid_domain))
    vevent.add("sequence", event.revision)
    vevent.add("dtstamp", stamp)
    vevent.add("dtstart", event.starts_at.astimezone(dt.UTC))
    vevent.add("dtend", event.ends_at.astimezone(dt.UTC))
    vevent.add("summary", event.title)
    vevent.add("location", location)
    if event.teaser:
        vevent.add("description", event.teaser)
    vevent.add("status", "CANCELLED" if cancel else "CONFIRMED")
    vevent.add("organizer", vCalAddress.new(organiser_email, cn=_one_line(organiser_name) or None))
    # The recipient only: other registrants' addresses must not travel in anyone's invite.
    vevent.add("attendee", vCalAddress(_ATTENDEE_SLOT))
    calendar.add_component(vevent)
    content: bytes = calendar.to_ical()
    return content


def _attendee_line(registration: Registration, *, cancel: bool) -> bytes:
    """The recipient's ATTENDEE content line, folded, as icalendar writes it in a component."""
    attendee = vCalAddress.new(
        registration.email,
        cn=_one_line(registration.full_name) or None,
        role="REQ-PARTICIPANT",
        # A CANCEL comes from the organiser; the attendee's answer means nothing there.
        partstat=None if cancel else "ACCEPTED",
        rsvp=False,
    )
    line: bytes = Contentline.from_parts("ATTENDEE", attendee.params, attendee).to_ical()
    return line + b"\r\n"


def venue_line(event: Event) -> str:
    """Venue name and address on one line: ``Museum Haus Opherdicke, Dorfstraße 29, …``."""
    parts = [event.venue_name, *event.venue_address.splitlines()]
    return ", ".join(part.strip() for part in parts if part.strip())


def _one_line(value: str) -> str:
    # Names come from a web form; a line break in a CN parameter would break the content line.
    return " ".join(value.split())


def _location(event: Event, registration: Registration) -> str:
    online = event.format is EventFormat.ONLINE or (
        event.format is EventFormat.HYBRID and registration.mode is AttendanceMode.ONLINE
    )
    if online:
        return ONLINE_LOCATION
    return venue_line(event)
