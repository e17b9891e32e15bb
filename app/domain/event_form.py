"""The organisers' event form: raw strings in, an :class:`Event` (or every error) out, and back.

Plain HTML forms without JavaScript carry the lists (questions, programme, people) as numbered
rows: ``question_0_label``, ``programme_3_time``, ``person_1_name`` … A row left empty is dropped;
the page always offers a few empty rows to add more.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Mapping
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from app.domain.errors import InvalidInput
from app.domain.model import (
    TRANSLATABLE_LANGUAGES,
    AttendanceMode,
    Event,
    EventFormat,
    EventStatus,
    EventText,
    OnlineAccess,
    Person,
    PersonRole,
    ProgrammeItem,
    Question,
    QuestionKind,
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
#: Raised by the services: a capacity below the seats already given, a mode people hold seats in.
BELOW_SEATS_TAKEN = "below_seats_taken"
MODE_IN_USE = "mode_in_use"

DEFAULT_TIMEZONE = "Europe/Berlin"
#: The zones offered in the form's list; any IANA zone is accepted.
COMMON_TIMEZONES = ("Europe/Berlin", "Europe/Kyiv", "UTC")
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
#: Empty rows the form offers below the filled ones.
SPARE_ROWS = 2

#: Checkbox fields: present (any value) is on, absent is off.
CHECKBOXES = (
    "waitlist_enabled",
    "double_opt_in",
    "access_in_confirmation",
    "notify_organisers",
)

_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_KEY = re.compile(r"[a-z0-9_]+")
_ROW = re.compile(r"(question|programme|person)_(\d{1,3})_([a-z]+)")
_LOCAL_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M")
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


def local_input(moment: dt.datetime | None, timezone: str) -> str:
    """``moment`` as a ``datetime-local`` input shows it, in the event's zone."""
    if moment is None:
        return ""
    return moment.astimezone(_zone(timezone)).strftime("%Y-%m-%dT%H:%M")


def _zone(name: str) -> ZoneInfo:
    return zone_named(name) or ZoneInfo(DEFAULT_TIMEZONE)


def zone_named(name: str) -> ZoneInfo | None:
    """The IANA time zone ``name``, or ``None`` if there is none by that name."""
    if len(name) > MAX_ZONE_NAME or not _ZONE_NAME.fullmatch(name):
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        # OSError: a folder of the zone database (``America/Argentina``) is no zone either.
        return None


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
        "series": event.series,
        "tags": ", ".join(event.tags),
    }
    for language, text in event.translations.items():
        values[translation_field("title", language)] = text.title
        values[translation_field("teaser", language)] = text.teaser
        values[translation_field("description", language)] = text.description
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
    for index, item in enumerate(event.programme):
        prefix = f"programme_{index}_"
        values[prefix + "time"] = item.time
        values[prefix + "title"] = item.title
        values[prefix + "detail"] = item.detail
    for index, person in enumerate(event.people):
        prefix = f"person_{index}_"
        values[prefix + "name"] = person.name
        values[prefix + "affiliation"] = person.affiliation
        values[prefix + "role"] = person.role.value
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


class _Reader:
    """Reads the raw form field by field, collecting an error code per field."""

    def __init__(self, form: Mapping[str, str]) -> None:
        self.form = form
        self.errors: dict[str, str] = {}

    def text(self, name: str, *, limit: int = MAX_SHORT, required: bool = False) -> str:
        value = " ".join(unicodedata.normalize("NFC", self.form.get(name, "")).split())
        return self._check(name, value, limit=limit, required=required)

    def block(self, name: str, *, limit: int = MAX_LONG, required: bool = False) -> str:
        """Multi-line text: line breaks kept (normalised to ``\\n``), outer space trimmed."""
        raw = self.form.get(name, "").replace("\r\n", "\n").replace("\r", "\n")
        value = unicodedata.normalize("NFC", raw).strip()
        return self._check(name, value, limit=limit, required=required, multiline=True)

    def _check(
        self, name: str, value: str, *, limit: int, required: bool, multiline: bool = False
    ) -> str:
        visible = value.replace("\n", "").replace("\t", "") if multiline else value
        if required and not value:
            self.errors[name] = REQUIRED
        elif len(value) > limit:
            self.errors[name] = TOO_LONG
        elif any(unicodedata.category(ch) == "Cc" for ch in visible):
            self.errors[name] = INVALID_TEXT
        return value

    def checkbox(self, name: str) -> bool:
        return bool(self.form.get(name, ""))

    def moment(self, name: str, zone: ZoneInfo, *, required: bool) -> dt.datetime | None:
        raw = self.form.get(name, "").strip()
        if not raw:
            if required:
                self.errors[name] = REQUIRED
            return None
        for pattern in _LOCAL_FORMATS:
            try:
                naive = dt.datetime.strptime(raw, pattern)  # noqa: DTZ007 - zone added below
            except ValueError:
                continue
            if not FIRST_YEAR <= naive.year <= LAST_YEAR:
                self.errors[name] = DATE_OUT_OF_RANGE
                return None
            return naive.replace(tzinfo=zone).astimezone(dt.UTC)
        self.errors[name] = INVALID_DATETIME
        return None

    def count(self, name: str, *, maximum: int) -> int | None:
        """A whole number from 0 to ``maximum``; empty is ``None``."""
        raw = self.form.get(name, "").strip()
        if not raw:
            return None
        if not raw.isascii() or not raw.isdigit() or int(raw) > maximum:
            self.errors[name] = INVALID_NUMBER
            return None
        return int(raw)

    def hours(self, name: str, *, default: float | None) -> dt.timedelta | None:
        """A duration in hours (decimals allowed, minutes kept); empty gives ``default``."""
        raw = self.form.get(name, "").strip().replace(",", ".")
        if not raw:
            return None if default is None else dt.timedelta(hours=default)
        try:
            hours = float(raw)
        except ValueError:
            hours = -1.0
        if not 0 <= hours <= MAX_HOURS or hours != hours:  # NaN is not a duration
            self.errors[name] = INVALID_NUMBER
            return None if default is None else dt.timedelta(hours=default)
        return dt.timedelta(minutes=round(hours * 60))

    def choice(self, name: str, kind: Callable[[str], object]) -> str:
        raw = self.form.get(name, "").strip()
        try:
            kind(raw)
        except ValueError:
            self.errors[name] = INVALID_CHOICE if raw else REQUIRED
            return ""
        return raw


def parse_event_form(form: Mapping[str, str], *, current: Event | None = None) -> Event:
    """The event the form describes; raises :class:`InvalidInput` with an error per field.

    ``current`` is the stored event when the form edits one: its id, status, seat counters,
    revision and sample flag are kept, and so are its question keys. The slug may be empty for
    a new event (the service makes one from the title). Checks: end after start, deadline not
    after the end, opening before the deadline, capacities whole numbers ≥ 0, access data only
    for online or hybrid events, a contact address when organisers are to be notified.
    """
    read = _Reader(form)
    title = read.text("title", limit=MAX_TITLE, required=True)
    slug = form.get("slug", "").strip().lower()
    if slug and not is_valid_slug(slug):
        read.errors["slug"] = INVALID_SLUG
    teaser = read.block("teaser", limit=MAX_TEASER)
    description = read.block("description")
    translations = _translations(read)
    format_value = read.choice("format", EventFormat)
    event_format = EventFormat(format_value) if format_value else EventFormat.IN_PERSON

    timezone = form.get("timezone", "").strip() or DEFAULT_TIMEZONE
    zone = zone_named(timezone)
    if zone is None:
        read.errors["timezone"] = INVALID_TIMEZONE
        zone = ZoneInfo(DEFAULT_TIMEZONE)
        timezone = DEFAULT_TIMEZONE
    starts_at = read.moment("starts_at", zone, required=True)
    ends_at = read.moment("ends_at", zone, required=True)
    opens_at = read.moment("registration_opens_at", zone, required=False)
    closes_at = read.moment("registration_closes_at", zone, required=False)
    if starts_at and ends_at and ends_at <= starts_at:
        read.errors["ends_at"] = NOT_AFTER_START
    if closes_at and ends_at and closes_at > ends_at:
        read.errors["registration_closes_at"] = DEADLINE_AFTER_END
    last_moment = closes_at or ends_at
    if opens_at and last_moment and opens_at >= last_moment:
        read.errors["registration_opens_at"] = OPENS_AFTER_DEADLINE

    venue_name = read.text("venue_name")
    venue_address = read.block("venue_address", limit=MAX_TEASER)
    access = _access(read, event_format)

    offered = _offered_modes(event_format)
    capacity_in_person = read.count("capacity_in_person", maximum=MAX_CAPACITY)
    capacity_online = read.count("capacity_online", maximum=MAX_CAPACITY)
    if AttendanceMode.IN_PERSON not in offered:
        capacity_in_person = None
    if AttendanceMode.ONLINE not in offered:
        capacity_online = None

    opt_in_hold = read.hours("opt_in_hold_hours", default=24)
    access_mail_lead = read.hours("access_mail_lead_hours", default=24)
    reminder_lead = read.hours("reminder_lead_hours", default=None)
    notify_organisers = read.checkbox("notify_organisers")
    contact_email = read.text("contact_email", limit=254)
    if contact_email and not is_valid_email(contact_email):
        read.errors["contact_email"] = INVALID_EMAIL
    elif notify_organisers and not contact_email:
        read.errors["contact_email"] = CONTACT_REQUIRED
    funding_note = read.block("funding_note", limit=MAX_TEASER)
    series = read.text("series", limit=120)
    tags = _tags(read)

    questions = _questions(read, current)
    programme = _programme(read)
    people = _people(read)

    if read.errors:
        raise InvalidInput(read.errors)
    assert starts_at is not None
    assert ends_at is not None
    base = current or _blank(starts_at, ends_at)
    return dataclasses.replace(
        base,
        slug=slug or (current.slug if current else ""),
        title=title,
        teaser=teaser,
        description=description,
        translations=translations,
        format=event_format,
        starts_at=starts_at,
        ends_at=ends_at,
        timezone=timezone,
        venue_name=venue_name,
        venue_address=venue_address,
        online_access=access,
        in_person_seats=Seats(capacity_in_person, base.in_person_seats.taken),
        online_seats=Seats(capacity_online, base.online_seats.taken),
        registration_opens_at=opens_at,
        registration_closes_at=closes_at,
        waitlist_enabled=read.checkbox("waitlist_enabled"),
        double_opt_in=read.checkbox("double_opt_in"),
        opt_in_hold=opt_in_hold or dt.timedelta(hours=24),
        access_mail_lead=access_mail_lead or dt.timedelta(0),
        access_in_confirmation=read.checkbox("access_in_confirmation"),
        reminder_lead=reminder_lead,
        notify_organisers=notify_organisers,
        contact_email=contact_email,
        funding_note=funding_note,
        series=series,
        tags=tags,
        questions=questions,
        programme=programme,
        people=people,
    )


def _translations(read: _Reader) -> dict[str, EventText]:
    """Title, teaser and description per further language; all optional, checked like German."""
    translations: dict[str, EventText] = {}
    for language in TRANSLATABLE_LANGUAGES:
        text = EventText(
            title=read.text(translation_field("title", language.value), limit=MAX_TITLE),
            teaser=read.block(translation_field("teaser", language.value), limit=MAX_TEASER),
            description=read.block(translation_field("description", language.value)),
        )
        if text:
            translations[language.value] = text
    return translations


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


def _access(read: _Reader, event_format: EventFormat) -> OnlineAccess | None:
    join_url = read.text("online_join_url", limit=2_000)
    meeting_id = read.text("online_meeting_id", limit=100)
    passcode = read.text("online_passcode", limit=100)
    if event_format is EventFormat.IN_PERSON:
        for name, value in (
            ("online_join_url", join_url),
            ("online_meeting_id", meeting_id),
            ("online_passcode", passcode),
        ):
            if value:
                read.errors[name] = ACCESS_NOT_ONLINE
        return None
    if not join_url:
        if meeting_id or passcode:
            read.errors["online_join_url"] = REQUIRED
        return None
    parts = urlsplit(join_url)
    if parts.scheme not in ("https", "http") or not parts.netloc or " " in join_url:
        read.errors["online_join_url"] = INVALID_URL
    return OnlineAccess(join_url=join_url, meeting_id=meeting_id, passcode=passcode)


def _tags(read: _Reader) -> tuple[str, ...]:
    raw = read.text("tags", limit=1_000)
    tags: list[str] = []
    for part in raw.split(","):
        tag = part.strip()
        if tag and tag not in tags:
            tags.append(tag)
    if len(tags) > MAX_TAGS or any(len(tag) > 60 for tag in tags):
        read.errors["tags"] = TOO_LONG
    return tuple(tags)


def _questions(read: _Reader, current: Event | None) -> tuple[Question, ...]:
    known = {q.key for q in current.questions} if current else set()
    used: set[str] = set()
    questions: list[Question] = []
    rows = row_indices(read.form, "question")
    for index in rows:
        prefix = f"question_{index}_"
        label = read.text(prefix + "label", limit=MAX_SHORT)
        options_raw = read.block(prefix + "options", limit=5_000)
        if not label:
            if options_raw:
                read.errors[prefix + "label"] = REQUIRED
            continue
        kind_value = read.choice(prefix + "kind", QuestionKind)
        kind = QuestionKind(kind_value) if kind_value else QuestionKind.TEXT
        options: tuple[str, ...] = ()
        if kind is QuestionKind.CHOICE:
            options = tuple(
                dict.fromkeys(" ".join(line.split()) for line in options_raw.split("\n"))
            )
            options = tuple(option for option in options if option)
            if len(options) < 2:
                read.errors[prefix + "options"] = OPTIONS_REQUIRED
            elif len(options) > MAX_OPTIONS or any(len(o) > MAX_SHORT for o in options):
                read.errors[prefix + "options"] = TOO_LONG
        key = read.form.get(prefix + "key", "").strip()
        # A stored question keeps its key (its answers are filed under it); new ones get one.
        if key not in known or key in used or not _KEY.fullmatch(key):
            key = _new_key(label, known | used)
        used.add(key)
        questions.append(
            Question(
                key=key,
                label=label,
                kind=kind,
                required=read.checkbox(prefix + "required"),
                options=options,
            )
        )
    if len(questions) > MAX_QUESTIONS:
        read.errors["questions"] = TOO_LONG
    return tuple(questions)


def _new_key(label: str, taken: set[str]) -> str:
    stem = slugify(label, limit=40).replace("-", "_") or "frage"
    key, number = stem, 2
    while key in taken:
        key, number = f"{stem}_{number}", number + 1
    return key


def _programme(read: _Reader) -> tuple[ProgrammeItem, ...]:
    items: list[ProgrammeItem] = []
    for index in row_indices(read.form, "programme"):
        prefix = f"programme_{index}_"
        time = read.text(prefix + "time", limit=40)
        title = read.text(prefix + "title", limit=MAX_SHORT)
        detail = read.block(prefix + "detail", limit=MAX_TEASER)
        if not title:
            if time or detail:
                read.errors[prefix + "title"] = REQUIRED
            continue
        items.append(ProgrammeItem(title=title, time=time, detail=detail))
    if len(items) > MAX_PROGRAMME:
        read.errors["programme"] = TOO_LONG
    return tuple(items)


def _people(read: _Reader) -> tuple[Person, ...]:
    people: list[Person] = []
    for index in row_indices(read.form, "person"):
        prefix = f"person_{index}_"
        name = read.text(prefix + "name", limit=MAX_SHORT)
        affiliation = read.text(prefix + "affiliation", limit=MAX_SHORT)
        if not name:
            if affiliation:
                read.errors[prefix + "name"] = REQUIRED
            continue
        role_value = read.choice(prefix + "role", PersonRole)
        role = PersonRole(role_value) if role_value else PersonRole.SPEAKER
        people.append(Person(name=name, affiliation=affiliation, role=role))
    if len(people) > MAX_PEOPLE:
        read.errors["people"] = TOO_LONG
    return tuple(people)
