"""Every calendar file we write passes libical's RFC 5546 restriction check for its METHOD.

PUBLISH (the public ``.ics``, the subscription feeds, the personal feeds) wants an ORGANIZER in
each VEVENT; REQUEST and CANCEL (the invites in mails) want ORGANIZER and ATTENDEE. The files
come from the same writers the app uses, for every format, state and language, and are checked
in one run of libical's ``icalrestriction_check`` (see :mod:`tests.calendar.libical`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from app.calendar.ical import feed_ics, personal_feed_ics, public_event_ics
from app.calendar.invite import InviteMethod, build_invite
from app.domain.model import (
    AttendanceMode,
    Event,
    EventFormat,
    EventStatus,
    Language,
    Registration,
    RegistrationStatus,
)
from tests.calendar.libical import build_checker, restriction_problems
from tests.calendar.readers import ORGANISER
from tests.calendar.test_invite import registration
from tests.conftest import make_event

NOW = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)
BASE = "https://treffpunkt.example.org"
DOMAIN = "treffpunkt.example.org"


@pytest.fixture(scope="session")
def checker(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """libical's check, compiled once per session (per xdist worker)."""
    return build_checker(tmp_path_factory.mktemp("libical"))


def _events() -> dict[str, Event]:
    """Every format and state, with and without a contact address, with texts in three languages."""
    events: dict[str, Event] = {}
    for index, event_format in enumerate(EventFormat):
        for status in (EventStatus.PUBLISHED, EventStatus.CANCELLED):
            for contact in ("", "netzwerk@example.org"):
                event = make_event(
                    NOW,
                    id=index * 10 + len(events),
                    slug=f"e{len(events)}",
                    title="Konferenz „Landkreise“; Teil 2, Ukraine",
                    format=event_format,
                    status=status,
                    contact_email=contact,
                    revision=3,
                )
                name = f"{event_format.value}-{status.value}-{'contact' if contact else 'none'}"
                events[name] = event
    return events


def test_public_files_feeds_and_personal_feeds_pass_publish(checker: Path, tmp_path: Path) -> None:
    events = _events()
    files: dict[str, bytes] = {}
    for name, event in events.items():
        files[f"public-{name}"] = public_event_ics(
            event,
            uid_domain=DOMAIN,
            event_url=f"{BASE}/events/{event.slug}",
            now=NOW,
            organiser=ORGANISER,
        )
    files["feed"] = feed_ics(
        list(events.values()),
        name="Treffpunkt: Veranstaltungen",
        uid_domain=DOMAIN,
        base_url=BASE,
        now=NOW,
        organiser=ORGANISER,
    )
    files["feed-empty"] = feed_ics(
        [], name="Treffpunkt", uid_domain=DOMAIN, base_url=BASE, now=NOW, organiser=ORGANISER
    )
    entries: list[tuple[Event, Registration]] = []
    for index, (name, event) in enumerate(events.items()):
        for language in Language:
            for status in (RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED):
                person = registration(
                    id=len(entries) + 1,
                    event_id=event.id,
                    token=f"{index:02}{language.value}{status.value}".ljust(32, "t"),
                    language=language,
                    status=status,
                    mode=AttendanceMode.ONLINE if index % 2 else AttendanceMode.IN_PERSON,
                )
                entries.append((event, person))
                files[f"personal-{name}-{language.value}-{status.value}"] = personal_feed_ics(
                    [(event, person)],
                    name="Treffpunkt: meine Anmeldung",
                    uid_domain=DOMAIN,
                    base_url=BASE,
                    now=NOW,
                    organiser=ORGANISER,
                )
    files["personal-all"] = personal_feed_ics(
        entries,
        name="Treffpunkt: meine Veranstaltungen",
        uid_domain=DOMAIN,
        base_url=BASE,
        now=NOW,
        organiser=ORGANISER,
    )
    assert restriction_problems(checker, files, tmp_path) == []


def test_invites_pass_request_and_cancel(checker: Path, tmp_path: Path) -> None:
    files: dict[str, bytes] = {}
    for name, event in _events().items():
        for language in Language:
            for method in InviteMethod:
                person = registration(
                    event_id=event.id,
                    language=language,
                    mode=AttendanceMode.ONLINE
                    if event.format is EventFormat.ONLINE
                    else AttendanceMode.IN_PERSON,
                )
                files[f"{method.value}-{name}-{language.value}"] = build_invite(
                    event,
                    person,
                    method=method,
                    organiser_name=ORGANISER.name,
                    organiser_email=ORGANISER.for_event(event).email,
                    uid_domain=DOMAIN,
                    now=NOW,
                    personal_url=f"{BASE}/r/{person.token}",
                )
    assert restriction_problems(checker, files, tmp_path) == []


def test_the_check_rejects_a_publish_without_organizer(checker: Path, tmp_path: Path) -> None:
    """What the files looked like before: proof the check reads what it is given."""
    event = make_event(NOW, id=7)
    content = public_event_ics(
        event, uid_domain=DOMAIN, event_url=f"{BASE}/events/x", now=NOW, organiser=ORGANISER
    )
    without = b"".join(
        line for line in content.splitlines(keepends=True) if not line.startswith(b"ORGANIZER")
    )
    assert without != content
    problems = restriction_problems(checker, {"without-organizer": without}, tmp_path)
    assert any("ORGANIZER" in problem for problem in problems), problems


def test_an_invite_without_attendee_is_rejected(checker: Path, tmp_path: Path) -> None:
    content = build_invite(
        dataclasses.replace(make_event(NOW, id=7)),
        registration(),
        method=InviteMethod.REQUEST,
        organiser_name="Treffpunkt",
        organiser_email="team@treffpunkt.example.org",
        uid_domain=DOMAIN,
        now=NOW,
    )
    unfolded = content.replace(b"\r\n ", b"")
    without = b"".join(
        line for line in unfolded.splitlines(keepends=True) if not line.startswith(b"ATTENDEE")
    )
    problems = restriction_problems(checker, {"without-attendee": without}, tmp_path)
    assert any("ATTENDEE" in problem for problem in problems), problems
