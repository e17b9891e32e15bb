"""Event texts in the reader's language: the organisers' form, the pages and the API."""

from __future__ import annotations

import html
import re

import pytest

from app.domain.model import EventText
from app.services.events import get_with_access
from tests.conftest import registration_form
from tests.web.conftest import submit, token_from, upcoming
from tests.web.test_organiser_events import _base, _create, _post, full_form
from tests.web.test_organisers import organiser, sign_in  # noqa: F401 - the fixture is used

UK = EventText(
    title="Старт реальної лабораторії",
    teaser="Початок співпраці.",
    description="**Ми** починаємо.",
)


@pytest.fixture
async def signed_in(client, organiser):  # noqa: F811
    await sign_in(client)
    return client


def _h1(page: str) -> str:
    match = re.search(r"<h1[^>]*>.*?</h1>", page, re.S)
    assert match, page
    return html.unescape(match.group(0))


async def test_the_form_offers_english_and_ukrainian_fieldsets(signed_in):
    page = (await signed_in.get("/organiser/events/new")).text
    assert '<h2 lang="en">English</h2>' in page
    assert '<h2 lang="uk">Українська</h2>' in page
    for name in ("title_en", "teaser_en", "description_en", "title_uk", "teaser_uk"):
        assert f'name="{name}"' in page
        assert f'<label for="f-{name}">' in page
    assert 'id="f-description_uk" name="description_uk" rows="8" lang="uk"' in page
    assert "Titel (English)" in page


async def test_translations_are_stored_shown_again_and_kept_by_a_copy(signed_in):
    event_id = await _create(
        signed_in,
        title_uk=UK.title,
        teaser_uk=UK.teaser,
        description_uk=UK.description,
        title_en="Kick-off",
    )
    stored = await get_with_access(event_id)
    assert stored.translations == {"uk": UK, "en": EventText(title="Kick-off")}

    form = html.unescape((await signed_in.get(f"{_base(event_id)}/edit")).text)
    assert f'name="title_uk" value="{UK.title}"' in form
    assert 'name="title_en" value="Kick-off"' in form
    assert f">{UK.description}</textarea>" in form

    # Saving the form unchanged keeps them; clearing the English title drops English.
    edited = {**full_form(), "title_uk": UK.title, "teaser_uk": UK.teaser}
    edited["description_uk"] = UK.description
    response = await _post(signed_in, f"{_base(event_id)}/edit", edited)
    assert response.status_code == 303, response.text
    assert (await get_with_access(event_id)).translations == {"uk": UK}

    response = await _post(signed_in, f"{_base(event_id)}/duplicate", {})
    copied = re.search(r"/(\d+)/edit", response.headers["location"])
    assert copied is not None
    copy_id = int(copied.group(1))
    assert (await get_with_access(copy_id)).translations == {"uk": UK}


async def test_a_bad_translation_is_shown_next_to_its_field(signed_in):
    response = await _post(signed_in, "/organiser/events/new", full_form(title_en="x" * 301))
    assert response.status_code == 400
    page = response.text
    assert '<a href="#f-title_en">Titel (English): Diese Angabe ist zu lang.</a>' in page
    assert 'id="title_en-error"' in page
    assert 'aria-invalid="true"' in page


async def test_the_event_page_shows_the_readers_language(client, event_factory):
    await event_factory(
        **upcoming(
            title="Konferenz",
            teaser="Kurz gesagt",
            description="Ganz *lang*",
            translations={"uk": UK},
        )
    )
    uk = (await client.get("/events/konferenz?lang=uk")).text
    assert _h1(uk) == f"<h1>{UK.title}</h1>"
    assert f"<title>{UK.title}" in html.unescape(uk)
    assert f'<p class="teaser">{UK.teaser}</p>' in uk
    assert '<section class="description"><p><strong>Ми</strong> починаємо.</p>' in uk
    assert "Konferenz" not in _h1(uk)

    # No English text: German, marked as German for screen readers.
    en = (await client.get("/events/konferenz?lang=en")).text
    assert _h1(en) == '<h1 lang="de">Konferenz</h1>'
    assert '<p class="teaser" lang="de">Kurz gesagt</p>' in en
    assert '<section class="description" lang="de"><p>Ganz <em>lang</em></p>' in en

    de = (await client.get("/events/konferenz?lang=de")).text
    assert _h1(de) == "<h1>Konferenz</h1>"
    assert '<p class="teaser">Kurz gesagt</p>' in de


async def test_a_partial_translation_falls_back_field_by_field(client, event_factory):
    await event_factory(
        **upcoming(
            title="Konferenz", teaser="Kurz gesagt", translations={"en": EventText(title="Summit")}
        )
    )
    en = (await client.get("/events/konferenz?lang=en")).text
    assert _h1(en) == "<h1>Summit</h1>"
    assert '<p class="teaser" lang="de">Kurz gesagt</p>' in en


async def test_the_list_shows_the_readers_language(client, event_factory):
    await event_factory(**upcoming(title="Konferenz", teaser="Kurz", translations={"uk": UK}))
    await event_factory(**upcoming(slug="forum", title="Forum", teaser="Nur deutsch"))
    page = (await client.get("/?lang=uk")).text
    assert f'<h2><a href="/events/konferenz">{UK.title}</a></h2>' in page
    assert f"<p>{UK.teaser}</p>" in page
    assert '<h2 lang="de"><a href="/events/forum">Forum</a></h2>' in page
    assert '<p lang="de">Nur deutsch</p>' in page


async def test_the_api_gives_german_texts_and_the_translations(client, event_factory):
    await event_factory(**upcoming(title="Konferenz", translations={"uk": UK}))
    await event_factory(**upcoming(slug="forum", title="Forum"))
    detail = (
        await client.get("/api/v1/events/konferenz", headers={"Accept-Language": "uk"})
    ).json()
    assert detail["title"] == "Konferenz"
    assert detail["translations"] == {
        "uk": {"title": UK.title, "teaser": UK.teaser, "description": UK.description}
    }
    assert (await client.get("/api/v1/events/forum")).json()["translations"] == {}
    schema = (await client.get("/api/schema/openapi.json")).json()
    assert "TextOut" in schema["components"]["schemas"]


@pytest.mark.parametrize(
    ("language", "texts"),
    [
        ("en", ("<h1>New event</h1>", "Optional. Readers of the pages", ">Save</button>")),
        ("uk", ("<h1>Новий захід</h1>", "Необов’язково. Хто читає", ">Зберегти</button>")),
    ],
)
async def test_the_form_speaks_the_organisers_language(signed_in, language, texts):
    page = html.unescape((await signed_in.get(f"/organiser/events/new?lang={language}")).text)
    for text in texts:
        assert text in page
    assert "Neue Veranstaltung" not in page


async def test_the_personal_page_shows_the_event_in_the_readers_language(client, event_factory):
    await event_factory(**upcoming(title="Konferenz", translations={"uk": UK}))
    response = await submit(client, "konferenz", registration_form("a@example.org"))
    token = token_from(response.headers["location"])
    uk = html.unescape((await client.get(f"/r/{token}?lang=uk")).text)
    assert f'<h2><a href="/events/konferenz">{UK.title}</a></h2>' in uk
    en = (await client.get(f"/r/{token}?lang=en")).text
    assert '<h2 lang="de"><a href="/events/konferenz">Konferenz</a></h2>' in en
