"""The sample events: loaded once into an empty database, moved into the future, no real secrets."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from app.domain.model import Event, EventFormat, EventStatus, PersonRole
from app.domain.rules import WindowState, window_state
from app.services import events as event_service
from app.services.samples import load_samples, sample_events
from tests.conftest import make_event

BERLIN = ZoneInfo("Europe/Berlin")
REPO = Path(__file__).resolve().parents[2]
#: The lines of the seed documents (the network's own pages) that the samples are checked against.
SEED_EXCERPTS = Path(__file__).with_name("seed_excerpts.txt")

TITLES = [
    "Kommunale Partnerschaften mit der Ukraine – aber wie genau?",
    "Auftaktveranstaltung Reallabor Kommunaler Aufbaupartnerschaften NRW – Ukraine",
    "Landkreise als internationale Akteure vor dem Hintergrund der Ukraine-Hilfe",
]

# The originals as local Europe/Berlin wall-clock times: start, end, registration deadline.
ORIGINALS = [
    (
        dt.datetime(2022, 11, 25, 12, 30),
        dt.datetime(2022, 11, 25, 13, 30),
        dt.datetime(2022, 11, 25, 12, 30),
    ),
    (
        dt.datetime(2023, 3, 29, 10, 0),
        dt.datetime(2023, 3, 29, 15, 0),
        dt.datetime(2023, 3, 22, 23, 59),
    ),
    (
        dt.datetime(2023, 11, 22, 10, 0),
        dt.datetime(2023, 11, 22, 14, 0),
        dt.datetime(2023, 11, 15, 23, 59),
    ),
]

# The real access data of the 2022 meeting, as printed in the seed: must never be used.
REAL_ZOOM = [
    "89545737705",
    "895 4573 7705",
    "421891",
    "bDhNVnBLWVNZQWN0MW0vcWovK0hGQT09",
    "us06web.zoom.us",
]

NOWS = [
    dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC),
    dt.datetime(2026, 11, 22, 0, 0, tzinfo=dt.UTC),
    # Across the spring change (29.03.2026): now in winter time, samples in summer time.
    dt.datetime(2026, 3, 10, 8, 0, tzinfo=dt.UTC),
    dt.datetime(2026, 3, 20, 23, 30, tzinfo=dt.UTC),
    # Across the autumn change (25.10.2026): now in summer time, samples in winter time.
    dt.datetime(2026, 10, 12, 22, 15, tzinfo=dt.UTC),
    dt.datetime(2026, 10, 20, 12, 0, tzinfo=dt.UTC),
    dt.datetime(2027, 2, 28, 23, 59, tzinfo=dt.UTC),
    dt.datetime(2028, 2, 29, 12, 0, tzinfo=dt.UTC),
    dt.datetime(2030, 12, 31, 23, 0, tzinfo=dt.UTC),
]


def _local(value: dt.datetime) -> dt.datetime:
    assert value.tzinfo is not None
    return value.astimezone(BERLIN)


# --- loading ----------------------------------------------------------------------------------


async def test_load_samples_into_an_empty_database_creates_three_once(db, now):
    assert await load_samples(db, now) == 3
    assert await event_service.count_events() == 3
    assert await load_samples(db, now) == 0
    assert await event_service.count_events() == 3


async def test_load_samples_leaves_a_database_with_events_alone(db, now):
    await event_service.create_event(db, make_event(now, slug="eigene-veranstaltung"))
    assert await load_samples(db, now) == 0
    assert await event_service.count_events() == 1


async def test_loaded_samples_are_public_and_round_trip(db, now):
    await load_samples(db, now)
    public = await event_service.list_public(now, past=False)
    assert [p.event.title for p in public] == TITLES
    for expected in sample_events(now):
        stored = (await event_service.get_public(expected.slug)).event
        assert stored.online_access is None  # the public read never carries access data
        full = await event_service.get_with_access(stored.id)
        assert full == dataclasses.replace(
            expected,
            id=full.id,
            revision=full.revision,
            created_at=full.created_at,
            updated_at=full.updated_at,
        )


# --- dates ------------------------------------------------------------------------------------


@pytest.mark.parametrize("now", NOWS, ids=lambda n: n.isoformat())
def test_samples_move_into_the_future_keeping_weekday_and_local_times(now):
    samples = sample_events(now)
    assert len(samples) == 3
    for event, (start, end, deadline) in zip(samples, ORIGINALS, strict=True):
        for value in (event.starts_at, event.ends_at, event.registration_closes_at):
            assert value is not None
            assert value.utcoffset() == dt.timedelta(0)
        assert event.timezone == "Europe/Berlin"
        assert event.starts_at > now
        assert event.starts_at - now >= dt.timedelta(days=14)

        starts, ends = _local(event.starts_at), _local(event.ends_at)
        assert starts.weekday() == start.weekday()
        assert (starts.hour, starts.minute) == (start.hour, start.minute)
        assert ends.weekday() == end.weekday()
        assert (ends.hour, ends.minute) == (end.hour, end.minute)
        assert ends.replace(tzinfo=None) - starts.replace(tzinfo=None) == end - start

        assert event.registration_closes_at is not None
        closes = _local(event.registration_closes_at)
        assert closes.weekday() == deadline.weekday()
        assert (closes.hour, closes.minute) == (deadline.hour, deadline.minute)
        assert closes.replace(tzinfo=None) - starts.replace(tzinfo=None) == deadline - start

        assert event.is_sample
        assert event.status is EventStatus.PUBLISHED
        assert event.registration_opens_at is None or event.registration_opens_at <= now
        assert window_state(event, now) is WindowState.OPEN


@pytest.mark.parametrize("now", NOWS, ids=lambda n: n.isoformat())
def test_samples_keep_their_original_order_on_separate_days(now):
    samples = sample_events(now)
    days = [_local(e.starts_at).date() for e in samples]
    assert days == sorted(days)
    assert len(set(days)) == 3
    # The earliest is on the first fitting day: a week earlier would be less than 14 days ahead.
    assert samples[0].starts_at - dt.timedelta(days=7) - now < dt.timedelta(days=14)


def test_samples_for_the_day_of_writing():
    now = dt.datetime(2026, 11, 22, 0, 0, tzinfo=dt.UTC)
    starts = [_local(e.starts_at).replace(tzinfo=None) for e in sample_events(now)]
    assert starts == [
        dt.datetime(2026, 12, 11, 12, 30),
        dt.datetime(2026, 12, 16, 10, 0),
        dt.datetime(2026, 12, 23, 10, 0),
    ]
    conference = sample_events(now)[2]
    assert conference.registration_closes_at == dt.datetime(2026, 12, 16, 22, 59, tzinfo=dt.UTC)


def test_summer_time_keeps_the_local_hour():
    # Samples in April 2026 (summer time, UTC+2): 10:00 local is 08:00 UTC.
    now = dt.datetime(2026, 3, 20, 12, 0, tzinfo=dt.UTC)
    conference = sample_events(now)[2]
    assert conference.starts_at.month == 4
    assert conference.starts_at.hour == 8
    # Its deadline, a week earlier in summer time too, is 23:59 local = 21:59 UTC.
    assert conference.registration_closes_at is not None
    assert conference.registration_closes_at.hour == 21


def test_sample_events_is_pure():
    assert sample_events(NOWS[0]) == sample_events(NOWS[0])


# --- content ----------------------------------------------------------------------------------


def _by_format(now: dt.datetime) -> dict[EventFormat, Event]:
    return {e.format: e for e in sample_events(now)}


def test_titles_formats_and_marks(now):
    samples = sample_events(now)
    assert [e.title for e in samples] == TITLES
    assert [e.format for e in samples] == [
        EventFormat.ONLINE,
        EventFormat.HYBRID,
        EventFormat.IN_PERSON,
    ]
    assert len({e.slug for e in samples}) == 3
    for event in samples:
        assert event.is_sample
        assert event.description.startswith("*Beispielveranstaltung")
        assert "Testdaten" in event.description.split("\n\n")[0]
        assert event.contact_email == "netzwerkstelle@example.org"
        assert event.teaser
        assert event.programme
        assert event.waitlist_enabled


def test_titles_are_those_of_the_seeds():
    text = SEED_EXCERPTS.read_text(encoding="utf-8")
    assert TITLES[0] in text
    assert "Auftaktveranstaltung Reallabor" in text
    assert "Reallabor Kommunaler Aufbaupartnerschaften NRW – Ukraine" in text
    assert TITLES[2] in text


def test_online_discussion_round(now):
    event = _by_format(now)[EventFormat.ONLINE]
    assert event.registration_closes_at == event.starts_at
    assert event.online_seats.capacity == 100
    speakers = {p.name: p.affiliation for p in event.speakers}
    assert speakers == {
        "Anka Feldhusen": "Botschafterin der Bundesrepublik Deutschland in der Ukraine",
        "Iryna Shum": "Generalkonsulin der Ukraine in Nordrhein-Westfalen",
        "Martin van der Pütten": "Leiter Internationale Beziehungen der Stadt Dortmund",
    }
    assert [(p.name, p.role) for p in event.moderators] == [
        ("Wolfram Kuschke", PersonRole.MODERATION)
    ]
    assert "Kuratoriumsvorsitzender" in event.moderators[0].affiliation
    assert any(
        item.title == "Beantwortung von Fragen und Diskussion der Teilnehmenden"
        for item in event.programme
    )
    access = event.online_access
    assert access is not None
    assert access.join_url.startswith("https://zoom.example.invalid/")
    assert access.meeting_id == "000 0000 0000"
    assert access.passcode == "000000"


def test_kickoff_is_hybrid_with_questions(now):
    event = _by_format(now)[EventFormat.HYBRID]
    assert event.series == "Reallabor"
    assert event.in_person_seats.capacity == 40
    assert event.online_seats.capacity == 150
    assert event.venue_address == "Steinstr. 48\n44147 Dortmund"
    assert event.online_access is not None
    assert event.online_access.join_url.startswith("https://zoom.example.invalid/")
    kinds = {q.key: q for q in event.questions}
    assert kinds["verpflegung"].required
    assert {"mit Fleisch", "vegetarisch", "vegan"} <= set(kinds["verpflegung"].options)
    assert kinds["fotos"].kind.value == "yes_no"
    assert "Staatskanzlei Nordrhein-Westfalen" in event.funding_note
    assert "hybrid" not in (event.teaser + event.description).lower()


def test_county_conference(now):
    event = _by_format(now)[EventFormat.IN_PERSON]
    assert event.venue_name == "Museum Haus Opherdicke"
    assert event.venue_address == "Dorfstraße 29\n59439 Holzwickede"
    assert event.online_access is None
    assert event.in_person_seats.capacity == 60
    assert event.series == "Reallabor"
    assert event.funding_note == (
        "Diese Veranstaltung wird durch das von der Staatskanzlei Nordrhein-Westfalen geförderte "
        "„Reallabor Kommunaler Aufbaupartnerschaften NRW – Ukraine“ der Netzwerkstelle "
        "Städtepartnerschaften der Auslandsgesellschaft.de e.V. durchgeführt."
    )
    names = [p.name for p in event.speakers]
    assert names == [
        "Iryna Shum",
        "Wolfram Kuschke",
        "Prof. Dr. Andreas Marchetti",
        "Dr. Kai Pfundheller",
        "Marina Kallerhoff",
        "Sarah Laukamp",
    ]
    speakers = {p.name: p.affiliation for p in event.speakers}
    assert speakers["Iryna Shum"] == "Generalkonsulin der Ukraine in Düsseldorf"
    assert "politglott" in speakers["Prof. Dr. Andreas Marchetti"]
    assert "Institut" in speakers["Dr. Kai Pfundheller"]
    assert "Coesfeld" in speakers["Marina Kallerhoff"]
    assert "Lippe" in speakers["Sarah Laukamp"]
    for question in (
        "Kreispartnerschaften mit der Ukraine – wie schließe ich sie ab",
        "Wie funktioniert die Zusammenarbeit mit den kreisangehörigen Kommunen",
        "Wie kann eine Zusammenarbeit im Krieg funktionieren",
    ):
        assert f"- {question}" in event.description


# --- no real access data ----------------------------------------------------------------------


def test_real_zoom_data_appears_nowhere_in_the_code():
    roots = [REPO / "app", REPO / "templates"]
    files = [p for root in roots if root.is_dir() for p in root.rglob("*") if p.is_file()]
    assert any(p.name == "samples.py" for p in files)
    assert any(p.name == "events.toml" for p in files)
    for path in files:
        content = path.read_bytes()
        for secret in REAL_ZOOM:
            assert secret.encode() not in content, f"{secret!r} in {path}"


@pytest.mark.parametrize("now", NOWS[:3], ids=lambda n: n.isoformat())
def test_real_zoom_data_appears_nowhere_in_the_samples(now):
    for event in sample_events(now):
        # repr(OnlineAccess) hides its fields, so spell every field out.
        fields = {f.name: getattr(event, f.name) for f in dataclasses.fields(event)}
        if event.online_access is not None:
            fields["online_access"] = dataclasses.asdict(event.online_access)
        text = repr(fields)
        for secret in REAL_ZOOM:
            assert secret not in text


async def test_simultaneous_loads_create_the_samples_once(db, now):
    created = await asyncio.gather(*(load_samples(db, now) for _ in range(4)))
    assert sorted(created) == [0, 0, 0, 3]
    assert await event_service.count_events() == 3
