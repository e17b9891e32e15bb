"""Invites in emails: iTIP method, stable UID, SEQUENCE, the recipient as the only attendee."""

from __future__ import annotations

import datetime as dt

import pytest
from icalendar import Calendar, vCalAddress

from app.calendar.invite import InviteMethod, build_invite, invite_method_for
from app.domain.mail import MailKind
from app.domain.model import (
    AttendanceMode,
    Event,
    EventFormat,
    Language,
    Registration,
    RegistrationStatus,
)
from tests.conftest import make_event

NOW = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)
#: The same moment as NOW, given in Berlin summer offset, to prove DTSTAMP is written in UTC.
NOW_ELSEWHERE = NOW.astimezone(dt.timezone(dt.timedelta(hours=2)))


def registration(**overrides: object) -> Registration:
    """A confirmed in-person registration for event 7."""
    fields: dict[str, object] = {
        "id": 1,
        "event_id": 7,
        "token": "t" * 32,
        "first_name": "Olena",
        "last_name": "Koval",
        "email": "olena.koval@example.org",
        "organisation": "Stadt Dortmund",
        "job_title": "Referentin",
        "mode": AttendanceMode.IN_PERSON,
        "language": Language.DE,
        "status": RegistrationStatus.CONFIRMED,
        "answers": {},
        "consent_version": "1",
        "consent_at": NOW,
        "created_at": NOW,
    }
    fields.update(overrides)
    return Registration(**fields)  # type: ignore[arg-type]


def invite(
    event: Event, person: Registration, method: InviteMethod = InviteMethod.REQUEST
) -> bytes:
    """The invite as the sender builds it."""
    return build_invite(
        event,
        person,
        method=method,
        organiser_name="Netzwerkstelle Städtepartnerschaften NRW",
        organiser_email="netzwerk@example.org",
        uid_domain="treffpunkt.example.org",
        now=NOW_ELSEWHERE,
    )


def parsed(content: bytes) -> tuple[Calendar, object]:
    """The calendar and its only VEVENT."""
    calendar = Calendar.from_ical(content)
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    return calendar, events[0]


@pytest.mark.parametrize(
    ("kind", "payload", "expected"),
    [
        (MailKind.CONFIRMATION, {}, InviteMethod.REQUEST),
        (MailKind.PROMOTION, {}, InviteMethod.REQUEST),
        (MailKind.EVENT_CHANGED, {"message": ""}, InviteMethod.REQUEST),
        (MailKind.EVENT_CANCELLED, {}, InviteMethod.CANCEL),
        (MailKind.CANCELLED, {"held_seat": True}, InviteMethod.CANCEL),
        (MailKind.CANCELLED, {"held_seat": False}, None),
        (MailKind.CANCELLED, {}, None),
        (MailKind.WAITLISTED, {}, None),
        (MailKind.ACCESS, {}, None),
        (MailKind.REMINDER, {}, None),
        (MailKind.OPT_IN, {}, None),
        (MailKind.PERSONAL_LINK, {}, None),
        (MailKind.ORGANISER_NOTICE, {}, None),
    ],
)
def test_which_mails_carry_which_invite(
    kind: MailKind, payload: dict[str, object], expected: InviteMethod | None
) -> None:
    assert invite_method_for(kind, payload) is expected


@pytest.mark.parametrize("status", [RegistrationStatus.WAITLISTED, RegistrationStatus.PENDING])
@pytest.mark.parametrize(
    "kind", [MailKind.EVENT_CHANGED, MailKind.EVENT_CANCELLED, MailKind.CONFIRMATION]
)
def test_no_invite_for_someone_without_a_seat(kind: MailKind, status: RegistrationStatus) -> None:
    assert invite_method_for(kind, {}, registration(status=status)) is None


def test_confirmed_registrants_get_the_invite() -> None:
    confirmed = registration()
    assert invite_method_for(MailKind.EVENT_CHANGED, {}, confirmed) is InviteMethod.REQUEST
    assert invite_method_for(MailKind.EVENT_CANCELLED, {}, confirmed) is InviteMethod.CANCEL


def test_own_cancellation_follows_the_payload_not_the_new_status() -> None:
    gone = registration(status=RegistrationStatus.CANCELLED)
    assert invite_method_for(MailKind.CANCELLED, {"held_seat": True}, gone) is InviteMethod.CANCEL
    assert invite_method_for(MailKind.CANCELLED, {"held_seat": False}, gone) is None


def test_request_describes_the_event_for_the_registrant() -> None:
    event = make_event(NOW, id=7, revision=3, title="Konferenz „Landkreise“", teaser="Kurz, knapp")
    calendar, vevent = parsed(invite(event, registration()))

    assert str(calendar["PRODID"]) == "-//Treffpunkt//Treffpunkt//DE"
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["METHOD"]) == "REQUEST"
    assert str(vevent["UID"]) == "event-7@treffpunkt.example.org"
    assert vevent["SEQUENCE"] == 3
    assert vevent.DTSTAMP == NOW
    assert vevent.DTSTAMP.utcoffset() == dt.timedelta(0)
    assert vevent.start == event.starts_at
    assert vevent.start.utcoffset() == dt.timedelta(0)
    assert vevent.end == event.ends_at
    assert str(vevent["SUMMARY"]) == "Konferenz „Landkreise“"
    assert str(vevent["DESCRIPTION"]) == "Kurz, knapp"
    assert str(vevent["LOCATION"]) == ("Museum Haus Opherdicke, Dorfstraße 29, 59439 Holzwickede")
    assert str(vevent["STATUS"]) == "CONFIRMED"
    organizer = vevent["ORGANIZER"]
    assert str(organizer) == "mailto:netzwerk@example.org"
    assert organizer.params["CN"] == "Netzwerkstelle Städtepartnerschaften NRW"


def test_the_registrant_is_the_only_attendee() -> None:
    _, vevent = parsed(invite(make_event(NOW, id=7), registration(first_name="Олена")))
    attendees = vevent.get("ATTENDEE")
    assert not isinstance(attendees, list), "exactly one ATTENDEE"
    assert str(attendees) == "mailto:olena.koval@example.org"
    assert attendees.params["CN"] == "Олена Koval"
    assert attendees.params["ROLE"] == "REQ-PARTICIPANT"
    assert attendees.params["PARTSTAT"] == "ACCEPTED"
    assert attendees.params["RSVP"] == "FALSE"


def test_cancel_keeps_uid_and_sequence() -> None:
    event = make_event(NOW, id=7, revision=2)
    request = parsed(invite(event, registration()))[1]
    calendar, cancel = parsed(invite(event, registration(), InviteMethod.CANCEL))
    assert str(calendar["METHOD"]) == "CANCEL"
    assert str(cancel["STATUS"]) == "CANCELLED"
    assert str(cancel["UID"]) == str(request["UID"])
    assert cancel["SEQUENCE"] == request["SEQUENCE"] == 2
    assert "PARTSTAT" not in cancel["ATTENDEE"].params


def test_uid_is_stable_per_event_and_differs_between_events() -> None:
    first = parsed(invite(make_event(NOW, id=7), registration()))[1]
    again = parsed(invite(make_event(NOW, id=7, revision=5), registration(id=2, email="b@x.de")))[1]
    other = parsed(invite(make_event(NOW, id=8), registration()))[1]
    assert str(first["UID"]) == str(again["UID"])
    assert str(first["UID"]) != str(other["UID"])


@pytest.mark.parametrize(
    ("event_format", "mode", "location"),
    [
        (EventFormat.ONLINE, AttendanceMode.ONLINE, "Online (Zoom)"),
        (EventFormat.HYBRID, AttendanceMode.ONLINE, "Online (Zoom)"),
        (
            EventFormat.HYBRID,
            AttendanceMode.IN_PERSON,
            "Museum Haus Opherdicke, Dorfstraße 29, 59439 Holzwickede",
        ),
    ],
)
def test_location_follows_how_the_registrant_takes_part(
    event_format: EventFormat, mode: AttendanceMode, location: str
) -> None:
    event = make_event(NOW, id=7, format=event_format)
    _, vevent = parsed(invite(event, registration(mode=mode)))
    assert str(vevent["LOCATION"]) == location


def test_no_access_data_in_the_invite() -> None:
    content = invite(make_event(NOW, id=7, format=EventFormat.ONLINE), registration())
    for secret in (b"zoom.example", b"SECRETPWD", b"987654", b"555 000 111"):
        assert secret not in content


def test_content_lines_end_in_crlf_and_are_folded_at_75_octets() -> None:
    long_title = (
        "Konferenz „Landkreise als internationale Akteure vor dem Hintergrund der Ukraine-Hilfe“"
    )
    content = invite(make_event(NOW, id=7, title=long_title), registration(last_name="Ковальчук"))
    assert content.endswith(b"\r\n")
    lines = content.split(b"\r\n")[:-1]
    assert all(b"\n" not in line and b"\r" not in line for line in lines)
    assert all(len(line) <= 75 for line in lines)
    _, vevent = parsed(content)
    assert str(vevent["SUMMARY"]) == long_title


def test_a_line_break_in_a_name_stays_out_of_the_attendee_line() -> None:
    content = invite(make_event(NOW, id=7), registration(first_name="Eve\r\nATTENDEE:mailto:x@y"))
    _, vevent = parsed(content)
    assert not isinstance(vevent["ATTENDEE"], list)
    assert str(vevent["ATTENDEE"]) == "mailto:olena.koval@example.org"


def test_now_must_carry_a_zone() -> None:
    with pytest.raises(ValueError, match="aware"):
        build_invite(
            make_event(NOW, id=7),
            registration(),
            method=InviteMethod.REQUEST,
            organiser_name="Team",
            organiser_email="team@example.org",
            uid_domain="example.org",
            now=dt.datetime(2026, 11, 20, 9, 0),
        )


@pytest.mark.parametrize(
    ("first_name", "last_name"),
    [
        ("Olena", "Koval"),
        ("Jürgen-Hans Friedrich", "Müller-Lüdenscheidt von und zu Großkleinbrockhausen"),
        ("Олександра", "Ковальчук-Шевченко Олександрівна Стецюк"),
        ('Eve "Q"', "O'Brien; Smith, Jr."),
        ("😀" * 20, "Ä" * 40),
    ],
)
@pytest.mark.parametrize("method", list(InviteMethod))
def test_the_shared_part_and_the_attendee_line_make_the_same_invite_as_icalendar_alone(
    first_name: str, last_name: str, method: InviteMethod
) -> None:
    event = make_event(NOW, id=7, revision=3, title="Konferenz: Landkreise, Städte; und \\ mehr")
    person = registration(first_name=first_name, last_name=last_name)
    built = invite(event, person, method)

    # The same invite, built whole by icalendar: the attendee put in its place.
    parsed = Calendar.from_ical(built)
    [vevent] = parsed.walk("VEVENT")
    expected = Calendar.from_ical(built)
    [expected_event] = expected.walk("VEVENT")
    del expected_event["ATTENDEE"]
    expected_event.add(
        "attendee",
        vCalAddress.new(
            person.email,
            cn=person.full_name,
            role="REQ-PARTICIPANT",
            partstat=None if method is InviteMethod.CANCEL else "ACCEPTED",
            rsvp=False,
        ),
    )
    assert vevent["ATTENDEE"].params["CN"] == person.full_name
    assert built.replace(b"\r\n ", b"").count(b"ATTENDEE") == 1
    # Byte for byte what icalendar writes, folding of long CN values included.
    assert _lines(built) == _lines(expected.to_ical())
    assert all(len(line) <= 75 for line in built.split(b"\r\n"))


def _lines(ics: bytes) -> list[bytes]:
    """The unfolded content lines, in a stable order."""
    return sorted(ics.replace(b"\r\n ", b"").split(b"\r\n"))
