"""View models for the pages: msgspec Structs built from domain types, ready to print."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from urllib.parse import urlsplit

import msgspec

from app import paths
from app.domain.attendance import CertificateState, certificate_state
from app.domain.mail import receives_access
from app.domain.model import (
    AWAITING_APPROVAL,
    AttendanceMode,
    Event,
    EventFormat,
    EventStatus,
    Language,
    Person,
    QuestionKind,
    Registration,
    RegistrationStatus,
    localized,
    localized_question,
    shown_answer,
    shown_in_german,
)
from app.domain.rules import (
    Availability,
    EventState,
    WindowState,
    event_state,
    has_few_seats,
    window_state,
)
from app.domain.validation import MAX_ANSWER, MAX_TEXT, NO, YES
from app.formatting import (
    KYIV,
    format_deadline,
    format_event_time,
    format_moment,
    format_time_elsewhere,
    format_zone,
    is_whole_day_deadline,
)
from app.i18n import _, current_language
from app.services.events import PublicEvent
from app.web import texts
from app.web.markdown import render_markdown


class SeatsView(msgspec.Struct, frozen=True):
    """Free seats in one mode."""

    mode: str
    label: str
    text: str
    state: str


class PersonView(msgspec.Struct, frozen=True):
    """A speaker or moderator."""

    name: str
    affiliation: str


class ProgrammeView(msgspec.Struct, frozen=True):
    """One programme line."""

    time: str
    title: str
    detail: str


class ReaderTime(msgspec.Struct, frozen=True):
    """An online event's time in a reader's zone, beside the event's own."""

    label: str
    when: str


class LinkView(msgspec.Struct, frozen=True):
    """A link with its text (the address itself when the organisers gave no label)."""

    url: str
    label: str


class MaterialsView(msgspec.Struct, frozen=True):
    """What a past event left behind, as ``/past`` and its page show it."""

    has_report: bool
    #: The report rendered safely (pages with ``detail`` only).
    report_html: str
    #: The language the report is written in, when it is not the reader's (``lang=…``).
    report_language: str
    recording_url: str
    slides: list[LinkView]
    photos: list[LinkView]


class EventView(msgspec.Struct, frozen=True):
    """An event as its card and its page show it; never carries access data."""

    slug: str
    title: str
    teaser: str
    format_label: str
    when: str
    place_lines: list[str]
    seats: list[SeatsView]
    deadline: str
    opens: str
    window: str
    cancelled: bool
    is_sample: bool
    series: str
    tags: list[str]
    contact_email: str
    funding_note: str
    co_host: str
    programme: list[ProgrammeView]
    venue_notes: str
    speakers: list[PersonView]
    moderators: list[PersonView]
    description_html: str = ""
    #: Only invited addresses may register.
    invitation_only: bool = False
    #: Title, teaser or description shown in German on a page in another language (``lang="de"``).
    german: tuple[str, ...] = ()
    #: What the event offers now (:class:`EventState`) and how the page says it.
    state: str = EventState.OPEN.value
    state_text: str = ""
    #: The event's time zone as the reader's language abbreviates it (``MEZ``, ``CET``).
    zone: str = ""
    #: Its IANA name and the times in ISO form, for the script that adds the browser's time.
    timezone: str = "Europe/Berlin"
    starts_iso: str = ""
    ends_iso: str = ""
    #: Whether people take part from elsewhere (online or hybrid): then the reader's time counts.
    online: bool = False
    #: The time in Kyiv on Ukrainian pages, when the event is online and elsewhere.
    reader_time: ReaderTime | None = None
    #: The call to action at the top and the form's button.
    call_to_action: str = ""
    register_label: str = ""

    #: Report, recording, slides and photos, once the event took place (``None``: nothing yet).
    materials: MaterialsView | None = None

    @property
    def place(self) -> str:
        """The place on one line."""
        return ", ".join(self.place_lines)

    @property
    def registration_open(self) -> bool:
        """Whether the form takes registrations now (the seats may still say ausgebucht)."""
        return self.window == WindowState.OPEN.value

    @property
    def shows_seats(self) -> bool:
        """Whether the seats per mode say more than the state: never after the deadline.

        Open: how many are left. Waiting list or full: only when the modes differ (hybrid).
        """
        if self.state in _OPEN_STATES:
            return bool(self.seats)
        return self.state in _BOOKED_STATES and len(self.seats) > 1

    @property
    def takes_registrations(self) -> bool:
        """Whether the form is there to fill in (the top links to it)."""
        return self.state in _FORM_STATES

    @property
    def fully_booked(self) -> bool:
        """No mode takes anybody, not even onto a waiting list."""
        return bool(self.seats) and all(s.state == Availability.FULL.value for s in self.seats)


_FORM_STATES = frozenset(
    {EventState.OPEN.value, EventState.FEW_SEATS.value, EventState.WAITLIST.value}
)
_OPEN_STATES = frozenset({EventState.OPEN.value, EventState.FEW_SEATS.value})
_BOOKED_STATES = frozenset({EventState.WAITLIST.value, EventState.FULL.value})
#: The zone a Ukrainian reader lives in (the partner municipalities are all in one zone).
_KYIV_READERS = {Language.UK.value}


def _reader_time(event: Event, locale: str, tz: str) -> ReaderTime | None:
    """Kyiv time for Ukrainian readers of an online or hybrid event held in another zone."""
    if event.format is EventFormat.IN_PERSON or locale not in _KYIV_READERS:
        return None
    when = format_time_elsewhere(event.starts_at, event.ends_at, tz, KYIV, locale)
    return None if when is None else ReaderTime(label=_("Kyjiwer Zeit"), when=when)


def _seat_state(event: Event, mode: AttendanceMode, state: Availability) -> str:
    if state is Availability.FREE and has_few_seats(event.seats(mode)):
        return "few"
    return state.value


def _people(people: tuple[Person, ...]) -> list[PersonView]:
    return [PersonView(name=p.name, affiliation=p.affiliation) for p in people]


def place_lines(event: Event) -> list[str]:
    """Venue name and address lines, ``Online (Zoom)`` for online, both for hybrid."""
    lines: list[str] = []
    if event.format is not EventFormat.ONLINE:
        lines.append(event.venue_name.strip())
        lines.extend(line.strip() for line in event.venue_address.splitlines())
    if event.format is not EventFormat.IN_PERSON:
        lines.append(_(texts.ONLINE_PLACE))
    return [line for line in lines if line]


def _link_label(url: str) -> str:
    """A link's address as its text: without ``https://``, the host and path readable."""
    parts = urlsplit(url)
    return (parts.netloc + parts.path).rstrip("/") or url


def materials_view(event: Event, now: dt.datetime, *, detail: bool) -> MaterialsView | None:
    """The materials of an event that took place, ``None`` before its end or without any."""
    materials = event.materials
    if not materials or now < event.ends_at or event.status is not EventStatus.PUBLISHED:
        return None
    language = current_language()
    report, report_language = materials.report_in(language)
    return MaterialsView(
        has_report=bool(report),
        # Below the page's "After the event" (h2) and "Report" (h3): its own headings from h4.
        report_html=render_markdown(report, top_heading=4) if detail and report else "",
        report_language=report_language if report_language != language else "",
        recording_url=materials.recording_url,
        slides=[
            LinkView(link.url, link.label or _link_label(link.url)) for link in materials.slides
        ],
        photos=[
            LinkView(link.url, link.label or _link_label(link.url)) for link in materials.photos
        ],
    )


def event_view(
    event: Event,
    availability: Mapping[AttendanceMode, Availability],
    now: dt.datetime,
    *,
    detail: bool = False,
    locale: str | None = None,
) -> EventView:
    """The view of ``event``; ``detail`` adds the rendered description.

    Dates are written for ``locale`` (a language code), by default the reader's language.
    """
    locale = locale or current_language()
    # Title, teaser and description in the reader's language, German where not translated.
    event = localized(event, current_language())
    german = shown_in_german(event)
    tz = event.timezone or "Europe/Berlin"
    several = len(event.modes) > 1
    seats = [
        SeatsView(
            mode=mode.value,
            label=texts.mode_label(mode) if several else "",
            text=texts.seats_text(state, event.seats(mode)),
            state=_seat_state(event, mode, state),
        )
        for mode, state in availability.items()
    ]
    opens = (
        format_moment(event.registration_opens_at, tz, locale)
        + " "
        + format_zone(event.registration_opens_at, tz, locale)
        if event.registration_opens_at is not None
        else ""
    )
    deadline = format_deadline(event.registration_deadline, tz, locale)
    if not is_whole_day_deadline(event.registration_deadline, tz):
        deadline += " " + format_zone(event.registration_deadline, tz, locale)
    state = event_state(event, availability, now)
    return EventView(
        slug=event.slug,
        title=event.title,
        teaser=event.teaser,
        format_label=texts.format_label(event.format),
        when=format_event_time(event.starts_at, event.ends_at, tz, locale),
        place_lines=place_lines(event),
        seats=seats,
        deadline=deadline,
        opens=opens,
        window=window_state(event, now).value,
        cancelled=event.status is EventStatus.CANCELLED,
        is_sample=event.is_sample,
        series=event.series,
        tags=[tag for tag in event.tags if tag != event.series],
        contact_email=event.contact_email,
        funding_note=event.funding_note,
        co_host=event.co_host,
        invitation_only=event.invitation_only,
        venue_notes=event.venue_notes if event.format is not EventFormat.ONLINE else "",
        programme=[
            ProgrammeView(time=item.time, title=item.title, detail=item.detail)
            for item in event.programme
        ],
        speakers=_people(event.speakers),
        moderators=_people(event.moderators),
        description_html=render_markdown(event.description) if detail else "",
        german=german,
        state=state.value,
        state_text=texts.state_text(state, opens),
        zone=format_zone(event.starts_at, tz, locale),
        timezone=tz,
        starts_iso=event.starts_at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
        ends_iso=event.ends_at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
        online=event.format is not EventFormat.IN_PERSON,
        reader_time=_reader_time(event, locale, tz),
        call_to_action=texts.call_to_action(state),
        register_label=texts.register_label(state),
        materials=materials_view(event, now, detail=detail),
    )


def public_event_view(public: PublicEvent, now: dt.datetime, *, detail: bool = False) -> EventView:
    """The view of an event from the public listing."""
    return event_view(public.event, public.availability, now, detail=detail)


# --- the registration form -------------------------------------------------------------------


class OptionView(msgspec.Struct, frozen=True):
    """One choice of a radio group or select."""

    value: str
    label: str


class QuestionView(msgspec.Struct, frozen=True):
    """One of the event's extra questions as a form field."""

    name: str
    label: str
    kind: str
    required: bool
    options: list[OptionView]
    #: Radios for short lists, a select for long ones.
    widget: str


class FormError(msgspec.Struct, frozen=True):
    """One error, for the summary at the top and next to its field."""

    field: str
    label: str
    message: str


class FormView(msgspec.Struct, frozen=True):
    """The registration form: what to ask, what was typed, what was wrong."""

    values: dict[str, str]
    errors: dict[str, str]
    summary: list[FormError]
    modes: list[OptionView]
    languages: list[OptionView]
    questions: list[QuestionView]
    organisation_types: list[OptionView]
    countries: list[OptionView]
    #: The longest name, organisation or function, and the longest answer, said on the form.
    text_limit: int = MAX_TEXT
    answer_limit: int = MAX_ANSWER


_CHOICE_FIELDS = {"mode", "language", "organisation_type", "country"}
#: The registration form's fields in the order the form shows them, around the questions.
_FIELDS_BEFORE_QUESTIONS = (
    "first_name",
    "last_name",
    "email",
    "organisation_type",
    "organisation",
    "job_title",
    "country",
    "mode",
)
_FIELDS_AFTER_QUESTIONS = ("language", "consent")
_RADIO_LIMIT = 5


def form_view(
    event: Event,
    values: Mapping[str, str] | None = None,
    error_codes: Mapping[str, str] | None = None,
) -> FormView:
    """The form for ``event``, filled with ``values`` and marked with ``error_codes``.

    Questions and options are shown in the reader's language; a choice sends its German option,
    so the answer is the same whatever language the form was read in.
    """
    shown = localized(event, current_language()).questions
    questions = [
        QuestionView(
            name=f"q_{q.key}",
            label=s.label,
            kind=q.kind.value,
            required=q.required,
            options=(
                [OptionView(YES, texts.yes_no_label(YES)), OptionView(NO, texts.yes_no_label(NO))]
                if q.kind is QuestionKind.YES_NO
                else [
                    OptionView(option, label)
                    for option, label in zip(q.options, s.options, strict=True)
                ]
            ),
            widget=(
                "textarea"
                if q.kind is QuestionKind.TEXT
                else ("radio" if len(q.options) <= _RADIO_LIMIT else "select")
            ),
        )
        for q, s in zip(event.questions, shown, strict=True)
    ]
    labels = {
        **{name: texts.field_label(name) for name in texts.FIELD_LABELS},
        **{q.name: q.label for q in questions},
    }
    choice_fields = _CHOICE_FIELDS | {q.name for q in questions if q.kind != "text"}
    errors: dict[str, str] = {}
    summary: list[FormError] = []
    # The summary follows the order of the form, not the order of validation.
    # The event's questions stand between the attendance mode and the mail language.
    before, after = _FIELDS_BEFORE_QUESTIONS, _FIELDS_AFTER_QUESTIONS
    order = [*before, *(q.name for q in questions), *after]
    codes = dict(error_codes or {})
    for name in sorted(codes, key=lambda n: order.index(n) if n in order else len(order)):
        message = texts.field_error(codes[name], is_choice=name in choice_fields)
        errors[name] = message
        summary.append(FormError(field=name, label=labels.get(name, name), message=message))
    kept = {k: v for k, v in (values or {}).items() if k != "_csrf_token"}
    # The mails come in the language the page is read in, unless the reader picks another.
    kept.setdefault("language", Language(current_language()).value)
    return FormView(
        values=kept,
        errors=errors,
        summary=summary,
        modes=(
            [OptionView(m.value, texts.mode_label(m)) for m in event.modes]
            if len(event.modes) > 1
            else []
        ),
        languages=[OptionView(lang.value, label) for lang, label in texts.LANGUAGE_LABELS.items()],
        questions=questions,
        organisation_types=[
            OptionView(kind.value, texts.organisation_type_label(kind))
            for kind in texts.ORGANISATION_TYPE_LABELS
        ],
        countries=[
            OptionView(country.value, texts.country_label(country))
            for country in texts.COUNTRY_LABELS
        ],
    )


# --- the personal page ---------------------------------------------------------------------


class AnswerView(msgspec.Struct, frozen=True):
    """One answer to an extra question."""

    question: str
    answer: str


class AccessView(msgspec.Struct, frozen=True):
    """The online access data, for confirmed online registrants only."""

    #: The personal join link ``/j/{token}``: it always leads to the current meeting URL.
    link: str
    join_url: str
    meeting_id: str
    passcode: str


class PersonalView(msgspec.Struct, frozen=True):
    """A registrant's own page."""

    token: str
    full_name: str
    email: str
    organisation: str
    job_title: str
    mode: str
    language: str
    status: str
    status_label: str
    answers: list[AnswerView]
    event: EventView
    access: AccessView | None
    can_cancel: bool
    banner: str
    #: Double opt-in: the registration still waits for the confirm button, until ``confirm_until``.
    needs_confirmation: bool = False
    confirm_until: str = ""
    #: Double opt-in: the hold ran out unconfirmed (the seat is given back shortly, if not yet).
    hold_expired: bool = False
    #: The code of ``language`` (``de``, ``en``, ``uk``), for the ``lang`` of its name.
    language_code: str = "de"
    #: The line above the cancel link and what cancelling does, right for the status.
    cancel_invitation: str = ""
    cancel_consequence: str = ""
    #: What a cancelled registration's page says at the top.
    cancelled_message: str = ""
    #: After the event: ``available`` (the button to ask for the certificate of attendance),
    #: ``not_attended`` (why there is none); empty: nothing to say about certificates.
    certificate: str = ""


def _answer_text(event: Event, key: str, answer: str) -> AnswerView:
    question = next((q for q in event.questions if q.key == key), None)
    if question is None:
        return AnswerView(question=key, answer=answer)
    language = current_language()
    if question.kind is QuestionKind.YES_NO:
        answer = texts.yes_no_label(answer)
    else:
        answer = shown_answer(question, answer, language)
    return AnswerView(question=localized_question(question, language).label, answer=answer)


def shows_access(registration: Registration, event: Event) -> bool:
    """Zoom data only for a confirmed online seat of an event that still takes place."""
    # One rule for the page, the join link and the mails.
    return receives_access(event, registration)


def join_link(token: str) -> str:
    """The personal join link: redirects to the meeting URL as it is at the moment of the click."""
    return paths.join(token)


def is_usable_join_url(url: str) -> bool:
    """Whether the stored meeting URL is an absolute web address we may redirect to."""
    parts = urlsplit(url.strip())
    return parts.scheme.lower() in {"http", "https"} and bool(parts.netloc)


def join_refusal(registration: Registration, event: Event) -> str | None:
    """Why the join link does not lead into the meeting (a key of ``texts.JOIN_REFUSALS``).

    ``None`` when it does: the registrant receives access and the stored URL is usable.
    """
    if receives_access(event, registration):
        assert event.online_access is not None
        return None if is_usable_join_url(event.online_access.join_url) else "invalid_link"
    if event.status is EventStatus.CANCELLED:
        return "event_cancelled"
    if event.status is not EventStatus.PUBLISHED:
        return "event_unavailable"
    if registration.status is RegistrationStatus.CANCELLED:
        return "cancelled"
    if registration.mode is not AttendanceMode.ONLINE:
        return "in_person"
    if registration.status is RegistrationStatus.WAITLISTED:
        return "waitlisted"
    if registration.status is RegistrationStatus.PENDING:
        return "pending"
    if registration.status in AWAITING_APPROVAL:
        return "awaiting_approval"
    if registration.status is RegistrationStatus.DECLINED:
        return "declined"
    if event.online_access is None:
        return "no_access_yet"
    return "event_unavailable"


def hold_deadline(registration: Registration, event: Event, locale: str | None = None) -> str:
    """Until when a pending registration holds its seat, in the event's time zone ("" if never).

    Written for ``locale`` (a language code), by default the reader's language.
    """
    if registration.hold_until is None:
        return ""
    return format_moment(
        registration.hold_until,
        event.timezone or "Europe/Berlin",
        locale or current_language(),
    )


def personal_view(
    registration: Registration,
    event: Event,
    now: dt.datetime,
    *,
    banner: str = "",
) -> PersonalView:
    """The personal page of ``registration``."""
    access = event.online_access if shows_access(registration, event) else None
    pending = registration.status is RegistrationStatus.PENDING
    expired = pending and registration.hold_until is not None and now >= registration.hold_until
    return PersonalView(
        token=registration.token,
        full_name=registration.full_name,
        email=registration.email,
        organisation=registration.organisation,
        job_title=registration.job_title,
        mode=texts.mode_label(registration.mode),
        language=texts.LANGUAGE_LABELS[registration.language],
        status=registration.status.value,
        status_label=texts.status_label(registration.status),
        answers=[_answer_text(event, k, v) for k, v in registration.answers.items()],
        event=event_view(event, {}, now),
        access=(
            AccessView(
                link=join_link(registration.token),
                join_url=access.join_url,
                meeting_id=access.meeting_id,
                passcode=access.passcode,
            )
            if access is not None
            else None
        ),
        # Declined is over too: the organisers decided, there is nothing left to cancel.
        can_cancel=registration.status
        not in (RegistrationStatus.CANCELLED, RegistrationStatus.DECLINED)
        and now < event.ends_at,
        banner=banner,
        needs_confirmation=pending and not expired,
        confirm_until=hold_deadline(registration, event) if pending else "",
        hold_expired=expired,
        language_code=registration.language.value,
        cancel_invitation=texts.cancel_invitation(registration.status),
        cancel_consequence=texts.cancel_consequence(registration.status),
        cancelled_message=texts.thank_you(RegistrationStatus.CANCELLED, None),
        certificate=_certificate(registration, event, now),
    )


def _certificate(registration: Registration, event: Event, now: dt.datetime) -> str:
    """What the personal page offers about a certificate of attendance (see PersonalView)."""
    state = certificate_state(event, registration, now)
    if state is CertificateState.AVAILABLE:
        return "available"
    if (
        state is CertificateState.NOT_ATTENDED
        and registration.status is RegistrationStatus.CONFIRMED
        and registration.anonymised_at is None
    ):
        return "not_attended"
    return ""
