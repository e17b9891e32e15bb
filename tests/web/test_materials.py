"""After the event: organisers add report, recording, slides and photos; pages show them.

Bad input never gets a 500: a link that is not https, Markdown with raw HTML or a
``javascript:`` link, a missing translation each have a clear message or a safe fallback.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from app.db.tables import Outbox
from app.domain.mail import MailKind
from app.domain.materials import MaterialsDraft
from app.domain.model import EventText, MaterialLink
from app.services import api_tokens, materials, organisers, registrations
from tests.conftest import registration_request
from tests.web.conftest import cookie_token
from tests.web.test_organisers import EMAIL, PASSWORD, sign_in

DAY = dt.timedelta(days=1)
EVIL_REPORT = (
    "# Rückblick\n\nGut besucht. <script>alert('x')</script> <img src=x onerror=alert(1)>\n\n"
    "[Klick](javascript:alert(1)) und [Programm](https://netzwerk.example/programm)"
)


@pytest.fixture
async def team(db):
    """An organiser account (``sign_in`` signs in as it)."""
    return await organisers.create_organiser(db, EMAIL, PASSWORD, "Olena Koval")


@pytest.fixture
async def past(event_factory, now):
    """A published event of the series 'Reallabor' that ended three days ago."""
    return await event_factory(
        slug="runde",
        series="Reallabor",
        starts_at=now - 3 * DAY,
        ends_at=now - 3 * DAY + dt.timedelta(hours=2),
        translations={"en": EventText(title="Round table")},
    )


async def _with_materials(db, event, now, **overrides):
    draft = MaterialsDraft(
        **{
            "report": EVIL_REPORT,
            "recording_url": "https://video.example/watch?v=1&t=2",
            "slides": (MaterialLink("https://folien.example/a.pdf", "Vortrag Kyjiw"),),
            "photos": (MaterialLink("https://fotos.example/album"),),
            **overrides,
        }
    )
    return await materials.save(db, event.id, draft, now)


def _report_section(html: str) -> str:
    match = re.search(r'<section class="materials".*?</section>', html, re.S)
    assert match, "no materials section"
    return match.group(0)


async def test_the_organiser_form_saves_and_the_past_event_page_shows_it_safely(
    client,
    team,
    past,
):
    await sign_in(client)
    page = await client.get(f"/organiser/events/{past.id}/materials")
    assert page.status_code == 200
    assert "Nach der Veranstaltung" in page.text
    form = {
        "report": EVIL_REPORT,
        "report_en": "",
        "report_uk": "",
        "recording_url": "https://video.example/watch?v=1",
        "slides": "https://folien.example/a.pdf Vortrag Kyjiw\nhttps://folien.example/b.pdf",
        "photos": "https://fotos.example/album",
        "_csrf_token": cookie_token(client),
    }
    saved = await client.post(
        f"/organiser/events/{past.id}/materials", data=form, follow_redirects=False
    )
    assert saved.status_code == 303, saved.text
    again = await client.get(saved.headers["location"])
    assert "Gespeichert." in again.text
    assert "https://folien.example/a.pdf Vortrag Kyjiw" in again.text

    public = await client.get("/events/runde")
    section = _report_section(public.text)
    for word in ("Bericht", "Aufzeichnung", "Folien", "Fotos", "Vortrag Kyjiw"):
        assert word in section
    assert "Rückblick" in section
    assert "<h1" not in section
    assert "<h4>Rückblick</h4>" in section  # below "Nach der Veranstaltung" and "Bericht"
    assert 'href="https://netzwerk.example/programm"' in section
    # Raw HTML shows as text, javascript: links lose their target.
    assert "<script" not in section
    assert "<img" not in section
    assert "&lt;script&gt;" in section
    assert 'href="javascript' not in public.text.lower()  # shown as text, never a link
    assert 'href="https://video.example/watch?v=1"' in section
    assert "folien.example/b.pdf" in section  # a link without label shows its address


async def test_bad_links_come_back_with_a_message_per_field_and_nothing_is_stored(
    client,
    team,
    past,
):
    await sign_in(client)
    await client.get(f"/organiser/events/{past.id}/materials")
    form = {
        "report": "Bericht",
        "recording_url": "http://video.example/watch?v=1",
        "slides": "https://folien.example/a.pdf\njavascript:alert(1) Folien",
        "photos": "fotos.example/album",
        "_csrf_token": cookie_token(client),
    }
    refused = await client.post(f"/organiser/events/{past.id}/materials", data=form)
    assert refused.status_code == 400
    assert "Fehler:" in refused.text
    assert refused.text.count("https-Link") >= 3
    assert "Zeile 2:" in refused.text
    assert 'id="f-recording_url"' in refused.text
    assert 'aria-invalid="true"' in refused.text
    assert "http://video.example/watch?v=1" in refused.text  # kept as typed
    stored = (await client.get("/events/runde")).text
    assert 'class="materials"' not in stored


async def test_materials_show_only_once_the_event_is_over(db, client, event_factory, now):
    upcoming = await event_factory(slug="bald")
    await _with_materials(db, upcoming, now)
    page = await client.get("/events/bald")
    assert page.status_code == 200
    assert 'class="materials"' not in page.text


async def test_past_lists_the_materials_and_links_to_the_report(db, client, past, now):
    await _with_materials(db, past, now)
    page = await client.get("/past")
    section = _report_section(page.text)
    assert 'href="/events/runde#bericht"' in section
    assert "Aufzeichnung" in section
    assert "Fotos" in section
    assert "<h3" in section  # below the card's own heading
    assert "Rückblick" not in section  # the report itself is on the event page


async def test_a_missing_translation_shows_the_german_report_marked_as_german(
    db, client, past, now
):
    await _with_materials(db, past, now, report_translations={"en": "The **English** report"})
    english = await client.get("/events/runde?lang=en")
    section = _report_section(english.text)
    assert "After the event" in section
    assert "Recording" in section
    assert "Slides" in section
    assert "<strong>English</strong>" in section
    assert 'lang="de"' not in section

    ukrainian = await client.get("/events/runde?lang=uk")
    section = _report_section(ukrainian.text)
    assert "Після заходу" in section
    assert "Запис" in section
    assert "Звіт" in section
    assert '<div class="report" lang="de">' in section
    assert "Звіт <small>(німецькою)</small>" in section  # said, not only marked

    past_uk = await client.get("/past?lang=uk")
    assert "(німецькою)" in _report_section(past_uk.text)


async def test_editing_the_event_keeps_its_materials(client, db, past, now):
    from app.services import event_admin
    from app.web.event_form import event_values, parse_event_form

    await _with_materials(db, past, now)
    await event_admin.update_event(
        db,
        past.id,
        parse_event_form({**event_values(past), "title": "Runde (neu)"}),
        notify=False,
        message="",
        now=now,
    )
    page = await client.get("/events/runde")
    assert "Runde (neu)" in page.text
    assert "Vortrag Kyjiw" in _report_section(page.text)


async def test_the_organiser_api_reads_and_replaces_materials(client, db, team, past, now):
    secret = (await api_tokens.create(db, team.id, "Tests", now)).secret
    headers = {"Authorization": f"Bearer {secret}"}
    url = f"/api/v1/organiser/events/{past.id}/materials"

    empty = await client.get(url, headers=headers)
    assert empty.status_code == 200
    assert empty.json() == {
        "report": "",
        "report_translations": {},
        "recording_url": "",
        "slides": [],
        "photos": [],
    }
    bad = await client.put(
        url,
        headers=headers,
        json={
            "recording_url": "http://video.example/1",
            "slides": [{"url": "javascript:alert(1)"}],
            "report_translations": {"fr": "Rapport"},
        },
    )
    assert bad.status_code == 400
    assert bad.headers["content-type"].startswith("application/problem+json")
    assert bad.json()["errors"] == {
        "recording_url": "not_https",
        "slides.0.url": "not_https",
        "report_translations.fr": "unknown_language",
    }
    unknown_field = await client.put(url, headers=headers, json={"bericht": "x"})
    assert unknown_field.status_code == 400

    body = {
        "report": "Bericht",
        "report_translations": {"uk": "Звіт"},
        "recording_url": "https://video.example/1",
        "slides": [{"url": "https://folien.example/a.pdf", "label": "Folien A"}],
        "photos": [],
    }
    put = await client.put(url, headers=headers, json=body)
    assert put.status_code == 200, put.text
    assert put.json() == body
    assert (await client.get(url, headers=headers)).json() == body
    missing = await client.get("/api/v1/organiser/events/999999/materials", headers=headers)
    assert missing.status_code == 404


async def test_announcing_asks_for_confirmation_and_mails_each_registrant_once(
    client,
    db,
    team,
    event_factory,
    now,
    clock,
):
    event = await event_factory(slug="runde")
    for email in ("anna@stadt.example", "ben@stadt.example"):
        await registrations.register(db, "runde", registration_request(email), now)
    clock.now = event.ends_at + DAY
    await sign_in(client)
    page = await client.get(f"/organiser/events/{event.id}/materials")
    assert "Bitte speichern Sie zuerst einen Bericht" in page.text
    await _with_materials(db, event, clock.now)

    page = await client.get(f"/organiser/events/{event.id}/materials")
    assert "Noch ohne diese E-Mail: 2 Angemeldete" in page.text
    url = f"/organiser/events/{event.id}/materials/announce"
    unconfirmed = await client.post(url, data={"_csrf_token": cookie_token(client)})
    assert unconfirmed.status_code == 400
    assert "Bitte bestätigen Sie den Versand." in unconfirmed.text
    assert not await Outbox.exists().where(Outbox.kind == MailKind.MATERIALS.value)

    form = {"confirm": "yes", "_csrf_token": cookie_token(client)}
    sent = await client.post(url, data=form)
    assert sent.status_code == 200
    assert "2 Personen bekommen die Nachricht." in sent.text
    again = await client.post(url, data=form)
    assert "niemand Neues bekommt sie" in again.text
    rows = await Outbox.select(Outbox.recipient).where(Outbox.kind == MailKind.MATERIALS.value)
    assert sorted(row["recipient"] for row in rows) == ["anna@stadt.example", "ben@stadt.example"]
