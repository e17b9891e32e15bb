"""The German addresses of before lead on to their English ones, for good."""

from __future__ import annotations

import re

from litestar.routes import HTTPRoute
from litestar.testing import AsyncTestClient

from app import paths
from app.domain.mailbox_proof import all_events_key
from app.settings import Settings
from tests.conftest import registration_form
from tests.web.conftest import cookie_token, submit, token_from, upcoming

Client = AsyncTestClient

#: Example values for the path parameters, as a bookmark or a mail would hold them.
EXAMPLES = {"token": "tok-en_42", "key": "k3y", "event_id": 7, "registration_id": 8, "mail_id": 9}
EXAMPLES |= {"token_id": 10}


def _routes(client: Client) -> set[str]:
    return {route.path for route in client.app.routes if isinstance(route, HTTPRoute)}


def _litestar_path(template: str) -> str:
    # Litestar lists a route without its trailing slash (the start page ``/`` aside).
    return template.rstrip("/") or "/"


def test_every_old_address_leads_to_a_route_of_the_app(client: Client) -> None:
    routes = _routes(client)
    for old, new in paths.MOVED:
        assert _litestar_path(old) in routes, old
        assert _litestar_path(new) in routes, new
        assert set(re.findall(r"\{\w+:\w+\}", old)) == set(re.findall(r"\{\w+:\w+\}", new))


async def test_every_old_address_redirects_get_permanently_keeping_the_query(
    client: Client,
) -> None:
    for old, new in paths.MOVED:
        response = await client.get(
            paths.fill(old, **EXAMPLES) + "?lang=uk&x=1", follow_redirects=False
        )
        assert response.status_code == 301, old
        assert response.headers["location"] == paths.fill(new, **EXAMPLES) + "?lang=uk&x=1"


async def test_every_old_address_redirects_post_with_its_body(client: Client) -> None:
    await client.get(paths.INDEX)
    for old, new in paths.MOVED:
        response = await client.post(
            paths.fill(old, **EXAMPLES),
            data={"_csrf_token": cookie_token(client)},
            follow_redirects=False,
        )
        # 308: the browser sends the same form again, to the new address.
        assert response.status_code == 308, old
        assert response.headers["location"] == paths.fill(new, **EXAMPLES)


async def test_an_old_post_without_csrf_token_is_still_refused(client: Client) -> None:
    await client.get(paths.INDEX)
    response = await client.post(
        paths.fill("/organisation/veranstaltungen/{event_id:int}/absagen", **EXAMPLES),
        data={},
        follow_redirects=False,
    )
    assert response.status_code == 403


async def test_the_privacy_notice_moved(client: Client) -> None:
    response = await client.get("/datenschutz?version=1", follow_redirects=False)
    assert response.status_code == 301
    assert response.headers["location"] == "/privacy?version=1"


async def test_the_mailed_feed_of_all_events_is_still_served_at_its_old_address(
    client: Client, event_factory, settings: Settings
) -> None:
    await event_factory(**upcoming(slug="treffen", title="Treffen"))
    location = (await submit(client, "treffen", registration_form("anna@stadt.example"))).headers[
        "location"
    ]
    token = token_from(location)
    key = all_events_key(settings.secret_key, token, "anna@stadt.example")
    new = await client.get(paths.all_events_feed(token, key))
    old = await client.get(paths.fill(paths.OLD_ALL_EVENTS_FEED, token=token, key=key))
    assert old.status_code == new.status_code == 200
    assert old.content == new.content
    assert b"SUMMARY:Treffen" in old.content
