"""Event texts in English and Ukrainian: the form, the fallback to German, the stored JSON."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest

from app.db.mapping import event_to_row, translations_from_json, translations_to_json
from app.domain.errors import InvalidInput
from app.domain.event_rules import build_event
from app.domain.model import EventStatus, EventText, german_fallbacks, localized
from app.web.event_form import event_values, new_event_values, parse_event_form
from tests.conftest import make_event

NOW = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)


def event_from_form(form, current=None):
    """The event the organisers' form describes: the web layer reads it, the rules build it."""
    return build_event(parse_event_form(form), current=current)


UK_TITLE = "Зустріч у Києві"


def _form(**overrides: str) -> dict[str, str]:
    return {**new_event_values(NOW), "title": "Forum", **overrides}


def test_the_form_reads_translations_and_shows_them_again():
    event = event_from_form(
        _form(
            title_en="  Forum   in English ",
            teaser_en="Short\r\nand sweet",
            title_uk=UK_TITLE,
            description_uk="**Опис**",
        )
    )
    assert event.translations == {
        "en": EventText(title="Forum in English", teaser="Short\nand sweet"),
        "uk": EventText(title=UK_TITLE, description="**Опис**"),
    }
    values = event_values(event)
    assert values["title_en"] == "Forum in English"
    assert values["teaser_en"] == "Short\nand sweet"
    assert values["description_en"] == ""
    assert values["title_uk"] == UK_TITLE
    assert event_from_form(values, current=event) == event


def test_a_language_left_empty_is_not_stored():
    event = event_from_form(_form(title_en="", teaser_en="  ", description_uk="\r\n"))
    assert event.translations == {}
    assert "title_en" not in event_values(event)


def test_translations_are_checked_like_the_german_texts_but_optional():
    with pytest.raises(InvalidInput) as caught:
        event_from_form(
            _form(
                title_en="x" * 301,
                teaser_uk="y" * 1_001,
                description_en="bad \x07 bell",
                title_uk="tab\tinside",
            )
        )
    assert caught.value.errors == {
        "title_en": "too_long",
        "description_en": "invalid_text",
        "teaser_uk": "too_long",
    }
    # A teaser alone is fine: the title falls back to German.
    assert event_from_form(_form(teaser_uk="Коротко")).translations == {
        "uk": EventText(teaser="Коротко")
    }


def test_localized_falls_back_to_german_field_by_field():
    event = make_event(
        NOW,
        title="Konferenz",
        teaser="Kurz",
        description="Lang",
        translations={"uk": EventText(title="Конференція"), "en": EventText(teaser="Short")},
    )
    uk = localized(event, "uk")
    assert (uk.title, uk.teaser, uk.description) == ("Конференція", "Kurz", "Lang")
    en = localized(event, "en")
    assert (en.title, en.teaser, en.description) == ("Konferenz", "Short", "Lang")
    assert localized(event, "de") is event
    assert localized(event, "fr") is event
    assert german_fallbacks(event, "uk") == ("teaser", "description")
    assert german_fallbacks(event, "en") == ("title", "description")
    assert german_fallbacks(event, "de") == ()
    # Everything else stays: mails and invites can localise any event they are given.
    assert dataclasses.replace(uk, title=event.title) == event


def test_no_teaser_at_all_is_no_german_fallback():
    event = make_event(NOW, teaser="", translations={"en": EventText(title="Conference")})
    assert german_fallbacks(event, "en") == ("description",)


def test_translations_are_stored_as_json_and_read_back():
    texts = {"uk": EventText(title=UK_TITLE), "en": EventText(description="Long")}
    stored = event_to_row(make_event(NOW, translations=texts))["translations"]
    assert json.loads(stored) == {
        "en": {"title": "", "teaser": "", "description": "Long"},
        "uk": {"title": UK_TITLE, "teaser": "", "description": ""},
    }
    assert UK_TITLE in stored  # readable in the database, not \u-escaped
    assert translations_from_json(stored) == texts
    assert translations_from_json(json.loads(stored)) == texts


@pytest.mark.parametrize("raw", [None, "", "{}", "[]", '{"fr": {"title": "x"}}', '{"en": 3}'])
def test_odd_or_empty_stored_translations_read_as_none(raw):
    assert translations_from_json(raw) == {}


def test_empty_languages_are_not_stored():
    assert translations_to_json({"en": EventText(), "uk": EventText(teaser="т")}) == (
        '{"uk": {"title": "", "teaser": "т", "description": ""}}'
    )


def test_a_published_event_keeps_its_translations_through_the_form():
    current = dataclasses.replace(
        make_event(NOW, translations={"en": EventText("Conference", "Short", "Long")}),
        id=3,
        status=EventStatus.PUBLISHED,
    )
    assert event_from_form(event_values(current), current=current) == current
