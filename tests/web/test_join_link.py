"""The personal join link ``/j/{token}``: to the current meeting URL, for the entitled only."""

from __future__ import annotations

import logging

import httpx
import pytest
from litestar.testing import AsyncTestClient

from app.db.tables import Event as EventTable
from app.domain.model import EventFormat, EventStatus, OnlineAccess, RegistrationStatus, Seats
from app.logs import RedactTokens, redact_path
from app.services import registrations
from tests.conftest import registration_form
from tests.web.conftest import SECRETS, cookie_token, submit, token_from, upcoming

ZOOM_URL = "https://zoom.example/j/555000111?pwd=SECRETPWD"
NEW_ZOOM_URL = "https://zoom.example/j/777000222?pwd=NEWSECRET"


async def register(
    client: AsyncTestClient,
    slug: str,
    email: str,
    **form: str,
) -> str:
    """Register through the form; the personal token from the redirect."""
    response = await submit(client, slug, registration_form(email, **form))
    assert response.status_code == 303, response.text
    return token_from(response.headers["location"])


def assert_private(response: httpx.Response) -> None:
    """Headers that keep a token URL out of caches, referrers and search engines."""
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-robots-tag"] == "noindex"


def assert_refused(response: httpx.Response, token: str, reason: str) -> None:
    """The 403 page: says why, links to the personal page, and never shows the access data."""
    assert response.status_code == 403
    assert "location" not in response.headers
    assert_private(response)
    html = response.text
    assert "Zugang derzeit nicht möglich" in html
    assert reason in html
    assert f'href="/r/{token}"' in html
    for secret in SECRETS:
        assert secret not in html


async def test_redirects_to_the_current_meeting_url(
    client: AsyncTestClient,
    event_factory,
) -> None:
    event = await event_factory(**upcoming(format=EventFormat.ONLINE))
    token = await register(client, event.slug, "a@example.org")

    response = await client.get(f"/j/{token}", follow_redirects=False)
    assert response.status_code == 302
    assert response.headers["location"] == ZOOM_URL
    assert_private(response)
    assert response.content == b""

    # The organisers move the meeting: the same link follows without a new mail.
    await EventTable.update(
        {EventTable.online_join_url: NEW_ZOOM_URL, EventTable.online_passcode: "111222"}
    ).where(EventTable.id == event.id)
    moved = await client.get(f"/j/{token}", follow_redirects=False)
    assert moved.status_code == 302
    assert moved.headers["location"] == NEW_ZOOM_URL
    assert_private(moved)


async def test_personal_page_offers_the_join_link(
    client: AsyncTestClient,
    event_factory,
) -> None:
    event = await event_factory(**upcoming(format=EventFormat.ONLINE, online_seats=Seats(1, 0)))
    confirmed = await register(client, event.slug, "a@example.org")
    waiting = await register(client, event.slug, "b@example.org")

    html = (await client.get(f"/r/{confirmed}")).text
    assert f'<a href="/j/{confirmed}"' in html
    # Meeting ID and passcode stay on the page, for dialling in with the Zoom app.
    assert "555 000 111" in html
    assert "987654" in html
    # The raw Zoom URL is shown for copying, but the link to click is the personal one.
    assert f'href="{ZOOM_URL}"' not in html

    waiting_html = (await client.get(f"/r/{waiting}")).text
    assert "/j/" not in waiting_html
    for secret in SECRETS:
        assert secret not in waiting_html


async def test_unknown_and_malformed_tokens_are_404(client: AsyncTestClient) -> None:
    for token in ("nope", "x" * 43, "x" * 300, "%00%3Cscript%3E", "a%2Fb"):
        response = await client.get(f"/j/{token}", follow_redirects=False)
        assert response.status_code == 404, token
        assert "Seite nicht gefunden" in response.text
        assert_private(response)


async def test_waiting_list_gets_the_page_not_the_meeting(
    client: AsyncTestClient,
    event_factory,
) -> None:
    event = await event_factory(**upcoming(format=EventFormat.ONLINE, online_seats=Seats(1, 0)))
    await register(client, event.slug, "a@example.org")
    waiting = await register(client, event.slug, "b@example.org")
    response = await client.get(f"/j/{waiting}", follow_redirects=False)
    assert_refused(response, waiting, "Sie stehen auf der Warteliste")


async def test_in_person_registrant_gets_the_page(
    client: AsyncTestClient,
    event_factory,
) -> None:
    event = await event_factory(**upcoming(format=EventFormat.HYBRID))
    token = await register(client, event.slug, "a@example.org", mode="in_person")
    response = await client.get(f"/j/{token}", follow_redirects=False)
    assert_refused(response, token, "für die Teilnahme vor Ort angemeldet")


async def test_cancelled_registration_gets_the_page(
    client: AsyncTestClient,
    event_factory,
) -> None:
    event = await event_factory(**upcoming(format=EventFormat.ONLINE))
    token = await register(client, event.slug, "a@example.org")
    assert (await client.get(f"/j/{token}", follow_redirects=False)).status_code == 302
    cancelled = await client.post(
        f"/r/{token}/cancel", data={"_csrf_token": cookie_token(client)}, follow_redirects=False
    )
    assert cancelled.status_code == 303
    response = await client.get(f"/j/{token}", follow_redirects=False)
    assert_refused(response, token, "Ihre Anmeldung ist storniert")


async def test_cancelled_event_gets_the_page(
    client: AsyncTestClient,
    event_factory,
) -> None:
    event = await event_factory(**upcoming(format=EventFormat.ONLINE))
    token = await register(client, event.slug, "a@example.org")
    await EventTable.update({EventTable.status: EventStatus.CANCELLED.value}).where(
        EventTable.id == event.id
    )
    response = await client.get(f"/j/{token}", follow_redirects=False)
    assert_refused(response, token, "Die Veranstaltung wurde abgesagt")


async def test_pending_registration_gets_the_page(
    client: AsyncTestClient,
    event_factory,
) -> None:
    event = await event_factory(**upcoming(format=EventFormat.ONLINE, double_opt_in=True))
    await submit(client, event.slug, registration_form("a@example.org"))
    [registration] = await registrations.list_for_event(event.id)
    assert registration.status is RegistrationStatus.PENDING
    refused = await client.get(f"/j/{registration.token}", follow_redirects=False)
    assert_refused(refused, registration.token, "noch nicht bestätigt")


async def test_no_access_data_yet_gets_the_page(
    client: AsyncTestClient,
    event_factory,
) -> None:
    event = await event_factory(**upcoming(format=EventFormat.ONLINE, online_access=None))
    token = await register(client, event.slug, "a@example.org")
    response = await client.get(f"/j/{token}", follow_redirects=False)
    assert_refused(response, token, "Die Zugangsdaten stehen noch nicht fest")

    # Once the organisers enter the data, the very same link works.
    await EventTable.update({EventTable.online_join_url: NEW_ZOOM_URL}).where(
        EventTable.id == event.id
    )
    ready = await client.get(f"/j/{token}", follow_redirects=False)
    assert ready.status_code == 302
    assert ready.headers["location"] == NEW_ZOOM_URL


@pytest.mark.parametrize("stored", ["javascript:alert(1)", "zoom.example/j/1", "//evil.example/"])
async def test_only_absolute_web_addresses_are_redirected_to(
    client: AsyncTestClient,
    event_factory,
    stored: str,
) -> None:
    access = OnlineAccess(join_url=stored, meeting_id="555 000 111", passcode="987654")
    event = await event_factory(**upcoming(format=EventFormat.ONLINE, online_access=access))
    token = await register(client, event.slug, "a@example.org")
    response = await client.get(f"/j/{token}", follow_redirects=False)
    assert response.status_code == 403
    assert "nicht richtig hinterlegt" in response.text
    assert stored not in response.text


async def test_join_link_is_not_in_the_api_schema(client: AsyncTestClient) -> None:
    paths = (await client.get("/api/schema/openapi.json")).json()["paths"]
    assert not [path for path in paths if path.startswith("/j/")]


def test_access_log_hides_the_join_token() -> None:
    token = "abcDEF123_-xyzabcDEF123_-xyzabcDEF123_-xyz"
    assert redact_path(f"/j/{token}") == "/j/…"
    assert redact_path(f"/j/{token}?utm=x") == "/j/…?utm=x"
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:1234", "GET", f"/j/{token}", "1.1", 302),
        None,
    )
    assert RedactTokens().filter(record)
    assert token not in record.getMessage()
    assert "/j/…" in record.getMessage()
