"""Concurrent duplicate submissions: one effect, whatever the number of clicks.

The same registration form sent 20 times at once (asyncio.gather through the whole HTTP stack,
the throttle off): exactly one registration, one seat taken, one confirmation mail queued, and
every other answer is the 'already registered' page. A double (here: tenfold) click on cancel
and on confirm: one effect, one mail.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections import Counter

from app.db.tables import Event as EventTable
from app.db.tables import Outbox
from app.db.tables import Registration as RegistrationTable
from app.services import events as event_service
from tests.conftest import registration_form
from tests.security.conftest import World
from tests.web.conftest import SameLoopTestClient, cookie_token

CLICKS = 20


async def mails_to(address: str) -> Counter[str]:
    rows = await Outbox.select(Outbox.kind).where(Outbox.recipient == address)
    return Counter(row["kind"] for row in rows)


async def seats_taken(event_id: int) -> int:
    row = (
        await EventTable.select(EventTable.seats_taken_in_person)
        .where(EventTable.id == event_id)
        .first()
    )
    assert row is not None
    return int(row["seats_taken_in_person"])


async def test_the_same_form_20_times_at_once_registers_once(
    client: SameLoopTestClient, world: World
) -> None:
    slug = world.event.slug
    await client.get(f"/events/{slug}")
    csrf = cookie_token(client)
    taken = await seats_taken(world.event.id)
    form = {**registration_form("twenty@example.org"), "_csrf_token": csrf}

    async def post() -> int:
        response = await client.post(f"/events/{slug}/register", data=form, follow_redirects=False)
        return response.status_code

    answers = Counter(await asyncio.gather(*(post() for _ in range(CLICKS))))
    # One redirect to the personal page; the others get the 'already registered' page.
    assert answers == {303: 1, 200: CLICKS - 1}
    rows = await RegistrationTable.select().where(RegistrationTable.email == "twenty@example.org")
    assert len(rows) == 1
    assert await seats_taken(world.event.id) == taken + 1
    sent = await mails_to("twenty@example.org")
    # One confirmation (and one reminder scheduled), not one per click.
    assert sent["confirmation"] == 1, sent
    assert max(sent.values()) == 1, sent


async def test_a_tenfold_click_on_cancel_frees_one_seat_once(
    client: SameLoopTestClient, world: World
) -> None:
    token = world.registration.token
    taken = await seats_taken(world.event.id)
    before = await mails_to("anna@example.org")
    await client.get(f"/r/{token}")
    csrf = cookie_token(client)

    async def cancel() -> int:
        response = await client.post(
            f"/r/{token}/cancel", data={"_csrf_token": csrf}, follow_redirects=False
        )
        return response.status_code

    answers = Counter(await asyncio.gather(*(cancel() for _ in range(10))))
    assert answers == {303: 10}
    assert await seats_taken(world.event.id) == taken - 1
    new = (await mails_to("anna@example.org")) - before
    assert sum(new.values()) == 1, new
    row = await RegistrationTable.select(RegistrationTable.status).where(
        RegistrationTable.token == token
    )
    assert row[0]["status"] == "cancelled"


async def test_a_tenfold_click_on_confirm_confirms_once(
    client: SameLoopTestClient, world: World, db
) -> None:
    # An event with double opt-in: the registration waits for the address to be confirmed.
    event = await event_service.create_event(
        db,
        dataclasses.replace(world.event, id=0, slug="opt-in", double_opt_in=True),
    )
    await client.get(f"/events/{event.slug}")
    csrf = cookie_token(client)
    response = await client.post(
        f"/events/{event.slug}/register",
        data={**registration_form("optin@example.org"), "_csrf_token": csrf},
        follow_redirects=False,
    )
    assert response.status_code == 200
    row = await RegistrationTable.select(RegistrationTable.token, RegistrationTable.status).where(
        RegistrationTable.email == "optin@example.org"
    )
    assert row[0]["status"] == "pending"
    token = row[0]["token"]
    taken = await seats_taken(event.id)
    before = await mails_to("optin@example.org")

    async def confirm() -> int:
        answer = await client.post(
            f"/r/{token}/confirm", data={"_csrf_token": csrf}, follow_redirects=False
        )
        return answer.status_code

    answers = Counter(await asyncio.gather(*(confirm() for _ in range(10))))
    assert answers == {303: 10}
    after = await RegistrationTable.select(RegistrationTable.status).where(
        RegistrationTable.token == token
    )
    assert after[0]["status"] == "confirmed"
    new = (await mails_to("optin@example.org")) - before
    assert new["confirmation"] == 1, new
    assert max(new.values()) == 1, new
    assert await seats_taken(event.id) in (taken, taken + 1)
