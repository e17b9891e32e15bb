"""The organisers' event form: its strings in, an :class:`EventDraft` out, and an event back.

Plain HTML forms without JavaScript carry the lists (questions, programme, people) as numbered
rows: ``question_0_label``, ``programme_3_time``, ``person_1_name`` … A row left empty is dropped;
the page always offers a few empty rows to add more. What the fields mean is decided by the
rules in :mod:`app.domain.event_rules`; this module only reads and writes the fields.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Mapping
from typing import TypeVar
from zoneinfo import ZoneInfo

from app.domain.errors import InvalidInput
from app.domain.event_rules import (
    DATE_OUT_OF_RANGE,
    FIRST_YEAR,
    INVALID_DATETIME,
    INVALID_NUMBER,
    INVALID_TIMEZONE,
    LAST_YEAR,
    MAX_HOURS,
    draft_errors,
    text_error,
    zone_named,
)
from app.domain.model import (
    DEFAULT_TIMEZONE,
    TRANSLATABLE_LANGUAGES,
    TRANSLATED_FIELDS,
    Event,
    EventDraft,
    EventFormat,
    EventText,
    Person,
    PersonRole,
    PersonText,
    ProgrammeItem,
    ProgrammeText,
    QuestionDraft,
    QuestionKind,
    QuestionText,
)
from app.domain.validation import INVALID_CHOICE, REQUIRED

#: The zones offered in the form's list; any IANA zone is accepted.
COMMON_TIMEZONES = ("Europe/Berlin", "Europe/Kyiv", "UTC")
#: Empty rows the form offers below the filled ones.
SPARE_ROWS = 2
#: The longest list of answer options and of tags, as typed into their fields.
MAX_OPTIONS_TEXT = 5_000
MAX_TAGS_TEXT = 1_000

#: Checkbox fields: present (any value) is on, absent is off.
CHECKBOXES = (
    "waitlist_enabled",
    "double_opt_in",
    "access_in_confirmation",
    "notify_organisers",
    "approval_required",
    "approval_holds_seat",
    "invitation_only",
)
#: The draft's durations, which the form asks for in hours.
_HOURS_FIELDS = {
    "opt_in_hold": "opt_in_hold_hours",
    "access_mail_lead": "access_mail_lead_hours",
    "reminder_lead": "reminder_lead_hours",
}
#: Each list of the draft, its rows' prefix in the form and the field a kept row must fill.
_ROW_KINDS = {"questions": "question", "programme": "programme", "people": "person"}
_ROW_NAMES = {"question": "label", "programme": "title", "person": "name"}

_Choice = TypeVar("_Choice", EventFormat, QuestionKind, PersonRole)
_Item = TypeVar("_Item", QuestionText, ProgrammeText, PersonText)
_DAY = dt.timedelta(hours=24)

_ROW = re.compile(r"(question|programme|person)_(\d{1,3})_([a-z]+)(?:_(en|uk))?")
_LOCAL_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M")


def local_input(moment: dt.datetime | None, timezone: str) -> str:
    """``moment`` as a ``datetime-local`` input shows it, in the event's zone."""
    if moment is None:
        return ""
    zone = zone_named(timezone) or ZoneInfo(DEFAULT_TIMEZONE)
    return moment.astimezone(zone).strftime("%Y-%m-%dT%H:%M")


def _hours(duration: dt.timedelta | None) -> str:
    if duration is None:
        return ""
    hours = duration.total_seconds() / 3600
    return str(int(hours)) if hours == int(hours) else f"{hours:g}"


def new_event_values(now: dt.datetime) -> dict[str, str]:
    """The form of a new event: a morning four weeks ahead, a waiting list, the usual mails."""
    start = (now.astimezone(ZoneInfo(DEFAULT_TIMEZONE)) + dt.timedelta(days=28)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    return {
        "format": EventFormat.IN_PERSON.value,
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + dt.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"),
        "timezone": DEFAULT_TIMEZONE,
        "waitlist_enabled": "on",
        "approval_holds_seat": "on",
        "opt_in_hold_hours": "24",
        "access_mail_lead_hours": "24",
        "reminder_lead_hours": "24",
    }


def translation_field(name: str, language: str) -> str:
    """The form field of a translated text: ``title_en``, ``description_uk`` …"""
    return f"{name}_{language}"


def event_values(event: Event) -> dict[str, str]:
    """The form of an existing event, every field as the inputs show it."""
    access = event.online_access
    values = {
        "title": event.title,
        "slug": event.slug,
        "teaser": event.teaser,
        "description": event.description,
        "format": event.format.value,
        "starts_at": local_input(event.starts_at, event.timezone),
        "ends_at": local_input(event.ends_at, event.timezone),
        "timezone": event.timezone,
        "venue_name": event.venue_name,
        "venue_address": event.venue_address,
        "venue_notes": event.venue_notes,
        "access_notes": event.access_notes,
        "online_join_url": access.join_url if access else "",
        "online_meeting_id": access.meeting_id if access else "",
        "online_passcode": access.passcode if access else "",
        "capacity_in_person": _capacity(event.in_person_seats.capacity),
        "capacity_online": _capacity(event.online_seats.capacity),
        "registration_opens_at": local_input(event.registration_opens_at, event.timezone),
        "registration_closes_at": local_input(event.registration_closes_at, event.timezone),
        "opt_in_hold_hours": _hours(event.opt_in_hold),
        "access_mail_lead_hours": _hours(event.access_mail_lead),
        "reminder_lead_hours": _hours(event.reminder_lead),
        "contact_email": event.contact_email,
        "funding_note": event.funding_note,
        "co_host": event.co_host,
        "series": event.series,
        "tags": ", ".join(event.tags),
    }
    for language, text in event.translations.items():
        for name in TRANSLATED_FIELDS:
            values[translation_field(name, language)] = getattr(text, name)
    for name in CHECKBOXES:
        if getattr(event, name):
            values[name] = "on"
    for index, question in enumerate(event.questions):
        prefix = f"question_{index}_"
        values[prefix + "key"] = question.key
        values[prefix + "label"] = question.label
        values[prefix + "kind"] = question.kind.value
        values[prefix + "options"] = "\n".join(question.options)
        if question.required:
            values[prefix + "required"] = "on"
        for language, q_text in question.translations.items():
            values[translation_field(prefix + "label", language)] = q_text.label
            values[translation_field(prefix + "options", language)] = "\n".join(q_text.options)
    for index, item in enumerate(event.programme):
        prefix = f"programme_{index}_"
        values[prefix + "time"] = item.time
        values[prefix + "title"] = item.title
        values[prefix + "detail"] = item.detail
        for language, p_text in item.translations.items():
            values[translation_field(prefix + "title", language)] = p_text.title
            values[translation_field(prefix + "detail", language)] = p_text.detail
    for index, person in enumerate(event.people):
        prefix = f"person_{index}_"
        values[prefix + "name"] = person.name
        values[prefix + "affiliation"] = person.affiliation
        values[prefix + "role"] = person.role.value
        for language, person_text in person.translations.items():
            values[translation_field(prefix + "affiliation", language)] = person_text.affiliation
    return values


def _capacity(capacity: int | None) -> str:
    return "" if capacity is None else str(capacity)


def row_indices(values: Mapping[str, str], kind: str) -> list[int]:
    """The row numbers of ``kind`` (``question``, ``programme``, ``person``) in the form."""
    found = set()
    for name in values:
        match = _ROW.fullmatch(name)
        if match and match.group(1) == kind:
            found.add(int(match.group(2)))
    return sorted(found)


def _kept_rows(values: Mapping[str, str], kind: str) -> list[int]:
    """The rows that become list items: those whose name (label, title, name) is filled."""
    name = _ROW_NAMES[kind]
    return [
        index
        for index in row_indices(values, kind)
        if _single_line(values.get(f"{kind}_{index}_{name}", ""))
    ]


def _single_line(raw: str) -> str:
    return " ".join(unicodedata.normalize("NFC", raw).split())


def _multi_line(raw: str) -> str:
    """Line breaks kept (normalised to ``\\n``), outer space trimmed."""
    return unicodedata.normalize("NFC", raw.replace("\r\n", "\n").replace("\r", "\n")).strip()


def form_field_names(values: Mapping[str, str]) -> Callable[[str], str]:
    """The form field for each field of the draft read from ``values``, as errors name them.

    ``questions.1.label`` is the label of the second question the form kept: its row number
    may be higher, since empty rows are dropped.
    """
    kept = {kind: _kept_rows(values, kind) for kind in _ROW_NAMES}

    def form_field(name: str) -> str:
        parts = name.split(".")
        if len(parts) == 3 and parts[0] == "translations":
            return translation_field(parts[2], parts[1])
        if len(parts) in (3, 5) and parts[0] in _ROW_KINDS and parts[1].isdigit():
            kind = _ROW_KINDS[parts[0]]
            rows = kept[kind]
            position = int(parts[1])
            if position < len(rows):
                field = f"{kind}_{rows[position]}_{parts[-1]}"
                # ``questions.0.translations.en.label`` is ``question_<row>_label_en``.
                return field if len(parts) == 3 else translation_field(field, parts[3])
        return _HOURS_FIELDS.get(name, name)

    return form_field


class _Reader:
    """Reads the raw form field by field, collecting an error code per unreadable field."""

    def __init__(self, form: Mapping[str, str]) -> None:
        self.form = form
        self.errors: dict[str, str] = {}

    def text(self, name: str) -> str:
        return _single_line(self.form.get(name, ""))

    def block(self, name: str) -> str:
        return _multi_line(self.form.get(name, ""))

    def limited(self, name: str, value: str, *, limit: int, multiline: bool = False) -> str:
        """A field that the draft holds only in pieces (tags, options): its length as typed."""
        code = text_error(value, limit=limit, multiline=multiline)
        if code is not None:
            self.errors[name] = code
        return value

    def checkbox(self, name: str) -> bool:
        return bool(self.form.get(name, ""))

    def moment(self, name: str, zone: ZoneInfo) -> dt.datetime | None:
        raw = self.form.get(name, "").strip()
        if not raw:
            return None
        for pattern in _LOCAL_FORMATS:
            try:
                naive = dt.datetime.strptime(raw, pattern)  # noqa: DTZ007 - zone added below
            except ValueError:
                continue
            if not FIRST_YEAR <= naive.year <= LAST_YEAR:
                # Out of range the zone could not even be applied (``OverflowError``).
                self.errors[name] = DATE_OUT_OF_RANGE
                return None
            return naive.replace(tzinfo=zone).astimezone(dt.UTC)
        self.errors[name] = INVALID_DATETIME
        return None

    def count(self, name: str) -> int | None:
        """A whole number; empty is ``None``."""
        raw = self.form.get(name, "").strip()
        if not raw:
            return None
        if not raw.isascii() or not raw.isdigit():
            self.errors[name] = INVALID_NUMBER
            return None
        return int(raw)

    def hours(self, name: str) -> dt.timedelta | None:
        """A duration in hours (decimals allowed, minutes kept); ``None`` if empty or unreadable."""
        raw = self.form.get(name, "").strip().replace(",", ".")
        if not raw:
            return None
        try:
            hours = float(raw)
        except ValueError:
            hours = -1.0
        # Checked here too: an infinite or huge number is no duration at all (OverflowError).
        if not 0 <= hours <= MAX_HOURS or hours != hours:  # NaN is not a duration
            self.errors[name] = INVALID_NUMBER
            return None
        return dt.timedelta(minutes=round(hours * 60))

    def choice(self, name: str, kind: type[_Choice], default: _Choice) -> _Choice:
        raw = self.form.get(name, "").strip()
        try:
            return kind(raw)
        except ValueError:
            self.errors[name] = INVALID_CHOICE if raw else REQUIRED
            return default


def parse_event_form(form: Mapping[str, str]) -> EventDraft:
    """The draft the form describes; raises :class:`InvalidInput` with an error per form field.

    The errors are those of reading the fields and those of the rules
    (:func:`app.domain.event_rules.draft_errors`), all at once; a field that could not be read
    is reported as such, not by the rules.
    """
    read = _Reader(form)
    timezone = form.get("timezone", "").strip() or DEFAULT_TIMEZONE
    zone = zone_named(timezone)
    if zone is None:
        read.errors["timezone"] = INVALID_TIMEZONE
        zone = ZoneInfo(DEFAULT_TIMEZONE)
        timezone = DEFAULT_TIMEZONE
    draft = EventDraft(
        title=read.text("title"),
        slug=form.get("slug", "").strip().lower(),
        teaser=read.block("teaser"),
        description=read.block("description"),
        translations=_translations(read),
        format=read.choice("format", EventFormat, EventFormat.IN_PERSON),
        starts_at=read.moment("starts_at", zone),
        ends_at=read.moment("ends_at", zone),
        timezone=timezone,
        venue_name=read.text("venue_name"),
        venue_address=read.block("venue_address"),
        venue_notes=read.block("venue_notes"),
        access_notes=read.block("access_notes"),
        online_join_url=read.text("online_join_url"),
        online_meeting_id=read.text("online_meeting_id"),
        online_passcode=read.text("online_passcode"),
        capacity_in_person=read.count("capacity_in_person"),
        capacity_online=read.count("capacity_online"),
        registration_opens_at=read.moment("registration_opens_at", zone),
        registration_closes_at=read.moment("registration_closes_at", zone),
        waitlist_enabled=read.checkbox("waitlist_enabled"),
        double_opt_in=read.checkbox("double_opt_in"),
        opt_in_hold=_or_default(read.hours("opt_in_hold_hours"), _DAY),
        access_mail_lead=_or_default(read.hours("access_mail_lead_hours"), _DAY),
        access_in_confirmation=read.checkbox("access_in_confirmation"),
        reminder_lead=read.hours("reminder_lead_hours"),
        notify_organisers=read.checkbox("notify_organisers"),
        approval_required=read.checkbox("approval_required"),
        approval_holds_seat=read.checkbox("approval_holds_seat"),
        contact_email=read.text("contact_email"),
        funding_note=read.block("funding_note"),
        co_host=read.text("co_host"),
        invitation_only=read.checkbox("invitation_only"),
        series=read.text("series"),
        tags=_tags(read),
        questions=_questions(read),
        programme=_programme(read),
        people=_people(read),
    )
    form_field = form_field_names(form)
    errors = {form_field(name): code for name, code in draft_errors(draft).items()}
    errors.update(read.errors)
    if errors:
        raise InvalidInput(errors)
    return draft


def _or_default(duration: dt.timedelta | None, default: dt.timedelta) -> dt.timedelta:
    return default if duration is None else duration


def _translations(read: _Reader) -> dict[str, EventText]:
    """The event's own texts per further language; a language left empty is none."""
    translations: dict[str, EventText] = {}
    for language in TRANSLATABLE_LANGUAGES:
        text = EventText(
            **{
                name: (read.text if name == "title" else read.block)(
                    translation_field(name, language.value)
                )
                for name in TRANSLATED_FIELDS
            }
        )
        if text:
            translations[language.value] = text
    return translations


def _row_translations(
    read: _Reader, prefix: str, make: Callable[[str, str], _Item]
) -> dict[str, _Item]:
    """A row's texts per further language (``make(prefix, language)``); empty ones dropped."""
    found = {language.value: make(prefix, language.value) for language in TRANSLATABLE_LANGUAGES}
    return {language: text for language, text in found.items() if text}


def _options(raw: str) -> tuple[str, ...]:
    lines = (_single_line(line) for line in raw.split("\n"))
    return tuple(option for option in lines if option)


def _tags(read: _Reader) -> tuple[str, ...]:
    raw = read.limited("tags", read.text("tags"), limit=MAX_TAGS_TEXT)
    return tuple(dict.fromkeys(tag for part in raw.split(",") if (tag := part.strip())))


def _questions(read: _Reader) -> tuple[QuestionDraft, ...]:
    questions: list[QuestionDraft] = []
    for index in row_indices(read.form, "question"):
        prefix = f"question_{index}_"
        label = read.text(prefix + "label")
        options_name = prefix + "options"
        options_text = read.limited(
            options_name, read.block(options_name), limit=MAX_OPTIONS_TEXT, multiline=True
        )
        if not label:
            if options_text:
                read.errors[prefix + "label"] = REQUIRED
            continue
        kind = read.choice(prefix + "kind", QuestionKind, QuestionKind.TEXT)
        options: tuple[str, ...] = ()
        if kind is QuestionKind.CHOICE:
            options = tuple(dict.fromkeys(_options(options_text)))

        def question_text(prefix: str, language: str) -> QuestionText:
            name = translation_field(prefix + "options", language)
            raw = read.limited(name, read.block(name), limit=MAX_OPTIONS_TEXT, multiline=True)
            return QuestionText(
                label=read.text(translation_field(prefix + "label", language)),
                options=_options(raw),
            )

        questions.append(
            QuestionDraft(
                label=label,
                kind=kind,
                required=read.checkbox(prefix + "required"),
                options=options,
                key=read.form.get(prefix + "key", "").strip(),
                translations=_row_translations(read, prefix, question_text),
            )
        )
    return tuple(questions)


def _programme(read: _Reader) -> tuple[ProgrammeItem, ...]:
    items: list[ProgrammeItem] = []
    for index in row_indices(read.form, "programme"):
        prefix = f"programme_{index}_"
        time = read.text(prefix + "time")
        title = read.text(prefix + "title")
        detail = read.block(prefix + "detail")
        if not title:
            if time or detail:
                read.errors[prefix + "title"] = REQUIRED
            continue
        items.append(
            ProgrammeItem(
                title=title,
                time=time,
                detail=detail,
                translations=_row_translations(
                    read,
                    prefix,
                    lambda prefix, language: ProgrammeText(
                        title=read.text(translation_field(prefix + "title", language)),
                        detail=read.block(translation_field(prefix + "detail", language)),
                    ),
                ),
            )
        )
    return tuple(items)


def _people(read: _Reader) -> tuple[Person, ...]:
    people: list[Person] = []
    for index in row_indices(read.form, "person"):
        prefix = f"person_{index}_"
        name = read.text(prefix + "name")
        affiliation = read.text(prefix + "affiliation")
        if not name:
            if affiliation:
                read.errors[prefix + "name"] = REQUIRED
            continue
        role = read.choice(prefix + "role", PersonRole, PersonRole.SPEAKER)
        people.append(
            Person(
                name=name,
                affiliation=affiliation,
                role=role,
                translations=_row_translations(
                    read,
                    prefix,
                    lambda prefix, language: PersonText(
                        affiliation=read.text(translation_field(prefix + "affiliation", language))
                    ),
                ),
            )
        )
    return tuple(people)
