"""The privacy page: the notice in force in three languages, older versions, and consent."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient

from app.asgi import create_app
from app.db.database import Database
from app.db.tables import PrivacyNotice as PrivacyNoticeTable
from app.db.tables import Registration as RegistrationTable
from app.services import privacy_notice
from app.settings import Settings
from tests.conftest import registration_form
from tests.services.test_privacy_notice import notice_dir
from tests.web.conftest import SameLoopTestClient, submit, token_from, upcoming


async def _consent_version(email: str) -> str:
    row = (
        await RegistrationTable.select(RegistrationTable.consent_version)
        .where(RegistrationTable.email == email)
        .first()
    )
    assert row is not None
    return str(row["consent_version"])


@pytest.mark.parametrize(
    ("language", "heading", "sentence"),
    [
        ("de", "Datenschutzhinweis", "Art. 6 Abs. 1 lit. a DSGVO"),
        ("en", "Privacy notice", "Art. 6(1)(a) GDPR"),
        ("uk", "Інформація про захист даних", "Ваші права"),
    ],
)
async def test_the_page_shows_the_notice_in_the_readers_language(
    client: AsyncTestClient,
    language: str,
    heading: str,
    sentence: str,
) -> None:
    response = await client.get("/privacy", params={"lang": language})
    assert response.status_code == 200
    html = response.text
    assert f'<html lang="{language}">' in html
    assert f"<h1>{heading}</h1>" in html
    assert sentence in html
    version = privacy_notice.load_notice(Settings()).version
    assert version in html
    assert "<h2>" in html  # Markdown rendered, not shown as text
    assert "{{" not in html
    # The operator has not named the controller yet: the page says so.
    assert "PRIVACY_CONTROLLER" in html


async def test_a_language_without_its_own_text_gets_german(
    db: Database, settings: Settings, tmp_path: Path, clock
) -> None:
    folder = tmp_path / "nur-deutsch"
    folder.mkdir()
    (folder / "de.md").write_text("## Hinweis\n\nNur auf Deutsch.", encoding="utf-8")
    app = create_app(
        dataclasses.replace(settings, privacy_notice_dir=folder), database=db, clock=clock
    )
    async with SameLoopTestClient(app) as client:
        html = (await client.get("/privacy", params={"lang": "en"})).text
    assert "Nur auf Deutsch." in html
    assert "This notice is available in German only." in html
    assert '<div class="notice-text" lang="de">' in html


async def test_a_changed_text_is_a_new_version_and_old_consents_keep_theirs(
    db: Database, settings: Settings, event_factory, tmp_path: Path, clock
) -> None:
    await event_factory(**upcoming(slug="forum"))
    old_settings = dataclasses.replace(
        settings, privacy_notice_dir=notice_dir(tmp_path / "alt", german="## Alt\n\nAlte Fassung.")
    )
    new_settings = dataclasses.replace(
        settings, privacy_notice_dir=notice_dir(tmp_path / "neu", german="## Neu\n\nNeue Fassung.")
    )
    old_version = privacy_notice.load_notice(old_settings).version
    new_version = privacy_notice.load_notice(new_settings).version
    assert old_version != new_version

    async with SameLoopTestClient(create_app(old_settings, database=db, clock=clock)) as client:
        response = await submit(client, "forum", registration_form("alt@example.org"))
        assert response.status_code == 303, response.text
        old_token = token_from(response.headers["location"])
    # The service restarts with the changed text.
    async with SameLoopTestClient(create_app(new_settings, database=db, clock=clock)) as client:
        response = await submit(client, "forum", registration_form("neu@example.org"))
        assert response.status_code == 303, response.text
        current = await client.get("/privacy")
        older = await client.get("/privacy", params={"version": old_version})
        data = (await client.get(f"/r/{old_token}/data.json")).json()

    assert await _consent_version("alt@example.org") == old_version
    assert await _consent_version("neu@example.org") == new_version
    assert await PrivacyNoticeTable.count() == 2

    assert "Neue Fassung." in current.text
    assert "Alte Fassung." not in current.text
    assert f"/privacy?version={old_version}" in current.text  # listed as an earlier one
    assert older.status_code == 200
    assert "Alte Fassung." in older.text
    assert "Neue Fassung." not in older.text
    assert f"Frühere Version {old_version}" in older.text

    assert data["consent"]["privacy_notice_version"] == old_version
    assert data["consent"]["privacy_notice_path"] == f"/privacy?version={old_version}"


async def test_an_explicit_version_is_shown_and_stored(
    db: Database, settings: Settings, event_factory, clock
) -> None:
    await event_factory(**upcoming(slug="forum"))
    explicit = dataclasses.replace(settings, privacy_notice_version="2027-01")
    async with SameLoopTestClient(create_app(explicit, database=db, clock=clock)) as client:
        response = await submit(client, "forum", registration_form("a@example.org"))
        assert response.status_code == 303
        page = await client.get("/privacy")
    assert "Version 2027-01, gültig seit" in page.text
    assert await _consent_version("a@example.org") == "2027-01"


async def test_an_unknown_version_is_a_404(client: AsyncTestClient) -> None:
    for version in ("gibt-es-nicht", "<script>alert(1)</script>", "x" * 200):
        response = await client.get("/privacy", params={"version": version})
        assert response.status_code == 404, version
        assert "<script>alert" not in response.text
    current = privacy_notice.load_notice(Settings()).version
    assert (await client.get("/privacy", params={"version": current})).status_code == 200


async def test_the_consent_label_links_to_the_page(
    client: AsyncTestClient,
    event_factory,
) -> None:
    await event_factory(**upcoming(slug="forum"))
    html = (await client.get("/events/forum")).text
    label = html[html.index('<label for="f-consent">') :]
    label = label[: label.index("</label>")]
    assert '<a href="/privacy">' in label


async def test_two_app_starts_at_once_record_the_version_once(
    db: Database, settings: Settings, clock
) -> None:
    apps = [create_app(settings, database=db, clock=clock) for _ in range(3)]

    async def start(app) -> None:
        async with app.lifespan():
            pass

    await asyncio.gather(*(start(app) for app in apps))
    rows = await PrivacyNoticeTable.select(PrivacyNoticeTable.version)
    assert rows == [{"version": privacy_notice.load_notice(settings).version}]


async def test_registrations_by_organisers_carry_the_current_version(
    db: Database, settings: Settings, event_factory, now, clock
) -> None:
    from app.services import api_tokens, organisers

    event = await event_factory(**upcoming(slug="forum"))
    organiser = await organisers.create_organiser(db, "o@example.org", "x" * 16, "O")
    secret = (await api_tokens.create(db, organiser.id, "Tests", now)).secret
    explicit = dataclasses.replace(settings, privacy_notice_version="api-v3")
    async with SameLoopTestClient(create_app(explicit, database=db, clock=clock)) as client:
        response = await client.post(
            f"/api/v1/organiser/events/{event.id}/registrations",
            json={"first_name": "A", "last_name": "B", "email": "ab@example.org", "consent": True},
            headers={"Authorization": f"Bearer {secret}"},
        )
    assert response.status_code == 201, response.text
    assert await _consent_version("ab@example.org") == "api-v3"
    assert await privacy_notice.find("api-v3") is not None
