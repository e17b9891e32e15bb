"""The registrant's data as JSON and its deletion; organisers delete one registration's data."""

from __future__ import annotations

import json

from app.db.tables import Registration as RegistrationTable
from app.domain.model import RegistrationStatus, Seats
from tests.conftest import registration_form
from tests.web.conftest import SECRETS, cookie_token, submit, token_from, upcoming
from tests.web.test_organisers import organiser, sign_in  # noqa: F401 - the fixture is used


async def _registered(client, event_factory, email="olena@example.org", **form):
    await event_factory(slug="forum", in_person_seats=Seats(1, 0), **upcoming())
    response = await submit(client, "forum", registration_form(email, **form))
    return token_from(response.headers["location"])


async def test_the_registrant_downloads_everything_held_on_them(client, event_factory):
    token = await _registered(client, event_factory, last_name="Коваль <b>")
    response = await client.get(f"/r/{token}/data.json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert "attachment" in response.headers["content-disposition"]
    assert response.headers["cache-control"] == "no-store"
    data = json.loads(response.content)
    assert data["registration"]["last_name"] == "Коваль <b>"
    assert data["registration"]["email"] == "olena@example.org"
    assert data["consent"]["given_at"]
    assert token not in response.text
    for secret in SECRETS:
        assert secret not in response.text
    assert (await client.get("/r/" + "A" * 43 + "/data.json")).status_code == 404


async def test_deleting_needs_the_tick_then_the_data_and_the_link_are_gone(client, event_factory):
    token = await _registered(client, event_factory)
    await client.get(f"/r/{token}")
    refused = await client.post(
        f"/r/{token}/delete-data", data={"_csrf_token": cookie_token(client)}
    )
    assert refused.status_code == 400
    assert (await client.get(f"/r/{token}")).status_code == 200

    deleted = await client.post(
        f"/r/{token}/delete-data",
        data={"_csrf_token": cookie_token(client), "confirm": "yes"},
    )
    assert deleted.status_code == 200
    assert "Daten sind gelöscht" in deleted.text
    assert (await client.get(f"/r/{token}")).status_code == 404
    rows = await RegistrationTable.select()
    assert [row["first_name"] for row in rows] == [""]
    assert rows[0]["status"] == RegistrationStatus.CANCELLED.value


async def test_deleting_without_the_csrf_token_is_refused(client, event_factory):
    token = await _registered(client, event_factory)
    response = await client.post(f"/r/{token}/delete-data", data={"confirm": "yes"})
    assert response.status_code == 403
    assert (await client.get(f"/r/{token}")).status_code == 200


async def test_an_organiser_deletes_one_registrations_data(client, organiser, event_factory):  # noqa: F811
    token = await _registered(client, event_factory)
    row = await RegistrationTable.select().where(RegistrationTable.token == token).first()
    assert row is not None
    await sign_in(client)
    response = await client.post(
        f"/organiser/events/{row['event']}/registrations/{row['id']}/delete-data",
        data={"_csrf_token": cookie_token(client)},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"].endswith("/registrations?notice=data-deleted")
    assert (await client.get(f"/r/{token}")).status_code == 404
    missing = await client.post(
        f"/organiser/events/{row['event']}/registrations/99999/delete-data",
        data={"_csrf_token": cookie_token(client)},
        follow_redirects=False,
    )
    assert missing.status_code == 404


async def test_the_personal_page_offers_download_and_deletion(client, event_factory):
    token = await _registered(client, event_factory)
    page = (await client.get(f"/r/{token}")).text
    assert f'href="/r/{token}/data.json"' in page
    assert f'action="/r/{token}/delete-data"' in page
    assert 'name="confirm" value="yes"' in page
