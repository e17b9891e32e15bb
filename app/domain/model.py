"""The domain types: events, registrations and what they are made of."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class EventFormat(StrEnum):
    """How people take part."""

    IN_PERSON = "in_person"
    ONLINE = "online"
    HYBRID = "hybrid"


class EventStatus(StrEnum):
    """Where an event is in its life."""

    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"


class AttendanceMode(StrEnum):
    """How one registrant takes part; hybrid events offer both."""

    IN_PERSON = "in_person"
    ONLINE = "online"


class RegistrationStatus(StrEnum):
    """Where a registration is in its life."""

    #: Double opt-in: holds a seat until the address is confirmed or the hold expires.
    PENDING = "pending"
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"


#: Statuses that occupy a seat.
SEAT_HOLDING = frozenset({RegistrationStatus.PENDING, RegistrationStatus.CONFIRMED})


class QuestionKind(StrEnum):
    """The kinds of extra question an event may ask."""

    TEXT = "text"
    CHOICE = "choice"
    YES_NO = "yes_no"


class PersonRole(StrEnum):
    """A person's part in the programme."""

    SPEAKER = "speaker"
    MODERATION = "moderation"


class Language(StrEnum):
    """Languages the product speaks; German first."""

    DE = "de"
    EN = "en"
    UK = "uk"


@dataclass(frozen=True, slots=True)
class Question:
    """An extra question on the registration form."""

    key: str
    label: str
    kind: QuestionKind
    required: bool = False
    options: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Person:
    """A speaker or moderator, with the function they are announced with."""

    name: str
    affiliation: str = ""
    role: PersonRole = PersonRole.SPEAKER


@dataclass(frozen=True, slots=True)
class ProgrammeItem:
    """One line of the programme; ``time`` is local wall-clock text such as ``"10:30"``."""

    title: str
    time: str = ""
    detail: str = ""


@dataclass(frozen=True, slots=True)
class OnlineAccess:
    """The secret access data of an online meeting; never shown in public."""

    join_url: str
    meeting_id: str = ""
    passcode: str = ""

    def __repr__(self) -> str:
        # Keeps the secret out of logs and tracebacks that print the event.
        return "OnlineAccess(<hidden>)"


@dataclass(frozen=True, slots=True)
class Seats:
    """Capacity and seats taken for one attendance mode; ``capacity=None`` is unlimited."""

    capacity: int | None
    taken: int

    @property
    def left(self) -> int | None:
        """Free seats, ``None`` when unlimited."""
        if self.capacity is None:
            return None
        return max(0, self.capacity - self.taken)

    @property
    def is_full(self) -> bool:
        """No free seat is left."""
        return self.capacity is not None and self.taken >= self.capacity


@dataclass(frozen=True, slots=True)
class EventText:
    """An event's title, teaser and description in one further language; empty: not translated."""

    title: str = ""
    teaser: str = ""
    description: str = ""

    def __bool__(self) -> bool:
        return bool(self.title or self.teaser or self.description)


@dataclass(frozen=True, slots=True)
class MaterialLink:
    """A link to slides or photos of a past event; ``label`` may be empty (the link is shown)."""

    url: str
    label: str = ""


@dataclass(frozen=True, slots=True)
class EventMaterials:
    """What stays of an event after it took place: a report, a recording, slides and photos.

    ``report`` is Markdown in German; ``report_translations`` holds it in further languages.
    Links are https only (checked by :mod:`app.domain.materials`).
    """

    report: str = ""
    report_translations: Mapping[str, str] = field(default_factory=dict)
    recording_url: str = ""
    slides: tuple[MaterialLink, ...] = ()
    photos: tuple[MaterialLink, ...] = ()
    #: When the organisers last saved them.
    updated_at: dt.datetime | None = None

    def __bool__(self) -> bool:
        return bool(
            self.report
            or any(self.report_translations.values())
            or self.recording_url
            or self.slides
            or self.photos
        )

    @property
    def has_report(self) -> bool:
        """Whether there is a report in any language."""
        return bool(self.report or any(self.report_translations.values()))

    def report_in(self, language: str) -> tuple[str, str]:
        """The report for a reader of ``language`` and the language it is written in.

        German stands in for a missing translation; with no German report either, the first
        translation there is. ``("", language)`` when there is no report at all.
        """
        translated = self.report_translations.get(language, "")
        if language != Language.DE.value and translated:
            return translated, language
        if self.report:
            return self.report, Language.DE.value
        for other in TRANSLATABLE_LANGUAGES:
            text = self.report_translations.get(other.value, "")
            if text:
                return text, other.value
        return "", language


#: The languages an event's texts may be translated into; German is the event's own text.
TRANSLATABLE_LANGUAGES = (Language.EN, Language.UK)
#: The event's texts that have translations.
TRANSLATED_FIELDS = ("title", "teaser", "description")


@dataclass(frozen=True, slots=True)
class Event:
    """An event as the rules and the pages see it.

    ``title``, ``teaser`` and ``description`` are German; ``translations`` holds them in further
    languages (keys from :data:`TRANSLATABLE_LANGUAGES`), shown through :func:`localized`.
    """

    id: int
    slug: str
    title: str
    teaser: str
    description: str
    format: EventFormat
    starts_at: dt.datetime
    ends_at: dt.datetime
    timezone: str
    status: EventStatus
    in_person_seats: Seats
    online_seats: Seats
    waitlist_enabled: bool
    registration_opens_at: dt.datetime | None = None
    registration_closes_at: dt.datetime | None = None
    venue_name: str = ""
    venue_address: str = ""
    online_access: OnlineAccess | None = None
    programme: tuple[ProgrammeItem, ...] = ()
    people: tuple[Person, ...] = ()
    questions: tuple[Question, ...] = ()
    double_opt_in: bool = False
    #: Double opt-in: how long an unconfirmed registration holds its seat.
    opt_in_hold: dt.timedelta = dt.timedelta(hours=24)
    #: How long before the start the access data goes out to online participants.
    access_mail_lead: dt.timedelta = dt.timedelta(hours=24)
    #: The confirmation carries the access data too (the organiser's choice).
    access_in_confirmation: bool = False
    #: How long before the start the reminder goes out; ``None``: no reminder.
    reminder_lead: dt.timedelta | None = dt.timedelta(hours=24)
    #: Each new registration is announced to ``contact_email``.
    notify_organisers: bool = False
    contact_email: str = ""
    funding_note: str = ""
    series: str = ""
    tags: tuple[str, ...] = ()
    is_sample: bool = False
    revision: int = 0
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None
    #: Title, teaser and description per further language ("en", "uk"); German is above.
    translations: Mapping[str, EventText] = field(default_factory=dict)
    #: Report, recording, slides and photos once the event took place.
    materials: EventMaterials = field(default_factory=EventMaterials)

    @property
    def modes(self) -> tuple[AttendanceMode, ...]:
        """The attendance modes this event offers."""
        if self.format is EventFormat.HYBRID:
            return (AttendanceMode.IN_PERSON, AttendanceMode.ONLINE)
        if self.format is EventFormat.ONLINE:
            return (AttendanceMode.ONLINE,)
        return (AttendanceMode.IN_PERSON,)

    def seats(self, mode: AttendanceMode) -> Seats:
        """Capacity and seats taken for ``mode``."""
        return self.in_person_seats if mode is AttendanceMode.IN_PERSON else self.online_seats

    @property
    def registration_deadline(self) -> dt.datetime:
        """The last moment a registration is accepted: the deadline, at the latest the end."""
        if self.registration_closes_at is None:
            return self.ends_at
        return min(self.registration_closes_at, self.ends_at)

    @property
    def speakers(self) -> tuple[Person, ...]:
        """The people speaking."""
        return tuple(p for p in self.people if p.role is PersonRole.SPEAKER)

    @property
    def moderators(self) -> tuple[Person, ...]:
        """The people moderating."""
        return tuple(p for p in self.people if p.role is PersonRole.MODERATION)


def localized(event: Event, language: str) -> Event:
    """``event`` with title, teaser and description in ``language``; German where not translated.

    Each text falls back on its own: an English title with no English description shows the
    German description. Everything else stays as it is, so mails, invites and pages can call
    this on any event they were given.
    """
    text = event.translations.get(language)
    if not text:
        return event
    return dataclasses.replace(
        event,
        title=text.title or event.title,
        teaser=text.teaser or event.teaser,
        description=text.description or event.description,
    )


def german_fallbacks(event: Event, language: str) -> tuple[str, ...]:
    """Which of title, teaser and description :func:`localized` shows in German for ``language``.

    Pages mark these with ``lang="de"`` so screen readers pronounce them as German.
    """
    if language == Language.DE.value:
        return ()
    text = event.translations.get(language) or EventText()
    return tuple(
        name for name in TRANSLATED_FIELDS if getattr(event, name) and not getattr(text, name)
    )


@dataclass(frozen=True, slots=True)
class Registration:
    """One person's registration for one event."""

    id: int
    event_id: int
    token: str = field(repr=False)
    first_name: str
    last_name: str
    email: str
    organisation: str
    job_title: str
    mode: AttendanceMode
    language: Language
    status: RegistrationStatus
    answers: dict[str, str]
    consent_version: str
    consent_at: dt.datetime
    created_at: dt.datetime
    confirmed_at: dt.datetime | None = None
    waitlisted_at: dt.datetime | None = None
    cancelled_at: dt.datetime | None = None
    #: Double opt-in: the moment an unconfirmed registration gives its seat back.
    hold_until: dt.datetime | None = None
    #: Raised by each of this person's own cancellations: their invites' SEQUENCE is the event's
    #: revision plus this, so a CANCEL outranks the REQUEST before it (RFC 5546).
    invite_sequence: int = 0
    #: When an organiser let the person in at the door.
    checked_in_at: dt.datetime | None = None
    #: When the personal data were removed (names, address, answers are then empty).
    anonymised_at: dt.datetime | None = None

    @property
    def full_name(self) -> str:
        """First and last name as they are addressed."""
        return f"{self.first_name} {self.last_name}".strip()


@dataclass(frozen=True, slots=True)
class RegistrationRequest:
    """The command to register someone: what they entered, before any check.

    The web layer builds it from the public form or the organisers' API; the rules in
    :mod:`app.domain.validation` check it against the event. ``mode`` and ``language`` are the
    codes as chosen (empty: none chosen), so a wrong one is reported beside the other errors.
    """

    first_name: str
    last_name: str
    email: str
    organisation: str = ""
    job_title: str = ""
    mode: str = ""
    language: str = ""
    #: Answers by question key; keys the event does not ask are ignored.
    answers: Mapping[str, str] = field(default_factory=dict)
    #: The person agreed to the privacy notice.
    consent: bool = False


@dataclass(frozen=True, slots=True)
class Registrant:
    """A :class:`RegistrationRequest` that passed the rules: clean text, an offered mode."""

    first_name: str
    last_name: str
    email: str
    organisation: str
    job_title: str
    mode: AttendanceMode
    language: Language
    answers: dict[str, str]


#: The zone of an event that names none.
DEFAULT_TIMEZONE = "Europe/Berlin"


@dataclass(frozen=True, slots=True)
class QuestionDraft:
    """An extra question as the organisers set it; the rules give it its key."""

    label: str
    kind: QuestionKind = QuestionKind.TEXT
    required: bool = False
    options: tuple[str, ...] = ()
    #: The key of the stored question this one edits; empty or unknown: a new question.
    key: str = ""


@dataclass(frozen=True, slots=True)
class EventDraft:
    """The command to create or change an event: what the organisers set, before the rules.

    Times are moments (UTC); ``None`` where none was given. The rules
    (:mod:`app.domain.event_rules`) report errors by these field names, list items as
    ``questions.<n>.label`` and translations as ``translations.<language>.<field>``.
    """

    title: str
    starts_at: dt.datetime | None
    ends_at: dt.datetime | None
    #: Empty: made from the title (a new event) or kept (a stored one).
    slug: str = ""
    teaser: str = ""
    description: str = ""
    translations: Mapping[str, EventText] = field(default_factory=dict)
    format: EventFormat = EventFormat.IN_PERSON
    timezone: str = DEFAULT_TIMEZONE
    venue_name: str = ""
    venue_address: str = ""
    online_join_url: str = ""
    online_meeting_id: str = ""
    online_passcode: str = ""
    #: ``None``: unlimited (ignored for a mode the format does not offer).
    capacity_in_person: int | None = None
    capacity_online: int | None = None
    registration_opens_at: dt.datetime | None = None
    registration_closes_at: dt.datetime | None = None
    waitlist_enabled: bool = True
    double_opt_in: bool = False
    #: No hold (zero) is taken as the usual day.
    opt_in_hold: dt.timedelta = dt.timedelta(hours=24)
    access_mail_lead: dt.timedelta = dt.timedelta(hours=24)
    access_in_confirmation: bool = False
    #: ``None``: no reminder.
    reminder_lead: dt.timedelta | None = dt.timedelta(hours=24)
    notify_organisers: bool = False
    contact_email: str = ""
    funding_note: str = ""
    series: str = ""
    tags: tuple[str, ...] = ()
    questions: tuple[QuestionDraft, ...] = ()
    programme: tuple[ProgrammeItem, ...] = ()
    people: tuple[Person, ...] = ()
