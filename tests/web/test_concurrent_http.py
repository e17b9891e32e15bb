"""200 registrations at once through the whole HTTP stack: exactly the seats, never more."""

from __future__ import annotations

import asyncio
import dataclasses
from collections import Counter

from app.asgi import create_app
from app.domain.model import Seats
from app.services import registrations
from tests.conftest import registration_form
from tests.web.conftest import SameLoopTestClient, cookie_token, upcoming


async def test_200_simultaneous_form_posts_fill_20_seats_and_waitlist_the_rest(
    db, settings, event_factory, clock
):
    event = await event_factory(**upcoming(slug="ansturm", in_person_seats=Seats(20, 0)))
    # One test client is one address: the per-client throttle is not what this test is about.
    app = create_app(
        dataclasses.replace(settings, registration_rate_limit=0), database=db, clock=clock
    )
    async with SameLoopTestClient(app) as client:
        await client.get(f"/events/{event.slug}")
        token = cookie_token(client)

        async def post(index: int) -> int:
            response = await client.post(
                f"/events/{event.slug}/register",
                data={**registration_form(f"ansturm{index}@example.org"), "_csrf_token": token},
                follow_redirects=False,
            )
            return response.status_code

        answers = await asyncio.gather(*(post(i) for i in range(200)))

    assert Counter(answers) == {303: 200}
    statuses = Counter(r.status.value for r in await registrations.list_for_event(event.id))
    assert statuses == {"confirmed": 20, "waitlisted": 180}
