"""The organisers' pages, notices and exports in English and Ukrainian; German stays the default."""

from __future__ import annotations

import csv
import io

import openpyxl
import pypdf
import pytest

from app import paths
from app.web.controllers.organiser_api_tokens import NOTICES as TOKEN_NOTICES
from app.web.controllers.organiser_registrations import ACTION_NOTICES, NOTICE_TEXTS
from app.web.language import LANGUAGE_COOKIE
from app.web.organiser_texts import EVENT_NOTICES
from tests.web.conftest import cookie_token
from tests.web.test_organiser_registrations import people  # noqa: F401 - the fixture is used
from tests.web.test_organisers import organiser, sign_in  # noqa: F401 - the fixture is used

#: Per page (a path under the event, or absolute), texts each language must show.
PAGES = {
    "home": (
        "/organiser/",
        {
            "de": ["Veranstaltungen verwalten", "Kommende", "Abmelden"],
            "en": ["Manage events", "Upcoming", "Sign out", "Signed in as Olena Koval"],
            "uk": ["Керування заходами", "Майбутні", "Вийти", "Новий захід", "Ви увійшли як"],
        },
    ),
    "dashboard": (
        "",
        {
            "de": [
                "Überblick: Forum",
                "Freie Plätze",
                "Anmeldungen bis zur Veranstaltung",
                "bestätigt",
            ],
            "en": ["Overview: Forum", "Free places", "Registrations up to the event", "confirmed"],
            "uk": ["Огляд: Forum", "Вільні місця", "Реєстрації до заходу", "підтверджено"],
        },
    ),
    "registrations": (
        "/registrations",
        {
            "de": ["5 Anmeldungen insgesamt", "5 von 5 angezeigt.", "Warteliste", "vor Ort"],
            "en": ["5 registrations in total", "Showing 5 of 5.", "Waiting list", "in person"],
            "uk": ["Усього 5 реєстрацій", "Показано 5 з 5.", "Список очікування", "очно"],
        },
    ),
    "new_registration": (
        "/registrations/new",
        {
            "de": ["Anmeldung hinzufügen: Forum", "Vorname", "Sprache für E-Mails"],
            "en": ["Add registration: Forum", "First name", "Language for emails"],
            "uk": ["Додати реєстрацію: Forum", "Прізвище", "Мова листів"],
        },
    ),
    "check_in": (
        "/check-in",
        {
            "de": ["Einlass: Forum", "0 von 3 bestätigten Anmeldungen eingelassen.", "Einlassen"],
            "en": ["Check-in: Forum", "0 of 3 confirmed registrations checked in.", "Check in"],
            "uk": ["Вхід: Forum", "Допущено 0 з 3 підтверджених реєстрацій.", "Допустити"],
        },
    ),
    "message": (
        "/message",
        {
            "de": ["Nachricht an die Angemeldeten", "Nur Warteliste", "Senden"],
            "en": ["Message to those registered", "Waiting list only", "Send"],
            "uk": ["Повідомлення для зареєстрованих", "Лише список очікування", "Надіслати"],
        },
    ),
    "outbox": (
        "/organiser/outbox",
        {
            "de": ["Postausgang", "Fehlgeschlagen", "Letzter Fehler", "Wartet"],
            "en": ["Outbox", "Failed", "Last error", "Waiting"],
            "uk": ["Вихідні листи", "Не вдалося", "Остання помилка", "Очікує"],
        },
    ),
    "cancel_event": (
        "/cancel",
        {
            "de": ["Veranstaltung absagen", "Nachricht an alle Angemeldeten (optional)"],
            "en": ["Cancel event", "Message to everyone registered (optional)"],
            "uk": ["Скасувати захід", "Повідомлення для всіх зареєстрованих (необов’язково)"],
        },
    ),
    "api_tokens": (
        "/organiser/api-tokens",
        {
            "de": ["API-Zugang", "Neues Token erstellen", "Noch keine."],
            "en": ["API access", "Create a new token", "None yet."],
            "uk": ["Доступ до API", "Створити новий токен", "Ще немає."],
        },
    ),
    "two_factor": (
        "/organiser/account/two-factor",
        {
            "de": ["Zwei-Faktor-Anmeldung", "Schlüssel", "Code aus der App", "Einschalten"],
            "en": ["Two-factor sign-in", "Key", "Code from the app", "Switch on"],
            "uk": ["Двофакторний вхід", "Ключ", "Код із застосунку", "Увімкнути"],
        },
    ),
}

#: German texts that must not be left on the translated pages.
GERMAN_LEFTOVERS = {
    "home": ["Veranstaltungen verwalten", "Abmelden"],
    "dashboard": ["Freie Plätze", "Duplizieren"],
    "registrations": ["Anmeldungen insgesamt", "Von der Warteliste nachrücken"],
    "new_registration": ["Sprache für E-Mails", "Bitte korrigieren"],
    "check_in": ["bestätigten Anmeldungen", "Einlassen"],
    "message": ["Nachricht an die Angemeldeten", "Empfänger"],
    "outbox": ["Postausgang", "Letzter Fehler"],
    "cancel_event": ["Veranstaltung absagen", "rückgängig"],
    "api_tokens": ["Neues Token erstellen", "persönlichen API-Token"],
    "two_factor": ["Zwei-Faktor-Anmeldung", "Schlüssel", "von Hand"],
}


def _base(event) -> str:
    return f"/organiser/events/{event.id}"


def _url(event, path: str, language: str | None) -> str:
    url = path if path.startswith("/organiser/") else _base(event) + path
    return f"{url}?lang={language}" if language else url


@pytest.mark.parametrize("language", ["en", "uk"])
async def test_every_organiser_page_speaks_the_chosen_language(
    client,
    organiser,  # noqa: F811
    people,  # noqa: F811
    language,
):
    event, _ = people
    await sign_in(client)
    for name, (path, expected) in PAGES.items():
        page = await client.get(_url(event, path, language))
        assert page.status_code == 200, name
        assert page.headers["content-language"] == language
        for text in expected[language]:
            assert text in page.text, (name, text)
        for german in GERMAN_LEFTOVERS[name]:
            assert german not in page.text, (name, german)


async def test_german_is_the_default_on_every_organiser_page(client, organiser, people):  # noqa: F811
    event, _ = people
    await sign_in(client)
    for name, (path, expected) in PAGES.items():
        page = await client.get(_url(event, path, None))
        assert page.status_code == 200, name
        for text in expected["de"]:
            assert text in page.text, (name, text)


async def test_sign_in_page_and_its_refusal_are_translated(client, organiser):  # noqa: F811
    page = await client.get("/organiser/sign-in?lang=en")
    assert "Sign in for organisers" in page.text
    assert "Password" in page.text
    client.cookies.set(LANGUAGE_COOKIE, "uk")
    refused = await sign_in(client, password="falsch-falsch-falsch")
    assert refused.status_code == 400
    assert "Вхід для організаторів" in refused.text
    assert "Неправильна адреса електронної пошти або пароль." in refused.text
    signed_out = await client.get("/organiser/sign-in?signed_out=1&lang=en")
    assert "You have been signed out." in signed_out.text


async def test_notices_and_refusals_follow_the_language(client, organiser, people):  # noqa: F811
    event, _ = people
    await sign_in(client)
    published = await client.get(f"{_base(event)}?notice=veroeffentlicht&lang=uk")
    assert "Захід опубліковано" in published.text
    refused = await client.get(f"{_base(event)}?refused=cannot_publish&lang=en")
    assert "Only drafts can be published" in refused.text
    added = await client.get(
        f"{_base(event)}/registrations?notice=hinzugefuegt&added_as=waitlisted&lang=de"
    )
    assert "Die Anmeldung wurde hinzugefügt, Status: Warteliste." in added.text
    added = await client.get(
        f"{_base(event)}/registrations?notice=hinzugefuegt&added_as=waitlisted&lang=en"
    )
    assert "The registration has been added, status: Waiting list." in added.text
    promoted = await client.get(
        f"{_base(event)}/registrations?notice=nachgerueckt&promoted=2&lang=uk"
    )
    assert "Переведення зі списку очікування: 2 особи перейшли зі списку очікування." in (
        promoted.text
    )
    door = await client.get(f"{_base(event)}/check-in?notice=nicht-bestaetigt&lang=en")
    assert "Only confirmed registrations can be checked in." in door.text


async def test_old_german_notice_values_still_show_their_notice(
    client,
    organiser,  # noqa: F811
    people,  # noqa: F811
):
    event, _ = people
    await sign_in(client)
    pages = [
        (EVENT_NOTICES, _base(event)),
        (ACTION_NOTICES, f"{_base(event)}/registrations"),
        (NOTICE_TEXTS, f"{_base(event)}/check-in"),
        (TOKEN_NOTICES, paths.api_tokens()),
    ]
    shown = set()
    for texts, page in pages:
        for old, new in paths.OLD_NOTICES.items():
            if new not in texts:
                continue
            # The German text is its own msgid; the page shows it under lang=de.
            for value in (new, old):
                answer = await client.get(f"{page}?notice={value}&lang=de")
                assert answer.status_code == 200, (page, value)
                assert texts[new] in answer.text, (page, value)
            shown.add(old)
    assert shown | {"hinzugefuegt"} == set(paths.OLD_NOTICES)


async def test_message_form_errors_and_preview_are_translated(client, organiser, people):  # noqa: F811
    event, _ = people
    await sign_in(client)
    await client.get(f"{_base(event)}/message?lang=en")
    path = f"{_base(event)}/message/preview"
    token = cookie_token(client)
    empty = await client.post(path, data={"subject": "", "text": "", "_csrf_token": token})
    assert empty.status_code == 400
    assert "Please enter a subject." in empty.text
    assert "Please choose who receives the message." in empty.text
    preview = await client.post(
        path,
        data={"subject": "Hallo", "text": "Bis bald", "audience": "all", "_csrf_token": token},
    )
    assert preview.status_code == 200
    assert "Goes to <strong>4</strong> recipients." in preview.text


async def test_api_token_page_errors_are_translated(client, organiser):  # noqa: F811
    await sign_in(client)
    await client.get("/organiser/api-tokens/?lang=uk")
    refused = await client.post(
        "/organiser/api-tokens/", data={"name": " ", "_csrf_token": cookie_token(client)}
    )
    assert refused.status_code == 400
    assert "Будь ласка, дайте токену назву" in refused.text


async def _exports(client, event) -> tuple[list[str], list[str], str]:
    csv_response = await client.get(f"{_base(event)}/registrations.csv")
    assert csv_response.status_code == 200
    rows = list(csv.reader(io.StringIO(csv_response.content.decode("utf-8-sig")), delimiter=";"))
    xlsx = await client.get(f"{_base(event)}/registrations.xlsx")
    assert xlsx.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    header = [str(cell.value) for cell in next(sheet.iter_rows(max_row=1))]
    pdf = await client.get(f"{_base(event)}/signature-list.pdf")
    assert pdf.status_code == 200
    reader = pypdf.PdfReader(io.BytesIO(pdf.content))
    text = "".join(page.extract_text() for page in reader.pages)
    return rows[0], header, text


async def test_exports_follow_the_language_cookie(client, organiser, people):  # noqa: F811
    event, _ = people
    await sign_in(client)
    client.cookies.set(LANGUAGE_COOKIE, "uk")
    csv_header, xlsx_header, pdf_text = await _exports(client, event)
    assert csv_header[:4] == ["№", "Ім’я", "Прізвище", "Ел. пошта"]
    assert "Дата реєстрації" in csv_header
    assert xlsx_header[:4] == ["№", "Ім’я", "Прізвище", "Ел. пошта"]
    assert "Статус" in xlsx_header
    assert "Список для підписів" in pdf_text
    assert "Підпис" in pdf_text
    assert "Сторінка 1 з 1" in pdf_text
    assert "Unterschrift" not in pdf_text


async def test_exports_stay_german_by_default(client, organiser, people):  # noqa: F811
    event, _ = people
    await sign_in(client)
    csv_header, xlsx_header, pdf_text = await _exports(client, event)
    assert csv_header[:4] == ["Nr.", "Vorname", "Nachname", "E-Mail"]
    assert xlsx_header[-5:] == [
        "Angemeldet am",
        "Art der Organisation",
        "Land",
        "Eingecheckt",
        "Check-in-Zeit",
    ]
    assert "Unterschriftenliste" in pdf_text
    assert "Unterschrift" in pdf_text
    assert "Seite 1 von 1" in pdf_text


async def test_english_exports_translate_values_too(client, organiser, people):  # noqa: F811
    event, _ = people
    await sign_in(client)
    client.cookies.set(LANGUAGE_COOKIE, "en")
    response = await client.get(f"{_base(event)}/registrations.csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["No.", "First name", "Last name"]
    values = {cell for row in rows[1:] for cell in row}
    assert {"confirmed", "in person", "online"} <= values
    assert "bestätigt" not in values
