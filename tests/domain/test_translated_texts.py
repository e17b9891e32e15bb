"""Every text an organiser writes, in English and Ukrainian: the one fallback rule and its uses."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest

from app.db.mapping import event_from_row, event_to_row
from app.domain.errors import InvalidInput
from app.domain.event_rules import (
    OPTIONS_COUNT,
    UNKNOWN_ITEM,
    EventTranslations,
    build_event,
    draft_of,
    translated_event,
)
from app.domain.model import (
    EventText,
    Person,
    PersonText,
    ProgrammeItem,
    ProgrammeText,
    Question,
    QuestionKind,
    QuestionText,
    Text,
    localized,
    missing_translations,
    pick,
)
from tests.conftest import make_event

NOW = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)

MEAL = Question(
    key="verpflegung",
    label="Verpflegung",
    kind=QuestionKind.CHOICE,
    options=("mit Fleisch", "vegetarisch", "vegan"),
    translations={
        "en": QuestionText("Catering", ("with meat", "vegetarian", "vegan")),
        "uk": QuestionText("Харчування"),
    },
)


def _event(**overrides: object):
    return make_event(
        NOW,
        venue_notes="Eingang über den Hof",
        funding_note="Gefördert vom Land",
        translations={"en": EventText(title="Conference", venue_notes="Entrance via the yard")},
        questions=(MEAL,),
        programme=(
            ProgrammeItem(
                "Begrüßung", "10:00", "mit Kaffee", translations={"uk": ProgrammeText("Вітання")}
            ),
        ),
        people=(
            Person("Iryna Shum", "Generalkonsulin", translations={"en": PersonText("Consul")}),
        ),
        **overrides,
    )


@pytest.mark.parametrize(
    ("language", "german", "translated", "shown", "fell_back"),
    [
        ("en", "Begrüßung", "Welcome", "Welcome", False),
        ("uk", "Begrüßung", "", "Begrüßung", True),
        ("de", "Begrüßung", "Welcome", "Begrüßung", False),
        # Nothing written: nothing to fall back on, nothing to mark.
        ("en", "", "", "", False),
    ],
)
def test_pick_takes_the_translation_else_german_and_says_so(
    language, german, translated, shown, fell_back
):
    text = pick(language, german, translated)
    assert isinstance(text, Text)
    assert text == shown
    assert text.fell_back is fell_back


def fell_back(text: str) -> bool:
    assert isinstance(text, Text)
    return text.fell_back


def test_every_text_of_the_event_is_localized_field_by_field():
    en = localized(_event(), "en")
    assert (en.title, en.venue_notes) == ("Conference", "Entrance via the yard")
    assert en.funding_note == "Gefördert vom Land"
    assert fell_back(en.funding_note)
    assert not fell_back(en.title)
    assert en.questions[0].label == "Catering"
    assert en.questions[0].options == ("with meat", "vegetarian", "vegan")
    # The key (and so the stored answers) stays, whatever the language.
    assert en.questions[0].key == "verpflegung"
    assert fell_back(en.programme[0].title)
    assert en.programme[0].title == "Begrüßung"
    assert en.people[0].affiliation == "Consul"
    assert en.people[0].name == "Iryna Shum"

    uk = localized(_event(), "uk")
    assert uk.questions[0].label == "Харчування"
    assert uk.questions[0].options == ("mit Fleisch", "vegetarisch", "vegan")
    assert all(fell_back(option) for option in uk.questions[0].options)
    assert uk.programme[0].title == "Вітання"
    assert fell_back(uk.programme[0].detail)
    assert fell_back(uk.people[0].affiliation)


def test_missing_translations_lists_exactly_what_falls_back():
    assert missing_translations(_event(), "en") == (
        "teaser",
        "description",
        "funding_note",
        "programme.0.title",
        "programme.0.detail",
    )
    assert missing_translations(_event(), "uk") == (
        "title",
        "teaser",
        "description",
        "venue_notes",
        "funding_note",
        "questions.0.options",
        "programme.0.detail",
        "people.0.affiliation",
    )


def test_translations_are_stored_with_the_event_and_read_back():
    event = build_event(draft_of(_event()))
    row = event_to_row(event)
    questions = json.loads(row["questions"])
    assert questions[0]["translations"]["en"] == {
        "label": "Catering",
        "options": ["with meat", "vegetarian", "vegan"],
    }
    read = event_from_row(
        {**row, "id": 5, "seats_taken_in_person": 0, "seats_taken_online": 0, "revision": 0}
    )
    assert read.questions == event.questions
    assert read.programme == event.programme
    assert read.people == event.people
    assert read.translations == event.translations
    assert read.venue_notes == "Eingang über den Hof"


def test_json_stored_before_the_item_translations_reads_as_untranslated():
    row = event_to_row(make_event(NOW))
    row.update(
        id=5,
        seats_taken_in_person=0,
        seats_taken_online=0,
        revision=0,
        questions='[{"key": "a", "label": "Frage", "kind": "text"}]',
        programme='[{"title": "Begrüßung", "time": "10:00", "detail": ""}]',
        people='[{"name": "A", "affiliation": "B", "role": "speaker"}]',
        translations='{"en": {"title": "T", "teaser": "", "description": ""}}',
    )
    del row["venue_notes"], row["access_notes"]
    event = event_from_row(row)
    assert event.questions[0].translations == {}
    assert event.programme[0].translations == {}
    assert event.people[0].translations == {}
    assert event.translations == {"en": EventText(title="T")}
    assert event.venue_notes == ""


def test_translated_options_must_match_the_german_ones():
    draft = draft_of(_event())
    wrong = dataclasses.replace(
        draft.questions[0], translations={"en": QuestionText("Catering", ("meat", "veggie"))}
    )
    with pytest.raises(InvalidInput) as refused:
        build_event(dataclasses.replace(draft, questions=(wrong,)))
    assert refused.value.errors == {"questions.0.translations.en.options": OPTIONS_COUNT}


def test_translated_event_sets_translations_and_refuses_unknown_items():
    event = _event()
    texts = EventTranslations(
        own={"uk": EventText(funding_note="За підтримки землі")},
        questions={"verpflegung": {"uk": QuestionText("Харчування", ("м'ясо", "вегет.", "веган"))}},
        people=({"uk": PersonText("Генеральна консулка")},),
    )
    changed = translated_event(event, texts)
    assert changed.translations == {"uk": EventText(funding_note="За підтримки землі")}
    assert changed.questions[0].key == "verpflegung"
    assert changed.questions[0].translations["uk"].options == ("м'ясо", "вегет.", "веган")
    # Not given: kept.
    assert changed.programme == event.programme
    assert changed.people[0].translations == {"uk": PersonText("Генеральна консулка")}

    with pytest.raises(InvalidInput) as refused:
        translated_event(
            event,
            EventTranslations(questions={"nope": {}}, programme=(), own={"fr": EventText("x")}),
        )
    assert refused.value.errors == {
        "questions.nope": UNKNOWN_ITEM,
        "programme": UNKNOWN_ITEM,
        "translations.fr": "invalid_choice",
    }
