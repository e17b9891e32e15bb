"""Invites and the personal feed in the registrant's language; public files stay German."""

from __future__ import annotations

import datetime as dt

import pytest
import vobject
from icalendar import Calendar

from app.calendar.ical import personal_feed_ics, public_event_ics
from app.calendar.invite import InviteMethod, build_invite
from app.domain.model import AttendanceMode, EventFormat, EventText, Language, Registration
from app.i18n import _, use_language
from tests.calendar.readers import ORGANISER, check_wire_format, read_agreed, unfolded
from tests.calendar.test_invite import NOW, registration
from tests.conftest import make_event

BASE = "https://treffpunkt.example.org"
PERSONAL_URL = f"{BASE}/r/PERSONALTOKEN"
#: A long Ukrainian title: its lines must be folded between characters, never inside one.
LONG_TITLE = "Муніципальне партнерство з Україною: досвід громад, міст і районів після 2022 року"
LONG_TEASER = "Зустріч для представників громад, які шукають партнерів у Німеччині, і навпаки."


def invite(
    person: Registration,
    *,
    method: InviteMethod = InviteMethod.REQUEST,
    language: Language | None = None,
    event_format: EventFormat = EventFormat.ONLINE,
    title: str = "Konferenz",
    teaser: str = "Kurz",
) -> bytes:
    """An invite as the sender builds it, with the link to the registration."""
    return build_invite(
        make_event(NOW, id=7, format=event_format, title=title, teaser=teaser),
        person,
        method=method,
        organiser_name="Netzwerkstelle Städtepartnerschaften NRW",
        organiser_email="netzwerk@example.org",
        uid_domain="treffpunkt.example.org",
        now=NOW,
        language=language,
        personal_url=PERSONAL_URL,
    )


@pytest.mark.parametrize(
    ("language", "location", "link", "alarm"),
    [
        (
            Language.DE,
            "Online (Zoom)",
            "Ihre Anmeldung ansehen oder stornieren",
            "Gleich geht es los: Konferenz",
        ),
        (
            Language.EN,
            "Online (Zoom)",
            "View or cancel your registration",
            "Starting soon: Konferenz",
        ),
        (
            Language.UK,
            "Онлайн (Zoom)",
            "Переглянути або скасувати реєстрацію",
            "Незабаром початок: Konferenz",
        ),
    ],
)
def test_the_invite_speaks_the_registrants_language(
    language: Language, location: str, link: str, alarm: str
) -> None:
    content = invite(registration(mode=AttendanceMode.ONLINE, language=language))
    [entry] = read_agreed(content).entries
    assert entry.location == location
    assert entry.description == f"Kurz\n\n{link}: {PERSONAL_URL}"
    [valarm] = Calendar.from_ical(content).walk("VALARM")
    assert str(valarm["DESCRIPTION"]) == alarm
    calendar = vobject.readOne(content.decode("utf-8"))
    assert calendar.vevent.valarm.description.value == alarm


def test_the_language_asked_for_beats_the_registrations() -> None:
    content = invite(registration(mode=AttendanceMode.ONLINE), language=Language.UK)
    [entry] = read_agreed(content).entries
    assert entry.location == "Онлайн (Zoom)"


def test_a_cancel_links_the_registration_without_offering_to_cancel() -> None:
    content = invite(registration(language=Language.UK), method=InviteMethod.CANCEL)
    [entry] = read_agreed(content).entries
    assert entry.description == f"Kurz\n\nПереглянути реєстрацію: {PERSONAL_URL}"
    assert Calendar.from_ical(content).walk("VALARM") == []


def test_the_language_of_the_request_does_not_leak_into_an_invite() -> None:
    with use_language("uk"):
        content = invite(registration(mode=AttendanceMode.ONLINE, language=Language.DE))
    [entry] = read_agreed(content).entries
    assert entry.location == "Online (Zoom)"
    assert "Ihre Anmeldung ansehen oder stornieren" in (entry.description or "")


def test_a_cached_part_is_never_shared_between_languages() -> None:
    # The same event, moment and sequence: only the language differs, in either order.
    for order in ((Language.DE, Language.UK, Language.EN), (Language.UK, Language.DE)):
        for language in order:
            content = invite(registration(mode=AttendanceMode.ONLINE, language=language))
            [valarm] = Calendar.from_ical(content).walk("VALARM")
            expected = {
                Language.DE: "Gleich geht es los",
                Language.EN: "Starting soon",
                Language.UK: "Незабаром початок",
            }[language]
            assert str(valarm["DESCRIPTION"]).startswith(expected)


@pytest.mark.parametrize("method", list(InviteMethod))
def test_a_ukrainian_invite_is_folded_between_characters_and_reads_alike(
    method: InviteMethod,
) -> None:
    person = registration(
        mode=AttendanceMode.ONLINE,
        language=Language.UK,
        first_name="Олександра",
        last_name="Ковальчук-Шевченко",
    )
    content = invite(person, method=method, title=LONG_TITLE, teaser=LONG_TEASER)
    check_wire_format(content)
    lines = content.split(b"\r\n")
    assert any(len(line) > 70 for line in lines), "long enough to be folded"
    # Cyrillic takes two octets: a fold may fall only between characters.
    for line in lines:
        line.decode("utf-8")
    [entry] = read_agreed(content).entries
    assert entry.summary == LONG_TITLE
    link = "Переглянути реєстрацію" if method is InviteMethod.CANCEL else "Переглянути або"
    assert entry.description is not None
    assert entry.description.startswith(f"{LONG_TEASER}\n\n{link}")
    assert entry.description.endswith(PERSONAL_URL)
    assert entry.location == "Онлайн (Zoom)"
    assert 'CN="Олександра Ковальчук-Шевченко"' in unfolded(content)
    if method is InviteMethod.REQUEST:
        calendar = vobject.readOne(content.decode("utf-8"))
        assert calendar.vevent.valarm.description.value == f"Незабаром початок: {LONG_TITLE}"


def test_the_personal_feed_speaks_each_registrations_language() -> None:
    event = make_event(NOW, id=7, format=EventFormat.ONLINE)
    other = make_event(NOW, id=8, slug="zweite", format=EventFormat.HYBRID)
    ukrainian = registration(
        event_id=7, token="PERSONALTOKEN", mode=AttendanceMode.ONLINE, language=Language.UK
    )
    in_person = registration(
        id=2, event_id=8, token="ZWEITES", mode=AttendanceMode.IN_PERSON, language=Language.UK
    )
    with use_language("en"):
        content = personal_feed_ics(
            [(event, ukrainian), (other, in_person)],
            name="Meine Veranstaltungen",
            uid_domain="treffpunkt.example.org",
            base_url=BASE,
            now=NOW,
            organiser=ORGANISER,
        )
    first, second = read_agreed(content).entries
    assert first.description is not None
    join = f"{BASE}/j/PERSONALTOKEN"
    assert f"Підключення: {join}" in first.description
    with use_language("uk"):
        # The same word as on the personal page (catalogs share their texts).
        meeting_id = _("Meeting-ID")
    assert meeting_id.startswith("Ідентифікатор")
    assert f"{meeting_id}: 555 000 111" in first.description
    assert "Код доступу: 987654" in first.description
    assert first.description.endswith(f"Ваша реєстрація: {PERSONAL_URL}")
    assert second.description is not None
    assert second.description.endswith(f"Ваша реєстрація: {BASE}/r/ZWEITES")


@pytest.mark.parametrize("language", ["en", "uk"])
def test_public_files_stay_german_whatever_the_reader(language: str) -> None:
    event = make_event(NOW, id=7, format=EventFormat.ONLINE)
    with use_language(language):
        content = public_event_ics(
            event,
            uid_domain="treffpunkt.example.org",
            event_url=f"{BASE}/events/konferenz",
            now=NOW + dt.timedelta(seconds=1),
            organiser=ORGANISER,
        )
    [entry] = read_agreed(content).entries
    assert entry.location == "Online (Zoom)"


def test_invites_and_the_personal_feed_use_the_events_translated_text() -> None:
    event = make_event(
        NOW,
        id=7,
        format=EventFormat.ONLINE,
        translations={"en": EventText(title="Conference")},
    )
    person = registration(token="PERSONALTOKEN", mode=AttendanceMode.ONLINE, language=Language.EN)
    content = build_invite(
        event,
        person,
        method=InviteMethod.REQUEST,
        organiser_name="Team",
        organiser_email="team@example.org",
        uid_domain="treffpunkt.example.org",
        now=NOW,
        personal_url=PERSONAL_URL,
    )
    [entry] = read_agreed(content).entries
    assert entry.summary == "Conference"
    # No English teaser: the German one, not nothing.
    assert (entry.description or "").startswith("Kurz\n\n")
    [valarm] = Calendar.from_ical(content).walk("VALARM")
    assert str(valarm["DESCRIPTION"]) == "Starting soon: Conference"
    feed = personal_feed_ics(
        [(event, person)],
        name="Meine Veranstaltungen",
        uid_domain="treffpunkt.example.org",
        base_url=BASE,
        now=NOW,
        organiser=ORGANISER,
    )
    [feed_entry] = read_agreed(feed).entries
    assert feed_entry.summary == "Conference"
    # German readers of the same event see the German title.
    german = build_invite(
        event,
        registration(mode=AttendanceMode.ONLINE),
        method=InviteMethod.REQUEST,
        organiser_name="Team",
        organiser_email="team@example.org",
        uid_domain="treffpunkt.example.org",
        now=NOW,
    )
    assert read_agreed(german).entries[0].summary == "Konferenz"
