"""The columns every attendee list shares: headers and each registration's values.

Headers and labels are German source texts, translated into the language in use when an export
starts (the organiser's page language; German by default).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from app.domain import validation
from app.domain.model import (
    AttendanceMode,
    Country,
    Event,
    OrganisationType,
    Question,
    QuestionKind,
    Registration,
    RegistrationStatus,
    localized,
)
from app.formatting import local_time
from app.i18n import N_, _, current_language

FIXED_HEADERS = (
    N_("Nr."),
    N_("Vorname"),
    N_("Nachname"),
    N_("E-Mail"),
    N_("Organisation"),
    N_("Funktion"),
    N_("Teilnahme"),
    N_("Status"),
    N_("Angemeldet am"),
    N_("Art der Organisation"),
    N_("Land"),
    N_("Eingecheckt"),
    N_("Check-in-Zeit"),
)

MODE_LABELS = {AttendanceMode.IN_PERSON: N_("vor Ort"), AttendanceMode.ONLINE: N_("online")}

STATUS_LABELS = {
    RegistrationStatus.CONFIRMED: N_("bestätigt"),
    RegistrationStatus.WAITLISTED: N_("Warteliste"),
    RegistrationStatus.PENDING: N_("E-Mail-Bestätigung ausstehend"),
    RegistrationStatus.CANCELLED: N_("storniert"),
    RegistrationStatus.AWAITING: N_("wartet auf Freigabe (Platz reserviert)"),
    RegistrationStatus.REQUESTED: N_("wartet auf Freigabe"),
    RegistrationStatus.DECLINED: N_("abgelehnt"),
}

YES_NO_LABELS = {validation.YES: N_("Ja"), validation.NO: N_("Nein")}

ORGANISATION_TYPE_LABELS = {
    OrganisationType.MUNICIPALITY: N_("Kommune"),
    OrganisationType.DISTRICT: N_("Kreis"),
    OrganisationType.ASSOCIATION: N_("Verein/Verband"),
    OrganisationType.OTHER: N_("Sonstige"),
}

COUNTRY_LABELS = {
    Country.GERMANY: N_("Deutschland"),
    Country.UKRAINE: N_("Ukraine"),
    Country.OTHER: N_("anderes Land"),
}


@dataclass(frozen=True, slots=True)
class Wording:
    """An export's words in one language, taken when the export starts.

    A streamed export writes its rows later, maybe in another thread: it carries its words
    along instead of asking for the language again.
    """

    headers: tuple[str, ...]
    modes: dict[AttendanceMode, str]
    statuses: dict[RegistrationStatus, str]
    yes_no: dict[str, str]
    organisation_types: dict[OrganisationType, str]
    countries: dict[Country, str]


def wording() -> Wording:
    """The export's words in the language in use now."""
    return Wording(
        headers=tuple(_(header) for header in FIXED_HEADERS),
        modes={mode: _(label) for mode, label in MODE_LABELS.items()},
        statuses={status: _(label) for status, label in STATUS_LABELS.items()},
        yes_no={value: _(label) for value, label in YES_NO_LABELS.items()},
        organisation_types={k: _(label) for k, label in ORGANISATION_TYPE_LABELS.items()},
        countries={k: _(label) for k, label in COUNTRY_LABELS.items()},
    )


#: A value of one cell: text, a number, or a naive local date and time.
Cell = str | int | dt.datetime


def headers(event: Event, words: Wording | None = None) -> list[str]:
    """The header row: the fixed columns, then one column per question, headed by its label.

    The labels are in the language in use now (the organiser's), German where not translated.
    """
    words = words or wording()
    shown = localized(event, current_language())
    return [*words.headers, *(question.label for question in shown.questions)]


def answer_text(question: Question, answer: str, words: Wording | None = None) -> str:
    """An answer as people read it: yes/no questions say "Ja" or "Nein" (or "Yes", "Так" …)."""
    if question.kind is QuestionKind.YES_NO:
        return (words or wording()).yes_no.get(answer, answer)
    return answer


def registered_at(event: Event, registration: Registration) -> dt.datetime:
    """When the registration came in, as naive wall-clock time in the event's time zone."""
    return local_time(registration.created_at, event.timezone).replace(tzinfo=None)


def checked_in_at(event: Event, registration: Registration) -> dt.datetime | None:
    """When the person was let in, as naive wall-clock time in the event's zone (None: not)."""
    if registration.checked_in_at is None:
        return None
    return local_time(registration.checked_in_at, event.timezone).replace(tzinfo=None)


def check_in_time(event: Event, registration: Registration) -> str:
    """The check-in time as ISO-like local text (``2026-12-03 14:05``), sortable; empty: none."""
    moment = checked_in_at(event, registration)
    return "" if moment is None else moment.strftime("%Y-%m-%d %H:%M")


def row(
    number: int,
    event: Event,
    registration: Registration,
    questions: Sequence[Question],
    words: Wording | None = None,
) -> list[Cell]:
    """One registration's cells, in the order of :func:`headers`."""
    words = words or wording()
    return [
        number,
        registration.first_name,
        registration.last_name,
        registration.email,
        registration.organisation,
        registration.job_title,
        words.modes.get(registration.mode, str(registration.mode)),
        words.statuses.get(registration.status, str(registration.status)),
        registered_at(event, registration),
        _label(words.organisation_types, registration.organisation_type),
        _label(words.countries, registration.country),
        words.yes_no[validation.YES if registration.checked_in_at else validation.NO],
        check_in_time(event, registration),
        *(answer_text(q, registration.answers.get(q.key, ""), words) for q in questions),
    ]


def _label(labels: Mapping[Any, str], choice: StrEnum | None) -> str:
    return "" if choice is None else labels.get(choice, choice.value)
