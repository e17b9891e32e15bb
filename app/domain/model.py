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


class OrganisationType(StrEnum):
    """What kind of body a registrant comes from, so funders can count attendance by kind."""

    MUNICIPALITY = "municipality"
    DISTRICT = "district"
    ASSOCIATION = "association"
    OTHER = "other"


class AttendanceSource(StrEnum):
    """Who said that someone attended online: an organiser, an imported list, or Zoom's report."""

    ORGANISER = "organiser"
    IMPORT = "import"
    ZOOM = "zoom"


class Country(StrEnum):
    """The country a registrant works in (the events bring together Germany and Ukraine)."""

    GERMANY = "de"
    UKRAINE = "ua"
    OTHER = "other"


def choice_code(choice: StrEnum | None) -> str | None:
    """An optional choice as stored and sent (its code), ``None`` when nothing was chosen."""
    return None if choice is None else choice.value


class RegistrationStatus(StrEnum):
    """Where a registration is in its life."""

    #: Double opt-in: holds a seat until the address is confirmed or the hold expires.
    PENDING = "pending"
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"
    #: Approval: awaits the organisers' decision and holds a seat meanwhile.
    AWAITING = "awaiting"
    #: Approval: awaits the organisers' decision without a seat (one is given at approval).
    REQUESTED = "requested"
    #: Approval: the organisers declined; the registration is over.
    DECLINED = "declined"


#: Statuses that occupy a seat.
SEAT_HOLDING = frozenset(
    {RegistrationStatus.PENDING, RegistrationStatus.CONFIRMED, RegistrationStatus.AWAITING}
)

#: Statuses that await the organisers' approval (with a seat or without).
AWAITING_APPROVAL = frozenset({RegistrationStatus.AWAITING, RegistrationStatus.REQUESTED})


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


class Text(str):
    """A text as shown in one language; ``fell_back``: it is the German text standing in.

    Made only by :func:`pick`; it is a ``str`` in every other respect, so it travels through
    views, mails and calendars unchanged, and pages mark a fallback with ``lang="de"``.
    """

    fell_back: bool

    def __new__(cls, value: str, *, fell_back: bool = False) -> Text:
        text = super().__new__(cls, value)
        text.fell_back = fell_back
        return text


def pick(language: str, german: str, translated: str) -> Text:
    """The text to show in ``language``: its translation, else the German text.

    The one place that decides this; ``fell_back`` on the result tells whether German stands in
    for a missing translation (never on a German page, never for an empty German text).
    """
    if language == Language.DE.value or not german:
        return Text(german)
    if translated:
        return Text(translated)
    return Text(german, fell_back=True)


@dataclass(frozen=True, slots=True)
class QuestionText:
    """A question's label and answer options in one further language (options by position)."""

    label: str = ""
    options: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.label or any(self.options))


@dataclass(frozen=True, slots=True)
class Question:
    """An extra question on the registration form.

    Answers are filed under ``key`` and a choice's answer is its German option, so registrations
    and exports never depend on the language the form was shown in.
    """

    key: str
    label: str
    kind: QuestionKind
    required: bool = False
    options: tuple[str, ...] = ()
    #: Label and options per further language ("en", "uk").
    translations: Mapping[str, QuestionText] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PersonText:
    """The function a person is announced with, in one further language."""

    affiliation: str = ""

    def __bool__(self) -> bool:
        return bool(self.affiliation)


@dataclass(frozen=True, slots=True)
class Person:
    """A speaker or moderator, with the function they are announced with."""

    name: str
    affiliation: str = ""
    role: PersonRole = PersonRole.SPEAKER
    #: The function per further language ("en", "uk"); the name is never translated.
    translations: Mapping[str, PersonText] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ProgrammeText:
    """A programme item's title and detail in one further language."""

    title: str = ""
    detail: str = ""

    def __bool__(self) -> bool:
        return bool(self.title or self.detail)


@dataclass(frozen=True, slots=True)
class ProgrammeItem:
    """One line of the programme; ``time`` is local wall-clock text such as ``"10:30"``."""

    title: str
    time: str = ""
    detail: str = ""
    #: Title and detail per further language ("en", "uk").
    translations: Mapping[str, ProgrammeText] = field(default_factory=dict)


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
    """An event's own texts in one further language; empty: not translated.

    The texts of its questions, programme items and people are translated on those items.
    """

    title: str = ""
    teaser: str = ""
    description: str = ""
    venue_notes: str = ""
    access_notes: str = ""
    funding_note: str = ""

    def __bool__(self) -> bool:
        return any(getattr(self, name) for name in TRANSLATED_FIELDS)


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
#: The event's own texts that have translations (:class:`EventText`).
TRANSLATED_FIELDS = (
    "title",
    "teaser",
    "description",
    "venue_notes",
    "access_notes",
    "funding_note",
)


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
    #: How to get there, where to enter, parking … (public, German).
    venue_notes: str = ""
    online_access: OnlineAccess | None = None
    #: What online participants should know with the access data (German; sent with them).
    access_notes: str = ""
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
    #: Organisers approve each registration before its seat is confirmed (double opt-in is
    #: then not asked: the organisers look at every registration anyway).
    approval_required: bool = False
    #: Approval: a registration awaiting it holds a free seat (given back on decline); else
    #: seats are given at approval.
    approval_holds_seat: bool = True
    contact_email: str = ""
    funding_note: str = ""
    #: The organisation hosting the event with the network ("Gemeinsam mit …"); a name, not
    #: translated.
    co_host: str = ""
    series: str = ""
    tags: tuple[str, ...] = ()
    #: Only invited addresses may register (see ``app.services.invitations``).
    invitation_only: bool = False
    is_sample: bool = False
    revision: int = 0
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None
    #: The event's own texts per further language ("en", "uk"); German is above.
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
    """``event`` with every organiser-written text in ``language``, German where not translated.

    Each text falls back on its own (through :func:`pick`): an English title with no English
    description shows the German description. The texts are :class:`Text` values that say
    whether they fell back. A choice question's ``options`` become the shown labels: the values
    a form sends stay the stored event's German options, by position. Everything else stays as
    it is, so mails, invites, exports and pages can call this on any event they were given.
    """
    if language not in TRANSLATABLE_LANGUAGES:
        # German is the event's own text (and no other language is offered): nothing to pick.
        return event
    text = event.translations.get(language) or EventText()

    def own(name: str) -> Text:
        return pick(language, getattr(event, name), getattr(text, name))

    return dataclasses.replace(
        event,
        title=own("title"),
        teaser=own("teaser"),
        description=own("description"),
        venue_notes=own("venue_notes"),
        access_notes=own("access_notes"),
        funding_note=own("funding_note"),
        questions=tuple(localized_question(q, language) for q in event.questions),
        programme=tuple(_localized_item(item, language) for item in event.programme),
        people=tuple(_localized_person(person, language) for person in event.people),
    )


def localized_question(question: Question, language: str) -> Question:
    """``question`` with label and options in ``language`` (each by :func:`pick`)."""
    text = question.translations.get(language) or QuestionText()
    options = tuple(
        pick(language, option, text.options[i] if i < len(text.options) else "")
        for i, option in enumerate(question.options)
    )
    return dataclasses.replace(
        question, label=pick(language, question.label, text.label), options=options
    )


def _localized_item(item: ProgrammeItem, language: str) -> ProgrammeItem:
    text = item.translations.get(language) or ProgrammeText()
    return dataclasses.replace(
        item,
        title=pick(language, item.title, text.title),
        detail=pick(language, item.detail, text.detail),
    )


def _localized_person(person: Person, language: str) -> Person:
    text = person.translations.get(language) or PersonText()
    return dataclasses.replace(
        person, affiliation=pick(language, person.affiliation, text.affiliation)
    )


def shown_answer(question: Question, answer: str, language: str) -> str:
    """A stored answer as readers of ``language`` see it: a choice's option in their language.

    Answers are stored as the German option; the option's translation is picked like every other
    text (:func:`pick`). Anything else is shown as stored.
    """
    if answer not in question.options:
        return answer
    index = question.options.index(answer)
    return localized_question(question, language).options[index]


def german_fallbacks(event: Event, language: str) -> tuple[str, ...]:
    """Which of the event's own texts :func:`localized` shows in German for ``language``.

    Pages mark these with ``lang="de"`` so screen readers pronounce them as German.
    """
    return shown_in_german(localized(event, language))


def shown_in_german(shown: Event) -> tuple[str, ...]:
    """Which own texts of an already :func:`localized` event are German standing in."""
    return tuple(name for name in TRANSLATED_FIELDS if _fell_back(getattr(shown, name)))


def missing_translations(event: Event, language: str) -> tuple[str, ...]:
    """Every text of ``event`` without a translation into ``language``, by draft field name.

    ``title``, ``questions.0.label``, ``questions.0.options``, ``programme.2.detail``,
    ``people.1.affiliation`` …: exactly the texts :func:`localized` shows in German.
    """
    shown = localized(event, language)
    missing = list(shown_in_german(shown))
    for index, question in enumerate(shown.questions):
        if _fell_back(question.label):
            missing.append(f"questions.{index}.label")
        if any(_fell_back(option) for option in question.options):
            missing.append(f"questions.{index}.options")
    for index, item in enumerate(shown.programme):
        missing.extend(
            f"programme.{index}.{name}"
            for name in ("title", "detail")
            if _fell_back(getattr(item, name))
        )
    missing.extend(
        f"people.{index}.affiliation"
        for index, person in enumerate(shown.people)
        if _fell_back(person.affiliation)
    )
    return tuple(missing)


def _fell_back(text: str) -> bool:
    return isinstance(text, Text) and text.fell_back


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
    #: Asked on the form but optional (a person may not know): None is "not said".
    organisation_type: OrganisationType | None = None
    country: Country | None = None
    #: Online participation has no door: when the person was marked as attended, and by what.
    attended_online_at: dt.datetime | None = None
    attendance_source: AttendanceSource | None = None

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
    #: The version of the privacy notice the person was shown, which ``consent`` agrees to.
    #: The web layer knows it (the app's notice in force); the services store it as given.
    notice_version: str
    organisation: str = ""
    job_title: str = ""
    mode: str = ""
    language: str = ""
    #: Answers by question key; keys the event does not ask are ignored.
    answers: Mapping[str, str] = field(default_factory=dict)
    #: The person agreed to the privacy notice.
    consent: bool = False
    #: The codes as chosen (empty: not said).
    organisation_type: str = ""
    country: str = ""


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
    organisation_type: OrganisationType | None = None
    country: Country | None = None


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
    translations: Mapping[str, QuestionText] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class EventDraft:
    """The command to create or change an event: what the organisers set, before the rules.

    Times are moments (UTC); ``None`` where none was given. The rules
    (:mod:`app.domain.event_rules`) report errors by these field names, list items as
    ``questions.<n>.label`` and translations as ``translations.<language>.<field>``, those of
    list items as ``questions.<n>.translations.<language>.<field>``.
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
    venue_notes: str = ""
    access_notes: str = ""
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
    approval_required: bool = False
    approval_holds_seat: bool = True
    contact_email: str = ""
    funding_note: str = ""
    #: The organisation hosting the event with the network ("Gemeinsam mit …"); a name, not
    #: translated.
    co_host: str = ""
    series: str = ""
    tags: tuple[str, ...] = ()
    #: Only invited addresses may register (see ``app.services.invitations``).
    invitation_only: bool = False
    questions: tuple[QuestionDraft, ...] = ()
    programme: tuple[ProgrammeItem, ...] = ()
    people: tuple[Person, ...] = ()
