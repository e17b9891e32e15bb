"""Exports head the question columns in the organiser's language, answers stay as stored."""

from __future__ import annotations

import datetime as dt

from app.domain.model import Question, QuestionKind, QuestionText
from app.exports.columns import headers
from app.i18n import use_language
from tests.conftest import make_event

NOW = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)

QUESTIONS = (
    Question(
        "verpflegung",
        "Verpflegung",
        QuestionKind.CHOICE,
        options=("vegan", "alles"),
        translations={"en": QuestionText("Catering"), "uk": QuestionText("Харчування")},
    ),
    Question("fotos", "Fotos erlaubt", QuestionKind.YES_NO),
)


def test_question_headers_follow_the_organisers_language_with_german_fallback():
    event = make_event(NOW, questions=QUESTIONS)
    with use_language("en"):
        assert headers(event)[-2:] == ["Catering", "Fotos erlaubt"]
    with use_language("uk"):
        assert headers(event)[-2:] == ["Харчування", "Fotos erlaubt"]
    with use_language("de"):
        assert headers(event)[-2:] == ["Verpflegung", "Fotos erlaubt"]
