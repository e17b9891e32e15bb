"""The registration flow through the browser routes: form, CSRF, personal page, cancel."""

from __future__ import annotations

import datetime as dt

from litestar.middleware.csrf import generate_csrf_token
from litestar.testing import AsyncTestClient

from app.domain.model import (
    EventFormat,
    EventStatus,
    Question,
    QuestionKind,
    RegistrationStatus,
    Seats,
)
from app.services import registrations
from tests.conftest import registration_form
from tests.web.conftest import SECRETS, cookie_token, submit, token_from, upcoming


async def test_valid_registration_redirects_to_the_personal_page(
    client: AsyncTestClient,
    event_factory,
) -> None:
    event = await event_factory(**upcoming())
    response = await submit(client, event.slug, registration_form("olena@example.org"))
    assert response.status_code == 303
    location = response.headers["location"]
    assert location.endswith("?new=1")
    token = token_from(location)
    [registration] = await registrations.list_for_event(event.id)
    assert registration.token == token
    assert registration.status is RegistrationStatus.CONFIRMED

    page = await client.get(location)
    assert page.status_code == 200
    html = page.text
    assert "Sie sind angemeldet" in html
    assert "bestätigt" in html
    assert "Olena Koval" in html
    assert "olena@example.org" in html
    assert "Stadt Dortmund" in html
    assert "Referentin" in html
    assert "vor Ort" in html
    assert "Mittwoch, 4. Dezember 2030, 10:00–14:00 Uhr" in html
    assert 'href="/events/konferenz"' in html
    assert f'action="/r/{token}/cancel"' in html
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["referrer-policy"] == "no-referrer"
    assert page.headers["x-robots-tag"] == "noindex"
    # Without ?new=1 the page is the same, without the thank-you.
    again = await client.get(f"/r/{token}")
    assert "Sie sind angemeldet" not in again.text
    assert "bestätigt" in again.text


async def test_missing_fields_come_back_with_german_errors_and_the_input_kept(
    client: AsyncTestClient,
    event_factory,
) -> None:
    event = await event_factory(
        **upcoming(
            format=EventFormat.HYBRID,
            questions=(
                Question("diet", "Essen", QuestionKind.CHOICE, True, ("vegetarisch", "vegan")),
                Question("note", "Anmerkung", QuestionKind.TEXT),
            ),
        )
    )
    form = {
        "first_name": "Olena",
        "last_name": "",
        "email": "kein-at-zeichen",
        "organisation": "Kreis Unna & Partner",
        "job_title": "Referentin <Europa>",
        "mode": "online",
        "q_note": "Ich komme\nmit Dolmetscherin",
        "language": "uk",
        "consent": "on",
    }
    response = await submit(client, event.slug, form)
    assert response.status_code == 400
    html = response.text
    assert "Bitte prüfen Sie Ihre Angaben" in html
    # Next to its field, tied to it for screen readers.
    assert 'aria-describedby="last_name-error" aria-invalid="true"' in html
    assert (
        '<small id="last_name-error" class="field-error">Bitte füllen Sie dieses Feld aus.</small>'
        in html
    )
    assert (
        'id="email-error" class="field-error">Bitte geben Sie eine gültige E-Mail-Adresse ein'
        in html
    )
    assert 'id="q_diet-error" class="field-error">Bitte wählen Sie eine Möglichkeit aus.' in html
    # Everything typed is still there.
    assert 'name="first_name" value="Olena"' in html
    assert 'name="email" value="kein-at-zeichen"' in html
    assert 'name="organisation" value="Kreis Unna &amp; Partner"' in html
    assert 'name="job_title" value="Referentin &lt;Europa&gt;"' in html
    assert 'name="mode" value="online" checked' in html
    assert ">Ich komme\nmit Dolmetscherin</textarea>" in html
    assert '<option value="uk" lang="uk" selected>' in html
    assert 'name="consent" value="on" checked' in html
    assert await registrations.list_for_event(event.id) == []


async def test_missing_consent_is_shown_and_unchecked(
    client: AsyncTestClient, event_factory
) -> None:
    event = await event_factory(**upcoming())
    form = registration_form("a@example.org")
    del form["consent"]
    response = await submit(client, event.slug, form)
    assert response.status_code == 400
    assert 'id="consent-error"' in response.text
    assert 'name="consent" value="on" required' in response.text  # not checked


async def test_csrf_token_is_required(client: AsyncTestClient, event_factory) -> None:
    event = await event_factory(**upcoming())
    await client.get(f"/events/{event.slug}")
    missing = await client.post(
        f"/events/{event.slug}/register", data=registration_form("a@example.org")
    )
    assert missing.status_code == 403
    assert "Sicherheitsprüfung" in missing.text
    foreign = await client.post(
        f"/events/{event.slug}/register",
        data={**registration_form("a@example.org"), "_csrf_token": generate_csrf_token("y" * 32)},
    )
    assert foreign.status_code == 403
    assert await registrations.list_for_event(event.id) == []


async def test_second_registration_reveals_nothing(client: AsyncTestClient, event_factory) -> None:
    event = await event_factory(**upcoming())
    first = await submit(client, event.slug, registration_form("olena@example.org"))
    token = token_from(first.headers["location"])
    second = await submit(
        client, event.slug, registration_form("  OLENA@Example.ORG ", first_name="Mallory")
    )
    assert second.status_code == 200
    html = second.text
    assert "bereits angemeldet" in html
    assert "erneut" in html or "noch einmal" in html
    assert token not in html
    assert "/r/" not in html
    assert "Olena" not in html
    assert len(await registrations.list_for_event(event.id)) == 1


async def test_full_event_with_waiting_list(client: AsyncTestClient, event_factory) -> None:
    event = await event_factory(**upcoming(in_person_seats=Seats(1, 0)))
    await submit(client, event.slug, registration_form("a@example.org"))
    page = (await client.get(f"/events/{event.slug}")).text
    assert "Warteliste" in page
    assert "<form" in page
    response = await submit(client, event.slug, registration_form("b@example.org"))
    assert response.status_code == 303
    html = (await client.get(response.headers["location"])).text
    assert "Sie stehen auf der Warteliste (Platz 1)" in html
    assert "Status: <strong>Warteliste</strong>" in html


async def test_full_event_without_waiting_list(client: AsyncTestClient, event_factory) -> None:
    event = await event_factory(**upcoming(in_person_seats=Seats(1, 0), waitlist_enabled=False))
    await submit(client, event.slug, registration_form("a@example.org"))
    page = (await client.get(f"/events/{event.slug}")).text
    assert "ausgebucht" in page
    assert 'action="/events/konferenz/register"' not in page
    response = await client.post(
        f"/events/{event.slug}/register",
        data={**registration_form("b@example.org"), "_csrf_token": cookie_token(client)},
    )
    assert response.status_code == 409
    assert "ausgebucht" in response.text
    assert len(await registrations.list_for_event(event.id)) == 1


async def test_closed_window_has_no_form_and_refuses(
    client: AsyncTestClient,
    event_factory,
    now: dt.datetime,
) -> None:
    closed = await event_factory(
        **upcoming(slug="zu", registration_closes_at=now - dt.timedelta(hours=1))
    )
    later = await event_factory(
        **upcoming(slug="spaeter", registration_opens_at=dt.datetime(2030, 11, 1, 8, tzinfo=dt.UTC))
    )
    page = (await client.get("/events/zu")).text
    assert "Die Anmeldefrist ist abgelaufen" in page
    assert "<form" not in page
    refused = await client.post(
        "/events/zu/register",
        data={**registration_form("a@example.org"), "_csrf_token": cookie_token(client)},
    )
    assert refused.status_code == 409
    assert "Die Anmeldefrist ist abgelaufen" in refused.text
    assert await registrations.list_for_event(closed.id) == []

    not_yet = (await client.get("/events/spaeter")).text
    assert "noch nicht geöffnet" in not_yet
    assert "ab Freitag, 1. November 2030, 09:00 Uhr" in not_yet
    assert "<form" not in not_yet
    refused = await client.post(
        "/events/spaeter/register",
        data={**registration_form("a@example.org"), "_csrf_token": cookie_token(client)},
    )
    assert refused.status_code == 409
    assert await registrations.list_for_event(later.id) == []


async def test_cancelled_event_refuses(client: AsyncTestClient, event_factory) -> None:
    await event_factory(**upcoming(status=EventStatus.CANCELLED))
    await client.get("/")
    response = await client.post(
        "/events/konferenz/register",
        data={**registration_form("a@example.org"), "_csrf_token": cookie_token(client)},
    )
    assert response.status_code == 409
    assert "abgesagt" in response.text


async def test_register_for_unknown_event_is_404(client: AsyncTestClient) -> None:
    await client.get("/")
    response = await client.post(
        "/events/nichts/register",
        data={**registration_form("a@example.org"), "_csrf_token": cookie_token(client)},
    )
    assert response.status_code == 404


async def test_cancel_from_the_personal_page_promotes_the_waiting(
    client: AsyncTestClient,
    event_factory,
) -> None:
    event = await event_factory(**upcoming(in_person_seats=Seats(1, 0)))
    first = token_from(
        (await submit(client, event.slug, registration_form("a@example.org"))).headers["location"]
    )
    second = token_from(
        (await submit(client, event.slug, registration_form("b@example.org"))).headers["location"]
    )
    assert "Status: <strong>Warteliste</strong>" in (await client.get(f"/r/{second}")).text

    page = await client.get(f"/r/{first}")
    response = await client.post(
        f"/r/{first}/cancel",
        data={"_csrf_token": cookie_token(client)},
        follow_redirects=False,
    )
    assert page.status_code == 200
    assert response.status_code == 303
    assert response.headers["location"] == f"/r/{first}"
    assert response.headers["cache-control"] == "no-store"
    cancelled = (await client.get(f"/r/{first}")).text
    assert "Status: <strong>storniert</strong>" in cancelled
    assert "Anmeldung stornieren" not in cancelled
    promoted = (await client.get(f"/r/{second}")).text
    assert "Status: <strong>bestätigt</strong>" in promoted


async def test_cancel_needs_csrf(client: AsyncTestClient, event_factory) -> None:
    event = await event_factory(**upcoming())
    token = token_from(
        (await submit(client, event.slug, registration_form("a@example.org"))).headers["location"]
    )
    response = await client.post(f"/r/{token}/cancel", data={})
    assert response.status_code == 403
    [registration] = await registrations.list_for_event(event.id)
    assert registration.status is RegistrationStatus.CONFIRMED


async def test_unknown_token_is_404(client: AsyncTestClient) -> None:
    for token in ("nope", "x" * 43, "x" * 300, "%00%3Cscript%3E"):
        response = await client.get(f"/r/{token}")
        assert response.status_code == 404, token
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["referrer-policy"] == "no-referrer"
    await client.get("/")
    response = await client.post("/r/nope/cancel", data={"_csrf_token": cookie_token(client)})
    assert response.status_code == 404


async def test_names_are_escaped_on_the_personal_page(
    client: AsyncTestClient, event_factory
) -> None:
    event = await event_factory(**upcoming())
    form = registration_form(
        "x@example.org", first_name="<script>alert(1)</script>", organisation='"><img src=x>'
    )
    location = (await submit(client, event.slug, form)).headers["location"]
    html = (await client.get(location)).text
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x>" not in html


async def test_access_data_only_for_confirmed_online_registrants(
    client: AsyncTestClient,
    event_factory,
) -> None:
    event = await event_factory(**upcoming(format=EventFormat.ONLINE, online_seats=Seats(1, 0)))
    confirmed = (await submit(client, event.slug, registration_form("a@example.org"))).headers[
        "location"
    ]
    waiting = (await submit(client, event.slug, registration_form("b@example.org"))).headers[
        "location"
    ]
    confirmed_page = (await client.get(confirmed)).text
    for secret in SECRETS:
        assert secret in confirmed_page
    waiting_page = (await client.get(waiting)).text
    assert "Warteliste" in waiting_page
    for secret in SECRETS:
        assert secret not in waiting_page
    # Once the first cancels, the second is promoted and sees the access data.
    await client.post(
        f"/r/{token_from(confirmed)}/cancel", data={"_csrf_token": cookie_token(client)}
    )
    assert "SECRETPWD" not in (await client.get(f"/r/{token_from(confirmed)}")).text
    assert "SECRETPWD" in (await client.get(f"/r/{token_from(waiting)}")).text


async def test_hybrid_in_person_registrant_gets_no_access_data(
    client: AsyncTestClient,
    event_factory,
) -> None:
    event = await event_factory(**upcoming(format=EventFormat.HYBRID))
    missing_mode = await submit(client, event.slug, registration_form("a@example.org"))
    assert missing_mode.status_code == 400
    assert (
        'id="mode-error" class="field-error">Bitte wählen Sie eine Möglichkeit aus.'
        in missing_mode.text
    )
    location = (
        await submit(client, event.slug, registration_form("a@example.org", mode="in_person"))
    ).headers["location"]
    html = (await client.get(location)).text
    assert "vor Ort" in html
    for secret in SECRETS:
        assert secret not in html


async def test_answers_are_shown_on_the_personal_page(
    client: AsyncTestClient, event_factory
) -> None:
    event = await event_factory(
        **upcoming(
            questions=(
                Question("photo", "Fotos erlaubt?", QuestionKind.YES_NO, True),
                Question("diet", "Essen", QuestionKind.CHOICE, False, ("vegetarisch", "vegan")),
            )
        )
    )
    form = registration_form("a@example.org", q_photo="no", q_diet="vegan", language="en")
    location = (await submit(client, event.slug, form)).headers["location"]
    html = (await client.get(location)).text
    assert "<dt>Fotos erlaubt?</dt><dd>Nein</dd>" in html
    assert "<dt>Essen</dt><dd>vegan</dd>" in html
    assert "English" in html
