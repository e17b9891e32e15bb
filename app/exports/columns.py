"""The columns every attendee list shares: German headers and each registration's values."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from app.domain import validation
from app.domain.model import (
    AttendanceMode,
    Event,
    Question,
    QuestionKind,
    Registration,
    RegistrationStatus,
)
from app.formatting import local_time

FIXED_HEADERS = (
    "Nr.",
    "Vorname",
    "Nachname",
    "E-Mail",
    "Organisation",
    "Funktion",
    "Teilnahme",
    "Status",
    "Angemeldet am",
)

MODE_LABELS = {AttendanceMode.IN_PERSON: "vor Ort", AttendanceMode.ONLINE: "online"}

STATUS_LABELS = {
    RegistrationStatus.CONFIRMED: "bestätigt",
    RegistrationStatus.WAITLISTED: "Warteliste",
    RegistrationStatus.PENDING: "E-Mail-Bestätigung ausstehend",
    RegistrationStatus.CANCELLED: "storniert",
}

YES_NO_LABELS = {validation.YES: "Ja", validation.NO: "Nein"}

#: A value of one cell: text, a number, or a naive local date and time.
Cell = str | int | dt.datetime


def headers(event: Event) -> list[str]:
    """The header row: the fixed columns, then one column per question, headed by its label."""
    return [*FIXED_HEADERS, *(question.label for question in event.questions)]


def answer_text(question: Question, answer: str) -> str:
    """An answer as people read it: yes/no questions say "Ja" or "Nein"."""
    if question.kind is QuestionKind.YES_NO:
        return YES_NO_LABELS.get(answer, answer)
    return answer


def registered_at(event: Event, registration: Registration) -> dt.datetime:
    """When the registration came in, as naive wall-clock time in the event's time zone."""
    return local_time(registration.created_at, event.timezone).replace(tzinfo=None)


def row(
    number: int, event: Event, registration: Registration, questions: Sequence[Question]
) -> list[Cell]:
    """One registration's cells, in the order of :func:`headers`."""
    return [
        number,
        registration.first_name,
        registration.last_name,
        registration.email,
        registration.organisation,
        registration.job_title,
        MODE_LABELS.get(registration.mode, str(registration.mode)),
        STATUS_LABELS.get(registration.status, str(registration.status)),
        registered_at(event, registration),
        *(answer_text(q, registration.answers.get(q.key, "")) for q in questions),
    ]
