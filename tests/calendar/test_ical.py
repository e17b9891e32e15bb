"""The public .ics, the subscription feeds and the personal feed."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from icalendar import Calendar

from app.calendar.ical import (
    PRODID,
    event_uid,
    feed_ics,
    personal_feed_ics,
    public_event_ics,
)
from app.calendar.invite import PRODID as INVITE_PRODID
from app.calendar.invite import event_uid as invite_event_uid
from app.domain.model import (
    AttendanceMode,
    Event,
    EventFormat,
    EventStatus,
    Language,
    Registration,
    RegistrationStatus,
)
from tests.calendar.readers import ORGANISER, Entry, read_agreed, unfolded
from tests.calendar.test_invite import registration
from tests.conftest import make_event

NOW = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)
LATER = NOW + dt.timedelta(minutes=5)
BASE = "https://treffpunkt.example.org"
DOMAIN = "treffpunkt.example.org"
EVENT_URL = f"{BASE}/events/konferenz"
VENUE = "Museum Haus Opherdicke, Dorfstraße 29, 59439 Holzwickede"
#: Everything of the Zoom data in tests.conftest.make_event, and the host it lives on.
SECRETS = ("zoom.example", "SECRETPWD", "555 000 111", "987654", "555000111")


def public(event: Event, now: dt.datetime = NOW) -> bytes:
    """The public .ics of ``event``."""
    return public_event_ics(
        event, uid_domain=DOMAIN, event_url=EVENT_URL, now=now, organiser=ORGANISER
    )


def feed(events: list[Event], now: dt.datetime = NOW, **options: object) -> bytes:
    """The subscription feed of ``events``."""
    return feed_ics(
        events,
        name="Treffpunkt: alle Veranstaltungen",
        uid_domain=DOMAIN,
        base_url=BASE,
        now=now,
        organiser=ORGANISER,
        **options,  # type: ignore[arg-type]
    )


def personal(*entries: tuple[Event, Registration], now: dt.datetime = NOW) -> bytes:
    """A registrant's feed."""
    return personal_feed_ics(
        list(entries),
        name="Meine Veranstaltungen",
        uid_domain=DOMAIN,
        base_url=BASE,
        now=now,
        organiser=ORGANISER,
    )


def only(content: bytes) -> Entry:
    """The only VEVENT, as all readers agree on it."""
    [entry] = read_agreed(content).entries
    return entry


def assert_no_access_data(content: bytes) -> None:
    """Not a trace of the Zoom data, folded or not; no personal link either."""
    text = unfolded(content)
    for secret in SECRETS:
        assert secret.encode() not in content
        assert secret not in text
    assert "/j/" not in text
    assert "/r/" not in text


# --- public .ics ---------------------------------------------------------------------------


def test_public_file_describes_the_event_for_anyone() -> None:
    event = make_event(NOW, id=7, revision=3, title="Konferenz „Landkreise“", teaser="Kurz")
    content = public(event, now=NOW.astimezone(dt.timezone(dt.timedelta(hours=2))))
    reading = read_agreed(content)
    assert reading.method == "PUBLISH"
    [entry] = reading.entries
    assert entry == Entry(
        uid="event-7@treffpunkt.example.org",
        sequence=3,
        status="CONFIRMED",
        summary="Konferenz „Landkreise“",
        description=f"Kurz\n\n{EVENT_URL}",
        location=VENUE,
        url=EVENT_URL,
        start=event.starts_at,
        end=event.ends_at,
        stamp=NOW,
    )
    calendar = Calendar.from_ical(content)
    assert str(calendar["PRODID"]) == PRODID == INVITE_PRODID
    assert str(calendar["VERSION"]) == "2.0"
    [vevent] = calendar.walk("VEVENT")
    assert "ATTENDEE" not in vevent
    # RFC 5546 wants an ORGANIZER in PUBLISH too: without a contact, the configured one.
    assert str(vevent["ORGANIZER"]) == "mailto:team@treffpunkt.example.org"
    assert vevent["ORGANIZER"].params["CN"] == "Treffpunkt"
    assert not vevent.walk("VALARM")
    # UTC, written as such (…Z), no VTIMEZONE needed.
    assert b"DTSTART:20261127T090000Z\r\n" in content
    assert b"DTSTAMP:20261120T090000Z\r\n" in content
    assert not calendar.walk("VTIMEZONE")


def test_public_file_of_a_cancelled_event_says_so() -> None:
    event = make_event(NOW, id=7, revision=4, status=EventStatus.CANCELLED)
    entry = only(public(event))
    assert entry.status == "CANCELLED"
    assert entry.sequence == 4


def test_without_teaser_the_description_is_the_link() -> None:
    assert only(public(make_event(NOW, id=7, teaser=""))).description == EVENT_URL


@pytest.mark.parametrize(
    ("event_format", "location"),
    [
        (EventFormat.ONLINE, "Online (Zoom)"),
        (EventFormat.HYBRID, f"{VENUE} / Online (Zoom)"),
    ],
)
def test_public_file_keeps_the_zoom_data_out(event_format: EventFormat, location: str) -> None:
    event = make_event(NOW, id=7, format=event_format)
    assert event.online_access is not None
    content = public(event)
    assert_no_access_data(content)
    assert only(content).location == location


def test_uid_is_the_invites_uid() -> None:
    event = make_event(NOW, id=7)
    assert invite_event_uid is event_uid
    assert only(public(event)).uid == event_uid(event, DOMAIN)


def test_now_must_carry_a_zone() -> None:
    naive = dt.datetime(2026, 11, 20, 9, 0)
    event = make_event(NOW, id=7)
    with pytest.raises(ValueError, match="aware"):
        public(event, now=naive)
    with pytest.raises(ValueError, match="aware"):
        feed([event], now=naive)
    with pytest.raises(ValueError, match="aware"):
        personal((event, registration()), now=naive)


def test_a_backslash_n_in_a_title_stays_a_backslash_n() -> None:
    # icalendar's own escaper would write it as a line break.
    title = r"Pfade: C:\Neu\nächste, \\server\N"
    entry = only(public(make_event(NOW, id=7, title=title)))
    assert entry.summary == title


def test_controls_a_form_may_let_through_are_dropped_line_breaks_kept() -> None:
    title = "Eins\r\nZwei\rDrei\x00\x07\x1b\x7fVier\ud800"
    teaser = "a\r\n\r\nb"
    entry = only(public(make_event(NOW, id=7, title=title, teaser=teaser)))
    assert entry.summary == "Eins\nZwei\nDreiVier"
    assert entry.description == f"a\n\nb\n\n{EVENT_URL}"


# --- subscription feed ---------------------------------------------------------------------


def test_feed_names_itself_and_asks_to_be_fetched_hourly() -> None:
    content = feed([make_event(NOW, id=7)])
    calendar = Calendar.from_ical(content)
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert str(calendar["NAME"]) == "Treffpunkt: alle Veranstaltungen"
    assert str(calendar["X-WR-CALNAME"]) == "Treffpunkt: alle Veranstaltungen"
    assert calendar.refresh_interval == dt.timedelta(hours=1)
    text = unfolded(content)
    # RFC 7986 §5.7: the VALUE parameter is required.
    assert "\r\nREFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n" in text
    assert "\r\nX-PUBLISHED-TTL:PT1H\r\n" in text


def test_feed_refresh_is_the_callers() -> None:
    content = feed([make_event(NOW, id=7)], refresh=dt.timedelta(minutes=30))
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT30M\r\n" in content
    assert b"X-PUBLISHED-TTL:PT30M\r\n" in content
    with pytest.raises(ValueError, match="positive"):
        feed([make_event(NOW, id=7)], refresh=dt.timedelta(0))


def test_feed_of_a_thousand_events() -> None:
    events = [
        make_event(
            NOW,
            id=index,
            slug=f"veranstaltung-{index}",
            title=f"Veranstaltung Nr. {index}: Städtepartnerschaften",
            format=list(EventFormat)[index % 3],
            status=EventStatus.CANCELLED if index % 100 == 0 else EventStatus.PUBLISHED,
            revision=index % 5,
        )
        for index in range(1, 1001)
    ]
    content = feed(events)
    entries = read_agreed(content).entries
    assert len(entries) == 1000
    assert len({entry.uid for entry in entries}) == 1000
    by_uid = {entry.uid: entry for entry in entries}
    for event in events:
        entry = by_uid[event_uid(event, DOMAIN)]
        assert entry.url == f"{BASE}/events/{event.slug}"
        assert entry.summary == event.title
        assert entry.sequence == event.revision
        assert entry.stamp == NOW
        cancelled = event.status is EventStatus.CANCELLED
        assert entry.status == ("CANCELLED" if cancelled else "CONFIRMED")
    assert_no_access_data(content)


def test_each_feed_entry_is_the_events_public_file() -> None:
    online = make_event(NOW, id=7, slug="konferenz", format=EventFormat.ONLINE)
    other = make_event(NOW, id=8, slug="andere", title="Andere")
    entries = read_agreed(feed([online, other])).entries
    assert entries[0] == only(public(online))
    assert entries[1].url == f"{BASE}/events/andere"


def test_feed_follows_changes_and_each_files_moment() -> None:
    event = make_event(NOW, id=7, title="Vorher")
    assert only(feed([event])).summary == "Vorher"
    # A title edit keeps the revision (no one is told): the feed still shows it.
    renamed = dataclasses.replace(event, title="Nachher")
    entry = only(feed([renamed], now=LATER))
    assert entry.summary == "Nachher"
    assert entry.stamp == LATER
    moved = dataclasses.replace(
        renamed, starts_at=event.starts_at + dt.timedelta(days=1), revision=1
    )
    entry = only(feed([moved], now=LATER))
    assert entry.start == moved.starts_at
    assert entry.sequence == 1
    # The first version, asked for again, is still itself.
    assert only(feed([event], now=LATER)) == dataclasses.replace(only(feed([event])), stamp=LATER)


def test_empty_feed_is_a_valid_calendar() -> None:
    reading = read_agreed(feed([]))
    assert reading.entries == ()
    assert reading.method == "PUBLISH"


# --- personal feed -------------------------------------------------------------------------


def online_person(**overrides: object) -> Registration:
    """A confirmed online registrant with a token of their own."""
    fields: dict[str, object] = {"mode": AttendanceMode.ONLINE, "token": "PERSONALTOKEN"}
    fields.update(overrides)
    return registration(**fields)


@pytest.mark.parametrize("event_format", [EventFormat.ONLINE, EventFormat.HYBRID])
def test_personal_feed_gives_a_confirmed_online_registrant_their_access(
    event_format: EventFormat,
) -> None:
    event = make_event(NOW, id=7, revision=2, format=event_format, teaser="Kurz")
    person = online_person(invite_sequence=1)
    content = personal((event, person))
    reading = read_agreed(content)
    assert reading.method == "PUBLISH"
    [entry] = reading.entries
    join = f"{BASE}/j/PERSONALTOKEN"
    assert entry.description == (
        f"Kurz\n\nZugang: {join}\nMeeting-ID: 555 000 111\nKenncode: 987654\n\n"
        f"{EVENT_URL}\n\nIhre Anmeldung: {BASE}/r/PERSONALTOKEN"
    )
    assert entry.location == join
    assert entry.url == join
    assert entry.status == "CONFIRMED"
    assert entry.sequence == 3, "the event's revision plus the person's own count"
    assert entry.uid == event_uid(event, DOMAIN)
    # The personal link leads on to the meeting; the meeting's own URL is never written.
    assert "zoom.example" not in unfolded(content)
    assert "SECRETPWD" not in unfolded(content)
    calendar = Calendar.from_ical(content)
    assert str(calendar["X-WR-CALNAME"]) == "Meine Veranstaltungen"
    assert calendar.refresh_interval == dt.timedelta(hours=1)


def test_personal_feed_speaks_the_registrants_language() -> None:
    event = make_event(NOW, id=7, format=EventFormat.ONLINE)
    entry = only(personal((event, online_person(language=Language.EN))))
    assert entry.description is not None
    assert "Join: " in entry.description
    assert "Meeting ID: 555 000 111" in entry.description
    assert "Passcode: 987654" in entry.description


NO_ACCESS = [
    pytest.param(EventFormat.HYBRID, {"mode": AttendanceMode.IN_PERSON}, {}, id="in person"),
    pytest.param(
        EventFormat.ONLINE, {"status": RegistrationStatus.WAITLISTED}, {}, id="waitlisted"
    ),
    pytest.param(EventFormat.ONLINE, {"status": RegistrationStatus.PENDING}, {}, id="pending"),
    pytest.param(EventFormat.ONLINE, {"status": RegistrationStatus.CANCELLED}, {}, id="cancelled"),
    pytest.param(EventFormat.ONLINE, {}, {"status": EventStatus.CANCELLED}, id="event cancelled"),
    pytest.param(EventFormat.ONLINE, {}, {"online_access": None}, id="no data yet"),
]


@pytest.mark.parametrize(("event_format", "person", "event_fields"), NO_ACCESS)
def test_personal_feed_shows_no_access_to_anyone_else(
    event_format: EventFormat, person: dict[str, object], event_fields: dict[str, object]
) -> None:
    event = make_event(NOW, id=7, format=event_format, **event_fields)
    content = personal((event, online_person(**person)))
    text = unfolded(content)
    for secret in SECRETS:
        assert secret not in text
    assert "/j/" not in text
    entry = only(content)
    assert entry.url == EVENT_URL
    # Their own page stays reachable from their own feed.
    assert entry.description is not None
    assert entry.description.endswith(f"Ihre Anmeldung: {BASE}/r/PERSONALTOKEN")


@pytest.mark.parametrize(
    ("person", "event_status", "status"),
    [
        ({}, EventStatus.PUBLISHED, "CONFIRMED"),
        ({"status": RegistrationStatus.CANCELLED}, EventStatus.PUBLISHED, "CANCELLED"),
        ({}, EventStatus.CANCELLED, "CANCELLED"),
        ({"status": RegistrationStatus.WAITLISTED}, EventStatus.PUBLISHED, "TENTATIVE"),
        ({"status": RegistrationStatus.PENDING}, EventStatus.PUBLISHED, "TENTATIVE"),
        ({"status": RegistrationStatus.WAITLISTED}, EventStatus.CANCELLED, "CANCELLED"),
    ],
)
def test_personal_feed_status(
    person: dict[str, object], event_status: EventStatus, status: str
) -> None:
    event = make_event(NOW, id=7, status=event_status)
    assert only(personal((event, registration(**person)))).status == status


def test_personal_feed_locations_follow_how_each_takes_part() -> None:
    in_person = make_event(NOW, id=7)
    hybrid = make_event(NOW, id=8, slug="hybrid", format=EventFormat.HYBRID)
    entries = read_agreed(
        personal(
            (in_person, registration(token="PERSONALTOKEN")),
            (hybrid, registration(id=2, token="OTHERTOKEN")),
        )
    ).entries
    assert [entry.location for entry in entries] == [VENUE, VENUE]
    assert [entry.uid for entry in entries] == [
        event_uid(in_person, DOMAIN),
        event_uid(hybrid, DOMAIN),
    ]


@pytest.mark.parametrize(
    "text", ["DTSTAMP:19700101T000000Z", "ATTENDEE:mailto:attendee-slot@treffpunkt.invalid"]
)
def test_a_title_that_looks_like_a_placeholder_stays_a_title(text: str) -> None:
    event = make_event(NOW, id=7, title=text)
    for content in (public(event), feed([event])):
        entry = only(content)
        assert entry.summary == text
        assert entry.stamp == NOW


def test_the_events_contact_is_the_organizer_of_every_public_file() -> None:
    event = make_event(NOW, id=7, contact_email="netzwerk@example.org")
    person = registration(event_id=7)
    for content in (public(event), feed([event]), personal((event, person))):
        [vevent] = Calendar.from_ical(content).walk("VEVENT")
        assert str(vevent["ORGANIZER"]) == "mailto:netzwerk@example.org"
        assert vevent["ORGANIZER"].params["CN"] == "Treffpunkt"
        assert "ATTENDEE" not in vevent
