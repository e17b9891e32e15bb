"""Questions, options, programme, functions and notes in the reader's language, German marked."""

from __future__ import annotations

import html
import json

import pytest

from app.db.tables import Registration as RegistrationTable
from app.domain.model import (
    EventFormat,
    EventText,
    Person,
    PersonRole,
    PersonText,
    ProgrammeItem,
    ProgrammeText,
    Question,
    QuestionKind,
    QuestionText,
)
from app.services import api_tokens
from app.services.events import get_with_access
from tests.conftest import registration_form
from tests.web.conftest import submit, token_from, upcoming
from tests.web.test_organiser_api import API, bearer
from tests.web.test_organiser_events import _base, _create, _post, full_form
from tests.web.test_organisers import organiser, sign_in  # noqa: F401 - the fixture is used

MEAL = Question(
    key="verpflegung",
    label="Verpflegung",
    kind=QuestionKind.CHOICE,
    required=True,
    options=("mit Fleisch", "vegetarisch"),
    translations={
        "en": QuestionText("Catering", ("with meat", "vegetarian")),
        "uk": QuestionText("Харчування"),
    },
)
PHOTOS = Question(
    key="fotos",
    label="Fotos erlaubt",
    kind=QuestionKind.YES_NO,
    translations={"uk": QuestionText("Фото дозволені")},
)


def _texts() -> dict[str, object]:
    return upcoming(
        title="Konferenz",
        venue_notes="Eingang über den Hof",
        funding_note="Gefördert vom Land NRW",
        translations={
            "en": EventText(title="Conference", funding_note="Funded by the state of NRW"),
            "uk": EventText(title="Конференція", venue_notes="Вхід через двір"),
        },
        questions=(MEAL, PHOTOS),
        programme=(
            ProgrammeItem(
                "Begrüßung",
                "10:00",
                "mit Kaffee",
                translations={"en": ProgrammeText("Welcome", "with coffee")},
            ),
        ),
        people=(
            Person(
                "Iryna Shum",
                "Generalkonsulin",
                translations={"uk": PersonText("Генеральна консулка")},
            ),
            Person("Jan Schmidt", "Moderator", PersonRole.MODERATION),
        ),
    )


async def test_the_english_page_shows_the_translations_and_marks_german(client, event_factory):
    await event_factory(**_texts())
    page = html.unescape((await client.get("/events/konferenz?lang=en")).text)
    assert '<strong>Welcome</strong><br><span class="detail">with coffee</span>' in page
    assert '<p class="funding"><small>Funded by the state of NRW</small></p>' in page
    assert '<p class="venue-notes" lang="de">Eingang über den Hof</p>' in page
    assert '<strong>Iryna Shum</strong>, <span lang="de">Generalkonsulin</span>' in page
    # The form: translated label and options; the values stay German, keyed by the question.
    assert "<legend>Catering <span" in page
    assert 'name="q_verpflegung" value="mit Fleisch"' in page
    assert "with meat\n  </label>" in page
    assert '<legend><span lang="de">Fotos erlaubt</span>' in page


async def test_the_ukrainian_page_shows_the_translations_and_marks_german(client, event_factory):
    await event_factory(**_texts())
    page = html.unescape((await client.get("/events/konferenz?lang=uk")).text)
    assert '<p class="venue-notes">Вхід через двір</p>' in page
    assert '<p class="funding" lang="de"><small>Gefördert vom Land NRW</small></p>' in page
    assert '<strong lang="de">Begrüßung</strong>' in page
    assert '<span class="detail" lang="de">mit Kaffee</span>' in page
    assert "<strong>Iryna Shum</strong>, Генеральна консулка</li>" in page
    assert "<legend>Харчування <span" in page
    assert '<span lang="de">vegetarisch</span>' in page
    assert "<legend>Фото дозволені</legend>" in page


async def test_the_german_page_marks_nothing(client, event_factory):
    await event_factory(**_texts())
    page = html.unescape((await client.get("/events/konferenz?lang=de")).text)
    assert '<p class="venue-notes">Eingang über den Hof</p>' in page
    assert '<p class="funding"><small>Gefördert vom Land NRW</small></p>' in page
    assert '<strong>Begrüßung</strong><br><span class="detail">mit Kaffee</span>' in page
    assert "<strong>Iryna Shum</strong>, Generalkonsulin</li>" in page
    assert "<legend>Verpflegung <span" in page
    assert '<span lang="de">' not in page


async def test_an_answer_is_stored_by_key_and_german_option_whatever_the_language(
    client, event_factory
):
    await event_factory(**_texts())
    await client.get("/events/konferenz?lang=en")
    form = registration_form("a@example.org", q_verpflegung="vegetarisch", q_fotos="yes")
    response = await submit(client, "konferenz", form)
    assert response.status_code == 303, response.text
    rows = await RegistrationTable.select(RegistrationTable.answers)
    stored = rows[0]["answers"]
    assert (stored if isinstance(stored, dict) else json.loads(stored)) == {
        "verpflegung": "vegetarisch",
        "fotos": "yes",
    }
    # Shown back in the reader's language.
    token = token_from(response.headers["location"])
    en = html.unescape((await client.get(f"/r/{token}?lang=en")).text)
    assert "Catering" in en
    assert "vegetarian" in en
    assert "vegetarisch" not in en
    uk = html.unescape((await client.get(f"/r/{token}?lang=uk")).text)
    assert "Харчування" in uk
    assert "vegetarisch" in uk


@pytest.fixture
async def signed_in(client, organiser):  # noqa: F811
    await sign_in(client)
    return client


async def test_the_form_takes_the_translations_of_every_row(signed_in):
    event_id = await _create(
        signed_in,
        venue_notes="Eingang über den Hof",
        venue_notes_en="Entrance via the yard",
        funding_note_uk="За підтримки Engagement Global.",
        question_1_label_en="Food",
        question_1_options_en="vegetarian\r\nvegan\r\nanything",
        programme_0_title_uk="Привітання",
        person_0_affiliation_en="City of Kyiv",
        access_notes="Bitte mit vollem Namen einwählen.",
        access_notes_uk="Будь ласка, підключайтеся під повним ім'ям.",
    )
    event = await get_with_access(event_id)
    assert event.venue_notes == "Eingang über den Hof"
    assert event.access_notes == "Bitte mit vollem Namen einwählen."
    assert event.translations["en"].venue_notes == "Entrance via the yard"
    assert event.translations["uk"].funding_note == "За підтримки Engagement Global."
    assert event.translations["uk"].access_notes.startswith("Будь ласка")
    food = event.questions[1]
    assert food.translations == {"en": QuestionText("Food", ("vegetarian", "vegan", "anything"))}
    assert event.programme[0].translations == {"uk": ProgrammeText(title="Привітання")}
    assert event.people[0].translations == {"en": PersonText("City of Kyiv")}

    page = html.unescape((await signed_in.get(f"{_base(event_id)}/edit")).text)
    assert 'name="question_1_label_en" value="Food" lang="en"' in page
    assert 'name="programme_0_title_uk" value="Привітання" lang="uk"' in page
    # What is still German, per language, linking to its field.
    assert '<div class="missing-translations" id="missing-en">' in page
    assert '<a href="#f-title_en">Titel</a>' in page
    assert '<a href="#f-question_0_label_en">Frage 1: Frage</a>' in page
    assert '<a href="#f-programme_0_title_en">Programmpunkt 1: Titel</a>' in page
    assert '<a href="#f-person_0_affiliation_uk">Person 1: Funktion</a>' in page
    assert '<a href="#f-question_1_label_en">' not in page


async def test_translated_options_that_do_not_match_are_refused_next_to_the_field(signed_in):
    response = await _post(
        signed_in,
        "/organiser/events/new",
        full_form(question_1_options_uk="вегетаріанське\r\nвеганське"),
    )
    assert response.status_code == 400
    page = html.unescape(response.text)
    assert '<a href="#f-question_1_options_uk">Frage 2: Antwortmöglichkeiten (Українська):' in page
    assert 'id="question_1_options_uk-error"' in page


async def test_the_api_returns_and_takes_the_translations(
    client,
    db,
    organiser,  # noqa: F811 - the fixture
    now,
    event_factory,
):
    event = await event_factory(**_texts(), format=EventFormat.HYBRID)
    secret = (await api_tokens.create(db, organiser.id, "Tests", now)).secret
    url = f"{API}/events/{event.id}/texts"
    body = (await client.get(url, headers=bearer(secret))).json()
    assert body["german"]["venue_notes"] == "Eingang über den Hof"
    assert body["questions"][0]["key"] == "verpflegung"
    assert body["questions"][0]["translations"]["en"] == {
        "label": "Catering",
        "options": ["with meat", "vegetarian"],
    }
    assert "questions.0.options" in body["missing"]["uk"]

    body["translations"]["uk"]["funding_note"] = "За підтримки землі NRW"
    sent = {
        "translations": body["translations"],
        "questions": {
            "verpflegung": {
                **body["questions"][0]["translations"],
                "uk": {"label": "Харчування", "options": ["з м'ясом", "вегетаріанське"]},
            }
        },
        "people": [{"uk": {"affiliation": "Генеральна консулка"}}, {"en": {"affiliation": "Host"}}],
    }
    response = await client.put(url, json=sent, headers=bearer(secret))
    assert response.status_code == 200, response.text
    again = (await client.get(url, headers=bearer(secret))).json()
    assert again == response.json()
    assert again["translations"]["uk"]["funding_note"] == "За підтримки землі NRW"
    assert again["questions"][0]["translations"]["uk"]["options"] == ["з м'ясом", "вегетаріанське"]
    assert again["people"][1]["translations"] == {"en": {"affiliation": "Host"}}
    # Programme not sent: kept.
    assert again["programme"][0]["translations"]["en"]["title"] == "Welcome"
    assert "questions.0.options" not in again["missing"]["uk"]

    bad = {"questions": {"verpflegung": {"en": {"label": "x", "options": ["only one"]}}}}
    refused = await client.put(url, json=bad, headers=bearer(secret))
    assert refused.status_code == 400
    assert refused.json()["errors"] == {"questions.0.translations.en.options": "options_count"}
