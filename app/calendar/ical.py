"""iCalendar files (RFC 5545): the public ``.ics`` of an event, the subscription feeds.

Every VEVENT here and in the invites (:mod:`app.calendar.invite`) is the one :func:`vevent_parts`
writes. Times are written in UTC
(``DTSTART:20261127T090000Z``): RFC 5545 §3.3.5 form #2 needs no VTIMEZONE, so every program
shows the right moment in its own zone, and nothing depends on our copy of the tz database
matching the reader's. The event's own zone (``Event.timezone``) only matters for how pages
show the time.

Every file names an ORGANIZER (RFC 5546 requires one for ``METHOD:PUBLISH`` as for the
invites): the event's contact address, or the service's own (:class:`Organiser`, from the
settings) for an event without one.

Nothing public carries access data: the public ``.ics`` and the feeds say ``Online (Zoom)`` and
link the event page. Only the personal feed, reachable through the registrant's secret token,
shows their own join link (``/j/{token}``, never the Zoom URL itself), meeting ID and passcode.

Public files are German: a calendar program asks for them without saying whose language it
reads. What belongs to one registrant (the personal feed, the invites) is in their stored
language (catalog ``emails``), with the event's title and teaser as translated by the organisers.

TEXT values are escaped here (:func:`escape_text`), not by icalendar, whose escaper reads a
literal backslash-N in the text as a line break. Every VEVENT, here and in the invites, is
written by one writer, :func:`vevent_parts`, line by line: icalendar's per-property machinery
and its character-by-character folding made the first render of a 1,000-event feed take over
200 ms. icalendar writes the VCALENDAR around them (:func:`calendar`) and reads them in the
tests (``tests/calendar/test_vevent.py``).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from icalendar import Calendar, vCalAddress, vDuration, vText
from icalendar.parser import Contentline

from app import paths
from app.domain.mail import receives_access
from app.domain.model import (
    AttendanceMode,
    Event,
    EventFormat,
    EventStatus,
    Registration,
    RegistrationStatus,
    localized,
)
from app.i18n import N_, _, use_language

PRODID = "-//Treffpunkt//Treffpunkt//DE"
#: The place of an online event: as it is in public files, translated for a registrant.
ONLINE_LOCATION = N_("Online (Zoom)")
#: How often subscribers are asked to fetch a feed again, unless the caller says otherwise.
DEFAULT_REFRESH = dt.timedelta(hours=1)

_END = b"END:VCALENDAR\r\n"
#: RFC 5545 §3.1: a content line SHOULD NOT be longer than 75 octets, the CRLF not counted.
LINE_LIMIT = 75
_BACKSLASH = 0x5C

# RFC 5545 §3.3.11: TEXT has no room for controls other than HTAB (line breaks are escaped).
# Lone surrogates cannot be written as UTF-8 at all. U+FEFF is taken for a byte-order mark and
# dropped by readers, so a title holding it would not come back as written.
_UNWRITABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff\ufeff]")


@dataclass(frozen=True, slots=True)
class Organiser:
    """Who a calendar entry names as its ORGANIZER: a name (CN) and an address."""

    name: str
    email: str

    def for_event(self, event: Event) -> Organiser:
        """The event's contact address where it has one, this one otherwise; the name stays."""
        contact = event.contact_email.strip()
        return Organiser(self.name, contact) if contact else self

    def line(self) -> bytes:
        """The ORGANIZER content line, folded, with CRLF."""
        name = " ".join(clean_text(self.name).split())
        return address_line("ORGANIZER", vCalAddress.new(self.email, cn=name or None))


def event_uid(event: Event, uid_domain: str) -> str:
    """The UID of ``event`` in every file: invites, the public ``.ics`` and all feeds."""
    return f"event-{event.id}@{uid_domain}"


def venue_line(event: Event) -> str:
    """Venue name and address on one line: ``Museum Haus Opherdicke, Dorfstraße 29, …``."""
    parts = [event.venue_name, *event.venue_address.splitlines()]
    return ", ".join(part.strip() for part in parts if part.strip())


def event_location(event: Event) -> str:
    """Where the event takes place, as the public sees it: the venue, ``Online (Zoom)``, both."""
    if event.format is EventFormat.ONLINE:
        return ONLINE_LOCATION
    venue = venue_line(event)
    if event.format is EventFormat.HYBRID:
        return f"{venue} / {ONLINE_LOCATION}" if venue else ONLINE_LOCATION
    return venue


def registrant_location(event: Event, registration: Registration) -> str:
    """Where this registrant takes part: online (in the language in use), or at the venue."""
    online = event.format is EventFormat.ONLINE or (
        event.format is EventFormat.HYBRID and registration.mode is AttendanceMode.ONLINE
    )
    return _(ONLINE_LOCATION) if online else venue_line(event)


def clean_text(value: str) -> str:
    """``value`` as a TEXT value can carry it: line breaks as LF, no other controls."""
    return _UNWRITABLE.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))


def escape_text(value: str) -> str:
    """``value`` escaped as RFC 5545 §3.3.11 says: backslash, semicolon, comma, line break.

    icalendar's escaper first turns a literal backslash-N into a line break, so ``C:\\Neu``
    came out as ``C:`` and a new line ``eu``; backslashes are escaped first here instead.
    """
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\n")
        .replace("\r", "\n")
        .replace("\n", "\\n")
    )


class _Text(vText):
    """TEXT that icalendar writes with :func:`escape_text`."""

    __slots__ = ()

    def to_ical(self) -> bytes:
        """The escaped value, UTF-8."""
        return escape_text(self).encode("utf-8")


def text(value: str) -> vText:
    """A TEXT property value: cleaned of what TEXT cannot carry, escaped correctly."""
    return _Text(clean_text(value))


def vevent_parts(
    *,
    uid: str,
    sequence: int,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    title: str,
    location: str,
    description: str,
    status: str,
    url: str | None = None,
    properties: Sequence[bytes] = (),
    components: Sequence[bytes] = (),
) -> tuple[bytes, bytes]:
    """The VEVENT every file shares, as the lines before and after its DTSTAMP line.

    Identity, time, title, place, text and status; the public files add ORGANIZER, invites add
    ORGANIZER and ATTENDEE (``properties``, written content lines, see :func:`address_line`) and
    an alarm (``components``, see :func:`display_alarm`). DTSTAMP is the moment of the file
    (:func:`stamp_line`), so the rest can be written once and reused by every file it goes in.
    """
    head = [
        b"BEGIN:VEVENT\r\n",
        content_line("SUMMARY", escape_text(clean_text(title))),
        content_line("DTSTART", utc_datetime(starts_at)),
        content_line("DTEND", utc_datetime(ends_at)),
    ]
    tail = [
        content_line("UID", escape_text(clean_text(uid))),
        content_line("SEQUENCE", str(int(sequence))),
        *properties,
    ]
    # Optional TEXT that cleaning leaves empty is left out: readers disagree on an empty value.
    description = clean_text(description)
    if description:
        tail.append(content_line("DESCRIPTION", escape_text(description)))
    location = clean_text(location)
    if location:
        tail.append(content_line("LOCATION", escape_text(location)))
    tail.append(content_line("STATUS", escape_text(clean_text(status))))
    if url:
        tail.append(content_line("URL", url))
    tail.extend(components)
    tail.append(b"END:VEVENT\r\n")
    return b"".join(head), b"".join(tail)


def address_line(name: str, address: vCalAddress) -> bytes:
    """The content line of a CAL-ADDRESS property with its parameters, folded, with CRLF.

    icalendar quotes the parameters (a CN with a comma or a quote in it).
    """
    return fold(str(Contentline.from_parts(name, address.params, address)).encode())


def utc_datetime(moment: dt.datetime) -> str:
    """A DATE-TIME value in UTC (RFC 5545 §3.3.5 form #2): ``20261127T090000Z``.

    A naive moment is taken as the machine's local time, as icalendar would.
    """
    utc = moment.astimezone(dt.UTC)
    return f"{utc.year:04}{utc.month:02}{utc.day:02}T{utc.hour:02}{utc.minute:02}{utc.second:02}Z"


def content_line(name: str, value: str) -> bytes:
    """The content line ``NAME:value``, UTF-8, folded (:func:`fold`), ending in CRLF.

    ``value`` is already in its written form: TEXT escaped, a URI as it is. A line break in it
    would end the line early, so there must be none (:func:`clean_text` and
    :func:`escape_text` see to that for TEXT).
    """
    if "\n" in value or "\r" in value:
        raise ValueError(f"a {name} value cannot hold a line break")
    line = f"{name}:{value}".encode()
    if len(line) <= LINE_LIMIT:
        return line + b"\r\n"
    return fold(line)


def fold(line: bytes) -> bytes:
    """``line`` (one unfolded content line, UTF-8) folded as RFC 5545 §3.1 says, with CRLF.

    Every physical line has at most 75 octets, the space that starts a continuation line
    included. A fold never falls inside a UTF-8 character, and never between a TEXT escape's
    backslash and the character after it: RFC 5545 allows that, but Google Calendar drops such
    an event (icalendar issue #1501).
    """
    size = len(line)
    start = 0
    room = LINE_LIMIT
    pieces = []
    while size - start > room:
        cut = start + room
        # Back to the first octet of a character: continuation octets are 0b10xxxxxx.
        while line[cut] & 0xC0 == 0x80:
            cut -= 1
        # The character before a run of backslashes ends whatever it belongs to, so the run
        # is escapes: its backslashes pair up, and an odd one out starts the escape of the
        # character after it. An odd run before the cut would leave that backslash on this
        # line and its character on the next, so the cut moves before the backslash.
        run = cut
        while run > 0 and line[run - 1] == _BACKSLASH:
            run -= 1
        if (cut - run) % 2:
            cut -= 1
        pieces.append(line[start:cut])
        start = cut
        # Continuation lines start with a space.
        room = LINE_LIMIT - 1
    pieces.append(line[start:])
    return b"\r\n ".join(pieces) + b"\r\n"


def display_alarm(description: str, before: dt.timedelta) -> bytes:
    """A VALARM that shows ``description`` ``before`` the start (RFC 5545 §3.6.6)."""
    shown = clean_text(description) if description.strip() else "Reminder"
    trigger: bytes = vDuration(-before).to_ical()  # type: ignore[no-untyped-call]
    return b"".join(
        [
            b"BEGIN:VALARM\r\n",
            content_line("ACTION", "DISPLAY"),
            content_line("DESCRIPTION", escape_text(shown)),
            content_line("TRIGGER", trigger.decode("ascii")),
            b"END:VALARM\r\n",
        ]
    )


def calendar(
    method: str, *, name: str | None = None, refresh: dt.timedelta | None = None
) -> Calendar:
    """An empty VCALENDAR with PRODID, VERSION, METHOD and, for feeds, name and refresh."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    if name is not None:
        # NAME is RFC 7986; X-WR-CALNAME is what Apple, Google and Outlook read.
        cal.add("name", text(name))
        cal.add("x-wr-calname", text(name))
    if refresh is not None:
        if refresh <= dt.timedelta(0):
            raise ValueError("refresh must be positive")
        # RFC 7986 §5.7 requires the VALUE parameter; X-PUBLISHED-TTL is Outlook's older name.
        cal.add("refresh-interval", vDuration(refresh), parameters={"VALUE": "DURATION"})
        cal.add("x-published-ttl", vDuration(refresh))
    return cal


def public_event_ics(
    event: Event, *, uid_domain: str, event_url: str, now: dt.datetime, organiser: Organiser
) -> bytes:
    """The ``.ics`` of one event for anyone (METHOD:PUBLISH): no attendee, no access data.

    ``organiser`` stands in for an event without a contact address.
    """
    stamp = stamp_line(now)
    return wrap(
        calendar("PUBLISH"), [_public_vevent(event, uid_domain, event_url, stamp, organiser)]
    )


def feed_ics(
    events: Sequence[Event],
    *,
    name: str,
    uid_domain: str,
    base_url: str,
    now: dt.datetime,
    organiser: Organiser,
    refresh: dt.timedelta = DEFAULT_REFRESH,
) -> bytes:
    """A subscription feed (METHOD:PUBLISH): each event as in :func:`public_event_ics`.

    Each VEVENT is written once per content (see :func:`_public_parts`) and its bytes are
    reused: a feed of known events is lookups and one join.
    """
    stamp = stamp_line(now)
    return wrap(
        calendar("PUBLISH", name=name, refresh=refresh),
        [
            _public_vevent(event, uid_domain, base_url + paths.event(event.slug), stamp, organiser)
            for event in events
        ],
    )


def personal_feed_ics(
    entries: Sequence[tuple[Event, Registration]],
    *,
    name: str,
    uid_domain: str,
    base_url: str,
    now: dt.datetime,
    organiser: Organiser,
) -> bytes:
    """A registrant's own feed, behind their secret token: their events, as they take part.

    Whoever may see the access data now (:func:`receives_access`) finds their personal join
    link (``/j/{token}``, which leads on to the meeting), meeting ID and passcode in it. A
    cancelled registration or event shows as CANCELLED, a seat still waited for as TENTATIVE.
    SEQUENCE counts like the invites': the event's revision plus the person's cancellations.
    """
    stamp = stamp_line(now)
    vevents = []
    for event, registration in entries:
        # Each entry in the language of its registration, like that registration's mails.
        language = registration.language.value
        with use_language(language):
            head, tail = _personal_parts(
                localized(event, language), registration, uid_domain, base_url, organiser
            )
        vevents.append(head + stamp + tail)
    return wrap(calendar("PUBLISH", name=name, refresh=DEFAULT_REFRESH), vevents)


def _personal_parts(
    event: Event,
    registration: Registration,
    uid_domain: str,
    base_url: str,
    organiser: Organiser,
) -> tuple[bytes, bytes]:
    event_url = base_url + paths.event(event.slug)
    personal_url = base_url + paths.personal(registration.token)
    if event.status is EventStatus.CANCELLED or registration.status is RegistrationStatus.CANCELLED:
        status = "CANCELLED"
    elif registration.status is RegistrationStatus.CONFIRMED:
        status = "CONFIRMED"
    else:
        # Waiting list or address not yet confirmed: the seat is not certain.
        status = "TENTATIVE"
    location = registrant_location(event, registration)
    url = event_url
    access = ""
    access_data = event.online_access
    if access_data is not None and receives_access(event, registration):
        join_url = base_url + paths.join(registration.token)
        # The words of the emails' access block (emails/_access.txt).
        lines = [_label(_("Zugang"), join_url)]
        if access_data.meeting_id:
            lines.append(_label(_("Meeting-ID"), access_data.meeting_id))
        if access_data.passcode:
            lines.append(_label(_("Kenncode"), access_data.passcode))
        access = "\n".join(lines)
        # Calendar programs make a link in LOCATION or URL a "join" button.
        location = join_url
        url = join_url
    return vevent_parts(
        uid=event_uid(event, uid_domain),
        sequence=event.revision + registration.invite_sequence,
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        title=event.title,
        status=status,
        location=location,
        description=_paragraphs(
            event.teaser, access, event_url, _label(_("Ihre Anmeldung"), personal_url)
        ),
        url=url,
        properties=[organiser.for_event(event).line()],
    )


def _label(label: str, value: str) -> str:
    return f"{label}: {value}"


def _public_vevent(
    event: Event, uid_domain: str, event_url: str, stamp: bytes, organiser: Organiser
) -> bytes:
    head, tail = _public_parts(
        event_uid(event, uid_domain),
        event.revision,
        event.status,
        event.title,
        event.teaser,
        event.starts_at,
        event.ends_at,
        event_location(event),
        event_url,
        organiser.for_event(event),
    )
    return head + stamp + tail


# Keyed by exactly what the VEVENT shows, not by (id, revision, updated_at): a title edit keeps
# the revision, and events built in memory have no updated_at. A feed of 1,000 known events is
# then 1,000 lookups and one join; DTSTAMP, the moment of the file, goes between the parts.
@functools.lru_cache(maxsize=8192)
def _public_parts(
    uid: str,
    revision: int,
    status: EventStatus,
    title: str,
    teaser: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    location: str,
    event_url: str,
    organiser: Organiser,
) -> tuple[bytes, bytes]:
    """The VEVENT's bytes before and after its DTSTAMP line."""
    return vevent_parts(
        uid=uid,
        sequence=revision,
        starts_at=starts_at,
        ends_at=ends_at,
        title=title,
        status="CANCELLED" if status is EventStatus.CANCELLED else "CONFIRMED",
        location=location,
        description=_paragraphs(teaser, event_url),
        url=event_url,
        properties=[organiser.line()],
    )


def _utc(now: dt.datetime) -> dt.datetime:
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now.astimezone(dt.UTC)


def stamp_line(now: dt.datetime) -> bytes:
    """The DTSTAMP content line of a file made at ``now`` (which must carry its zone)."""
    return content_line("DTSTAMP", utc_datetime(_utc(now)))


def wrap(cal: Calendar, vevents: Iterable[bytes]) -> bytes:
    """``cal`` with the already serialized VEVENTs inside."""
    shell: bytes = cal.to_ical()
    assert shell.endswith(_END)
    return b"".join([shell[: -len(_END)], *vevents, _END])


def _paragraphs(*parts: str) -> str:
    return "\n\n".join(part for part in parts if part)
