"""Security headers on every response, and the flags of every cookie, over http and https."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import AsyncIterator

import httpx
import pytest
from litestar.routes import HTTPRoute

from app.asgi import create_app
from app.services import organisers
from app.web.auth import SESSION_COOKIE
from app.web.language import LANGUAGE_COOKIE
from tests.web.conftest import SameLoopTestClient, cookie_token, upcoming

CSRF_COOKIE = "treffpunkt_csrf"
EMAIL = "sicher@example.org"
PASSWORD = "ein-langes-passwort-42"

#: Pages worth naming even if the route sweep below finds them too: the docs, an error page.
NAMED_PATHS = (
    "/",
    "/events/konferenz",
    "/privacy",
    "/nirgends",
    "/api/v1/events",
    "/api/v1/nirgends",
    "/api/schema",
    "/api/schema/openapi.json",
    "/healthz",
    "/organiser/sign-in",
    "/organiser/",
    "/static/site.css",
)


@pytest.fixture(params=["http", "https"])
async def scheme_client(
    request, db, settings, event_factory, clock
) -> AsyncIterator[SameLoopTestClient]:
    """A client of an app whose BASE_URL is http or https, with one upcoming event."""
    await event_factory(**upcoming())
    await organisers.create_organiser(db, EMAIL, PASSWORD, "Olena Koval")
    scheme = request.param
    app = create_app(
        dataclasses.replace(settings, base_url=f"{scheme}://treffpunkt.example"),
        database=db,
        clock=clock,
    )
    async with SameLoopTestClient(app, base_url=f"{scheme}://testserver.local") as client:
        yield client


def _is_https(client: httpx.AsyncClient) -> bool:
    return client.base_url.scheme == "https"


def _get_paths(client: SameLoopTestClient) -> list[str]:
    """Every GET route of the app, path parameters filled with example values."""
    paths = set(NAMED_PATHS)
    for route in client.app.routes:
        if isinstance(route, HTTPRoute) and "GET" in route.methods:
            paths.add(
                re.sub(
                    r"\{(\w+):(\w+)\}",
                    lambda m: "1" if m.group(2) == "int" else "beispiel",
                    route.path,
                )
            )
    return sorted(paths)


async def test_every_get_route_carries_the_security_headers(scheme_client) -> None:
    https = _is_https(scheme_client)
    checked = 0
    for path in _get_paths(scheme_client):
        response = await scheme_client.get(path, follow_redirects=False)
        headers = response.headers
        assert headers["x-content-type-options"] == "nosniff", path
        assert headers["x-frame-options"] == "DENY", path
        assert headers["referrer-policy"] in ("strict-origin-when-cross-origin", "no-referrer")
        assert headers["permissions-policy"] == "camera=(), microphone=(), geolocation=()", path
        assert headers["cross-origin-opener-policy"] == "same-origin", path
        csp = headers["content-security-policy"]
        directives = {
            name: value.strip()
            for name, _, value in (part.strip().partition(" ") for part in csp.split(";"))
        }
        assert directives["script-src"] == "'self'", path
        assert directives["default-src"] == "'self'", path
        assert directives["frame-ancestors"] == "'none'", path
        assert directives["base-uri"] == "'none'", path
        if path.startswith("/api/schema"):
            # The vendored Swagger UI styles elements inline: styles only, never scripts.
            assert directives["style-src"] == "'self' 'unsafe-inline'", path
        else:
            assert "unsafe-inline" not in csp, path
        if https:
            assert headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"
        else:
            assert "strict-transport-security" not in headers, path
        checked += 1
    assert checked > len(NAMED_PATHS)


async def test_the_docs_page_runs_no_inline_script(scheme_client) -> None:
    docs = await scheme_client.get("/api/schema")
    assert docs.status_code == 200
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", docs.text)
    assert not re.search(r"\son[a-z]+=", docs.text)  # no inline event handlers either


async def test_error_responses_carry_the_headers_too(scheme_client) -> None:
    for response in (
        await scheme_client.get("/nirgends"),
        await scheme_client.post("/events/konferenz/register", data={}),  # no CSRF token: 403
        await scheme_client.delete("/"),
    ):
        assert response.status_code >= 400
        assert response.headers["cross-origin-opener-policy"] == "same-origin"
        assert "unsafe-inline" not in response.headers["content-security-policy"]
        assert ("strict-transport-security" in response.headers) is _is_https(scheme_client)


def _set_cookie(response: httpx.Response, name: str) -> str:
    cookies = [
        value
        for key, value in response.headers.multi_items()
        if key == "set-cookie" and value.startswith(f"{name}=")
    ]
    assert cookies, f"no {name} cookie set"
    return cookies[-1]


def _flags(cookie: str) -> set[str]:
    """The attribute names of a Set-Cookie value, and SameSite's value, lower case."""
    flags = set()
    for attribute in cookie.split(";")[1:]:
        name, _, value = attribute.strip().partition("=")
        name = name.lower()
        flags.add(f"samesite={value.lower()}" if name == "samesite" else name)
    return flags


def _assert_flags(cookie: str, *, https: bool) -> None:
    flags = _flags(cookie)
    assert "httponly" in flags, cookie
    assert "samesite=lax" in flags, cookie
    assert ("secure" in flags) is https, cookie


async def test_the_csrf_cookie(scheme_client) -> None:
    response = await scheme_client.get("/events/konferenz")
    _assert_flags(_set_cookie(response, CSRF_COOKIE), https=_is_https(scheme_client))


async def test_the_language_cookie(scheme_client) -> None:
    response = await scheme_client.get("/?lang=uk")
    _assert_flags(_set_cookie(response, LANGUAGE_COOKIE), https=_is_https(scheme_client))


async def test_the_session_cookie(scheme_client) -> None:
    await scheme_client.get("/organiser/sign-in")
    response = await scheme_client.post(
        "/organiser/sign-in",
        data={"email": EMAIL, "password": PASSWORD, "_csrf_token": cookie_token(scheme_client)},
        follow_redirects=False,
    )
    assert response.status_code == 303
    cookie = _set_cookie(response, SESSION_COOKIE)
    _assert_flags(cookie, https=_is_https(scheme_client))
    assert (await scheme_client.get("/organiser/")).status_code == 200
