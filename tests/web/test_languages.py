"""The public pages in German, English and Ukrainian: choosing, switching, dates, forms, names."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from litestar.testing import AsyncTestClient

from app.domain.model import EventFormat, Language, Seats
from app.services import registrations
from tests.conftest import registration_form
from tests.web.conftest import cookie_token, token_from, upcoming

#: 23:59 in Berlin: a deadline for the whole day, shown without a clock time.
DEADLINE = dt.datetime(2030, 11, 27, 22, 59, tzinfo=dt.UTC)
_SELECTED_LANGUAGE = re.compile(r'<option value="(\w+)" lang="\w+" selected>')


def _switcher(page: str) -> dict[str, str]:
    """The language switcher's links: language code -> the whole ``<a …>`` tag."""
    match = re.search(r'<ul class="languages"[^>]*>(.*?)</ul>', page, re.S)
    assert match, "no language switcher on the page"
    links = re.findall(r'<a [^>]*hreflang="(\w+)"[^>]*>', match.group(1))
    tags = re.findall(r"<a [^>]*>", match.group(1))
    return dict(zip(links, tags, strict=True))


@pytest.mark.parametrize(
    ("language", "heading", "footer"),
    [
        ("de", "Kommende Veranstaltungen", "Netzwerk kommunaler Partnerschaften"),
        ("en", "Upcoming events", "Network of Municipal Partnerships"),
        ("uk", "Майбутні заходи", "Мережа муніципальних партнерств"),
    ],
)
async def test_the_start_page_in_each_language_by_the_url(
    client: AsyncTestClient,
    event_factory,
    language: str,
    heading: str,
    footer: str,
) -> None:
    await event_factory(**upcoming(in_person_seats=Seats(5, 0)))
    response = await client.get(f"/?lang={language}")
    assert response.status_code == 200
    page = response.text
    assert f'<html lang="{language}">' in page
    assert f"<h1>{heading}</h1>" in page
    assert footer in page
    assert response.headers["content-language"] == language
    seats = {
        "de": "Noch 5 Plätze frei",
        "en": "5 places left",
        "uk": "Залишилося 5 вільних місць",  # the third of Ukrainian's plural forms
    }
    assert seats[language] in page


async def test_the_url_choice_is_remembered_in_a_cookie(client: AsyncTestClient) -> None:
    response = await client.get("/?lang=uk")
    set_cookie = response.headers["set-cookie"]
    assert "treffpunkt_lang=uk" in set_cookie
    assert "HttpOnly" in set_cookie
    assert "SameSite=Lax" in set_cookie
    later = await client.get("/past")
    assert '<html lang="uk">' in later.text
    assert "Минулі заходи" in later.text


async def test_a_cookie_alone_chooses_the_language(client: AsyncTestClient) -> None:
    client.cookies.set("treffpunkt_lang", "en")
    page = (await client.get("/privacy")).text
    assert '<html lang="en">' in page
    assert "<h1>Privacy notice</h1>" in page


@pytest.mark.parametrize(
    ("header", "language", "skip_link"),
    [
        ("uk-UA,uk;q=0.9,en;q=0.8", "uk", "Перейти до змісту"),
        ("en-GB,en;q=0.9", "en", "Skip to content"),
        ("fr-FR,fr;q=0.9", "de", "Zum Inhalt springen"),
    ],
)
async def test_the_browser_language_is_used_without_url_or_cookie(
    client: AsyncTestClient,
    header: str,
    language: str,
    skip_link: str,
) -> None:
    response = await client.get("/", headers={"Accept-Language": header})
    assert f'<html lang="{language}">' in response.text
    assert skip_link in response.text
    assert "set-cookie" not in response.headers or "treffpunkt_lang" not in str(
        response.headers.get_list("set-cookie")
    )


@pytest.mark.parametrize(
    ("query", "headers"),
    [
        ("?lang=xx", {}),
        ("?lang=%3Cscript%3Ealert(1)%3C/script%3E", {}),
        ("?lang=", {}),
        ("?lang=uk&lang=en", {}),
        ("", {b"Accept-Language": ("\u00ff\u00fe;;;q=zz,*;q=-1," + "x" * 3000).encode("latin-1")}),
        ("", {"Accept-Language": "uk;q=NaN"}),
        ("", {b"Cookie": 'treffpunkt_lang="<script>"; x=\u00ff'.encode("latin-1")}),
    ],
)
async def test_unknown_languages_get_german_never_an_error(
    client: AsyncTestClient,
    event_factory,
    query: str,
    headers: dict[str, str] | dict[bytes, bytes],
) -> None:
    event = await event_factory(**upcoming())
    for path in ("/", f"/events/{event.slug}", "/privacy"):
        response = await client.get(path + query, headers=headers)
        assert response.status_code == 200, path
        if query != "?lang=uk&lang=en":
            assert '<html lang="de">' in response.text
        assert "<script>" not in response.text


async def test_the_switcher_links_the_same_page_in_each_language(
    client: AsyncTestClient,
    event_factory,
) -> None:
    event = await event_factory(**upcoming())
    response = await client.get(f"/events/{event.slug}?lang=uk&von=%3Cb%3E+newsletter")
    links = _switcher(response.text)
    assert list(links) == ["de", "en", "uk"]
    for code, tag in links.items():
        # Other parameters stay (escaped), the old lang goes, each name in its own language.
        href = f"/events/{event.slug}?von=%3Cb%3E+newsletter&amp;lang={code}"
        assert f'href="{href}"' in tag
        assert f'lang="{code}"' in tag
        assert ("aria-current" in tag) is (code == "uk")
    assert 'hreflang="de">Deutsch</a>' in response.text
    assert 'hreflang="en">English</a>' in response.text
    assert 'hreflang="uk" aria-current="true">Українська</a>' in response.text
    # Following a link switches the page and remembers the choice.
    english = await client.get(html.unescape(re.search(r'href="([^"]+)"', links["en"]).group(1)))  # type: ignore[union-attr]
    assert '<html lang="en">' in english.text
    assert "treffpunkt_lang=en" in english.headers["set-cookie"]
    assert 'hreflang="en" aria-current="true">English</a>' in english.text


async def test_error_pages_speak_the_readers_language(client: AsyncTestClient) -> None:
    response = await client.get("/events/gibt-es-nicht?lang=uk")
    assert response.status_code == 404
    assert "<h1>Сторінку не знайдено</h1>" in response.text
    assert 'href="/events/gibt-es-nicht?lang=en"' in response.text
    english = await client.get("/r/" + "x" * 43 + "?lang=en")
    assert english.status_code == 404
    assert "<h1>Page not found</h1>" in english.text


@pytest.mark.parametrize(
    ("language", "when", "deadline"),
    [
        (
            "de",
            "Mittwoch, 4. Dezember 2030, 10:00–14:00 Uhr",
            "Anmeldung bis Mittwoch, 27. November 2030",
        ),
        (
            "en",
            "Wednesday, 4 December 2030, 10:00–14:00",
            "Register by Wednesday, 27 November 2030",
        ),
        (
            "uk",
            "середа, 4 грудня 2030\u202fр., 10:00–14:00",
            "Кінцевий термін реєстрації: середа, 27 листопада 2030\u202fр.",
        ),
    ],
)
async def test_dates_on_the_event_page_in_the_readers_locale(
    client: AsyncTestClient,
    event_factory,
    language: str,
    when: str,
    deadline: str,
) -> None:
    event = await event_factory(**upcoming(registration_closes_at=DEADLINE))
    page = (await client.get(f"/events/{event.slug}?lang={language}")).text
    assert when in page
    assert f'<p class="deadline">{deadline}</p>' in page


async def test_the_form_in_ukrainian_with_an_error_next_to_its_field(
    client: AsyncTestClient,
    event_factory,
) -> None:
    event = await event_factory(**upcoming())
    page = (await client.get(f"/events/{event.slug}?lang=uk")).text
    assert '<label for="f-first_name">Ім’я' in page
    assert "Зареєструватися</button>" in page
    response = await client.post(
        f"/events/{event.slug}/register",
        data={
            **registration_form("kein-at-zeichen", language="uk"),
            "_csrf_token": cookie_token(client),
        },
    )
    assert response.status_code == 400
    text = response.text
    assert '<html lang="uk">' in text
    message = "Будь ласка, введіть дійсну адресу електронної пошти, наприклад name@kommune.de."
    assert f'<small id="email-error" class="field-error">{message}</small>' in text
    assert "Будь ласка, перевірте введені дані" in text  # the summary's heading
    assert f'<a href="#f-email">Адреса електронної пошти: {message}</a>' in text
    assert "<title>Помилка: " in text
    # The answer to a form has no address to reload: the switcher leads to the event page.
    assert f'href="/events/{event.slug}?lang=de"' in text


@pytest.mark.parametrize("language", ["de", "en", "uk"])
async def test_the_mail_language_starts_as_the_page_language(
    client: AsyncTestClient,
    event_factory,
    language: str,
) -> None:
    event = await event_factory(**upcoming())
    page = (await client.get(f"/events/{event.slug}?lang={language}")).text
    assert _SELECTED_LANGUAGE.findall(page) == [language]


async def test_registering_from_the_ukrainian_page_stores_ukrainian(
    client: AsyncTestClient,
    event_factory,
) -> None:
    event = await event_factory(**upcoming())
    page = (await client.get(f"/events/{event.slug}?lang=uk")).text
    (chosen,) = _SELECTED_LANGUAGE.findall(page)
    form = registration_form("olena.uk@example.org", language=chosen)
    response = await client.post(
        f"/events/{event.slug}/register",
        data={**form, "_csrf_token": cookie_token(client)},
        follow_redirects=False,
    )
    assert response.status_code == 303
    token = token_from(response.headers["location"])
    registration, _ = await registrations.personal_view(token)
    assert registration.language is Language.UK
    personal = (await client.get(response.headers["location"])).text
    assert "<h1>Ваша реєстрація</h1>" in personal
    assert "Статус: <strong>підтверджено</strong>" in personal
    assert '<dd lang="uk">Українська</dd>' in personal
    assert "Скасувати реєстрацію</button>" in personal


async def test_right_to_left_and_combining_names_come_back_escaped_and_intact(
    client: AsyncTestClient,
    event_factory,
) -> None:
    event = await event_factory(**upcoming())
    first = "<b>مريم</b>"  # Arabic, with markup that must stay text
    last = "כהן\u200f-Ко\u0301валь"  # Hebrew, a right-to-left mark, Cyrillic with a combining acute
    organisation = "Громада Мико\u0301лаїв & שותפים"
    await client.get(f"/events/{event.slug}?lang=uk")
    response = await client.post(
        f"/events/{event.slug}/register",
        data={
            **registration_form(
                "rtl@example.org", first_name=first, last_name=last, organisation=organisation
            ),
            "_csrf_token": cookie_token(client),
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    page = (await client.get(response.headers["location"])).text
    assert f'<dd dir="auto">{html.escape(first, quote=False)} {last}</dd>' in page
    assert f'<dd dir="auto">{html.escape(organisation, quote=False)}</dd>' in page
    assert "<b>مريم" not in page
    # Combining marks are kept as typed (no precomposed form exists for them).
    assert "Ко\u0301валь" in page
    assert "Мико\u0301лаїв" in page


async def test_the_personal_page_in_english(
    client: AsyncTestClient,
    event_factory,
) -> None:
    event = await event_factory(**upcoming(registration_closes_at=DEADLINE))
    await client.get(f"/events/{event.slug}?lang=en")
    response = await client.post(
        f"/events/{event.slug}/register",
        data={**registration_form("max@example.org"), "_csrf_token": cookie_token(client)},
        follow_redirects=False,
    )
    page = (await client.get(response.headers["location"])).text
    assert "Thank you! You are registered." in page
    assert "Status: <strong>confirmed</strong>" in page
    assert "Wednesday, 4 December 2030, 10:00–14:00" in page
    assert "<dt>Participation</dt><dd>in person</dd>" in page
    assert "Cancel registration</button>" in page


async def test_refusals_and_error_pages_in_the_readers_language(
    client: AsyncTestClient,
    event_factory,
    now: dt.datetime,
) -> None:
    past_deadline = now - dt.timedelta(days=1)
    full = await event_factory(**upcoming(slug="zu", registration_closes_at=past_deadline))
    page = (await client.get(f"/events/{full.slug}?lang=en")).text
    assert "The registration deadline has passed. It is no longer possible to register." in page
    # A form without its CSRF token: 403, said in Ukrainian.
    refused = await client.post(
        f"/events/{full.slug}/register", data=registration_form("a@example.org")
    )
    assert refused.status_code == 403
    client.cookies.set("treffpunkt_lang", "uk")
    refused = await client.post(
        f"/events/{full.slug}/register", data=registration_form("a@example.org")
    )
    assert "<h1>Запит відхилено</h1>" in refused.text
    assert 'href="/?lang=en"' in refused.text  # no address to reload: the start page


async def test_the_opt_in_and_join_pages_in_ukrainian(
    client: AsyncTestClient,
    event_factory,
) -> None:
    event = await event_factory(**upcoming(format=EventFormat.ONLINE, double_opt_in=True))
    await client.get(f"/events/{event.slug}?lang=uk")
    response = await client.post(
        f"/events/{event.slug}/register",
        data={**registration_form("olena@example.org"), "_csrf_token": cookie_token(client)},
        follow_redirects=False,
    )
    assert response.status_code == 200
    page = response.text
    assert "<h1>Будь ласка, підтвердіть реєстрацію</h1>" in page
    # The hold's end in Ukrainian: "…, 4 грудня 2030 р., 10:00" or the like, never "Uhr".
    assert re.search(r"Ваше місце заброньоване за Вами до: \w+, \d+ \w+ \d{4}\u202fр\.", page)
    assert "Uhr" not in page
    [registration] = await registrations.list_for_event(event.id)
    joined = await client.get(f"/j/{registration.token}", follow_redirects=False)
    assert joined.status_code == 403
    assert "<h1>Доступ наразі неможливий</h1>" in joined.text
    assert "Вашу реєстрацію ще не підтверджено." in joined.text
    assert "До Вашої персональної сторінки</a>" in joined.text


async def test_an_address_no_route_matches_answers_in_the_readers_language(client):
    # The language middleware runs for routes only; the 404 for an unknown address must
    # still speak the reader's language.
    response = await client.get("/gibt-es-nicht?lang=uk")
    assert response.status_code == 404
    assert '<html lang="uk">' in response.text
    assert "Сторінку не знайдено" in response.text
    response = await client.get("/gibt-es-nicht", headers={"Accept-Language": "en"})
    assert '<html lang="en">' in response.text
