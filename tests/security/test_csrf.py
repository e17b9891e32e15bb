"""CSRF: every form route refuses a missing or foreign token with 403 and changes nothing.

The routes come from the app's route table: every POST outside ``/api/`` and the calendar files.
The organiser is signed in and the path values name real rows, so the CSRF check is the only
thing that stands between each request and its effect; the same request with the right token is
shown to get through at the end (so the refusals are the token's doing).

Not checked by the app: the ``Origin`` header. A cross-site page cannot read the token, and the
cookies are ``SameSite=Lax`` (no cookie on a cross-site POST), so a foreign ``Origin`` without
the victim's token is refused like any other forged request.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
from litestar.middleware.csrf import generate_csrf_token
from litestar.routes import HTTPRoute
from piccolo.apps.user.tables import BaseUser

from app.db import tables
from app.db.tables import Outbox
from tests.security.conftest import World
from tests.web.conftest import SameLoopTestClient, cookie_token
from tests.web.test_organisers import sign_in

CSRF_COOKIE = "treffpunkt_csrf"
_PARAM = re.compile(r"\{(\w+):\w+\}")


async def snapshot() -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, in id order.

    Left out: the privacy notice's table (the app records the shipped notice on first use) and
    when an API token was last used (written by any authenticated request).
    """
    result = {}
    for table in (tables.Event, tables.Registration, tables.Outbox, tables.ApiToken, BaseUser):
        rows = await table.select().order_by(table.id)
        for row in rows:
            row.pop("last_used_at", None)
        result[table._meta.tablename] = rows
    return result


def form_routes(app: Any) -> list[str]:
    """Every POST route outside the API and the calendar files."""
    found = [
        route.path
        for route in app.routes
        if isinstance(route, HTTPRoute)
        and "POST" in route.methods
        and not route.path.startswith("/api/")
        and not route.path.endswith(".ics")
    ]
    return sorted(found)


async def path_values(world: World) -> dict[str, str]:
    mail = await Outbox.select(Outbox.id).order_by(Outbox.id).first()
    assert mail, "the registration queued a mail"
    token = await tables.ApiToken.select(tables.ApiToken.id).first()
    assert token
    return {
        "slug": world.event.slug,
        "token": world.registration.token,
        "event_id": str(world.event.id),
        "registration_id": str(world.registration.id),
        "mail_id": str(mail["id"]),
        "token_id": str(token["id"]),
        # No webhook exists: the right token meets a 404, a missing one a 403 first.
        "endpoint_id": "1",
        "delivery_id": "1",
        # The account changed or removed from a team: the signed-in organiser's own.
        "organiser_id": "1",
    }


def fill(path: str, values: dict[str, str]) -> str:
    return _PARAM.sub(lambda match: values[match.group(1)], path)


#: A plausible form for each route, so that only the token is missing.
def form_for(path: str, world: World) -> dict[str, str]:
    if path.endswith(("/register", "/registrations/new")):
        return {
            "first_name": "Mallory",
            "last_name": "Forge",
            "email": "mallory@example.org",
            "consent": "on",
        }
    if path == "/organiser/sign-in":
        return {"email": "orga@example.org", "password": "ein-langes-passwort-42"}
    if path.endswith(("/edit", "/new")):
        return {"title": "Gekapert", "slug": "gekapert"}
    if "/message" in path:
        return {"subject": "Gekapert", "body": "Bitte hier klicken", "recipients": "all"}
    if path.endswith("/registrations/bulk"):
        chosen = str(world.registration.id)
        return {"action": "check_in", "ids": chosen, "confirmed": chosen}
    if path == "/organiser/api-tokens":
        return {"name": "Gekapert"}
    if path.endswith("/cancel"):
        return {"reason": "Gekapert"}
    return {"confirm": "1"}


Attack = tuple[dict[str, str], dict[str, str], str | None]


def attacks(victim: str, other: str) -> dict[str, Attack]:
    """name: (cookie jar changes, extra headers, form token or None)."""
    foreign_secret = generate_csrf_token("y" * 32)
    return {
        "missing": ({}, {}, None),
        "missing, cross-site Origin": ({}, {"Origin": "https://evil.example"}, None),
        "another session's token": ({}, {}, other),
        "the form's token, another cookie": ({CSRF_COOKIE: other}, {}, victim),
        "no cookie, the form's token": ({CSRF_COOKIE: ""}, {}, victim),
        "signed with another key, cookie to match": (
            {CSRF_COOKIE: foreign_secret},
            {},
            foreign_secret,
        ),
        "garbage": ({CSRF_COOKIE: "x' OR '1'='1"}, {}, "x' OR '1'='1"),
        "token in the header of another session": ({}, {"X-CSRFToken": other}, None),
        "cross-site Origin and Referer, another session's token": (
            {},
            {"Origin": "https://evil.example", "Referer": "https://evil.example/"},
            other,
        ),
    }


async def test_every_form_route_refuses_missing_or_foreign_tokens(
    client: SameLoopTestClient, world: World
) -> None:
    routes = form_routes(client.app)
    # The walk covers the public forms and the organisers' ones.
    assert "/events/{slug:str}/register" in routes
    assert "/r/{token:str}/cancel" in routes
    assert "/r/{token:str}/delete-data" in routes
    assert "/organiser/events/new" in routes
    assert "/organiser/events/{event_id:int}/registrations/bulk" in routes
    assert len(routes) >= 20, routes
    values = await path_values(world)

    # Another visitor's token, from their own session.
    async with SameLoopTestClient(client.app) as stranger:
        await stranger.get("/")
        other = cookie_token(stranger)

    assert (await sign_in(client)).status_code == 303
    await client.get("/organiser")
    victim = cookie_token(client)
    assert victim != other
    before = await snapshot()
    refused = 0
    for route in routes:
        path = fill(route, values)
        for name, (cookies, headers, token) in attacks(victim, other).items():
            data = form_for(path, world)
            if token is not None:
                data["_csrf_token"] = token
            for cookie, value in cookies.items():
                if value:
                    client.cookies.set(cookie, value, domain="testserver.local")
                else:
                    client.cookies.delete(cookie)
            try:
                response = await client.post(
                    path, data=data, headers=headers, follow_redirects=False
                )
            finally:
                client.cookies.set(CSRF_COOKIE, victim, domain="testserver.local")
            assert response.status_code == 403, (route, name, response.status_code)
            refused += 1
    assert refused == len(routes) * len(attacks(victim, other))
    assert await snapshot() == before

    # Still signed in, and the right token gets through on each route: nothing above was
    # refused for another reason. Signing out comes last.
    ordered = sorted(routes, key=lambda r: r == "/organiser/sign-out")
    for route in ordered:
        path = fill(route, values)
        data = {**form_for(path, world), "_csrf_token": victim}
        response = await client.post(path, data=data, follow_redirects=False)
        assert response.status_code != 403, (route, response.status_code)
        assert response.status_code < 500, (route, response.status_code, response.text[:300])
    assert await snapshot() != before


async def test_the_sign_in_form_refuses_a_foreign_token(
    client: SameLoopTestClient, world: World
) -> None:
    await client.get("/organiser/sign-in")
    form = {"email": "orga@example.org", "password": "ein-langes-passwort-42"}
    forged = generate_csrf_token("y" * 32)
    response = await client.post(
        "/organiser/sign-in",
        data={**form, "_csrf_token": forged},
        headers={"Origin": "https://evil.example"},
        follow_redirects=False,
    )
    assert response.status_code == 403
    assert "treffpunkt_session" not in response.headers.get("set-cookie", "")
    # The organiser pages stay closed.
    assert (await client.get("/organiser", follow_redirects=False)).status_code == 303


async def test_json_or_multipart_bodies_do_not_bypass_the_check(
    client: SameLoopTestClient, world: World
) -> None:
    """Another encoding of the same form is refused all the same.

    (Multipart is left out: Litestar's CSRF check parses the upload and leaves its temporary
    file for the garbage collector, a ResourceWarning that fails the run.)
    """
    await client.get(f"/events/{world.event.slug}")
    before = await snapshot()
    path = f"/events/{world.event.slug}/register"
    form = form_for(path, world)
    responses = [
        await client.post(path, json=form, follow_redirects=False),
        await client.post(
            path,
            content="&".join(f"{k}={v}" for k, v in form.items()),
            headers={"Content-Type": "text/plain"},
            follow_redirects=False,
        ),
    ]
    assert [r.status_code for r in responses] == [403, 403]
    assert await snapshot() == before


async def test_a_cross_site_post_with_the_right_token_is_not_refused_by_origin(
    client: SameLoopTestClient, world: World
) -> None:
    """Documents the limit: the token decides, not ``Origin`` (see the module's docstring)."""
    await client.get(f"/events/{world.event.slug}")
    path = f"/events/{world.event.slug}/register"
    response = await client.post(
        path,
        data={**form_for(path, world), "_csrf_token": cookie_token(client)},
        headers={"Origin": "https://evil.example"},
        follow_redirects=False,
    )
    assert response.status_code in (200, 303)
    assert isinstance(response, httpx.Response)
