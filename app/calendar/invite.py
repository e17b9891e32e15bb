"""Calendar invites in emails (iTIP, RFC 5546): one event, the recipient as the only attendee.

The UID is stable per event, so every invite, update and cancellation of one event lands on the
same calendar entry. ``SEQUENCE`` is the event's revision plus the registrant's
``invite_sequence``, for REQUEST and CANCEL alike. The services raise the revision on every
change of the event and on its cancellation, and a registrant's ``invite_sequence`` on each of
their own cancellations: so a CANCEL always carries a higher SEQUENCE than the REQUEST before
it, and calendars take it (RFC 5546 §2.1.5). Registering again keeps the count, so the new
REQUEST has the same SEQUENCE as that CANCEL and wins by its later DTSTAMP.

Times are in UTC, as in every file here (see :mod:`app.calendar.ical`).

An invite speaks its registrant's language, like the mail it comes with: the event's title and
teaser where the organisers translated them, the place of an online event, the alarm's text and
the link to the registration in DESCRIPTION (catalog ``emails``).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from icalendar import vCalAddress

from app.calendar.ical import (
    ONLINE_LOCATION,
    PRODID,
    address_line,
    calendar,
    clean_text,
    content_line,
    display_alarm,
    escape_text,
    event_uid,
    registrant_location,
    stamp_line,
    venue_line,
    vevent_parts,
    wrap,
)
from app.domain.mail import MailKind
from app.domain.model import (
    AttendanceMode,
    Event,
    Language,
    Registration,
    RegistrationStatus,
    localized,
)
from app.i18n import _, use_language

__all__ = [
    "ALARM_BEFORE",
    "ONLINE_LOCATION",
    "PRODID",
    "InviteMethod",
    "build_invite",
    "event_uid",
    "invite_method_for",
    "venue_line",
]

#: The invite's alarm: the reminder mail comes the day before; this is the nudge to set off (or
#: to join) with time to spare, late enough not to be dismissed and forgotten.
ALARM_BEFORE = dt.timedelta(hours=1)


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
    if kind in (
        MailKind.CONFIRMATION,
        MailKind.PROMOTION,
        MailKind.APPROVED,
        MailKind.EVENT_CHANGED,
    ):
        return InviteMethod.REQUEST
    if kind is MailKind.EVENT_CANCELLED:
        return InviteMethod.CANCEL
    return None


def build_invite(
    event: Event,
    registration: Registration,
    *,
    method: InviteMethod,
    organiser_name: str,
    organiser_email: str,
    uid_domain: str,
    now: dt.datetime,
    language: Language | None = None,
    personal_url: str | None = None,
) -> bytes:
    """The ``.ics`` of one invite (or its cancellation) for one registrant.

    Written in ``language``, by default the registration's; with ``personal_url`` the
    DESCRIPTION ends with the link to the registration.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    cancel = method is InviteMethod.CANCEL
    language = language or registration.language
    # Title and teaser as the organisers translated them, German where they did not.
    event = localized(event, language.value)
    with use_language(language.value):
        location = registrant_location(event, registration)
        alarm = "" if cancel else _("Gleich geht es los: %(title)s") % {"title": event.title}
        link = ""
        if personal_url:
            label = (
                _("Ihre Anmeldung ansehen")
                if cancel
                else _("Ihre Anmeldung ansehen oder stornieren")
            )
            link = f"{label}: {personal_url}"
    shared = _shared_invite(
        event_uid(event, uid_domain),
        event.starts_at,
        event.ends_at,
        event.title,
        method,
        organiser_name,
        organiser_email,
        now.astimezone(dt.UTC),
        location,
        event.revision + registration.invite_sequence,
        alarm,
        # Everything translated above is in the key already; the language keeps a cached part
        # of one language from ever being reused for another, whatever is added later.
        language,
    )
    own = _attendee_line(registration, cancel=cancel)
    # Venue notes for those who come in person, in the registrant's language like the rest.
    notes = event.venue_notes if registration.mode is AttendanceMode.IN_PERSON else ""
    description = "\n\n".join(part for part in (event.teaser, notes, link) if part)
    if description:
        own += content_line("DESCRIPTION", escape_text(clean_text(description)))
    return shared.replace(_ATTENDEE_SLOT_LINE, b"\r\n" + own, 1)


#: Stands in for the recipient in the part of an invite that all recipients share.
_ATTENDEE_SLOT = content_line("ATTENDEE", "mailto:attendee-slot@treffpunkt.invalid")
#: With the line break before it: the same text inside a title is no property of its own.
_ATTENDEE_SLOT_LINE = b"\r\n" + _ATTENDEE_SLOT


# Everything but the attendee and the description (which links the registrant's own page) is
# the same for every registrant of a batch in one language (one DTSTAMP per batch, and nearly
# everyone's SEQUENCE is the event's revision): it is written once, and each
# invite only gets its own ATTENDEE and DESCRIPTION lines. Keyed by what the part shows, not
# by the event, so no field the invite does not show can keep it from being cached.
@functools.lru_cache(maxsize=64)
def _shared_invite(
    uid: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    title: str,
    method: InviteMethod,
    organiser_name: str,
    organiser_email: str,
    stamp: dt.datetime,
    location: str,
    sequence: int,
    alarm: str,
    language: Language,
) -> bytes:
    cancel = method is InviteMethod.CANCEL
    organiser = vCalAddress.new(organiser_email, cn=_one_line(organiser_name) or None)
    head, tail = vevent_parts(
        uid=uid,
        sequence=sequence,
        starts_at=starts_at,
        ends_at=ends_at,
        title=title,
        location=location,
        description="",
        status="CANCELLED" if cancel else "CONFIRMED",
        # The recipient only: other registrants' addresses must not travel in anyone's invite.
        properties=[address_line("ORGANIZER", organiser), _ATTENDEE_SLOT],
        # An alarm belongs to an entry that stays; a CANCEL takes the entry away.
        components=[] if cancel else [display_alarm(alarm, ALARM_BEFORE)],
    )
    return wrap(calendar(method.value), [head + stamp_line(stamp) + tail])


def _attendee_line(registration: Registration, *, cancel: bool) -> bytes:
    """The recipient's ATTENDEE content line, folded."""
    attendee = vCalAddress.new(
        registration.email,
        cn=_one_line(registration.full_name) or None,
        role="REQ-PARTICIPANT",
        # A CANCEL comes from the organiser; the attendee's answer means nothing there.
        partstat=None if cancel else "ACCEPTED",
        rsvp=False,
    )
    return address_line("ATTENDEE", attendee)


def _one_line(value: str) -> str:
    # Names come from a web form; a line break in a CN parameter would break the content line.
    return " ".join(clean_text(value).split())
