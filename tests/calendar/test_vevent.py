"""The one VEVENT writer (``vevent_parts``) against the icalendar library's parser and two others.

Every VEVENT is written line by line (icalendar took over 200 ms for a feed of 1,000 new
events). For any title, text, venue, time and URL, icalendar reads back exactly what went in;
whole files read alike by icalendar, vobject and ical, say what the event says, and pass the
octet checks (CRLF, 75 octets, no UTF-8 character cut by a fold). The fold itself is checked
on any line: nothing lost, nothing cut, no escape parted from its backslash.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from icalendar import Event as VEvent

from app.calendar.ical import (
    LINE_LIMIT,
    clean_text,
    content_line,
    escape_text,
    event_location,
    event_uid,
    feed_ics,
    fold,
    public_event_ics,
    stamp_line,
    utc_datetime,
    vevent_parts,
)
from app.domain.model import Event, EventFormat, EventStatus
from tests.calendar.readers import ORGANISER, Entry, check_wire_format, read_agreed
from tests.calendar.test_properties import CALENDAR_SETTINGS, TEXTS, TITLES
from tests.conftest import make_event

NOW = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)
BASE = "https://treffpunkt.example.org"
DOMAIN = "treffpunkt.example.org"
ROOT = Path(__file__).resolve().parents[2]

ZONES = st.sampled_from(
    [
        dt.UTC,
        ZoneInfo("Europe/Berlin"),
        ZoneInfo("Europe/Kyiv"),
        ZoneInfo("America/St_Johns"),
        dt.timezone(dt.timedelta(hours=14)),
        dt.timezone(-dt.timedelta(hours=11, minutes=30)),
    ]
)
#: Any moment, seconds and microseconds too, in zones with odd offsets and summer time.
MOMENTS = st.datetimes(
    min_value=dt.datetime(1900, 1, 2), max_value=dt.datetime(2200, 12, 30), timezones=ZONES
)
#: Slugs are short printable words (app.domain.validation.is_slug_shaped), any script.
SLUGS = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")), min_size=1, max_size=120
)
URLS = st.builds(lambda slug: f"{BASE}/events/{slug}", SLUGS)
STATUSES = st.sampled_from(["CONFIRMED", "CANCELLED", "TENTATIVE"])
#: What a form may let through besides: carriage returns, controls, a lone surrogate. The
#: writer drops them (clean_text); U+0085 is a C1 control that TEXT may carry, so it stays.
_RAW = st.sampled_from(["\r", "\r\n", "\x00", "\x07", "\x0b", "\x1b", "\x7f", "\x85", "\ud800"])
RAW_TEXTS = st.lists(st.one_of(TEXTS, _RAW), max_size=6).map("".join)
RAW_TITLES = st.one_of(TITLES, RAW_TEXTS.filter(bool))


def _vevent(**fields: object) -> bytes:
    """The VEVENT, with the DTSTAMP line a file would put in."""
    stamp = fields.pop("stamp")
    assert isinstance(stamp, dt.datetime)
    head, tail = vevent_parts(**fields)  # type: ignore[arg-type]
    return head + stamp_line(stamp) + tail


# --- one VEVENT, as icalendar reads it ---------------------------------------------------------


@CALENDAR_SETTINGS
@given(
    uid=RAW_TITLES,
    sequence=st.integers(0, 10**6),
    stamp=MOMENTS,
    starts_at=MOMENTS,
    ends_at=MOMENTS,
    title=RAW_TITLES,
    location=RAW_TEXTS,
    description=RAW_TEXTS,
    status=STATUSES,
    url=st.one_of(st.none(), URLS),
)
def test_icalendar_reads_back_what_went_in(
    uid: str,
    sequence: int,
    stamp: dt.datetime,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    title: str,
    location: str,
    description: str,
    status: str,
    url: str | None,
) -> None:
    fields: dict[str, object] = {
        "uid": uid,
        "sequence": sequence,
        "stamp": stamp,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "title": title,
        "location": location,
        "description": description,
        "status": status,
        "url": url,
    }
    ours = _vevent(**fields)
    check_wire_format(ours)
    vevent = VEvent.from_ical(ours)
    assert sorted(vevent) == sorted(
        name
        for name, value in (
            ("UID", uid),
            ("SEQUENCE", sequence),
            ("DTSTAMP", stamp),
            ("DTSTART", starts_at),
            ("DTEND", ends_at),
            ("SUMMARY", title),
            ("LOCATION", location),
            ("DESCRIPTION", description),
            ("STATUS", status),
            ("URL", url),
        )
        if name in ("SEQUENCE", "SUMMARY", "UID")
        or (clean_text(value) if isinstance(value, str) else value)
    )
    assert str(vevent["STATUS"]) == status
    assert str(vevent["SUMMARY"]) == clean_text(title)
    assert str(vevent["UID"]) == clean_text(uid)
    assert str(vevent.get("LOCATION", "")) == clean_text(location)
    assert str(vevent.get("DESCRIPTION", "")) == clean_text(description)
    assert vevent.get("URL") == url
    assert vevent["SEQUENCE"] == sequence
    for name, moment in (("DTSTART", starts_at), ("DTEND", ends_at), ("DTSTAMP", stamp)):
        assert vevent.decoded(name) == moment.astimezone(dt.UTC).replace(microsecond=0)
        assert vevent.decoded(name).utcoffset() == dt.timedelta(0)


# --- whole files, as three readers read them ---------------------------------------

EVENTS = st.builds(
    lambda title, teaser, venue_name, venue_address, event_format, status, revision, start, hours: (
        make_event(
            NOW,
            id=7,
            slug="konferenz",
            title=title,
            teaser=teaser,
            venue_name=venue_name,
            venue_address=venue_address,
            format=event_format,
            status=status,
            revision=revision,
            starts_at=start,
            ends_at=start + dt.timedelta(hours=hours),
        )
    ),
    RAW_TITLES,
    RAW_TEXTS,
    RAW_TEXTS,
    RAW_TEXTS,
    st.sampled_from(list(EventFormat)),
    st.sampled_from(list(EventStatus)),
    st.integers(0, 1000),
    st.datetimes(
        min_value=dt.datetime(2000, 1, 2), max_value=dt.datetime(2100, 1, 1), timezones=ZONES
    ),
    st.integers(0, 72),
)


def _expected(event: Event, event_url: str) -> Entry:
    """The public VEVENT's values: the event's, cleaned, the page linked, no access data."""
    description = clean_text("\n\n".join(part for part in (event.teaser, event_url) if part))
    return Entry(
        uid=clean_text(event_uid(event, DOMAIN)),
        sequence=event.revision,
        status="CANCELLED" if event.status is EventStatus.CANCELLED else "CONFIRMED",
        summary=clean_text(event.title),
        description=description,
        location=clean_text(event_location(event)) or None,
        url=event_url,
        start=event.starts_at.astimezone(dt.UTC).replace(microsecond=0),
        end=event.ends_at.astimezone(dt.UTC).replace(microsecond=0),
        stamp=NOW,
    )


@CALENDAR_SETTINGS
@given(event=EVENTS, slug=SLUGS)
def test_public_file_says_what_the_event_says(event: Event, slug: str) -> None:
    url = f"{BASE}/events/{slug}"
    ours = public_event_ics(event, uid_domain=DOMAIN, event_url=url, now=NOW, organiser=ORGANISER)
    # Three readers and the octet checks; each reads the file alike.
    reading = read_agreed(ours)
    assert reading.method == "PUBLISH"
    assert reading.entries == (_expected(event, url),)


@CALENDAR_SETTINGS
@given(events=st.lists(EVENTS, min_size=1, max_size=4), name=TITLES)
def test_feed_says_what_the_events_say(events: list[Event], name: str) -> None:
    events = [
        dataclasses.replace(event, id=index, slug=f"e{index}") for index, event in enumerate(events)
    ]
    ours = feed_ics(
        events, name=name, uid_domain=DOMAIN, base_url=BASE, now=NOW, organiser=ORGANISER
    )
    reading = read_agreed(ours)
    assert reading.entries == tuple(
        _expected(event, f"{BASE}/events/{event.slug}") for event in events
    )


# --- folding ------------------------------------------------------------------------------

#: Written TEXT values: escaped, so full of backslash pairs, with any character around them.
ESCAPED = TEXTS.map(lambda value: escape_text(clean_text(value)))
NAMES = st.sampled_from(["SUMMARY", "DESCRIPTION", "LOCATION", "X-A", "URL"])


def _physical_lines(content: bytes) -> list[bytes]:
    assert content.endswith(b"\r\n")
    return content.split(b"\r\n")[:-1]


def _backslashes_at_end(piece: bytes) -> int:
    return len(piece) - len(piece.rstrip(b"\\"))


@CALENDAR_SETTINGS
@given(name=NAMES, value=ESCAPED)
def test_fold_loses_nothing_and_cuts_nothing(name: str, value: str) -> None:
    written = content_line(name, value)
    check_wire_format(written)
    lines = _physical_lines(written)
    assert lines[0].startswith(f"{name}:".encode())
    assert all(line.startswith(b" ") for line in lines[1:])
    # Unfolding gives back the line: nothing lost, nothing added.
    assert lines[0] + b"".join(line[1:] for line in lines[1:]) == f"{name}:{value}".encode()
    # An escape never parted from its backslash: the octets before each fold end in whole
    # backslash pairs (the value is escaped, so any backslash starts or ends a pair).
    unfolded = b""
    for line in lines[:-1]:
        unfolded += line if not unfolded else line[1:]
        assert _backslashes_at_end(unfolded) % 2 == 0
    # Folds use the room they have: at most a character and a backslash less than 75 octets.
    assert all(len(line) >= LINE_LIMIT - 5 for line in lines[:-1])


@pytest.mark.parametrize("size", [1, 74, 75])
def test_a_line_of_up_to_75_octets_is_written_as_it_is(size: int) -> None:
    value = "x" * (size - len("X:"))
    assert content_line("X", value) == f"X:{value}\r\n".encode()


def test_a_line_of_76_octets_is_folded_after_75() -> None:
    line = "X:" + "x" * 74
    assert content_line("X", "x" * 74) == line[:75].encode() + b"\r\n x\r\n"


@pytest.mark.parametrize(
    ("character", "octets"), [("ä", 2), ("Ж", 2), ("€", 3), ("😀", 4), ("🇺🇦", 8)]
)
def test_a_fold_never_cuts_a_character(character: str, octets: int) -> None:
    assert len(character.encode()) == octets
    for prefix in range(8):
        value = "a" * prefix + character * 60
        written = content_line("SUMMARY", value)
        check_wire_format(written)
        assert written.decode().replace("\r\n ", "") == f"SUMMARY:{value}\r\n"


@pytest.mark.parametrize("escape", ["\\n", "\\,", "\\;", "\\\\"])
def test_a_fold_keeps_an_escape_on_one_line(escape: str) -> None:
    # icalendar issue #1501: Google Calendar drops an event whose escape is split by a fold.
    for prefix in range(66, 76):
        value = "a" * (prefix - len("DESCRIPTION:")) + escape + "b" * 80
        lines = _physical_lines(content_line("DESCRIPTION", value))
        assert all(_backslashes_at_end(line) % 2 == 0 for line in lines)
        assert escape.encode() in lines[0] + lines[1][1:]


def test_a_run_of_backslashes_folds_between_pairs() -> None:
    value = escape_text("\\" * 100)
    lines = _physical_lines(content_line("X", value))
    assert [len(line) for line in lines] == [74, 75, 55]
    assert b"".join(line.lstrip(b" ") for line in lines) == f"X:{value}".encode()


def test_fold_without_escapes_or_wide_characters_cuts_at_75() -> None:
    line = b"X:" + b"0123456789" * 20
    assert [len(piece) for piece in _physical_lines(fold(line))] == [75, 75, 54]


def test_a_raw_line_break_is_refused() -> None:
    for value in ("a\nb", "a\rb", "a\r\nb"):
        with pytest.raises(ValueError, match="line break"):
            content_line("URL", value)


# --- times --------------------------------------------------------------------------------


def test_times_are_utc_with_z() -> None:
    berlin = dt.datetime(2026, 7, 1, 11, 30, 15, 999_999, tzinfo=ZoneInfo("Europe/Berlin"))
    assert utc_datetime(berlin) == "20260701T093015Z"
    assert utc_datetime(dt.datetime(999, 1, 2, tzinfo=dt.UTC)) == "09990102T000000Z"
