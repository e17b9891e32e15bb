"""Registration and cancellation are throttled per client; reading is not."""

from __future__ import annotations

import dataclasses

from app.asgi import create_app
from tests.conftest import registration_form
from tests.web.conftest import SameLoopTestClient, submit, upcoming


async def test_a_client_sending_too_many_registrations_is_told_to_wait(
    db, settings, event_factory, clock
):
    event = await event_factory(**upcoming(slug="gedrosselt"))
    app = create_app(
        dataclasses.replace(settings, registration_rate_limit=3), database=db, clock=clock
    )
    async with SameLoopTestClient(app) as client:
        answers = [
            (await submit(client, event.slug, registration_form(f"p{i}@example.org"))).status_code
            for i in range(4)
        ]
        assert answers == [303, 303, 303, 429]
        refused = await submit(client, event.slug, registration_form("p9@example.org"))
        assert refused.status_code == 429
        assert "Zu viele Anfragen" in refused.text
        # Reading stays possible: the event page and the API are not throttled.
        for _ in range(10):
            assert (await client.get(f"/events/{event.slug}")).status_code == 200
        assert (await client.get("/api/v1/events")).status_code == 200

    from app.services import registrations

    assert len(await registrations.list_for_event(event.id)) == 3


async def test_no_limit_when_switched_off(db, settings, event_factory, clock):
    event = await event_factory(**upcoming(slug="ungedrosselt"))
    app = create_app(
        dataclasses.replace(settings, registration_rate_limit=0), database=db, clock=clock
    )
    async with SameLoopTestClient(app) as client:
        for i in range(40):
            response = await submit(client, event.slug, registration_form(f"q{i}@example.org"))
            assert response.status_code == 303
