"""The event page as a sign-up page: its state said plainly, times with their zone, the form's
errors and limits, and the personal page's texts and cancel step per registration status."""

from __future__ import annotations

import datetime as dt
import re

from litestar.testing import AsyncTestClient

from app.domain.model import EventFormat, EventStatus, Question, QuestionKind, Seats
from app.services import registrations
from tests.conftest import registration_form
from tests.web.conftest import cookie_token, submit, token_from, upcoming

GREEN_SEATS = re.compile(r'class="seats-free">[^<]*Plätze frei')


async def test_an_open_event_leads_to_its_form_from_the_top(
    client: AsyncTestClient, event_factory
) -> None:
    await event_factory(**upcoming())
    html = (await client.get("/events/konferenz")).text
    facts = html[html.index('class="facts"') : html.index('id="register"')]
    assert "Noch 20 Plätze frei" in facts
    assert '<a role="button" href="#register">Jetzt anmelden</a>' in facts
    assert "Anmeldung bis" in facts
    assert '<button type="submit">Verbindlich anmelden</button>' in html


async def test_few_seats_and_the_waiting_list_are_said_and_the_buttons_follow(
    client: AsyncTestClient, event_factory
) -> None:
    few = await event_factory(**upcoming(slug="wenige", in_person_seats=Seats(6, 0)))
    waiting = await event_factory(**upcoming(slug="warten", in_person_seats=Seats(1, 0)))
    await submit(client, waiting.slug, registration_form("a@example.org"))
    await submit(client, few.slug, registration_form("a@example.org"))

    few_page = (await client.get(f"/events/{few.slug}")).text
    assert "Nur noch wenige Plätze frei" in few_page
    assert 'class="seats-few">Noch 5 Plätze frei' in few_page

    page = (await client.get(f"/events/{waiting.slug}")).text
    assert "Ausgebucht – Anmeldung auf die Warteliste möglich" in page
    assert '<a role="button" href="#register">Auf die Warteliste</a>' in page
    assert '<button type="submit">Auf die Warteliste</button>' in page
    assert "Verbindlich anmelden" not in page
    english = (await client.get(f"/events/{waiting.slug}?lang=en")).text
    assert "Join the waiting list</button>" in english
    ukrainian = (await client.get(f"/events/{waiting.slug}?lang=uk")).text
    assert "Записатися до списку очікування</button>" in ukrainian


async def test_no_green_seats_after_the_deadline_or_the_event(
    client: AsyncTestClient, event_factory, now: dt.datetime
) -> None:
    await event_factory(**upcoming(slug="zu", registration_closes_at=now - dt.timedelta(hours=1)))
    await event_factory(
        slug="vorbei",
        starts_at=now - dt.timedelta(days=3),
        ends_at=now - dt.timedelta(days=3) + dt.timedelta(hours=2),
        registration_closes_at=now - dt.timedelta(days=4),
    )
    await event_factory(
        **upcoming(slug="spaeter", registration_opens_at=dt.datetime(2030, 11, 1, 8, tzinfo=dt.UTC))
    )
    closed = (await client.get("/events/zu")).text
    assert "Anmeldung geschlossen: Die Frist ist abgelaufen." in closed
    assert not GREEN_SEATS.search(closed)
    assert "Plätze frei" not in closed
    assert 'href="#register"' not in closed

    past = (await client.get("/events/vorbei")).text
    assert "Die Veranstaltung hat stattgefunden." in past
    assert "Plätze frei" not in past

    later = (await client.get("/events/spaeter")).text
    assert "Anmeldung ab Freitag, 1. November 2030, 09:00 Uhr MEZ" in later

    cards = (await client.get("/")).text
    assert "Anmeldung geschlossen: Die Frist ist abgelaufen." in cards
    assert "Anmeldung ab Freitag, 1. November 2030" in cards
    assert "Plätze frei" not in cards.split("spaeter")[0].split("/events/zu")[-1]
    assert "Die Veranstaltung hat stattgefunden." in (await client.get("/past")).text


async def test_the_api_says_the_same_state(
    client: AsyncTestClient, event_factory, now: dt.datetime
) -> None:
    await event_factory(**upcoming(slug="zu", registration_closes_at=now - dt.timedelta(hours=1)))
    await event_factory(**upcoming(slug="voll", in_person_seats=Seats(1, 0)))
    await submit(client, "voll", registration_form("a@example.org"))
    await event_factory(**upcoming(slug="weg", status=EventStatus.CANCELLED))
    states = {e["slug"]: e["state"] for e in (await client.get("/api/v1/events")).json()}
    assert states == {"zu": "closed", "voll": "waitlist", "weg": "cancelled"}


async def test_times_carry_the_events_zone_and_kyiv_time_for_ukrainian_readers(
    client: AsyncTestClient, event_factory
) -> None:
    await event_factory(**upcoming(slug="online", format=EventFormat.ONLINE))
    await event_factory(**upcoming(slug="vorort"))
    german = (await client.get("/events/online")).text
    assert 'Uhr</strong> <span class="zone">MEZ</span>' in german
    assert "data-local-time" in german
    assert 'data-zone="Europe/Berlin"' in german
    assert 'data-start="2030-12-04T09:00:00Z"' in german
    assert "Kyjiwer Zeit" not in german
    english = (await client.get("/events/online?lang=en")).text
    assert '<span class="zone">CET</span>' in english
    ukrainian = (await client.get("/events/online?lang=uk")).text
    assert '<span class="zone">GMT+01:00</span>' in ukrainian
    assert "За київським часом: 11:00–15:00 GMT+02:00" in ukrainian
    assert 'data-shown-zone="Europe/Kyiv"' in ukrainian
    in_person = (await client.get("/events/vorort?lang=uk")).text
    assert "За київським часом" not in in_person
    assert "data-local-time" not in in_person
    assert "За київським часом: 11:00–15:00" in (await client.get("/?lang=uk")).text


async def test_a_refused_form_opens_at_its_summary_in_the_forms_order(
    client: AsyncTestClient, event_factory
) -> None:
    await event_factory(
        **upcoming(questions=(Question("note", "Anmerkung", QuestionKind.TEXT, required=True),))
    )
    page = (await client.get("/events/konferenz")).text
    assert "Namen, Organisation und Funktion: je höchstens 200 Zeichen." in page
    assert '<small id="q_note-hint">Höchstens 2000 Zeichen.</small>' in page
    assert 'aria-describedby="q_note-hint"' in page
    response = await client.post(
        "/events/konferenz/register",
        data={"email": "kaputt", "_csrf_token": cookie_token(client)},
    )
    html = response.text
    # Drawn before the event's details: the answer opens at the summary without JavaScript.
    assert html.index('id="errors"') < html.index('class="facts"')
    assert '<div id="errors" class="error-summary" role="alert"' in html
    assert 'tabindex="-1" data-autofocus>' in html
    summary = html[html.index('id="errors"') : html.index("</div>", html.index('id="errors"'))]
    linked = re.findall(r'href="#f-([a-z_]+?)(?:-field)?"', summary)
    assert linked == ["first_name", "last_name", "email", "q_note", "consent"]
    order = [m for m in re.findall(r'id="f-([a-z_]+)"', html) if m in linked]
    assert linked == list(dict.fromkeys(order))


async def test_personal_page_texts_follow_the_status(
    client: AsyncTestClient, event_factory
) -> None:
    event = await event_factory(**upcoming(in_person_seats=Seats(1, 0)))
    first = (await submit(client, event.slug, registration_form("a@example.org"))).headers
    second = (await submit(client, event.slug, registration_form("b@example.org"))).headers
    confirmed = (await client.get(f"/r/{token_from(first['location'])}")).text
    assert "Geben Sie Ihren Platz frei" in confirmed
    waiting = (await client.get(f"/r/{token_from(second['location'])}")).text
    assert "Geben Sie Ihren Platz frei" not in waiting
    assert "Sie möchten nicht mehr auf der Warteliste stehen?" in waiting


async def test_cancelling_asks_once_and_then_says_it_is_done(
    client: AsyncTestClient, event_factory
) -> None:
    event = await event_factory(**upcoming())
    location = (await submit(client, event.slug, registration_form("a@example.org"))).headers[
        "location"
    ]
    token = token_from(location)
    personal = (await client.get(f"/r/{token}")).text
    assert f'<form method="get" action="/r/{token}/cancel">' in personal

    step = await client.get(f"/r/{token}/cancel")
    assert step.status_code == 200
    assert step.headers["cache-control"] == "no-store"
    assert "Anmeldung stornieren?" in step.text
    assert "Ihr Platz wird frei und geht an die nächste Person auf der Warteliste." in step.text
    assert f'<form method="post" action="/r/{token}/cancel"' in step.text
    assert f'href="/r/{token}">Nein, zurück zu meiner Anmeldung</a>' in step.text
    [registration] = await registrations.list_for_event(event.id)
    assert registration.status.value == "confirmed"  # asking changed nothing

    done = await client.post(f"/r/{token}/cancel", data={"_csrf_token": cookie_token(client)})
    assert done.status_code == 200
    assert "Ihre Anmeldung ist storniert." in done.text
    assert 'class="banner banner-cancelled" role="status"' in done.text
    again = await client.get(f"/r/{token}/cancel", follow_redirects=False)
    assert again.status_code == 303
    assert again.headers["location"] == f"/r/{token}"
