"""Events and registrations for the export tests, built directly: no database."""

from __future__ import annotations

import datetime as dt

from app.domain.model import (
    Event,
    Question,
    QuestionKind,
    Registration,
)
from tests.conftest import make_event, make_registration

NOW = dt.datetime(2023, 11, 1, 9, 0, tzinfo=dt.UTC)

FUNDING_NOTE = (
    "Diese Veranstaltung wird durch das von der Staatskanzlei Nordrhein-Westfalen geförderte "
    "„Reallabor Kommunaler Aufbaupartnerschaften NRW – Ukraine“ der Netzwerkstelle "
    "Städtepartnerschaften der Auslandsgesellschaft.de e.V. durchgeführt."
)

QUESTIONS = (
    Question(key="lunch", label="Mittagessen?", kind=QuestionKind.YES_NO),
    Question(key="topic", label="Themenwunsch", kind=QuestionKind.TEXT),
    Question(key="workshop", label="Workshop", kind=QuestionKind.CHOICE, options=("A", "B", "C")),
)


def conference(**overrides: object) -> Event:
    """The Holzwickede conference (22.11.2023, 10:00–14:00), with questions and funding note."""
    fields: dict[str, object] = {
        "title": "Landkreise als internationale Akteure vor dem Hintergrund der Ukraine-Hilfe",
        "starts_at": dt.datetime(2023, 11, 22, 9, 0, tzinfo=dt.UTC),
        "ends_at": dt.datetime(2023, 11, 22, 13, 0, tzinfo=dt.UTC),
        "questions": QUESTIONS,
        "funding_note": FUNDING_NOTE,
    }
    fields.update(overrides)
    return make_event(NOW, **fields)


def registration(number: int, **overrides: object) -> Registration:
    """Registration ``number``: confirmed, in person, created on 1 November 2023 (UTC)."""
    fields: dict[str, object] = {
        "id": number,
        "event_id": 0,
        "token": f"token-{number}",
        "last_name": f"Koval{number:05d}",
        "email": f"person{number}@example.org",
        "answers": {"lunch": "yes", "topic": "Partnerschaften", "workshop": "B"},
        "consent_version": "2023-01",
        "created_at": NOW + dt.timedelta(minutes=number),
    }
    return make_registration(NOW, **{**fields, **overrides})


def many(count: int) -> list[Registration]:
    """``count`` confirmed registrations."""
    return [registration(n) for n in range(1, count + 1)]
