"""The samples come with every text in English and Ukrainian: nothing falls back to German."""

from __future__ import annotations

import datetime as dt

import pytest

from app.domain.model import missing_translations
from app.services.samples import sample_events

NOW = dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize("language", ["en", "uk"])
def test_every_sample_text_is_translated(language):
    for event in sample_events(NOW):
        assert missing_translations(event, language) == (), event.slug
        assert event.translations[language].title
        assert event.translations[language].description
        for question in event.questions:
            assert question.translations[language].label
            assert len(question.translations[language].options) == len(question.options)
