"""Invites in emails: iTIP method, stable UID, SEQUENCE, the recipient as the only attendee."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
import vobject
from ical.calendar_stream import IcsCalendarStream
from icalendar import Calendar, vCalAddress
from icalendar import Event as VEvent

from app.calendar.invite import ALARM_BEFORE, InviteMethod, build_invite, invite_method_for
from app.domain.mail import MailKind
from app.domain.model import (
    AttendanceMode,
    Event,
    EventFormat,
    EventStatus,
    Registration,
    RegistrationStatus,
)
from tests.calendar.readers import Entry, read_agreed
from tests.conftest import make_event, make_registration

NOW = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)
#: The same moment as NOW, given in Berlin summer offset, to prove DTSTAMP is written in UTC.
NOW_ELSEWHERE = NOW.astimezone(dt.timezone(dt.timedelta(hours=2)))


def registration(**overrides: object) -> Registration:
    """A confirmed in-person registration for event 7."""
    return make_registration(NOW, **{"token": "t" * 32, **overrides})


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


def parsed(content: bytes) -> tuple[Calendar, VEvent]:
    """The calendar and its only VEVENT."""
    calendar = Calendar.from_ical(content)
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    assert isinstance(events[0], VEvent)
    return calendar, events[0]


@pytest.mark.parametrize(
    ("kind", "payload", "expected"),
    [
        (MailKind.CONFIRMATION, {}, InviteMethod.REQUEST),
        (MailKind.PROMOTION, {}, InviteMethod.REQUEST),
        (MailKind.APPROVED, {}, InviteMethod.REQUEST),
        (MailKind.DECLINED, {}, None),
        (MailKind.AWAITING_APPROVAL, {}, None),
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


@pytest.mark.parametrize(
    "status",
    [
        RegistrationStatus.WAITLISTED,
        RegistrationStatus.PENDING,
        # Awaiting approval (a held seat is not yet theirs), or declined: never an invite.
        RegistrationStatus.AWAITING,
        RegistrationStatus.REQUESTED,
        RegistrationStatus.DECLINED,
    ],
)
@pytest.mark.parametrize(
    "kind",
    [MailKind.EVENT_CHANGED, MailKind.EVENT_CANCELLED, MailKind.CONFIRMATION, MailKind.APPROVED],
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
    assert isinstance(vevent.start, dt.datetime)
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


# --- SEQUENCE over a registrant's story, the alarm, other readers ----------------------------


def test_sequence_adds_the_registrants_own_cancellations() -> None:
    event = make_event(NOW, id=7, revision=3)
    for method in InviteMethod:
        _, vevent = parsed(invite(event, registration(invite_sequence=2), method))
        assert vevent["SEQUENCE"] == 5


def test_one_batch_shares_the_invite_but_each_keeps_their_sequence() -> None:
    event = make_event(NOW, id=7, revision=1)
    first = invite(event, registration())
    returned = invite(event, registration(id=2, email="b@example.org", invite_sequence=1))
    again = invite(event, registration(id=3, email="c@example.org"))
    assert parsed(first)[1]["SEQUENCE"] == parsed(again)[1]["SEQUENCE"] == 1
    assert parsed(returned)[1]["SEQUENCE"] == 2
    assert str(parsed(returned)[1]["ATTENDEE"]) == "mailto:b@example.org"


def test_sequence_over_a_registrants_story() -> None:
    """Each CANCEL outranks the REQUEST before it; coming back wins by the later DTSTAMP."""
    event = make_event(NOW, id=7)
    person = registration()
    minute = dt.timedelta(minutes=1)

    def sent(event: Event, person: Registration, method: InviteMethod, at: int) -> Entry:
        content = build_invite(
            event,
            person,
            method=method,
            organiser_name="Netzwerkstelle",
            organiser_email="netzwerk@example.org",
            uid_domain="treffpunkt.example.org",
            now=NOW + at * minute,
        )
        reading = read_agreed(content)
        assert reading.method == method.value
        [entry] = reading.entries
        return entry

    confirmed = sent(event, person, InviteMethod.REQUEST, 0)
    event = dataclasses.replace(event, revision=1, starts_at=event.starts_at + minute * 60)
    changed = sent(event, person, InviteMethod.REQUEST, 1)
    person = dataclasses.replace(person, status=RegistrationStatus.CANCELLED, invite_sequence=1)
    left = sent(event, person, InviteMethod.CANCEL, 2)
    person = dataclasses.replace(person, status=RegistrationStatus.CONFIRMED)
    back = sent(event, person, InviteMethod.REQUEST, 3)
    event = dataclasses.replace(event, revision=2, status=EventStatus.CANCELLED)
    called_off = sent(event, person, InviteMethod.CANCEL, 4)

    story = [confirmed, changed, left, back, called_off]
    assert [entry.sequence for entry in story] == [0, 1, 2, 2, 3]
    assert [entry.status for entry in story] == [
        "CONFIRMED",
        "CONFIRMED",
        "CANCELLED",
        "CONFIRMED",
        "CANCELLED",
    ]
    # RFC 5546 §2.1.5: a calendar takes a message when (SEQUENCE, DTSTAMP) is higher.
    ranks = [(entry.sequence, entry.stamp) for entry in story]
    assert ranks == sorted(ranks)
    assert len(set(ranks)) == len(ranks)
    assert len({entry.uid for entry in story}) == 1


def test_request_reminds_an_hour_before_cancel_does_not() -> None:
    event = make_event(NOW, id=7, title="Konferenz „Landkreise“")
    _, request = parsed(invite(event, registration()))
    [alarm] = request.walk("VALARM")
    assert str(alarm["ACTION"]) == "DISPLAY"
    assert str(alarm["DESCRIPTION"]) == "Gleich geht es los: Konferenz „Landkreise“"
    assert alarm.decoded("TRIGGER") == -ALARM_BEFORE == dt.timedelta(hours=-1)
    _, cancel = parsed(invite(event, registration(), InviteMethod.CANCEL))
    assert cancel.walk("VALARM") == []


def test_the_alarm_reads_the_same_elsewhere() -> None:
    content = invite(make_event(NOW, id=7), registration())
    calendar = vobject.readOne(content.decode("utf-8"))
    [alarm] = calendar.vevent.contents["valarm"]
    assert alarm.action.value == "DISPLAY"
    assert alarm.trigger.value == dt.timedelta(hours=-1)
    [event] = IcsCalendarStream.calendar_from_ics(content.decode("utf-8")).events
    [strict_alarm] = event.alarm
    assert strict_alarm.trigger == dt.timedelta(hours=-1)


@pytest.mark.parametrize("method", list(InviteMethod))
@pytest.mark.parametrize("event_format", list(EventFormat))
def test_every_invite_reads_the_same_in_three_readers(
    method: InviteMethod, event_format: EventFormat
) -> None:
    event = make_event(NOW, id=7, revision=2, format=event_format)
    content = invite(event, registration(mode=AttendanceMode.ONLINE), method)
    reading = read_agreed(content)
    assert reading.method == method.value
    [entry] = reading.entries
    assert entry.uid == "event-7@treffpunkt.example.org"
    assert entry.sequence == 2
    assert entry.stamp == NOW
    assert entry.start == event.starts_at
    assert entry.status == ("CANCELLED" if method is InviteMethod.CANCEL else "CONFIRMED")
    calendar = vobject.readOne(content.decode("utf-8"))
    assert calendar.vevent.attendee.value == "mailto:olena.koval@example.org"
    assert calendar.vevent.organizer.value == "mailto:netzwerk@example.org"


@pytest.mark.parametrize(
    "text", ["ATTENDEE:mailto:attendee-slot@treffpunkt.invalid", "DTSTAMP:19700101T000000Z"]
)
def test_a_title_that_looks_like_a_placeholder_stays_a_title(text: str) -> None:
    event = make_event(NOW, id=7, title=text, teaser=text)
    for method in InviteMethod:
        reading = read_agreed(invite(event, registration(), method))
        [entry] = reading.entries
        assert entry.summary == entry.description == text
        assert entry.stamp == NOW
        _, vevent = parsed(invite(event, registration(), method))
        assert str(vevent["ATTENDEE"]) == "mailto:olena.koval@example.org"
