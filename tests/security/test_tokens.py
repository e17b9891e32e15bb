"""Guessed or altered tokens: personal links and API tokens.

A personal token with one character flipped, truncated, padded, in other alphabets, with path
traversal, a URL-encoded NUL or very long, on every route that takes one: always 404 (or a
clean 400/403/405), never 5xx, never a page with anybody's data, nothing changed. API tokens
altered the same ways, or sent in the wrong place: always 401. (httpx sends no URL over 64 KiB:
the longest token tried is 20,000 characters.)
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

import pytest

from app.db.database import Database
from app.services import registrations
from tests.conftest import registration_request
from tests.security.conftest import World
from tests.security.test_csrf import snapshot
from tests.web.conftest import SameLoopTestClient, cookie_token

GET_ROUTES = ("/r/{}", "/r/{}/calendar.ics", "/r/{}/data.json", "/j/{}")
POST_ROUTES = ("/r/{}/cancel", "/r/{}/confirm", "/r/{}/delete-data", "/r/{}/certificate")
#: What a page for a person would show: names and addresses of both people.
PERSONAL = ("anna@example.org", "Koval", "borys@example.org", "Shevchenko", "Borys")
REFUSED = {400, 403, 404, 405}


def altered(token: str) -> dict[str, str]:
    """Ways to alter a valid token, each as it appears in the URL path (quoted where needed)."""

    def flip(i: int) -> str:
        swapped = "B" if token[i] != "B" else "C"
        return token[:i] + swapped + token[i + 1 :]

    variants = {
        "first character flipped": flip(0),
        "middle character flipped": flip(len(token) // 2),
        "last character flipped": flip(len(token) - 1),
        "case swapped": token.swapcase(),
        "one shorter": token[:-1],
        "half": token[: len(token) // 2],
        "one character": token[:1],
        "padded": token + "A",
        "base64 padding": token + "=",
        "trailing space": token + " ",
        "leading space": " " + token,
        "Cyrillic A": "А" + token[1:],
        "fullwidth": "".join(chr(ord(c) + 0xFEE0) if c.isalnum() else c for c in token),
        "emoji": token[:-1] + "😀",
        "NUL appended": token + "\x00",
        "NUL inside": token[:10] + "\x00" + token[11:],
        "very long": token * 300,
        "20,000 characters": "A" * 20_000,
        "SQL": "' OR '1'='1",
        "percent and underscore": "%" * 43,
        "LIKE wildcard": "_" * 43,
        "backslash": "\\" * 43,
        "encoded slash": token[:20] + "/" + token[21:],
    }
    quoted = {name: quote(value, safe="") for name, value in variants.items()}
    # Path traversal, left unquoted so that the path holds real dots and slashes too.
    quoted.update(
        {
            "dot dot": "..",
            "traversal to another token": f"..%2F{token}",
            "traversal up": "..%2F..%2F..%2Fetc%2Fpasswd",
            "double-encoded traversal": "%252e%252e%252f",
            "encoded NUL": "%00",
            "encoded NUL after the token": token + "%00",
        }
    )
    return quoted


@pytest.fixture
async def second(db: Database, world: World, now: dt.datetime) -> str:
    """Another person on the same event: their token must never open anything for anyone else."""
    form = registration_request("borys@example.org", first_name="Borys", last_name="Shevchenko")
    return (await registrations.register(db, world.event.slug, form, now)).registration.token


async def test_altered_personal_tokens_are_refused_everywhere(
    client: SameLoopTestClient, world: World, second: str
) -> None:
    token = world.registration.token
    # The real one opens the page, with the person's data (the check below can fail).
    page = await client.get(f"/r/{token}")
    assert page.status_code == 200
    assert "Koval" in page.text
    await client.get("/")
    csrf = cookie_token(client)
    before = await snapshot()
    tried = 0
    for name, value in altered(token).items():
        for route in GET_ROUTES + POST_ROUTES:
            path = route.format(value)
            if route in POST_ROUTES:
                response = await client.post(
                    path, data={"_csrf_token": csrf}, follow_redirects=False
                )
            else:
                response = await client.get(path, follow_redirects=False)
            sent = response.request.url.raw_path.decode()
            if sent.startswith(("/r/", "/j/")):
                assert response.status_code in REFUSED, (name, route, response.status_code)
            else:
                # "/r/.." is "/" once the client resolves the dots: the home page, no token route.
                assert response.status_code < 500, (name, route, response.status_code)
            for text in PERSONAL:
                assert text not in response.text, (name, route, text)
            assert "location" not in response.headers, (name, route)
            tried += 1
    assert tried == len(altered(token)) * len(GET_ROUTES + POST_ROUTES)
    assert await snapshot() == before
    # Both people still have their pages.
    assert (await client.get(f"/r/{token}")).status_code == 200
    assert (await client.get(f"/r/{second}")).status_code == 200


async def test_api_tokens_altered_or_misplaced_are_401(
    client: SameLoopTestClient, world: World
) -> None:
    failures = client.app.stores.get("api_token_failures")
    secret = world.api_secret
    url = "/api/v1/organiser/events"
    assert (await client.get(url, headers={"Authorization": f"Bearer {secret}"})).status_code == 200
    variants = {
        name: value
        for name, value in altered(secret).items()
        # A header holds no NUL, line break or non-ASCII character: httpx refuses to send them.
        if "%" not in value or name in ("percent and underscore",)
    }
    variants["percent and underscore"] = "%" * 46
    variants["prefix only"] = "tp_"
    variants["hash of the token"] = "5" * 64
    variants["shown prefix"] = secret[:10]
    tried = 0
    for name, value in variants.items():
        await failures.delete_all()  # the failure throttle (tested on its own) stays out of it
        response = await client.get(url, headers={"Authorization": f"Bearer {value}"})
        assert response.status_code == 401, (name, response.status_code)
        assert response.headers["content-type"] == "application/problem+json"
        tried += 1
    await failures.delete_all()
    misplaced = [
        {"Authorization": f"Basic {secret}"},
        {"Authorization": f"Token {secret}"},
        {"Authorization": secret},
        {"Authorization": f"Bearer{secret}"},
        {"X-Api-Token": secret},
        {"Cookie": f"access_token={secret}"},
    ]
    for headers in misplaced:
        response = await client.get(url, headers=headers)
        assert response.status_code == 401, headers
    response = await client.get(url, params={"access_token": secret})
    assert response.status_code == 401
    assert tried >= 15
    # The real one still works.
    assert (await client.get(url, headers={"Authorization": f"Bearer {secret}"})).status_code == 200
