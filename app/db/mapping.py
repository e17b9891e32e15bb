"""Conversion between table rows (dicts) and domain types."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Mapping
from typing import Any, TypeVar

from app.domain.model import (
    TRANSLATABLE_LANGUAGES,
    TRANSLATED_FIELDS,
    AttendanceMode,
    AttendanceSource,
    Country,
    Event,
    EventFormat,
    EventMaterials,
    EventStatus,
    EventText,
    Language,
    MaterialLink,
    OnlineAccess,
    OrganisationType,
    Person,
    PersonRole,
    PersonText,
    ProgrammeItem,
    ProgrammeText,
    Question,
    QuestionKind,
    QuestionText,
    Registration,
    RegistrationStatus,
    Seats,
)

_Choice = TypeVar("_Choice", OrganisationType, Country, AttendanceSource)


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


def _utc_required(value: dt.datetime) -> dt.datetime:
    result = _utc(value)
    assert result is not None
    return result


def _minutes(duration: dt.timedelta) -> int:
    return int(duration.total_seconds() // 60)


def _texts(value: Any, fields: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    """The stored translations ``{"en": {...}, "uk": {...}}`` of known languages, as dicts."""
    stored = _json(value) if value else {}
    if not isinstance(stored, dict):
        return {}
    found: dict[str, dict[str, Any]] = {}
    for language in TRANSLATABLE_LANGUAGES:
        item = stored.get(language.value)
        if isinstance(item, dict):
            found[language.value] = {name: item.get(name) or "" for name in fields}
    return found


def translations_from_json(value: Any) -> dict[str, EventText]:
    """The translated texts stored in an event's ``translations`` column (unknown keys dropped).

    JSON written before a field existed reads as that field untranslated.
    """
    translations: dict[str, EventText] = {}
    for language, item in _texts(value, TRANSLATED_FIELDS).items():
        text = EventText(**{name: str(item[name]) for name in TRANSLATED_FIELDS})
        if text:
            translations[language] = text
    return translations


def translations_to_json(translations: Mapping[str, EventText]) -> str:
    """The ``translations`` column of an event: only languages with some text."""
    return json.dumps(
        {
            # Title, teaser and description always (as before); later fields only when set.
            language: {
                name: getattr(t, name)
                for index, name in enumerate(TRANSLATED_FIELDS)
                if index < 3 or getattr(t, name)
            }
            for language, t in sorted(translations.items())
            if t
        },
        ensure_ascii=False,
    )


def _question_texts(value: Any) -> dict[str, QuestionText]:
    texts = {
        language: QuestionText(
            label=str(item["label"]),
            options=tuple(str(o) for o in item["options"])
            if isinstance(item["options"], list)
            else (),
        )
        for language, item in _texts(value, ("label", "options")).items()
    }
    return {language: text for language, text in texts.items() if text}


def _programme_texts(value: Any) -> dict[str, ProgrammeText]:
    texts = {
        language: ProgrammeText(title=str(item["title"]), detail=str(item["detail"]))
        for language, item in _texts(value, ("title", "detail")).items()
    }
    return {language: text for language, text in texts.items() if text}


def _person_texts(value: Any) -> dict[str, PersonText]:
    texts = {
        language: PersonText(affiliation=str(item["affiliation"]))
        for language, item in _texts(value, ("affiliation",)).items()
    }
    return {language: text for language, text in texts.items() if text}


def _item_texts(translations: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """An item's translations as stored: each language's fields, options as a list."""
    return {
        language: {
            name: list(value) if isinstance(value, tuple) else value
            for name, value in dataclasses.asdict(text).items()
        }
        for language, text in sorted(translations.items())
        if text
    }


def _links_from_json(value: Any) -> tuple[MaterialLink, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(
        MaterialLink(url=str(item.get("url") or ""), label=str(item.get("label") or ""))
        for item in value
        if isinstance(item, dict) and item.get("url")
    )


def materials_from_json(value: Any) -> EventMaterials:
    """The materials stored in an event's ``materials`` column (anything unreadable dropped)."""
    stored = _json(value) if value else {}
    if not isinstance(stored, dict):
        return EventMaterials()
    raw_translations = stored.get("report_translations")
    translations = {
        language.value: str(raw_translations[language.value])
        for language in TRANSLATABLE_LANGUAGES
        if isinstance(raw_translations, dict) and raw_translations.get(language.value)
    }
    updated_at = None
    if stored.get("updated_at"):
        try:
            updated_at = _utc(dt.datetime.fromisoformat(str(stored["updated_at"])))
        except ValueError:
            updated_at = None
    return EventMaterials(
        report=str(stored.get("report") or ""),
        report_translations=translations,
        recording_url=str(stored.get("recording_url") or ""),
        slides=_links_from_json(stored.get("slides")),
        photos=_links_from_json(stored.get("photos")),
        updated_at=updated_at,
    )


def materials_to_json(materials: EventMaterials) -> str:
    """The ``materials`` column of an event.

    Not part of :func:`event_to_row`: the event form does not carry the materials, so saving
    an edited event (or duplicating one) must neither wipe nor copy them.
    """
    updated_at = _utc(materials.updated_at)
    return json.dumps(
        {
            "report": materials.report,
            "report_translations": dict(sorted(materials.report_translations.items())),
            "recording_url": materials.recording_url,
            "slides": [{"url": link.url, "label": link.label} for link in materials.slides],
            "photos": [{"url": link.url, "label": link.label} for link in materials.photos],
            "updated_at": updated_at.isoformat() if updated_at else None,
        },
        ensure_ascii=False,
    )


def _without_secrets(
    translations: dict[str, EventText], row: Mapping[str, Any]
) -> dict[str, EventText]:
    """Translated access notes only where the row carries the German ones: a read without the
    secret columns (``exclude_secrets``) must not get them through the ``translations`` column."""
    if "access_notes" in row:
        return translations
    kept = {
        language: dataclasses.replace(text, access_notes="")
        for language, text in translations.items()
    }
    return {language: text for language, text in kept.items() if text}


def event_from_row(row: Mapping[str, Any]) -> Event:
    """An :class:`Event` from a row; access data only when the row carries it."""
    join_url = row.get("online_join_url") or ""
    access = (
        OnlineAccess(
            join_url=join_url,
            meeting_id=row.get("online_meeting_id") or "",
            passcode=row.get("online_passcode") or "",
        )
        if join_url
        else None
    )
    return Event(
        id=row["id"],
        slug=row["slug"],
        title=row["title"],
        teaser=row["teaser"],
        description=row["description"],
        format=EventFormat(row["format"]),
        starts_at=_utc_required(row["starts_at"]),
        ends_at=_utc_required(row["ends_at"]),
        timezone=row["timezone"],
        status=EventStatus(row["status"]),
        in_person_seats=Seats(row["capacity_in_person"], row["seats_taken_in_person"]),
        online_seats=Seats(row["capacity_online"], row["seats_taken_online"]),
        waitlist_enabled=bool(row["waitlist_enabled"]),
        registration_opens_at=_utc(row["registration_opens_at"]),
        registration_closes_at=_utc(row["registration_closes_at"]),
        venue_name=row["venue_name"],
        venue_address=row["venue_address"],
        venue_notes=row.get("venue_notes") or "",
        online_access=access,
        access_notes=row.get("access_notes") or "",
        programme=tuple(
            ProgrammeItem(
                title=item.get("title", ""),
                time=item.get("time", ""),
                detail=item.get("detail", ""),
                translations=_programme_texts(item.get("translations")),
            )
            for item in _json(row["programme"])
        ),
        people=tuple(
            Person(
                name=item.get("name", ""),
                affiliation=item.get("affiliation", ""),
                role=PersonRole(item.get("role", PersonRole.SPEAKER)),
                translations=_person_texts(item.get("translations")),
            )
            for item in _json(row["people"])
        ),
        questions=tuple(
            Question(
                key=item["key"],
                label=item.get("label", ""),
                kind=QuestionKind(item.get("kind", QuestionKind.TEXT)),
                required=bool(item.get("required", False)),
                options=tuple(item.get("options", ())),
                translations=_question_texts(item.get("translations")),
            )
            for item in _json(row["questions"])
        ),
        double_opt_in=bool(row["double_opt_in"]),
        opt_in_hold=dt.timedelta(minutes=row["opt_in_hold_minutes"]),
        access_mail_lead=dt.timedelta(minutes=row["access_mail_lead_minutes"]),
        access_in_confirmation=bool(row["access_in_confirmation"]),
        reminder_lead=(
            None
            if row["reminder_lead_minutes"] is None
            else dt.timedelta(minutes=row["reminder_lead_minutes"])
        ),
        notify_organisers=bool(row["notify_organisers"]),
        approval_required=bool(row.get("approval_required", False)),
        approval_holds_seat=bool(row.get("approval_holds_seat", True)),
        contact_email=row["contact_email"],
        funding_note=row["funding_note"],
        co_host=row["co_host"],
        invitation_only=bool(row.get("invitation_only", False)),
        series=row["series"],
        tags=tuple(_json(row["tags"])),
        is_sample=bool(row["is_sample"]),
        revision=row["revision"],
        created_at=_utc(row.get("created_at")),
        updated_at=_utc(row.get("updated_at")),
        translations=_without_secrets(translations_from_json(row.get("translations")), row),
        materials=materials_from_json(row.get("materials")),
    )


#: The event columns an organiser may change without raising the revision (which only moves
#: with time, place, format and access data, see ``app.services.event_changes``) and that the
#: registration rules or the mails they cause read, plus the counters the seats and triggers
#: keep. An event read earlier at the same revision is current again with these read anew
#: (:func:`event_with_volatile`); what else such an edit changes (texts, programme, people,
#: questions, materials) no rule reads.
VOLATILE_EVENT_COLUMNS = (
    "status",
    "capacity_in_person",
    "seats_taken_in_person",
    "capacity_online",
    "seats_taken_online",
    "registration_opens_at",
    "registration_closes_at",
    "waitlist_enabled",
    "double_opt_in",
    "approval_required",
    "approval_holds_seat",
    "opt_in_hold_minutes",
    "access_mail_lead_minutes",
    "access_in_confirmation",
    "reminder_lead_minutes",
    "notify_organisers",
    "contact_email",
    "invitation_only",
    "revision",
    "updated_at",
)


def event_with_volatile(event: Event, row: Mapping[str, Any]) -> Event:
    """``event`` with the :data:`VOLATILE_EVENT_COLUMNS` of ``row`` (the same event, read anew).

    Only right when ``row`` has the revision ``event`` was read at: otherwise time, place or
    format may have changed too, and the whole row must be read (:func:`event_from_row`).
    """
    return dataclasses.replace(
        event,
        status=EventStatus(row["status"]),
        in_person_seats=Seats(row["capacity_in_person"], row["seats_taken_in_person"]),
        online_seats=Seats(row["capacity_online"], row["seats_taken_online"]),
        registration_opens_at=_utc(row["registration_opens_at"]),
        registration_closes_at=_utc(row["registration_closes_at"]),
        waitlist_enabled=bool(row["waitlist_enabled"]),
        double_opt_in=bool(row["double_opt_in"]),
        approval_required=bool(row["approval_required"]),
        approval_holds_seat=bool(row["approval_holds_seat"]),
        opt_in_hold=dt.timedelta(minutes=row["opt_in_hold_minutes"]),
        access_mail_lead=dt.timedelta(minutes=row["access_mail_lead_minutes"]),
        access_in_confirmation=bool(row["access_in_confirmation"]),
        reminder_lead=(
            None
            if row["reminder_lead_minutes"] is None
            else dt.timedelta(minutes=row["reminder_lead_minutes"])
        ),
        notify_organisers=bool(row["notify_organisers"]),
        contact_email=row["contact_email"],
        invitation_only=bool(row["invitation_only"]),
        revision=row["revision"],
        updated_at=_utc(row["updated_at"]),
    )


def event_to_row(event: Event) -> dict[str, Any]:
    """The columns of a new or changed event (not its id or seat counters)."""
    access = event.online_access
    return {
        "slug": event.slug,
        "title": event.title,
        "teaser": event.teaser,
        "description": event.description,
        "format": event.format.value,
        "status": event.status.value,
        "starts_at": event.starts_at.astimezone(dt.UTC),
        "ends_at": event.ends_at.astimezone(dt.UTC),
        "timezone": event.timezone,
        "venue_name": event.venue_name,
        "venue_address": event.venue_address,
        "venue_notes": event.venue_notes,
        "access_notes": event.access_notes,
        "online_join_url": access.join_url if access else "",
        "online_meeting_id": access.meeting_id if access else "",
        "online_passcode": access.passcode if access else "",
        "capacity_in_person": event.in_person_seats.capacity,
        "capacity_online": event.online_seats.capacity,
        "registration_opens_at": _utc(event.registration_opens_at),
        "registration_closes_at": _utc(event.registration_closes_at),
        "waitlist_enabled": event.waitlist_enabled,
        "double_opt_in": event.double_opt_in,
        "opt_in_hold_minutes": _minutes(event.opt_in_hold),
        "access_mail_lead_minutes": _minutes(event.access_mail_lead),
        "access_in_confirmation": event.access_in_confirmation,
        "reminder_lead_minutes": (
            None if event.reminder_lead is None else _minutes(event.reminder_lead)
        ),
        "notify_organisers": event.notify_organisers,
        "approval_required": event.approval_required,
        "approval_holds_seat": event.approval_holds_seat,
        "programme": json.dumps(
            [
                {
                    "title": p.title,
                    "time": p.time,
                    "detail": p.detail,
                    "translations": _item_texts(p.translations),
                }
                for p in event.programme
            ],
            ensure_ascii=False,
        ),
        "people": json.dumps(
            [
                {
                    "name": p.name,
                    "affiliation": p.affiliation,
                    "role": p.role.value,
                    "translations": _item_texts(p.translations),
                }
                for p in event.people
            ],
            ensure_ascii=False,
        ),
        "questions": json.dumps(
            [
                {
                    "key": q.key,
                    "label": q.label,
                    "kind": q.kind.value,
                    "required": q.required,
                    "options": list(q.options),
                    "translations": _item_texts(q.translations),
                }
                for q in event.questions
            ],
            ensure_ascii=False,
        ),
        "contact_email": event.contact_email,
        "funding_note": event.funding_note,
        "co_host": event.co_host,
        "invitation_only": event.invitation_only,
        "series": event.series,
        "tags": json.dumps(list(event.tags), ensure_ascii=False),
        "is_sample": event.is_sample,
        "translations": translations_to_json(event.translations),
    }


def registration_from_row(row: Mapping[str, Any]) -> Registration:
    """A :class:`Registration` from a row."""
    return Registration(
        id=row["id"],
        event_id=row["event"],
        token=row["token"],
        first_name=row["first_name"],
        last_name=row["last_name"],
        email=row["email"],
        organisation=row["organisation"],
        job_title=row["job_title"],
        mode=AttendanceMode(row["mode"]),
        language=Language(row["language"]),
        status=RegistrationStatus(row["status"]),
        answers=dict(_json(row["answers"])),
        consent_version=row["consent_version"],
        consent_at=_utc_required(row["consent_at"]),
        created_at=_utc_required(row["created_at"]),
        confirmed_at=_utc(row["confirmed_at"]),
        waitlisted_at=_utc(row["waitlisted_at"]),
        cancelled_at=_utc(row["cancelled_at"]),
        hold_until=_utc(row.get("hold_until")),
        invite_sequence=row.get("invite_sequence", 0),
        checked_in_at=_utc(row.get("checked_in_at")),
        anonymised_at=_utc(row.get("anonymised_at")),
        organisation_type=_optional(OrganisationType, row.get("organisation_type")),
        country=_optional(Country, row.get("country")),
        attended_online_at=_utc(row.get("attended_online_at")),
        attendance_source=_optional(AttendanceSource, row.get("attendance_source")),
    )


def _optional(kind: type[_Choice], code: str | None) -> _Choice | None:
    return kind(code) if code else None


#: The columns a calendar file shows of an event (no access data, no programme or questions).
CALENDAR_COLUMNS = (
    "id",
    "slug",
    "title",
    "teaser",
    "format",
    "status",
    "starts_at",
    "ends_at",
    "timezone",
    "venue_name",
    "venue_address",
    "revision",
    "series",
    "tags",
    "contact_email",
    "created_at",
    "updated_at",
)


def calendar_event_from_row(row: Mapping[str, Any]) -> Event:
    """An :class:`Event` with the :data:`CALENDAR_COLUMNS` only, for feeds of many events.

    Seats, programme, people and questions stay empty: a calendar file shows none of them, and
    reading and decoding them made up half the time of a 1,000-event feed.
    """
    return Event(
        id=row["id"],
        slug=row["slug"],
        title=row["title"],
        teaser=row["teaser"],
        description="",
        format=EventFormat(row["format"]),
        starts_at=_utc_required(row["starts_at"]),
        ends_at=_utc_required(row["ends_at"]),
        timezone=row["timezone"],
        status=EventStatus(row["status"]),
        in_person_seats=_NO_SEATS,
        online_seats=_NO_SEATS,
        waitlist_enabled=False,
        venue_name=row["venue_name"],
        venue_address=row["venue_address"],
        series=row["series"],
        tags=tuple(_json(row["tags"])),
        contact_email=row["contact_email"],
        revision=row["revision"],
        created_at=_utc(row["created_at"]),
        updated_at=_utc(row["updated_at"]),
    )


_NO_SEATS = Seats(capacity=None, taken=0)
