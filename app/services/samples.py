"""The sample events: the three reference events from the seeds, moved into the future.

A fresh installation shows these when its database is empty, so that every path of the product
(online with access data, hybrid with two seat pools and extra questions, in person with a
deadline) can be tried at once. Their content is data, ``app/samples/events.toml`` and their
English and Ukrainian texts ``app/samples/translations.toml`` (both shipped in the package); this
module reads them, moves the dates and creates the events. They are published, flagged
``is_sample`` and say in their description that they are samples whose registrations are test
data.

How the dates move
------------------
All wall-clock arithmetic happens in the file's time zone, Europe/Berlin (naive local datetimes
shifted by whole days, then localised with :mod:`zoneinfo` and converted to UTC), so a change
between summer and winter time never moves an event's hour.

1. The earliest original event (the online discussion round) goes to the first day with its
   original weekday whose original start time lies at least :data:`LEAD` (14 days) after ``now``.
2. Each later event goes to the first day with *its* original weekday that comes after the day
   the previous sample starts on. The three thus keep their original order, never share a day and
   all lie within about a month, with registration open.
3. Each event keeps its local start time and its duration; its deadline keeps its local distance
   to the start (new deadline = new start − (original start − original deadline), in local time),
   so "23:59 on the Wednesday a week before" stays exactly that.

All datetimes are timezone-aware UTC; :attr:`Event.timezone` is ``"Europe/Berlin"``.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from importlib import resources
from zoneinfo import ZoneInfo

import msgspec

from app.db.database import Database, is_unique_violation
from app.domain.event_rules import EventTranslations, translated_event
from app.domain.model import (
    Event,
    EventFormat,
    EventStatus,
    EventText,
    OnlineAccess,
    Person,
    PersonText,
    ProgrammeItem,
    ProgrammeText,
    Question,
    QuestionText,
    Seats,
)
from app.services import events as event_service

#: The sample events, package data (pyproject.toml ships it in the wheel).
SAMPLES_PACKAGE = "app"
SAMPLES_FILE = "samples/events.toml"
#: Their English and Ukrainian texts, beside it.
TRANSLATIONS_FILE = "samples/translations.toml"

#: How far after ``now`` the earliest sample starts at the least.
LEAD = dt.timedelta(days=14)


class _Sample(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """One ``[[events]]`` entry of the file; times are the original's local wall-clock times."""

    slug: str
    title: str
    teaser: str
    format: EventFormat
    starts: dt.datetime
    ends: dt.datetime
    registration_closes: dt.datetime
    original_day: str
    description: tuple[str, ...]
    venue_name: str
    waitlist_enabled: bool
    online_access: bool
    funding_note: bool
    in_person_seats: int | None = None
    online_seats: int | None = None
    venue_address: str = ""
    series: str = ""
    tags: tuple[str, ...] = ()
    programme: tuple[ProgrammeItem, ...] = ()
    people: tuple[Person, ...] = ()
    questions: tuple[Question, ...] = ()


class _SampleFile(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """The whole file: what every sample shares, and the samples in their order in time."""

    timezone: str
    contact_email: str
    sample_note: str
    funding_note: str
    online_access: OnlineAccess
    events: tuple[_Sample, ...]


class _OwnText(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """A sample's own texts in one further language (the German ones' counterparts)."""

    original_day: str
    title: str
    teaser: str
    description: tuple[str, ...]


class _Translation(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """One sample's entry in the translations file; programme and people in the German order."""

    en: _OwnText
    uk: _OwnText
    programme: tuple[dict[str, ProgrammeText], ...] = ()
    people: tuple[dict[str, PersonText], ...] = ()
    questions: dict[str, dict[str, QuestionText]] = {}


class _TranslationFile(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """The translations file: what every sample shares by language, and each sample by slug."""

    sample_note: dict[str, str]
    funding_note: dict[str, str]
    events: dict[str, _Translation]


def _read(file: str) -> object:
    """A TOML file of the installed package, parsed."""
    text = (resources.files(SAMPLES_PACKAGE) / file).read_text(encoding="utf-8")
    return tomllib.loads(text)


def _samples() -> _SampleFile:
    """The file, read and checked (it is part of the installed package)."""
    return msgspec.convert(_read(SAMPLES_FILE), _SampleFile)


def _translations() -> _TranslationFile:
    """The translations file, read and checked (also part of the installed package)."""
    return msgspec.convert(_read(TRANSLATIONS_FILE), _TranslationFile)


@dataclass(frozen=True, slots=True)
class Original:
    """When a reference event originally took place, as local wall-clock times."""

    starts: dt.datetime
    ends: dt.datetime
    deadline: dt.datetime


def _originals(samples: _SampleFile) -> tuple[Original, ...]:
    """The originals in their order in time (the order :func:`sample_events` returns them in)."""
    return tuple(
        Original(starts=s.starts, ends=s.ends, deadline=s.registration_closes)
        for s in samples.events
    )


@dataclass(frozen=True, slots=True)
class Schedule:
    """Where one sample lands: start, end and registration deadline, aware UTC."""

    starts_at: dt.datetime
    ends_at: dt.datetime
    closes_at: dt.datetime


def _utc(local: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """A naive wall-clock time in ``zone`` as an aware UTC datetime."""
    return local.replace(tzinfo=zone).astimezone(dt.UTC)


def _moved(original: Original, day: dt.date, zone: ZoneInfo) -> Schedule:
    """``original`` on ``day`` at its local times, deadline at the same local distance."""
    starts = dt.datetime.combine(day, original.starts.time())
    return Schedule(
        starts_at=_utc(starts, zone),
        ends_at=_utc(starts + (original.ends - original.starts), zone),
        closes_at=_utc(starts - (original.starts - original.deadline), zone),
    )


def _first_day(weekday: int, after: dt.date) -> dt.date:
    """The first day strictly after ``after`` that falls on ``weekday``."""
    return after + dt.timedelta(days=(weekday - after.weekday() - 1) % 7 + 1)


def _dates(samples: _SampleFile, now: dt.datetime) -> list[Schedule]:
    originals = _originals(samples)
    zone = ZoneInfo(samples.timezone)
    earliest = (now + LEAD).astimezone(zone).replace(tzinfo=None)
    first = originals[0]
    day = _first_day(first.starts.weekday(), earliest.date() - dt.timedelta(days=1))
    if dt.datetime.combine(day, first.starts.time()) < earliest:
        day += dt.timedelta(days=7)
    moved = [_moved(first, day, zone)]
    for original in originals[1:]:
        day = _first_day(original.starts.weekday(), day)
        moved.append(_moved(original, day, zone))
    return moved


def _event(sample: _Sample, when: Schedule, shared: _SampleFile) -> Event:
    note = shared.sample_note.format(original_day=sample.original_day)
    return Event(
        id=0,
        slug=sample.slug,
        title=sample.title,
        teaser=sample.teaser,
        description="\n\n".join((note, *sample.description)),
        format=sample.format,
        starts_at=when.starts_at,
        ends_at=when.ends_at,
        timezone=shared.timezone,
        status=EventStatus.PUBLISHED,
        in_person_seats=Seats(sample.in_person_seats, 0),
        online_seats=Seats(sample.online_seats, 0),
        waitlist_enabled=sample.waitlist_enabled,
        registration_closes_at=when.closes_at,
        venue_name=sample.venue_name,
        venue_address=sample.venue_address,
        online_access=shared.online_access if sample.online_access else None,
        programme=sample.programme,
        people=sample.people,
        questions=sample.questions,
        contact_email=shared.contact_email,
        funding_note=shared.funding_note if sample.funding_note else "",
        series=sample.series,
        tags=sample.tags,
        is_sample=True,
    )


def _own(text: _OwnText, language: str, sample: _Sample, shared: _TranslationFile) -> EventText:
    note = shared.sample_note[language].format(original_day=text.original_day)
    return EventText(
        title=text.title,
        teaser=text.teaser,
        description="\n\n".join((note, *text.description)),
        funding_note=shared.funding_note[language] if sample.funding_note else "",
    )


def _texts(sample: _Sample, shared: _TranslationFile) -> EventTranslations:
    """The sample's English and Ukrainian texts, as the organisers' form would give them."""
    entry = shared.events[sample.slug]
    return EventTranslations(
        own={
            "en": _own(entry.en, "en", sample, shared),
            "uk": _own(entry.uk, "uk", sample, shared),
        },
        questions=entry.questions,
        programme=entry.programme,
        people=entry.people,
    )


def sample_events(now: dt.datetime) -> list[Event]:
    """The three reference events, moved into the future relative to ``now``, oldest first.

    Each carries its English and Ukrainian texts, checked by the same rules as the organisers'
    form.
    """
    shared = _samples()
    translations = _translations()
    return [
        translated_event(_event(sample, when, shared), _texts(sample, translations))
        for sample, when in zip(shared.events, _dates(shared, now), strict=True)
    ]


async def load_samples(db: Database, now: dt.datetime) -> int:
    """Create the sample events when the database has no events at all; how many were created.

    Count and inserts share one transaction. Processes starting side by side on one database
    therefore load the samples once: on SQLite the write lock taken at BEGIN serialises them; on
    PostgreSQL the loser trips over the unique slugs, rolls back and reports 0.
    """
    if await event_service.count_events() != 0:
        return 0  # the usual start: nothing to build (the check below is the one that counts)
    samples = sample_events(now)
    try:
        async with db.transaction():
            if await event_service.count_events() != 0:
                return 0
            for event in samples:
                await event_service.create_event(db, event)
    except Exception as error:
        if is_unique_violation(error) and await event_service.count_events() != 0:
            return 0  # another process loaded them first
        raise
    return len(samples)
