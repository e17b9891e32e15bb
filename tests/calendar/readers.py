"""Reading our .ics the way others do: icalendar, and two parsers that share no code with it.

``vobject`` is the long-standing Python reader; ``ical`` (the one Home Assistant uses) validates
the file against RFC 5545 with pydantic models and rejects what does not fit. Each reader's view
is boiled down to the same plain values, so a test can ask that all of them agree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import vobject
from ical.calendar_stream import IcsCalendarStream
from ical.event import Event
from icalendar import Calendar, Component

from app.calendar.ical import Organiser

#: The ORGANIZER of public files in tests, for events without a contact address.
ORGANISER = Organiser("Treffpunkt", "team@treffpunkt.example.org")


@dataclass(frozen=True, slots=True)
class Entry:
    """One VEVENT as a reader sees it."""

    uid: str
    sequence: int
    status: str
    summary: str
    description: str | None
    location: str | None
    url: str | None
    start: dt.datetime
    end: dt.datetime
    stamp: dt.datetime


@dataclass(frozen=True, slots=True)
class Reading:
    """A whole file as a reader sees it."""

    method: str
    entries: tuple[Entry, ...]


def check_wire_format(content: bytes) -> None:
    """CRLF after every line, none longer than 75 octets, no UTF-8 character split by a fold."""
    assert content.endswith(b"\r\n")
    lines = content.split(b"\r\n")[:-1]
    for line in lines:
        assert b"\r" not in line
        assert b"\n" not in line
        assert len(line) <= 75, line
        # Strict: a fold inside a multi-byte character would leave half of it on each line.
        line.decode("utf-8")


def unfolded(content: bytes) -> str:
    """The text with folds undone, to look for a value that a fold may have cut in two."""
    return content.decode("utf-8").replace("\r\n ", "").replace("\r\n\t", "")


def read_all(content: bytes) -> list[Reading]:
    """The file as icalendar, vobject and ical read it; each first checks the wire format."""
    check_wire_format(content)
    return [by_icalendar(content), by_vobject(content), by_ical(content)]


def read_agreed(content: bytes) -> Reading:
    """The file as all three readers read it alike (and asserts that they do)."""
    readings = read_all(content)
    first = readings[0]
    for other in readings[1:]:
        assert other == first
    return first


def by_icalendar(content: bytes) -> Reading:
    """icalendar's view."""
    calendar = Calendar.from_ical(content)

    def text(vevent: Component, name: str) -> str | None:
        value = vevent.get(name)
        return None if value is None else str(value)

    entries = tuple(
        Entry(
            uid=str(vevent["UID"]),
            sequence=int(vevent.decoded("SEQUENCE")),
            status=str(vevent["STATUS"]),
            summary=str(vevent["SUMMARY"]),
            description=text(vevent, "DESCRIPTION"),
            location=text(vevent, "LOCATION"),
            url=text(vevent, "URL"),
            start=vevent.decoded("DTSTART"),
            end=vevent.decoded("DTEND"),
            stamp=vevent.decoded("DTSTAMP"),
        )
        for vevent in calendar.walk("VEVENT")
    )
    return Reading(method=str(calendar["METHOD"]), entries=entries)


def by_vobject(content: bytes) -> Reading:
    """vobject's view."""
    calendar = vobject.readOne(content.decode("utf-8"))

    def value(vevent: vobject.base.Component, name: str) -> str | None:
        return vevent.getChildValue(name)

    entries = tuple(
        Entry(
            uid=vevent.uid.value,
            sequence=int(vevent.sequence.value),
            status=vevent.status.value,
            summary=vevent.summary.value,
            description=value(vevent, "description"),
            location=value(vevent, "location"),
            url=value(vevent, "url"),
            start=vevent.dtstart.value,
            end=vevent.dtend.value,
            stamp=vevent.dtstamp.value,
        )
        for vevent in calendar.contents.get("vevent", [])
    )
    return Reading(method=calendar.method.value, entries=entries)


def by_ical(content: bytes) -> Reading:
    """ical's view (it refuses a file that breaks RFC 5545's rules)."""
    calendar = IcsCalendarStream.calendar_from_ics(content.decode("utf-8"))

    def entry(event: Event) -> Entry:
        # ical types every property as optional; ours are always written, and in datetimes.
        assert event.sequence is not None
        assert event.status is not None
        assert event.summary is not None
        assert isinstance(event.dtstart, dt.datetime)
        assert isinstance(event.dtend, dt.datetime)
        assert isinstance(event.dtstamp, dt.datetime)
        return Entry(
            uid=event.uid,
            sequence=event.sequence,
            status=event.status.value,
            summary=event.summary,
            description=event.description,
            location=event.location,
            url=event.url,
            start=event.dtstart,
            end=event.dtend,
            stamp=event.dtstamp,
        )

    entries = tuple(entry(event) for event in calendar.events)
    assert calendar.method is not None
    return Reading(method=calendar.method, entries=entries)
