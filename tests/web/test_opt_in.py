"""Double opt-in through the browser: the mailbox gets the link, the personal page the button."""

from __future__ import annotations

import datetime as dt

from litestar.middleware.csrf import generate_csrf_token
from litestar.testing import AsyncTestClient

from app.db.tables import Event as EventTable
from app.db.tables import Registration as RegistrationTable
from app.domain.model import EventFormat, Registration, RegistrationStatus
from app.formatting import format_moment
from app.services import registrations
from tests.conftest import registration_form
from tests.web.conftest import SECRETS, cookie_token, submit, upcoming

CONFIRMED_BANNER = "Ihre Anmeldung ist bestätigt. Die Bestätigung mit Kalendereinladung"


async def register_pending(
    client: AsyncTestClient,
    slug: str,
    event_id: int,
    email: str = "a@example.org",
) -> Registration:
    """Register for a double opt-in event; the pending registration, as the mail would link it."""
    response = await submit(client, slug, registration_form(email))
    assert response.status_code == 200, response.text
    [registration] = [
        r
        for r in await registrations.list_for_event(event_id)
        if r.email == email and r.status is not RegistrationStatus.CANCELLED
    ]
    return registration


async def seats_taken(event_id: int) -> int:
    row = (
        await EventTable.select(EventTable.seats_taken_in_person)
        .where(EventTable.id == event_id)
        .first()
    )
    assert row is not None
    return int(row["seats_taken_in_person"])


async def test_registering_holds_the_seat_and_asks_to_confirm_by_mail(
    client: AsyncTestClient,
    event_factory,
) -> None:
    event = await event_factory(**upcoming(double_opt_in=True))
    response = await submit(client, event.slug, registration_form("a@example.org"))
    # No redirect to the personal page: its link (and the confirm button) goes to the mailbox,
    # or anyone could confirm somebody else's address.
    assert response.status_code == 200
    assert "location" not in response.headers
    [registration] = await registrations.list_for_event(event.id)
    assert registration.status is RegistrationStatus.PENDING
    assert registration.hold_until is not None
    assert await seats_taken(event.id) == 1
    deadline = format_moment(registration.hold_until, "Europe/Berlin")
    html = response.text
    assert "Bitte bestätigen Sie Ihre Anmeldung" in html
    assert "E-Mail-Postfach" in html
    assert f"bis {deadline} für Sie reserviert" in html
    assert registration.token not in html
    assert "/r/" not in html

    page = await client.get(f"/r/{registration.token}")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    personal = page.text
    assert "Bitte bestätigen Sie Ihre Anmeldung" in personal
    assert f"<strong>{deadline}</strong>" in personal
    assert f'action="/r/{registration.token}/confirm"' in personal
    assert ">Anmeldung bestätigen</button>" in personal
    assert "Bestätigung der E-Mail-Adresse ausstehend" in personal
    # The deadline is in the event's zone: a 24-hour hold ends at the same wall-clock minute.
    assert deadline.endswith(" Uhr")


async def test_confirming_makes_the_registration_confirmed(
    client: AsyncTestClient,
    event_factory,
) -> None:
    event = await event_factory(**upcoming(double_opt_in=True))
    registration = await register_pending(client, event.slug, event.id)
    token = registration.token
    await client.get(f"/r/{token}")

    response = await client.post(
        f"/r/{token}/confirm", data={"_csrf_token": cookie_token(client)}, follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/r/{token}?confirmed=1"
    assert response.headers["cache-control"] == "no-store"
    [confirmed] = await registrations.list_for_event(event.id)
    assert confirmed.status is RegistrationStatus.CONFIRMED
    assert confirmed.hold_until is None
    assert await seats_taken(event.id) == 1

    html = (await client.get(response.headers["location"])).text
    assert CONFIRMED_BANNER in html
    assert "Status: <strong>bestätigt</strong>" in html
    assert "Anmeldung bestätigen" not in html
    assert "/confirm" not in html
    # Without ?confirmed=1 the page has no banner.
    assert CONFIRMED_BANNER not in (await client.get(f"/r/{token}")).text

    # A second click (another tab, the back button) changes nothing and does no harm.
    again = await client.post(
        f"/r/{token}/confirm", data={"_csrf_token": cookie_token(client)}, follow_redirects=False
    )
    assert again.status_code == 303
    assert again.headers["location"] == f"/r/{token}?confirmed=1"
    [still] = await registrations.list_for_event(event.id)
    assert still.status is RegistrationStatus.CONFIRMED
    assert still.confirmed_at == confirmed.confirmed_at
    assert await seats_taken(event.id) == 1


async def test_confirming_an_online_seat_opens_the_join_link(
    client: AsyncTestClient,
    event_factory,
) -> None:
    event = await event_factory(**upcoming(format=EventFormat.ONLINE, double_opt_in=True))
    registration = await register_pending(client, event.slug, event.id)
    token = registration.token
    pending_page = (await client.get(f"/r/{token}")).text
    for secret in SECRETS:
        assert secret not in pending_page
    assert (await client.get(f"/j/{token}", follow_redirects=False)).status_code == 403

    await client.post(f"/r/{token}/confirm", data={"_csrf_token": cookie_token(client)})
    confirmed_page = (await client.get(f"/r/{token}")).text
    assert f'href="/j/{token}"' in confirmed_page
    joined = await client.get(f"/j/{token}", follow_redirects=False)
    assert joined.status_code == 302
    assert joined.headers["location"].startswith("https://zoom.example/")


async def test_confirming_needs_csrf(
    client: AsyncTestClient,
    event_factory,
) -> None:
    event = await event_factory(**upcoming(double_opt_in=True))
    registration = await register_pending(client, event.slug, event.id)
    missing = await client.post(f"/r/{registration.token}/confirm", data={})
    assert missing.status_code == 403
    assert "Sicherheitsprüfung" in missing.text
    foreign = await client.post(
        f"/r/{registration.token}/confirm",
        data={"_csrf_token": generate_csrf_token("y" * 32)},
    )
    assert foreign.status_code == 403
    [still] = await registrations.list_for_event(event.id)
    assert still.status is RegistrationStatus.PENDING


async def test_a_get_never_confirms(
    client: AsyncTestClient,
    event_factory,
) -> None:
    # Mail scanners open every link they see; opening one must not confirm anything.
    event = await event_factory(**upcoming(double_opt_in=True))
    registration = await register_pending(client, event.slug, event.id)
    await client.get(f"/r/{registration.token}")
    response = await client.get(f"/r/{registration.token}/confirm")
    assert response.status_code == 405
    [still] = await registrations.list_for_event(event.id)
    assert still.status is RegistrationStatus.PENDING


async def test_confirming_an_unknown_token_is_404(client: AsyncTestClient) -> None:
    await client.get("/")
    for token in ("nope", "x" * 43):
        response = await client.post(
            f"/r/{token}/confirm", data={"_csrf_token": cookie_token(client)}
        )
        assert response.status_code == 404, token


async def expire_hold(registration: Registration, now: dt.datetime) -> None:
    """Move the hold into the past, as if the day had passed without a confirmation."""
    await RegistrationTable.update(
        {RegistrationTable.hold_until: now - dt.timedelta(minutes=5)}
    ).where(RegistrationTable.id == registration.id)


async def test_expired_hold_says_so_and_offers_to_register_again(
    client: AsyncTestClient,
    event_factory,
    now: dt.datetime,
) -> None:
    event = await event_factory(**upcoming(double_opt_in=True))
    registration = await register_pending(client, event.slug, event.id)
    token = registration.token
    await expire_hold(registration, now)

    # Until something releases it, the page already tells the truth instead of offering a button.
    page = (await client.get(f"/r/{token}")).text
    assert "Die Reservierung ist abgelaufen" in page
    assert "Anmeldung bestätigen" not in page
    assert f'href="/events/{event.slug}#register"' in page

    for _ in range(2):
        response = await client.post(
            f"/r/{token}/confirm",
            data={"_csrf_token": cookie_token(client)},
            follow_redirects=False,
        )
        assert response.status_code == 409
        assert response.headers["content-type"].startswith("text/html")
        assert response.headers["cache-control"] == "no-store"
        html = response.text
        assert "Reservierung abgelaufen" in html
        assert "Die Reservierung ist abgelaufen" in html
        assert f'href="/events/{event.slug}#register"' in html
        assert "Erneut anmelden" in html


async def test_expired_hold_frees_the_seat(
    client: AsyncTestClient,
    event_factory,
    now: dt.datetime,
) -> None:
    event = await event_factory(**upcoming(double_opt_in=True))
    registration = await register_pending(client, event.slug, event.id)
    await expire_hold(registration, now)
    await client.get(f"/r/{registration.token}")
    response = await client.post(
        f"/r/{registration.token}/confirm", data={"_csrf_token": cookie_token(client)}
    )
    assert response.status_code == 409
    [expired] = await registrations.list_for_event(event.id)
    assert expired.status is RegistrationStatus.CANCELLED
    assert await seats_taken(event.id) == 0
    assert (
        "Status: <strong>storniert</strong>" in (await client.get(f"/r/{registration.token}")).text
    )

    # The address may simply register again, with a fresh link.
    fresh = await register_pending(client, event.slug, event.id)
    assert fresh.status is RegistrationStatus.PENDING
    assert fresh.token != registration.token
    assert await seats_taken(event.id) == 1
