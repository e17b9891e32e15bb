"""The rules of an event: an :class:`EventDraft` in, an :class:`Event` (or every error) out.

Whatever the organisers set, through the form (``app.web.event_form``) or otherwise, passes
here: text limits, the order of the dates, access data only for online events, the question
keys that stay stable across edits. Errors name the draft's fields.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import unicodedata
from collections.abc import Mapping
from typing import TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from app.domain.errors import InvalidInput
from app.domain.model import (
    DEFAULT_TIMEZONE,
    TRANSLATABLE_LANGUAGES,
    AttendanceMode,
    Event,
    EventDraft,
    EventFormat,
    EventStatus,
    EventText,
    OnlineAccess,
    PersonText,
    ProgrammeText,
    Question,
    QuestionDraft,
    QuestionKind,
    QuestionText,
    Seats,
)
from app.domain.validation import (
    INVALID_CHOICE,
    INVALID_EMAIL,
    INVALID_TEXT,
    REQUIRED,
    TOO_LONG,
    is_valid_email,
)

#: Error codes of the event form, beside the shared ones in ``app.domain.validation``.
INVALID_DATETIME = "invalid_datetime"
NOT_AFTER_START = "not_after_start"
DEADLINE_AFTER_END = "deadline_after_end"
OPENS_AFTER_DEADLINE = "opens_after_deadline"
INVALID_NUMBER = "invalid_number"
ACCESS_NOT_ONLINE = "access_not_online"
INVALID_URL = "invalid_url"
INVALID_SLUG = "invalid_slug"
SLUG_TAKEN = "slug_taken"
INVALID_TIMEZONE = "invalid_timezone"
DATE_OUT_OF_RANGE = "date_out_of_range"
OPTIONS_REQUIRED = "options_required"
CONTACT_REQUIRED = "contact_required"
#: The longest co-host organisation name (the column's length).
MAX_CO_HOST = 300
#: A translation of a choice question's options lists a different number of options.
OPTIONS_COUNT = "options_count"
#: Raised by the services: a capacity below the seats already given, a mode people hold seats in.
BELOW_SEATS_TAKEN = "below_seats_taken"
MODE_IN_USE = "mode_in_use"

#: The shape of an IANA zone name (``America/Argentina/Buenos_Aires``, ``Etc/GMT+1``; the
#: longest is 32 characters). Checked before ``ZoneInfo`` sees the name: it opens a file of that
#: name, and a 100 KB name or a folder (``Europe``) is an ``OSError`` there, not a refusal.
_ZONE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_+-]*(?:/[A-Za-z0-9][A-Za-z0-9_+-]*){0,2}")
MAX_ZONE_NAME = 64
#: The years an event's dates may fall in. Python's datetimes end at the years 1 and 9999, so a
#: date near either end cannot be moved between the event's zone and UTC (``OverflowError``),
#: nor can the days around it be computed for mails and calendars; no real event is that far off.
FIRST_YEAR = 1900
LAST_YEAR = 2999

MAX_TITLE = 300
MAX_SHORT = 300
MAX_TEASER = 1_000
MAX_LONG = 50_000
MAX_CAPACITY = 100_000
#: The longest lead or hold, in hours (60 days).
MAX_HOURS = 60 * 24
MAX_QUESTIONS = 30
MAX_PROGRAMME = 60
MAX_PEOPLE = 40
MAX_OPTIONS = 30
MAX_TAGS = 20
MAX_TAG = 60
MAX_TIME_TEXT = 40
MAX_SERIES = 120
MAX_JOIN_URL = 2_000
MAX_ACCESS_CODE = 100
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_KEY = re.compile(r"[a-z0-9_]+")
# German and Ukrainian letters a slug should keep readable rather than drop.
_TRANSLITERATION = str.maketrans(
    {
        "ä": "ae",
        "ö": "oe",
        "ü": "ue",
        "ß": "ss",
        "а": "a",
        "б": "b",
        "в": "v",
        "г": "h",
        "ґ": "g",
        "д": "d",
        "е": "e",
        "є": "ie",
        "ж": "zh",
        "з": "z",
        "и": "y",
        "і": "i",
        "ї": "i",
        "й": "i",
        "к": "k",
        "л": "l",
        "м": "m",
        "н": "n",
        "о": "o",
        "п": "p",
        "р": "r",
        "с": "s",
        "т": "t",
        "у": "u",
        "ф": "f",
        "х": "kh",
        "ц": "ts",
        "ч": "ch",
        "ш": "sh",
        "щ": "shch",
        "ь": "",
        "ю": "iu",
        "я": "ia",
        "ы": "y",
        "э": "e",
        "ё": "e",
        "ъ": "",
    }
)


def slugify(text: str, *, limit: int = 80) -> str:
    """A readable ASCII slug of ``text`` (``"Auftakt in Kyjiw"`` → ``"auftakt-in-kyjiw"``)."""
    lowered = unicodedata.normalize("NFC", text).casefold().translate(_TRANSLITERATION)
    ascii_text = unicodedata.normalize("NFKD", lowered).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    return slug[:limit].rstrip("-")


def is_valid_slug(slug: str) -> bool:
    """Whether ``slug`` may name an event in its address."""
    return len(slug) <= 120 and _SLUG.fullmatch(slug) is not None


def zone_named(name: str) -> ZoneInfo | None:
    """The IANA time zone ``name``, or ``None`` if there is none by that name."""
    if len(name) > MAX_ZONE_NAME or not _ZONE_NAME.fullmatch(name):
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        # OSError: a folder of the zone database (``America/Argentina``) is no zone either.
        return None


def text_error(
    value: str, *, limit: int, required: bool = False, multiline: bool = False
) -> str | None:
    """The error code of a text (already trimmed) that breaks its limit, else ``None``.

    Multi-line texts may keep line breaks and tabs; nothing else invisible passes.
    """
    visible = value.replace("\n", "").replace("\t", "") if multiline else value
    if required and not value:
        return REQUIRED
    if len(value) > limit:
        return TOO_LONG
    if any(unicodedata.category(ch) == "Cc" for ch in visible):
        return INVALID_TEXT
    return None


class _Errors(dict[str, str]):
    """Error codes by field; a later rule about a field replaces an earlier one."""

    def text(
        self,
        name: str,
        value: str,
        *,
        limit: int = MAX_SHORT,
        required: bool = False,
        multiline: bool = False,
    ) -> None:
        code = text_error(value, limit=limit, required=required, multiline=multiline)
        if code is not None:
            self[name] = code


def draft_errors(draft: EventDraft) -> dict[str, str]:
    """Every rule ``draft`` breaks, as an error code per field (empty: none)."""
    errors = _Errors()
    errors.text("title", draft.title, limit=MAX_TITLE, required=True)
    if draft.slug and not is_valid_slug(draft.slug):
        errors["slug"] = INVALID_SLUG
    errors.text("teaser", draft.teaser, limit=MAX_TEASER, multiline=True)
    errors.text("description", draft.description, limit=MAX_LONG, multiline=True)
    for language, text in draft.translations.items():
        prefix = f"translations.{language}."
        errors.text(prefix + "title", text.title, limit=MAX_TITLE)
        errors.text(prefix + "teaser", text.teaser, limit=MAX_TEASER, multiline=True)
        errors.text(prefix + "description", text.description, limit=MAX_LONG, multiline=True)
        errors.text(prefix + "venue_notes", text.venue_notes, limit=MAX_TEASER, multiline=True)
        errors.text(prefix + "access_notes", text.access_notes, limit=MAX_TEASER, multiline=True)
        errors.text(prefix + "funding_note", text.funding_note, limit=MAX_TEASER, multiline=True)
    _check_dates(draft, errors)
    errors.text("venue_name", draft.venue_name)
    errors.text("venue_address", draft.venue_address, limit=MAX_TEASER, multiline=True)
    errors.text("venue_notes", draft.venue_notes, limit=MAX_TEASER, multiline=True)
    errors.text("access_notes", draft.access_notes, limit=MAX_TEASER, multiline=True)
    _check_access(draft, errors)
    for name, capacity in (
        ("capacity_in_person", draft.capacity_in_person),
        ("capacity_online", draft.capacity_online),
    ):
        if capacity is not None and not 0 <= capacity <= MAX_CAPACITY:
            errors[name] = INVALID_NUMBER
    for name, lead in (
        ("opt_in_hold", draft.opt_in_hold),
        ("access_mail_lead", draft.access_mail_lead),
        ("reminder_lead", draft.reminder_lead),
    ):
        if lead is not None and not dt.timedelta(0) <= lead <= dt.timedelta(hours=MAX_HOURS):
            errors[name] = INVALID_NUMBER
    errors.text("contact_email", draft.contact_email, limit=254)
    if draft.contact_email and not is_valid_email(draft.contact_email):
        errors["contact_email"] = INVALID_EMAIL
    elif draft.notify_organisers and not draft.contact_email:
        errors["contact_email"] = CONTACT_REQUIRED
    errors.text("funding_note", draft.funding_note, limit=MAX_TEASER, multiline=True)
    errors.text("co_host", draft.co_host, limit=MAX_CO_HOST)
    errors.text("series", draft.series, limit=MAX_SERIES)
    if len(draft.tags) > MAX_TAGS or any(len(tag) > MAX_TAG for tag in draft.tags):
        errors["tags"] = TOO_LONG
    _check_lists(draft, errors)
    return dict(errors)


def _check_dates(draft: EventDraft, errors: _Errors) -> None:
    zone = zone_named(draft.timezone)
    if zone is None:
        errors["timezone"] = INVALID_TIMEZONE
        zone = ZoneInfo(DEFAULT_TIMEZONE)
    moments = {
        "starts_at": draft.starts_at,
        "ends_at": draft.ends_at,
        "registration_opens_at": draft.registration_opens_at,
        "registration_closes_at": draft.registration_closes_at,
    }
    for name, moment in moments.items():
        if moment is None:
            if name in ("starts_at", "ends_at"):
                errors[name] = REQUIRED
        elif not _in_supported_years(moment, zone):
            errors[name] = DATE_OUT_OF_RANGE
    starts_at, ends_at = draft.starts_at, draft.ends_at
    opens_at, closes_at = draft.registration_opens_at, draft.registration_closes_at
    if starts_at and ends_at and ends_at <= starts_at:
        errors["ends_at"] = NOT_AFTER_START
    if closes_at and ends_at and closes_at > ends_at:
        errors["registration_closes_at"] = DEADLINE_AFTER_END
    last_moment = closes_at or ends_at
    if opens_at and last_moment and opens_at >= last_moment:
        errors["registration_opens_at"] = OPENS_AFTER_DEADLINE


def _in_supported_years(moment: dt.datetime, zone: ZoneInfo) -> bool:
    try:
        return FIRST_YEAR <= moment.astimezone(zone).year <= LAST_YEAR
    except OverflowError:
        return False


def _check_access(draft: EventDraft, errors: _Errors) -> None:
    access = {
        "online_join_url": draft.online_join_url,
        "online_meeting_id": draft.online_meeting_id,
        "online_passcode": draft.online_passcode,
    }
    errors.text("online_join_url", draft.online_join_url, limit=MAX_JOIN_URL)
    errors.text("online_meeting_id", draft.online_meeting_id, limit=MAX_ACCESS_CODE)
    errors.text("online_passcode", draft.online_passcode, limit=MAX_ACCESS_CODE)
    if draft.format is EventFormat.IN_PERSON:
        for name, value in access.items():
            if value:
                errors[name] = ACCESS_NOT_ONLINE
        return
    join_url = draft.online_join_url
    if not join_url:
        if draft.online_meeting_id or draft.online_passcode:
            errors["online_join_url"] = REQUIRED
        return
    parts = urlsplit(join_url)
    if parts.scheme not in ("https", "http") or not parts.netloc or " " in join_url:
        errors["online_join_url"] = INVALID_URL


def _check_lists(draft: EventDraft, errors: _Errors) -> None:
    for index, question in enumerate(draft.questions):
        prefix = f"questions.{index}."
        errors.text(prefix + "label", question.label, required=True)
        if question.kind is QuestionKind.CHOICE:
            options = question.options
            if len(options) < 2:
                errors[prefix + "options"] = OPTIONS_REQUIRED
            elif len(options) > MAX_OPTIONS or any(len(o) > MAX_SHORT for o in options):
                errors[prefix + "options"] = TOO_LONG
        for language, text in question.translations.items():
            where = f"{prefix}translations.{language}."
            errors.text(where + "label", text.label)
            if text.options and (
                question.kind is not QuestionKind.CHOICE or len(text.options) != len(options)
            ):
                errors[where + "options"] = OPTIONS_COUNT
            elif any(text_error(o, limit=MAX_SHORT) for o in text.options):
                errors[where + "options"] = TOO_LONG
    if len(draft.questions) > MAX_QUESTIONS:
        errors["questions"] = TOO_LONG
    for index, item in enumerate(draft.programme):
        prefix = f"programme.{index}."
        errors.text(prefix + "time", item.time, limit=MAX_TIME_TEXT)
        errors.text(prefix + "title", item.title, required=True)
        errors.text(prefix + "detail", item.detail, limit=MAX_TEASER, multiline=True)
        for language, item_text in item.translations.items():
            where = f"{prefix}translations.{language}."
            errors.text(where + "title", item_text.title)
            errors.text(where + "detail", item_text.detail, limit=MAX_TEASER, multiline=True)
    if len(draft.programme) > MAX_PROGRAMME:
        errors["programme"] = TOO_LONG
    for index, person in enumerate(draft.people):
        prefix = f"people.{index}."
        errors.text(prefix + "name", person.name, required=True)
        errors.text(prefix + "affiliation", person.affiliation)
        for language, person_text in person.translations.items():
            errors.text(f"{prefix}translations.{language}.affiliation", person_text.affiliation)
    if len(draft.people) > MAX_PEOPLE:
        errors["people"] = TOO_LONG


def build_event(draft: EventDraft, *, current: Event | None = None) -> Event:
    """The event ``draft`` describes; raises :class:`InvalidInput` with every broken rule.

    ``current`` is the stored event when the draft edits one: its id, status, seat counters,
    revision and sample flag are kept, and so are its question keys. The slug may be empty for
    a new event (the service makes one from the title). Capacities of a mode the format does
    not offer are dropped.
    """
    errors = draft_errors(draft)
    if errors:
        raise InvalidInput(errors)
    assert draft.starts_at is not None
    assert draft.ends_at is not None
    base = current or _blank(draft.starts_at, draft.ends_at)
    offered = _offered_modes(draft.format)
    capacity_in_person = draft.capacity_in_person if AttendanceMode.IN_PERSON in offered else None
    capacity_online = draft.capacity_online if AttendanceMode.ONLINE in offered else None
    return dataclasses.replace(
        base,
        slug=draft.slug or (current.slug if current else ""),
        title=draft.title,
        teaser=draft.teaser,
        description=draft.description,
        translations={
            language: text
            for language, text in draft.translations.items()
            if text and language in {known.value for known in TRANSLATABLE_LANGUAGES}
        },
        format=draft.format,
        starts_at=draft.starts_at,
        ends_at=draft.ends_at,
        timezone=draft.timezone,
        venue_name=draft.venue_name,
        venue_address=draft.venue_address,
        venue_notes=draft.venue_notes,
        online_access=_access(draft),
        access_notes=draft.access_notes if draft.format is not EventFormat.IN_PERSON else "",
        in_person_seats=Seats(capacity_in_person, base.in_person_seats.taken),
        online_seats=Seats(capacity_online, base.online_seats.taken),
        registration_opens_at=draft.registration_opens_at,
        registration_closes_at=draft.registration_closes_at,
        waitlist_enabled=draft.waitlist_enabled,
        double_opt_in=draft.double_opt_in,
        opt_in_hold=draft.opt_in_hold or dt.timedelta(hours=24),
        access_mail_lead=draft.access_mail_lead,
        access_in_confirmation=draft.access_in_confirmation,
        reminder_lead=draft.reminder_lead,
        notify_organisers=draft.notify_organisers,
        approval_required=draft.approval_required,
        approval_holds_seat=draft.approval_holds_seat,
        contact_email=draft.contact_email,
        funding_note=draft.funding_note,
        co_host=draft.co_host,
        invitation_only=draft.invitation_only,
        series=draft.series,
        tags=draft.tags,
        questions=_keyed_questions(draft.questions, current),
        programme=tuple(
            dataclasses.replace(item, translations=_kept(item.translations))
            for item in draft.programme
        ),
        people=tuple(
            dataclasses.replace(person, translations=_kept(person.translations))
            for person in draft.people
        ),
    )


_Text = TypeVar("_Text", QuestionText, ProgrammeText, PersonText)


def _kept(translations: Mapping[str, _Text]) -> dict[str, _Text]:
    """The translations with some text, in a known language."""
    known = {language.value for language in TRANSLATABLE_LANGUAGES}
    return {language: text for language, text in translations.items() if text and language in known}


def _blank(starts_at: dt.datetime, ends_at: dt.datetime) -> Event:
    return Event(
        id=0,
        slug="",
        title="",
        teaser="",
        description="",
        format=EventFormat.IN_PERSON,
        starts_at=starts_at,
        ends_at=ends_at,
        timezone=DEFAULT_TIMEZONE,
        status=EventStatus.DRAFT,
        in_person_seats=Seats(None, 0),
        online_seats=Seats(None, 0),
        waitlist_enabled=True,
    )


def _offered_modes(event_format: EventFormat) -> tuple[AttendanceMode, ...]:
    if event_format is EventFormat.HYBRID:
        return (AttendanceMode.IN_PERSON, AttendanceMode.ONLINE)
    if event_format is EventFormat.ONLINE:
        return (AttendanceMode.ONLINE,)
    return (AttendanceMode.IN_PERSON,)


def _access(draft: EventDraft) -> OnlineAccess | None:
    if draft.format is EventFormat.IN_PERSON or not draft.online_join_url:
        return None
    return OnlineAccess(
        join_url=draft.online_join_url,
        meeting_id=draft.online_meeting_id,
        passcode=draft.online_passcode,
    )


def _keyed_questions(
    drafts: tuple[QuestionDraft, ...], current: Event | None
) -> tuple[Question, ...]:
    known = {q.key for q in current.questions} if current else set()
    used: set[str] = set()
    questions: list[Question] = []
    for draft in drafts:
        key = draft.key
        # A stored question keeps its key (its answers are filed under it); new ones get one.
        if key not in known or key in used or not _KEY.fullmatch(key):
            key = _new_key(draft.label, known | used)
        used.add(key)
        questions.append(
            Question(
                key=key,
                label=draft.label,
                kind=draft.kind,
                required=draft.required,
                options=draft.options if draft.kind is QuestionKind.CHOICE else (),
                translations=_kept(
                    {
                        language: text
                        if draft.kind is QuestionKind.CHOICE
                        else QuestionText(label=text.label)
                        for language, text in draft.translations.items()
                    }
                ),
            )
        )
    return tuple(questions)


def _new_key(label: str, taken: set[str]) -> str:
    stem = slugify(label, limit=40).replace("-", "_") or "frage"
    key, number = stem, 2
    while key in taken:
        key, number = f"{stem}_{number}", number + 1
    return key


def draft_of(event: Event) -> EventDraft:
    """The draft that describes ``event`` as it is (with its access data, if it was read)."""
    access = event.online_access
    return EventDraft(
        title=event.title,
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        slug=event.slug,
        teaser=event.teaser,
        description=event.description,
        translations=dict(event.translations),
        format=event.format,
        timezone=event.timezone,
        venue_name=event.venue_name,
        venue_address=event.venue_address,
        venue_notes=event.venue_notes,
        access_notes=event.access_notes,
        online_join_url=access.join_url if access else "",
        online_meeting_id=access.meeting_id if access else "",
        online_passcode=access.passcode if access else "",
        capacity_in_person=event.in_person_seats.capacity,
        capacity_online=event.online_seats.capacity,
        registration_opens_at=event.registration_opens_at,
        registration_closes_at=event.registration_closes_at,
        waitlist_enabled=event.waitlist_enabled,
        double_opt_in=event.double_opt_in,
        opt_in_hold=event.opt_in_hold,
        access_mail_lead=event.access_mail_lead,
        access_in_confirmation=event.access_in_confirmation,
        reminder_lead=event.reminder_lead,
        notify_organisers=event.notify_organisers,
        approval_required=event.approval_required,
        approval_holds_seat=event.approval_holds_seat,
        contact_email=event.contact_email,
        funding_note=event.funding_note,
        co_host=event.co_host,
        invitation_only=event.invitation_only,
        series=event.series,
        tags=event.tags,
        questions=tuple(
            QuestionDraft(
                label=q.label,
                kind=q.kind,
                required=q.required,
                options=q.options,
                key=q.key,
                translations=dict(q.translations),
            )
            for q in event.questions
        ),
        programme=event.programme,
        people=event.people,
    )


#: A translation for a question key the event does not have, or for a list item it lacks.
UNKNOWN_ITEM = "unknown_item"


@dataclasses.dataclass(frozen=True, slots=True)
class EventTranslations:
    """New translations of an event's texts; what is ``None`` stays as it is.

    Questions by their stable key; programme items and people by position, one mapping of
    languages per item.
    """

    own: Mapping[str, EventText] | None = None
    questions: Mapping[str, Mapping[str, QuestionText]] | None = None
    programme: tuple[Mapping[str, ProgrammeText], ...] | None = None
    people: tuple[Mapping[str, PersonText], ...] | None = None


def translated_event(event: Event, texts: EventTranslations) -> Event:
    """``event`` with ``texts`` as its translations, checked by the same rules as the form.

    Raises :class:`InvalidInput` for broken rules, and with ``UNKNOWN_ITEM`` for a question key
    or list position the event does not have (``questions.<key>``, ``programme``, ``people``).
    """
    errors: dict[str, str] = {}
    known = {q.key for q in event.questions}
    for key in texts.questions or {}:
        if key not in known:
            errors[f"questions.{key}"] = UNKNOWN_ITEM
    if texts.programme is not None and len(texts.programme) != len(event.programme):
        errors["programme"] = UNKNOWN_ITEM
    if texts.people is not None and len(texts.people) != len(event.people):
        errors["people"] = UNKNOWN_ITEM
    languages = {language.value for language in TRANSLATABLE_LANGUAGES}
    given = [
        *(texts.own or {}),
        *(lang for q in (texts.questions or {}).values() for lang in q),
        *(lang for item in texts.programme or () for lang in item),
        *(lang for item in texts.people or () for lang in item),
    ]
    for language in given:
        if language not in languages:
            errors[f"translations.{language}"] = INVALID_CHOICE
    if errors:
        raise InvalidInput(errors)
    draft = draft_of(event)
    questions = texts.questions
    draft = dataclasses.replace(
        draft,
        translations=dict(texts.own) if texts.own is not None else draft.translations,
        questions=tuple(
            dataclasses.replace(q, translations=dict(questions.get(q.key, {})))
            if questions is not None
            else q
            for q in draft.questions
        ),
        programme=tuple(
            dataclasses.replace(item, translations=dict(new))
            for item, new in zip(draft.programme, texts.programme, strict=True)
        )
        if texts.programme is not None
        else draft.programme,
        people=tuple(
            dataclasses.replace(person, translations=dict(new))
            for person, new in zip(draft.people, texts.people, strict=True)
        )
        if texts.people is not None
        else draft.people,
    )
    return build_event(draft, current=event)
