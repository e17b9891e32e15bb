"""Organiser accounts: made on the command line, signing in and out, the guard, the throttle."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from litestar.handlers import HTTPRouteHandler
from litestar.routes import HTTPRoute

from app import paths
from app.asgi import create_app
from app.domain.model import EventStatus
from app.services import organisers
from app.web.auth import SESSION_COOKIE, organiser_guard
from tests.web.conftest import SameLoopTestClient, cookie_token

EMAIL = "orga@example.org"
PASSWORD = "ein-langes-passwort-42"
ROOT = Path(__file__).resolve().parents[2]


async def sign_in(
    client: httpx.AsyncClient, email: str = EMAIL, password: str = PASSWORD, weiter: str = ""
) -> httpx.Response:
    """Open the sign-in page (for the CSRF cookie) and send the form."""
    await client.get("/organiser/sign-in")
    form = {"email": email, "password": password, "_csrf_token": cookie_token(client)}
    if weiter:
        form["next"] = weiter
    return await client.post("/organiser/sign-in", data=form, follow_redirects=False)


@pytest.fixture
async def organiser(db):
    return await organisers.create_organiser(db, EMAIL, PASSWORD, "Olena Koval")


def _example_path(path: str) -> str:
    return re.sub(r"\{(\w+):(\w+)\}", lambda m: "1" if m.group(2) == "int" else "beispiel", path)


def _organiser_routes(client) -> list[HTTPRoute]:
    return [
        route
        for route in client.app.routes
        if isinstance(route, HTTPRoute) and route.path.startswith(paths.ORGANISER)
    ]


def _handled_methods(route: HTTPRoute) -> list[tuple[HTTPRouteHandler, str]]:
    """Each method of ``route`` with its handler; OPTIONS is Litestar's own, for every route."""
    return sorted(
        (
            (handler, method)
            for handler in route.route_handlers
            for method in handler.http_methods
            if method != "OPTIONS"
        ),
        key=lambda pair: pair[1],
    )


def _is_guarded(handler: HTTPRouteHandler) -> bool:
    # Litestar wraps each guard of the handler and its layers in an AsyncCallable.
    return organiser_guard in [getattr(guard, "func", guard) for guard in handler.resolve_guards()]


async def test_every_organiser_route_refuses_anonymous_access(client):
    sign_in_path = paths.sign_in()
    checked = []
    for route in _organiser_routes(client):
        path = _example_path(route.path)
        for handler, method in _handled_methods(route):
            if path in (sign_in_path, paths.sign_in_code()):
                continue
            # Guarded by the router, not by the path: the guard must be on the handler itself.
            assert _is_guarded(handler), (method, path)
            response = await client.request(method, path, follow_redirects=False)
            checked.append((method, path))
            assert response.status_code not in range(200, 300), (method, path)
            if method == "GET":
                assert response.status_code == 303, path
                location = response.headers["location"]
                assert location.startswith(f"{sign_in_path}?next="), location
            else:
                assert response.status_code in (303, 401, 403), (method, path)
    # The walk saw the start page and the sign-out at least.
    assert ("GET", "/organiser") in checked or ("GET", "/organiser/") in checked
    assert ("POST", "/organiser/sign-out") in checked


async def test_only_the_sign_in_is_outside_the_guard(client):
    unguarded = {
        (method, route.path)
        for route in _organiser_routes(client)
        for handler, method in _handled_methods(route)
        if not _is_guarded(handler)
    }
    # The sign-in and its second step (which reads only a pending session, never a full one).
    assert unguarded == {
        ("GET", paths.sign_in()),
        ("POST", paths.sign_in()),
        ("GET", paths.sign_in_code()),
        ("POST", paths.sign_in_code()),
    }


async def test_sign_in_page_is_open_and_german(client):
    response = await client.get("/organiser/sign-in")
    assert response.status_code == 200
    assert '<label for="f-email">E-Mail-Adresse' in response.text
    assert '<label for="f-password">Passwort' in response.text
    assert 'name="_csrf_token"' in response.text


async def test_sign_in_lands_on_the_start_page_and_sign_out_ends_the_session(
    client, organiser, event_factory
):
    await event_factory(slug="entwurf", title="Ein Entwurf", status=EventStatus.DRAFT)
    response = await sign_in(client)
    assert response.status_code == 303
    assert response.headers["location"] == "/organiser/"
    home = await client.get("/organiser/")
    assert home.status_code == 200
    assert "Veranstaltungen verwalten" in home.text
    assert "Ein Entwurf" in home.text
    assert home.headers["cache-control"] == "no-store"

    out = await client.post(
        "/organiser/sign-out",
        data={"_csrf_token": cookie_token(client)},
        follow_redirects=False,
    )
    assert out.status_code == 303
    assert out.headers["location"].startswith("/organiser/sign-in")
    assert not client.cookies.get(SESSION_COOKIE)
    again = await client.get("/organiser/", follow_redirects=False)
    assert again.status_code == 303


async def test_wrong_password_and_unknown_email_get_the_same_answer(client, organiser):
    wrong = await sign_in(client, password="falsch-falsch-falsch")
    unknown = await sign_in(client, email="niemand@example.org")
    assert wrong.status_code == unknown.status_code == 400
    message = "E-Mail-Adresse oder Passwort ist falsch."
    assert message in wrong.text
    assert message in unknown.text
    assert 'value="orga@example.org"' in wrong.text
    assert 'value="niemand@example.org"' in unknown.text
    assert PASSWORD not in wrong.text
    assert not client.cookies.get(SESSION_COOKIE)


async def test_sign_in_needs_the_csrf_token(client, organiser):
    await client.get("/organiser/sign-in")
    response = await client.post("/organiser/sign-in", data={"email": EMAIL, "password": PASSWORD})
    assert response.status_code == 403


async def test_session_cookie_is_httponly_lax_and_expires(client, organiser):
    response = await sign_in(client)
    cookie = next(
        value
        for name, value in response.headers.multi_items()
        if name == "set-cookie" and value.startswith(f"{SESSION_COOKIE}=")
    )
    flags = cookie.lower()
    assert "httponly" in flags
    assert "samesite=lax" in flags
    assert "max-age=43200" in flags
    assert "secure" not in flags.replace("samesite", "")
    assert EMAIL not in cookie


async def test_session_cookie_is_secure_over_https(db, settings, organiser, clock):
    app = create_app(
        dataclasses.replace(settings, base_url="https://treffpunkt.example"),
        database=db,
        clock=clock,
    )
    async with SameLoopTestClient(app, base_url="https://testserver.local") as client:
        response = await sign_in(client)
        cookie = next(
            value
            for name, value in response.headers.multi_items()
            if name == "set-cookie" and value.startswith(f"{SESSION_COOKIE}=")
        )
        assert "; secure" in cookie.lower()


async def test_the_organiser_lands_where_they_wanted_to_go(client, organiser):
    response = await client.get("/organiser/?ansicht=alle", follow_redirects=False)
    assert response.status_code == 303
    location = response.headers["location"]
    weiter = parse_qs(urlsplit(location).query)["next"][0]
    # Litestar hands the path on without its trailing slash.
    assert weiter in ("/organiser?ansicht=alle", "/organiser/?ansicht=alle")
    page = await client.get(location)
    assert f'name="next" value="{weiter}"' in page.text
    signed_in = await sign_in(client, weiter=weiter)
    assert signed_in.headers["location"] == weiter


@pytest.mark.parametrize(
    "weiter",
    [
        "https://evil.example",
        "//evil.example/organiser/",
        "/events/x",
        "/organiser//evil",
        "/organiserx",
        "/organiser/\\evil.example",
    ],
)
async def test_weiter_never_leads_off_the_organiser_pages(client, organiser, weiter):
    response = await sign_in(client, weiter=weiter)
    assert response.status_code == 303
    assert response.headers["location"] == "/organiser/"


async def test_a_changed_password_ends_the_session(client, organiser):
    from piccolo.apps.user.tables import BaseUser

    await sign_in(client)
    assert (await client.get("/organiser/")).status_code == 200
    await BaseUser.update_password(EMAIL, "ein-anderes-passwort-43")
    assert (await client.get("/organiser/", follow_redirects=False)).status_code == 303


async def test_sign_in_attempts_are_throttled(db, settings, organiser, clock):
    app = create_app(dataclasses.replace(settings, login_rate_limit=3), database=db, clock=clock)
    async with SameLoopTestClient(app) as client:
        answers = [
            (await sign_in(client, password=f"falsch-{i}-xxxxxxx")).status_code for i in range(4)
        ]
        assert answers == [400, 400, 400, 429]
        refused = await sign_in(client)
        assert refused.status_code == 429
        assert "Zu viele Anfragen" in refused.text
        assert "Anmeldeversuche" in refused.text
        # The sign-in page itself and the public pages stay readable.
        assert (await client.get("/organiser/sign-in")).status_code == 200
        assert (await client.get("/")).status_code == 200


async def test_public_pages_set_no_session_cookie(client):
    response = await client.get("/")
    assert response.status_code == 200
    assert SESSION_COOKIE not in response.headers.get("set-cookie", "")


async def _cli(
    arguments: list[str], stdin: str, env: dict[str, str], cwd: Path
) -> subprocess.CompletedProcess[str]:
    """``python -m app ...`` in a process of its own, with ``stdin`` piped in."""
    return await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "app", *arguments],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=60,
        check=False,
    )


@pytest.mark.slow
async def test_create_organiser_on_the_command_line_then_sign_in(
    db, database_url, client, tmp_path
):
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "y" * 32,
        "PYTHONPATH": str(ROOT),
    }
    env.pop("DEBUG", None)
    run = await _cli(
        ["create-organiser", "--email", "Neu@Example.org", "--name", "Neue Person"],
        f"{PASSWORD}\n{PASSWORD}\n",
        env,
        tmp_path,
    )
    assert run.returncode == 0, run.stderr
    assert "neu@example.org" in run.stdout
    assert PASSWORD not in run.stdout + run.stderr

    response = await sign_in(client, email="neu@example.org")
    assert response.status_code == 303
    home = await client.get("/organiser/")
    assert "Neue Person" in home.text

    differing = await _cli(
        ["create-organiser", "--email", "zwei@example.org"],
        f"{PASSWORD}\nanders-{PASSWORD}\n",
        env,
        tmp_path,
    )
    assert differing.returncode == 1
    assert "differ" in differing.stderr
    assert "--password" not in run.stdout


async def test_the_start_page_leads_to_each_events_pages_and_they_answer(
    client, organiser, event_factory
):
    event = await event_factory(slug="treffen", title="Treffen")
    await sign_in(client)
    home = (await client.get("/organiser/")).text
    links = [
        f"/organiser/events/{event.id}/registrations",
        f"/organiser/events/{event.id}/check-in",
        f"/organiser/events/{event.id}/message",
        f"/organiser/outbox?event={event.id}",
        "/organiser/outbox",
    ]
    for link in links:
        assert f'href="{link}"' in home
        assert (await client.get(link)).status_code == 200, link
